"""Leads after capture: reading them, routing them, the pool, assignment, closing, conversion.

Capture (the channels, idempotency, de-duplication) is in ``lead_capture.py``; routing
decisions (the DMN table and the strategies) are in ``routing.py``.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, or_, select

from .. import db, engine
from ..errors import Conflict, DeploymentRejected, Forbidden, Invalid, NotFound
from ..models.customer import Account, Interaction, Opportunity
from ..models.instance import OPEN_STATUSES, ProcessInstance
from ..models.lead import OPEN_LEAD_STATUSES, Lead, LeadEvent
from ..models.user import User
from . import (
    clock,
    customers,
    definitions,
    instances,
    pipeline,
    routing,
    runs,
    teams,
    users,
    visibility,
)
from .instances import Page, start_definition

ROUTING_PROCESS = "lead_routing"
FOLLOWUP_PROCESS = "lead_followup"
ASSIGNED_MESSAGE = "lead_assigned"  # starts lead_followup


def business_key(lead_id: int) -> str:
    """The business key of a lead's process instances (messages correlate on it)."""
    return f"lead:{lead_id}"


def lead_id_of(key: str | None) -> int | None:
    """The lead a process instance's business key names, if it is a lead's."""
    prefix, _, number = (key or "").partition(":")
    return int(number) if prefix == "lead" and number.isdigit() else None


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
                            business_key=business_key(lead.id),
                            variables={"lead_id": lead.id, **routing_inputs(lead)})


def get(lead_id: int, user: User) -> Lead:
    lead = db.session().get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return visibility.require_lead(user, lead)


def locked(lead_id: int) -> Lead:
    return db.locked(Lead, lead_id, "lead")


def _open_followups(lead_id: int) -> list[int]:
    return list(db.session().scalars(
        select(ProcessInstance.id).where(ProcessInstance.business_key == business_key(lead_id),
                                         ProcessInstance.process_key == FOLLOWUP_PROCESS,
                                         ProcessInstance.status.in_(OPEN_STATUSES))
        .order_by(ProcessInstance.id)))


def locked_with_followups(lead_id: int) -> Lead:
    """The lead, locked after its running follow-ups (in id order).

    A follow-up's service tasks lock their instance, then the lead; whoever ends or replaces
    a follow-up from outside takes the locks in the same order, so the two never deadlock.
    """
    for instance_id in _open_followups(lead_id):
        runs.lock(instance_id)
    return locked(lead_id)


def end_followups(lead: Lead) -> int:
    """Cancel the lead's running follow-ups (it changed hands, was converted or closed)."""
    ended = _open_followups(lead.id)
    for instance_id in ended:
        instances.cancel_unchecked(instance_id)
    return len(ended)


def search(user: User, *, status: str | None = None, owner: str | None = None,
           team: str | None = None, source: str | None = None, q: str | None = None,
           page: int = 1, per_page: int = 50) -> Page:
    """The leads the user sees, newest first; ``q`` finds a name, company, email or phone
    containing it (a phone by its digits, however it is typed)."""
    stmt = select(Lead).where(visibility.lead_scope(user))
    if q and q.strip():
        text = q.strip()
        matches = [column.icontains(text, autoescape=True)
                   for column in (Lead.name, Lead.company, Lead.email)]
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 3:
            matches.append(Lead.phone_normalized.contains(digits, autoescape=True))
        stmt = stmt.where(or_(*matches))
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


# -- assignment -------------------------------------------------------------------------------

def assign_routed(lead: Lead, team_key: str | None, strategy: str | None,
                  explanation: dict) -> Lead:
    """Apply the routing decision: an owner by the team's strategy, or the pool."""
    team = routing.locked_team(team_key)
    state = routing.team_state(team, clock.now()) if team is not None else None
    outcome, state = routing.decide_owner(team_key, strategy, explanation, state)
    if state is not None:
        routing.save_state(state)
    lead.routing = outcome.explanation
    if outcome.owner:
        _give(lead, outcome.owner, outcome.team, by=None, kind="assigned",
              why=outcome.explanation.get("result"))
    else:
        _to_pool(lead, team=outcome.team, by=None, why=outcome.explanation.get("why"))
    return lead


def _give(lead: Lead, owner: str, team: str | None, *, by: str | None, kind: str,
          **data) -> None:
    now = clock.now()
    lead.owner, lead.team = owner, team or lead.team
    lead.status = "assigned"
    lead.assigned_at = lead.updated_at = now
    record_event(lead, kind, by=by, owner=owner, team=lead.team, **data)
    if kind != "assigned":  # counts towards the owner's daily cap like any assignment
        record_event(lead, "assigned", by=by, owner=owner, team=lead.team, via=kind)


