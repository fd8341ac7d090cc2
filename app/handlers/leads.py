"""Service tasks of the lead processes (bpmn/lead_routing.bpmn, bpmn/lead_followup.bpmn).

Each reads ``lead_id`` from the process data and works through the lead service, in the step's
unit of work; what it returns is merged into the process data.
"""

from __future__ import annotations

from flask import current_app

from ..errors import DomainError
from ..models.lead import OPEN_LEAD_STATUSES
from ..services import leads, users
from . import HandlerContext, form_check, handler


def _lead(ctx: HandlerContext):
    lead_id = ctx.data.get("lead_id")
    if not isinstance(lead_id, int):
        raise ValueError("the process data has no lead_id")
    return leads.locked(lead_id)


def _outcome(lead) -> dict:
    return {"lead_status": lead.status, "account_id": lead.account_id,
            "contact_id": lead.contact_id, "opportunity_id": lead.opportunity_id}


@handler("leads.assign")
def assign(ctx: HandlerContext) -> dict:
    """After the lead_assignment table: an owner by the team's strategy, or the pool."""
    lead = _lead(ctx)
    decision = ctx.data.get("_decision") or {}
    explanation = {"inputs": leads.routing_inputs(lead),
                   "decision": decision.get("decision_id", "lead_assignment"),
                   "decision_version": decision.get("version"),
                   "rule": (decision.get("rules") or [None])[0]}
    leads.assign_routed(lead, ctx.data.get("team"), ctx.data.get("strategy"), explanation)
    return {"owner": lead.owner, "assigned": lead.owner is not None,
            "manager": leads.manager_of(lead), "team": lead.team,
            "recontact_days": current_app.config["LEAD_RECONTACT_DAYS"]}


@handler("leads.record_call")
def record_call(ctx: HandlerContext) -> dict:
    lead = _lead(ctx)
    leads.record_call(lead, by=ctx.data.get("owner"), notes=ctx.data.get("notes"),
                      intent=ctx.data.get("intent"), reason=ctx.data.get("reason"),
                      subject=ctx.properties.get("subject", "Call"))
    return {"lead_status": lead.status}


@handler("leads.apply_escalation")
def apply_escalation(ctx: HandlerContext) -> dict:
    """The manager's answer to an overdue first call: reassign, send to the pool, or keep."""
    lead = _lead(ctx)
    if lead.status not in OPEN_LEAD_STATUSES:
        return _outcome(lead)  # converted or closed from outside meanwhile: nothing to do
    action = ctx.data.get("action") or "keep"
    if action == "pool":
        leads.return_to_pool(lead, why="the manager sent it back to the pool",
                             by=ctx.data.get("manager"))
        return {"owner": None}
    if action == "reassign":
        new_owner = (ctx.data.get("new_owner") or "").strip()
        if not users.is_active_rep(new_owner):
            raise ValueError(f"new_owner {new_owner!r} is not an active sales rep")
        leads.reassign(lead, new_owner, by=ctx.data.get("manager"))
        return {"owner": new_owner}
    return {}


@form_check("lead_escalation")
def check_escalation(values: dict) -> dict[str, list[str]]:
    """Reassigning needs someone to give the lead to."""
    if values.get("action") != "reassign":
        return {}
    new_owner = (values.get("new_owner") or "").strip()
    if not new_owner:
        return {"new_owner": ["who gets the lead? (required when reassigning)"]}
    if not users.is_active_rep(new_owner):
        return {"new_owner": [f"{new_owner!r} is not an active sales rep"]}
    return {}


@handler("leads.return_to_pool")
def return_to_pool(ctx: HandlerContext) -> dict:
    lead = _lead(ctx)
    leads.return_to_pool(lead, why=ctx.properties.get("why", "nobody worked it in time"))
    return {"owner": None}


@handler("leads.close")
def close(ctx: HandlerContext) -> dict:
    lead = _lead(ctx)
    if lead.status in OPEN_LEAD_STATUSES:
        leads.close(lead, reason=ctx.data.get("reason"), by=ctx.data.get("owner"))
    return _outcome(lead)


@handler("leads.convert")
def convert(ctx: HandlerContext) -> dict:
    lead = _lead(ctx)
    if lead.status not in OPEN_LEAD_STATUSES:
        return _outcome(lead)
    try:
        leads.convert(lead, by=ctx.data.get("owner"),
                      opportunity_name=ctx.data.get("opportunity_name"),
                      amount=ctx.data.get("amount"))
    except DomainError as exc:
        raise ValueError(exc.message) from exc
    return _outcome(lead)
