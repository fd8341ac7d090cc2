"""Service tasks of bpmn/quote.bpmn; each reads ``quote_id`` from the process data."""

from __future__ import annotations

from ..services import quotes
from ..services.tasks import COMPLETED_BY
from . import HandlerContext, handler


def _quote(ctx: HandlerContext):
    quote_id = ctx.data.get("quote_id")
    if not isinstance(quote_id, int):
        raise ValueError("the process data has no quote_id")
    return quotes.locked(quote_id)


@handler("quotes.discount_refused")
def discount_refused(ctx: HandlerContext) -> dict:
    quote = _quote(ctx)
    quotes.discount_refused(quote, ctx.data.get("comment"), ctx.data.get(COMPLETED_BY))
    return {"quote_status": quote.status}


@handler("quotes.mark_sent")
def mark_sent(ctx: HandlerContext) -> dict:
    quote = _quote(ctx)
    quotes.mark_sent(quote, ctx.data.get("document_id"))
    return {"quote_status": quote.status}


@handler("quotes.record_customer_decision")
def record_customer_decision(ctx: HandlerContext) -> dict:
    quote = _quote(ctx)
    quotes.record_customer_decision(quote, ctx.data.get("customer_decision"),
                                    ctx.data.get("customer_comment"),
                                    ctx.data.get(COMPLETED_BY))
    return {"quote_status": quote.status}