def _to_pool(lead: Lead, *, team: str | None, by: str | None, why: str | None,
             kind: str = "pooled") -> None:
    lead.owner = None
    lead.team = team
    lead.status = "pool"
    lead.updated_at = clock.now()
    record_event(lead, kind, by=by, why=why)


def manager_of(lead: Lead) -> str | None:
    team = teams.find(lead.team)
    return team.manager_username if team else None


def start_followup(lead: Lead, *, user: User | None = None) -> ProcessInstance:
    """The follow-up SOP for the lead's (new) owner; a running one for the old owner ends."""
    end_followups(lead)
    return start_definition(
        definitions.process(FOLLOWUP_PROCESS), user=user, business_key=business_key(lead.id),
        message=ASSIGNED_MESSAGE,
        variables={"lead_id": lead.id, "owner": lead.owner, "manager": manager_of(lead),
                   "recontact_days": current_app.config["LEAD_RECONTACT_DAYS"]})


def dispatch(lead_id: int, owner: str, user: User) -> Lead:
    """A manager gives a lead (from the pool, or from someone else) to a sales rep."""
    if not user.has_role("manager", "admin"):
        raise Forbidden("only managers dispatch leads")
    lead = locked_with_followups(lead_id)
    visibility.require_lead(user, lead)
    if lead.status not in OPEN_LEAD_STATUSES:
        raise Conflict(f"the lead is {lead.status}")
    if not users.is_active_rep(owner):
        raise Invalid(f"{owner!r} is not an active sales rep", fields={"owner": ["not a rep"]})
    team = teams.team_of(owner) if lead.team is None else lead.team
    _give(lead, owner, team, by=user.username, kind="dispatched")
    start_followup(lead, user=user)
    return lead


def claim(lead_id: int, user: User) -> Lead:
    """A sales rep takes a lead from the pool, within a daily claim limit."""
    lead = locked_with_followups(lead_id)
    if lead.status != "pool":
        raise Conflict("the lead is not in the pool"
                       + (": someone has it already" if lead.owner else ""))
    db.serialize(f"lead-claims:{user.username}")  # two claims at once count each other
    limit = current_app.config["LEAD_CLAIM_LIMIT"]
    claimed = db.session().scalar(select(func.count()).select_from(LeadEvent).where(
        LeadEvent.kind == "claimed", LeadEvent.by == user.username,
        LeadEvent.at >= routing.day_start(clock.now())))
    if claimed >= limit:
        raise Conflict(f"you have claimed {claimed} leads today; the limit is {limit}",
                       limit=limit)
    lead.claimed_from_pool_at = clock.now()
    _give(lead, user.username, lead.team or teams.team_of(user.username), by=user.username,
          kind="claimed")
    start_followup(lead, user=user)
    return lead


def return_to_pool(lead: Lead, *, why: str, by: str | None = None) -> Lead:
    """An unworked lead goes back to the pool (the follow-up's protection period ran out, or a
    manager sent it back)."""
    if lead.status not in OPEN_LEAD_STATUSES:
        return lead  # converted or closed meanwhile: nothing to return
    previous = lead.owner
    _to_pool(lead, team=lead.team, by=by, why=why, kind="returned")
    lead.routing = {**(lead.routing or {}), "returned_from": previous}
    return lead


def pool(user: User, *, page: int = 1, per_page: int = 50) -> Page:
    return search(user, status="pool", page=page, per_page=per_page)


# -- working the lead (called from the follow-up SOP's service tasks) --------------------------

INTENT_STATUS = {"high": "qualified", "nurture": "nurture", "invalid": "contacted"}


def record_call(lead: Lead, *, by: str | None, notes: str | None, intent: str | None,
                reason: str | None = None, subject: str = "Call") -> Interaction:
    """A call with the lead: an interaction on its timeline, and the status its intent gives."""
    now = clock.now()
    interaction = Interaction(kind="call", lead_id=lead.id, account_id=lead.account_id,
                              contact_id=lead.contact_id, subject=subject, body=notes,
                              data={"intent": intent, "reason": reason}, occurred_at=now,
                              by=by, created_at=now, updated_at=now)
    db.session().add(interaction)
    if lead.status not in ("converted", "closed"):
        lead.status = INTENT_STATUS.get(intent or "", "contacted")
        lead.updated_at = now
    record_event(lead, "called", by=by, intent=intent)
    return interaction


def close(lead: Lead, *, reason: str | None, by: str | None = None) -> Lead:
    if lead.status == "converted":
        raise Conflict("a converted lead is not closed")
    if lead.status == "closed":
        return lead
    lead.status = "closed"
    lead.close_reason = (reason or "").strip() or "no reason given"
    lead.updated_at = clock.now()
    record_event(lead, "closed", by=by, reason=lead.close_reason)
    return lead


