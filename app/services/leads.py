"""Leads after capture: reading them, routing them, the pool, assignment, closing, conversion.

Capture (the channels, idempotency, de-duplication) is in ``lead_capture.py``; routing
decisions (the DMN table and the strategies) are in ``routing.py``.
"""

from __future__ import annotations

from sqlalchemy import func, select

from .. import db
from ..errors import NotFound
from ..models.instance import ProcessInstance
from ..models.lead import Lead, LeadEvent
from ..models.user import User
from . import clock, definitions, visibility
from .instances import Page, start_definition

ROUTING_PROCESS = "lead_routing"
FOLLOWUP_PROCESS = "lead_followup"


def business_key(lead: Lead) -> str:
    """The business key of a lead's process instances (messages correlate on it)."""
    return f"lead:{lead.id}"


def record_event(lead: Lead, kind: str, *, by: str | None = None, **data) -> LeadEvent:
    event = LeadEvent(lead_id=lead.id, kind=kind, by=by, data=data, at=clock.now())
    db.session().add(event)
    return event


def routing_inputs(lead: Lead) -> dict:
    """The DMN inputs of the lead_assignment table (its contract: these five names)."""
    return {"region": lead.region, "industry": lead.industry,
            "product_interest": lead.product_interest, "company_size": lead.company_size,
            "source": lead.source}


def start_routing(lead: Lead, *, user: User | None = None) -> ProcessInstance:
    """Every new lead starts the lead_routing process, which decides who gets it."""
    return start_definition(definitions.process(ROUTING_PROCESS), user=user,
                            business_key=business_key(lead),
                            variables={"lead_id": lead.id, **routing_inputs(lead)})


def get(lead_id: int, user: User) -> Lead:
    lead = db.session().get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return visibility.require_lead(user, lead)


def locked(lead_id: int) -> Lead:
    lead = db.session().scalar(select(Lead).where(Lead.id == lead_id).with_for_update()
                               .execution_options(populate_existing=True))
    if lead is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return lead


def search(user: User, *, status: str | None = None, owner: str | None = None,
           team: str | None = None, source: str | None = None, page: int = 1,
           per_page: int = 50) -> Page:
    stmt = select(Lead).where(visibility.lead_scope(user))
    if status:
        stmt = stmt.where(Lead.status == status)
    if owner:
        stmt = stmt.where(Lead.owner == (user.username if owner == "me" else owner))
    if team:
        stmt = stmt.where(Lead.team == team)
    if source:
        stmt = stmt.where(Lead.source == source)
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(Lead.created_at.desc(), Lead.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)


def events(lead: Lead) -> list[LeadEvent]:
    return list(db.session().scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)
                                     .order_by(LeadEvent.id)))
