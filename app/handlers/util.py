"""General-purpose handlers that many processes use."""

from __future__ import annotations

import logging

from . import HandlerContext, handler

log = logging.getLogger(__name__)


@handler("util.log")
def log_message(ctx: HandlerContext) -> dict:
    """Write the ``message`` property (formatted with the task data) to the service log."""
    template = ctx.properties.get("message", "{element_id} reached")
    try:
        text = template.format_map({**ctx.data, "element_id": ctx.element_id})
    except (KeyError, ValueError):
        text = template
    log.info("process %s: %s", getattr(ctx.instance, "id", None), text)
    return {}


@handler("util.set")
def set_variables(ctx: HandlerContext) -> dict:
    """Copy the service task's properties (other than ``handler``) into the process data."""
    return {k: v for k, v in ctx.properties.items() if k != "handler"}