def convert(lead: Lead, *, by: str | None, opportunity_name: str | None = None,
            amount=None) -> Lead:
    """Customer (account), contact and opportunity from the lead, linked, never twice: an
    account with the same name and a contact with the same phone or email are reused."""
    if lead.status == "closed":
        raise Conflict("a closed lead cannot be converted")
    if lead.status == "converted":
        return lead
    owner = lead.owner or by
    account = (db.session().get(Account, lead.account_id) if lead.account_id
               else customers.find_account_by_name(lead.company or lead.name))
    if account is None:
        account = customers.new_account(lead.company or lead.name, owner=owner,
                                        team=lead.team, created_by=by, source_lead_id=lead.id,
                                        industry=lead.industry, region=lead.region,
                                        company_size=lead.company_size)
    contact = customers.find_contact(phone=lead.phone, email=lead.email,
                                     account_id=account.id)
    if contact is None:
        contact = customers.new_contact(account, name=lead.name, phone=lead.phone,
                                        email=lead.email, created_by=by,
                                        source_lead_id=lead.id)
    opportunity = db.session().get(Opportunity, lead.opportunity_id) if lead.opportunity_id \
        else None
    now = clock.now()
    if opportunity is None:  # with its first stage change, like every deal
        opportunity = pipeline.new_opportunity(
            account, contact=contact, lead_id=lead.id, owner=owner, by=by, team=lead.team,
            name=opportunity_name
            or f"{account.name}: {lead.product_interest or 'new deal'}"[:200],
            amount=amount if amount is not None else lead.budget)
    lead.account_id, lead.contact_id, lead.opportunity_id = account.id, contact.id, opportunity.id
    lead.status = "converted"
    lead.updated_at = now
    record_event(lead, "converted", by=by, account_id=account.id, contact_id=contact.id,
                 opportunity_id=opportunity.id)
    return lead


def convert_by(lead_id: int, user: User, *, opportunity_name: str | None = None,
               amount=None) -> Lead:
    """The API's convert: the owner, their managers or an admin. The follow-up SOP is over."""
    lead = locked_with_followups(lead_id)
    visibility.require_lead(user, lead)
    if lead.status == "pool":
        raise Conflict("claim or dispatch the lead before converting it")
    convert(lead, by=user.username, opportunity_name=opportunity_name, amount=amount)
    end_followups(lead)
    return lead


def reassign(lead: Lead, owner: str, *, by: str | None) -> Lead:
    """The lead changes hands inside its running follow-up (the SOP carries on)."""
    if lead.status not in OPEN_LEAD_STATUSES:
        return lead
    _give(lead, owner, lead.team, by=by, kind="reassigned")
    return lead


def routing_preview(user: User, *, dmn: bytes | None = None, version: int | None = None,
                    lead_ids: list[int] | None = None, limit: int = 500) -> dict:
    """What a (new) lead_assignment table would do with the stored leads: analysts check a
    change before deploying it."""
    if not user.has_role("analyst", "admin"):
        raise Forbidden("the routing preview is for analysts")
    if dmn is not None:
        source = engine.SourceFile("preview.dmn", dmn)
        problems = engine.analyse([], [source], form_keys=set(), known_groups=set()).problems
        if problems:
            raise DeploymentRejected(f"{len(problems)} problem(s) in the table",
                                     problems=[p.as_dict() for p in problems])
    else:
        decision = (definitions.decision_version(routing.DECISION_ID, version) if version
                    else definitions.decision(routing.DECISION_ID))
        source = engine.SourceFile(decision.file.name, decision.file.content)
        version = decision.version
    stmt = select(Lead).order_by(Lead.created_at, Lead.id).limit(limit)
    if lead_ids:
        stmt = stmt.where(Lead.id.in_(lead_ids))
    try:
        return routing.preview(source, leads=list(db.session().scalars(stmt)), version=version)
    except engine.DecisionFailed as exc:
        raise Invalid(f"the table cannot be replayed: {exc}", fields={"dmn": [str(exc)]}) from exc


def close_by(lead_id: int, user: User, *, reason: str) -> Lead:
    """The API's close: the follow-up SOP, if one runs, is over."""
    lead = locked_with_followups(lead_id)
    visibility.require_lead(user, lead)
    if lead.status == "pool" and not user.has_role("manager", "admin"):
        raise Forbidden("only managers close leads in the pool")
    if lead.status == "closed":
        raise Conflict("the lead is closed already")
    close(lead, reason=reason, by=user.username)
    end_followups(lead)
    return lead
