"""Document steps of the quote and contract processes.

The renderer (docxtpl templates, LibreOffice for PDF, the document store) comes with the
documents issue. Until then these steps exist, so the processes deploy and run up to them,
and fail with a message that says what is missing: the instance shows an incident at the
document step, and retrying it once the renderer is installed carries the process on.
"""

from __future__ import annotations

from . import HandlerContext, handler

MISSING = ("{what} cannot be rendered: the document renderer is not installed in this "
           "version of the service (it comes with the documents feature). Retry this step "
           "once it is.")


@handler("documents.render_quote")
def render_quote(ctx: HandlerContext) -> dict:
    raise RuntimeError(MISSING.format(what=f"quote {ctx.data.get('quote_id')}"))


@handler("documents.render_contract")
def render_contract(ctx: HandlerContext) -> dict:
    raise RuntimeError(MISSING.format(what=f"contract {ctx.data.get('contract_number')}"))
