"""Document steps of the quote and contract processes: fill the template, store the .docx
(the PDF follows after the commit), put ``document_id`` into the process data.

Properties: ``template`` (a template key, by default ``quote`` / ``contract``) and
``language`` (``zh-CN`` or ``en``; by default the process variable ``document_language``, else
CRM_DOCUMENT_LANGUAGE).
"""

from __future__ import annotations

from ..documents.model import LANGUAGES
from ..services import contracts, documents, quotes
from ..services.tasks import COMPLETED_BY
from . import HandlerContext, handler


def _check(properties: dict) -> list[str]:
    language = properties.get("language")
    if language is not None and language not in LANGUAGES:
        return [f"property 'language' is one of {', '.join(LANGUAGES)} (got {language!r})"]
    return []


def _options(ctx: HandlerContext, default_template: str) -> dict:
    return {"template_key": ctx.properties.get("template") or default_template,
            "language": ctx.properties.get("language") or ctx.data.get("document_language"),
            "instance_id": ctx.instance.id if ctx.instance is not None else None,
            "by": ctx.data.get(COMPLETED_BY)}


@handler("documents.render_quote", check=_check)
def render_quote(ctx: HandlerContext) -> dict:
    quote_id = ctx.data.get("quote_id")
    if not isinstance(quote_id, int):
        raise ValueError("the process data has no quote_id")
    document = documents.render_quote(quotes.locked(quote_id), **_options(ctx, "quote"))
    return {"document_id": document.id}


@handler("documents.render_contract", check=_check)
def render_contract(ctx: HandlerContext) -> dict:
    contract_id = ctx.data.get("contract_id")
    if not isinstance(contract_id, int):
        raise ValueError("the process data has no contract_id")
    contract = contracts.locked(contract_id)
    document = documents.render_contract(contract, **_options(ctx, "contract"))
    contract.document_id = document.id
    return {"document_id": document.id}
