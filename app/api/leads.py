"""Leads after capture: reading them, the pool, dispatch, claims, conversion, the routing
preview (capture itself, POST /api/leads, is in capture.py)."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import leads
from .auth import current_user, login_required
from .lead_schemas import (
    AssignRequest,
    CloseRequest,
    ConvertRequest,
    LeadArgs,
    LeadDetailSchema,
    LeadSchema,
    PreviewRequest,
    PreviewSchema,
)
from .schemas import PageArgs, page_schema

blp = Blueprint("leads", __name__, url_prefix="/api",
                description="Leads: the pool, dispatch and claims, conversion, routing")
LeadPage = page_schema(LeadSchema, "LeadPage")


LEAD_FIELDS = [name for name in LeadSchema().fields if name != "merged"]


def detail(lead) -> dict:
    return {**{name: getattr(lead, name) for name in LEAD_FIELDS},
            "routing": lead.routing or {}, "touches": lead.touches,
            "events": leads.events(lead)}


@blp.get("/leads")
@login_required()
@blp.arguments(LeadArgs, location="query")
@blp.response(200, LeadPage)
def search(args):
    """Leads I may see (mine; managers: their teams'; admins: all), newest first."""
    page = leads.search(current_user(), **args)
    return {"items": page.items, "total": page.total, "page": page.page,
            "per_page": page.per_page}


@blp.get("/leads/<int:lead_id>")
@login_required()
@blp.response(200, LeadDetailSchema)
def get(lead_id: int):
    """A lead with why it went to its owner, every touch and its history."""
    return detail(leads.get(lead_id, current_user()))


@blp.get("/lead-pool")
@login_required("sales", "manager")
@blp.arguments(PageArgs, location="query")
@blp.response(200, LeadPage)
def pool(args):
    """Leads nobody owns: a manager dispatches them, a rep claims them."""
    page = leads.pool(current_user(), **args)
    return {"items": page.items, "total": page.total, "page": page.page,
            "per_page": page.per_page}


@blp.post("/leads/<int:lead_id>/assign")
@login_required("manager")
@blp.arguments(AssignRequest)
@blp.response(200, LeadDetailSchema)
def assign(body, lead_id: int):
    """A manager gives the lead to a rep (from the pool, or from another rep)."""
    return detail(leads.dispatch(lead_id, body["owner"], current_user()))


@blp.post("/leads/<int:lead_id>/claim")
@login_required("sales")
@blp.response(200, LeadDetailSchema)
def claim(lead_id: int):
    """A rep takes a lead from the pool (CRM_LEAD_CLAIM_LIMIT a day)."""
    return detail(leads.claim(lead_id, current_user()))


@blp.post("/leads/<int:lead_id>/convert")
@login_required()
@blp.arguments(ConvertRequest)
@blp.response(200, LeadDetailSchema)
def convert(body, lead_id: int):
    """Customer, contact and opportunity from the lead (reused when they exist)."""
    return detail(leads.convert_by(lead_id, current_user(), **body))


@blp.post("/leads/<int:lead_id>/close")
@login_required()
@blp.arguments(CloseRequest)
@blp.response(200, LeadDetailSchema)
def close(body, lead_id: int):
    """Close the lead with a reason (its owner, their managers, admins)."""
    return detail(leads.close_by(lead_id, current_user(), reason=body["reason"]))


@blp.post("/leads/routing-preview")
@login_required("analyst")
@blp.arguments(PreviewRequest)
@blp.response(200, PreviewSchema)
def routing_preview(body):
    """Replay a lead_assignment table (a deployed version, or one not yet deployed) against
    the stored leads: who would have received them."""
    dmn = body.get("dmn")
    return leads.routing_preview(current_user(), dmn=dmn.encode() if dmn else None,
                                 version=body.get("version"), lead_ids=body.get("lead_ids"),
                                 limit=body["limit"])
