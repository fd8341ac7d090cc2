"""Service tasks of bpmn/after_sales.bpmn; each reads ``opportunity_id`` from the process data."""

from __future__ import annotations

from ..services import after_sales
from . import HandlerContext, handler


def _opportunity_id(ctx: HandlerContext) -> int:
    opportunity_id = ctx.data.get("opportunity_id")
    if not isinstance(opportunity_id, int):
        raise ValueError("the process data has no opportunity_id")
    return opportunity_id


@handler("after_sales.send_survey")
def send_survey(ctx: HandlerContext) -> dict:
    survey = after_sales.send_survey(_opportunity_id(ctx),
                                     ctx.instance.id if ctx.instance is not None else None)
    return {"survey_id": survey.id, "survey_sent_to": survey.contact_id}


def _check_kind(properties: dict) -> list[str]:
    kind = properties.get("kind")
    if kind not in ("repurchase", "renewal", "cross_sell"):
        return [f"property 'kind' must be repurchase, renewal or cross_sell (got {kind!r})"]
    return []


@handler("after_sales.open_opportunity", check=_check_kind)
def open_opportunity(ctx: HandlerContext) -> dict:
    """A repurchase (after a high score) or renewal (before the contract ends) opportunity."""
    kind = ctx.properties.get("kind")
    opportunity = after_sales.open_opportunity(_opportunity_id(ctx), kind)
    return {f"{kind}_opportunity_id": opportunity.id}
