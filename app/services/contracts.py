"""Contracts: submitted for the approval chain the contract_approvers table decides, revised
after a rejection, signed (the deal won), with the approval trail read from the task table.

The process (bpmn/contract_approval.bpmn) drives the status through the handlers in
app/handlers/contracts.py; this module holds what the API and those handlers share.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from .. import db
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models.customer import Account, Opportunity
from ..models.deal import APPROVER_ROLES, Contract, Quote
from ..models.instance import OPEN_STATUSES, ProcessInstance
from ..models.task import HumanTask
from ..models.user import User
from . import clock, definitions, instances, pipeline, pricing, quotes, tasks, timeline
from .instances import Page, start_definition

PROCESS = "contract_approval"
APPROVAL_ELEMENTS = {f"{role}_approval": role for role in APPROVER_ROLES}
LIVE_STATUSES = ("in_approval", "rejected", "approved")  # one at a time per opportunity


def business_key(contract_id: int) -> str:
    return f"contract:{contract_id}"


def number_for(contract: Contract) -> str:
    """HT (合同) + year + a sequence: what people say on the phone and write on the paper."""
    return f"HT{contract.created_at.year}-{contract.id:05d}"


def may_see(user: User, contract: Contract) -> bool:
    """Approvers see every contract (they are asked to judge them); others, the contracts of
    the opportunities they see."""
    if user.has_role(*APPROVER_ROLES):
        return True
    try:
        pipeline.get_opportunity(contract.opportunity_id, user)
    except (NotFound, Forbidden):
        return False
    return True


def get(contract_id: int, user: User) -> Contract:
    contract = db.session().get(Contract, contract_id)
    if contract is None or not may_see(user, contract):
        raise NotFound(f"contract {contract_id} does not exist")
    return contract


def of_opportunity(opportunity_id: int, user: User) -> list[Contract]:
    pipeline.get_opportunity(opportunity_id, user)
    return list(db.session().scalars(select(Contract).where(
        Contract.opportunity_id == opportunity_id).order_by(Contract.id)))


def locked(contract_id: int) -> Contract:
    return db.locked(Contract, contract_id, "contract")


def create(opportunity_id: int, user: User, data: dict) -> Contract:
    """Draw up a contract from the opportunity's accepted quote (or an amount) and submit it
    to the approval chain at once."""
    quotes.require_deal_writer(user, pipeline.get_opportunity(opportunity_id, user))
    opportunity = pipeline.locked_opportunity(opportunity_id)
    if pipeline.stage(opportunity.stage).is_won or pipeline.stage(opportunity.stage).is_lost:
        raise Conflict(f"the opportunity is {opportunity.stage}: it takes no new contract")
    live = db.session().scalar(select(Contract).where(
        Contract.opportunity_id == opportunity.id, Contract.status.in_(LIVE_STATUSES)))
    if live is not None:
        raise Conflict(f"contract {live.number} of this opportunity is {live.status}; withdraw "
                       "it first", contract_id=live.id)
    quote = _quote_for(opportunity, data.get("quote_id"))
    _check_dates(data.get("start_date"), data.get("end_date"))
    if quote is not None:
        if data.get("amount") is not None and pricing.parse_money(
                data["amount"], "amount") != quote.grand_total:
            raise Invalid(f"the amount comes from quote v{quote.version} "
                          f"({quote.grand_total}); leave it out",
                          fields={"amount": ["set by the quote"]})
        amount, currency, special = quote.grand_total, quote.currency, quote.special_discount
    else:
        if data.get("amount") is None:
            raise Invalid("a contract without an accepted quote needs its amount",
                          fields={"amount": ["required when there is no accepted quote"]})
        amount = pricing.parse_money(data["amount"], "amount")
        if amount <= 0:
            raise Invalid("the amount must be positive", fields={"amount": ["must be > 0"]})
        currency, special = data.get("currency") or opportunity.currency, False
    now = clock.now()
    contract = Contract(
        number=f"pending-{opportunity.id}-{now.timestamp()}", opportunity_id=opportunity.id,
        quote_id=quote.id if quote else None, account_id=opportunity.account_id,
        owner=opportunity.owner, amount=amount, currency=currency, special_discount=special,
        status="in_approval", round=0, approvers=[], terms=data.get("terms"),
        start_date=data.get("start_date"), end_date=data.get("end_date"),
        created_by=user.username, created_at=now, updated_at=now)
    session = db.session()
    session.add(contract)
    session.flush()
    contract.number = number_for(contract)
    instance = start_definition(
        definitions.process(PROCESS), user=user, business_key=business_key(contract.id),
        variables={"contract_id": contract.id, "contract_number": contract.number,
                   "opportunity_id": opportunity.id, "owner": contract.owner})
    contract.instance_id = instance.id
    return contract


def _quote_for(opportunity: Opportunity, quote_id: int | None) -> Quote | None:
    """The quote named (it must be this opportunity's, accepted), else the accepted one."""
    session = db.session()
    if quote_id is None:
        return session.scalar(select(Quote).where(Quote.opportunity_id == opportunity.id,
                                                  Quote.status == "accepted")
                              .order_by(Quote.version.desc()).limit(1))
    quote = session.get(Quote, quote_id)
    if quote is None or quote.opportunity_id != opportunity.id:
        raise Invalid(f"quote {quote_id} is not a quote of this opportunity",
                      fields={"quote_id": ["not a quote of this opportunity"]})
    if quote.status != "accepted":
        raise Conflict(f"quote v{quote.version} is {quote.status}: only an accepted quote "
                       "becomes a contract")
    return quote


def _check_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise Invalid("the contract ends before it starts",
                      fields={"end_date": ["before start_date"]})


def withdraw(contract_id: int, user: User) -> Contract:
    """Withdraw a contract still in approval (or rejected): its process is cancelled."""
    contract = get(contract_id, user)
    quotes.require_deal_writer(user, pipeline.get_opportunity(contract.opportunity_id, user))
    if contract.instance_id is not None:
        instance = db.session().get(ProcessInstance, contract.instance_id)
        if instance is not None and instance.status in OPEN_STATUSES:
            instances.cancel_unchecked(instance.id)
    contract = locked(contract_id)
    if contract.status not in ("in_approval", "rejected"):
        raise Conflict(f"contract {contract.number} is {contract.status}: it cannot be "
                       "withdrawn")
    contract.status = "withdrawn"
    contract.updated_at = clock.now()
    return contract


# -- the approval trail ----------------------------------------------------------------------

def approvals(contract_id: int, user: User) -> dict:
    """Every approval step of every round: who, role, decision, comment, when, and how long
    it waited. Read from the task table, so a delegation or a second round is all there."""
    contract = get(contract_id, user)
    return {"contract_id": contract.id, "number": contract.number, "status": contract.status,
            "round": contract.round, "approvers": contract.approvers,
            "rejection_reason": contract.rejection_reason, "steps": trail_steps(contract)}


def trail_steps(contract: Contract) -> list[dict]:
    """The approval tasks of the contract's instance in the order they were asked; each
    rejection starts the next round."""
    tasks = [] if contract.instance_id is None else list(db.session().scalars(
        select(HumanTask).where(HumanTask.instance_id == contract.instance_id,
                                HumanTask.element_id.in_(list(APPROVAL_ELEMENTS)))
        .order_by(HumanTask.created_at, HumanTask.id)))
    now = clock.now()
    steps, round_, position = [], 1, 0
    for task in tasks:
        position += 1
        data = task.data or {}
        decision = data.get("decision") if task.status == "completed" else None
        decided_at = task.completed_at if task.status == "completed" else None
        steps.append({
            "round": round_, "step": position, "role": APPROVAL_ELEMENTS[task.element_id],
            "task_id": task.id, "status": task.status, "assignee": task.assignee,
            "decided_by": task.completed_by, "decision": decision,
            "comment": data.get("comment") if task.status == "completed" else None,
            "asked_at": task.created_at, "decided_at": decided_at,
            "waited_seconds": int(((decided_at or task.completed_at or now)
                                   - task.created_at).total_seconds()),
            "delegated_by": task.delegated_by, "delegated_at": task.delegated_at,
            "delegation_note": task.delegation_note})
        if decision == "reject":
            round_, position = round_ + 1, 0
    return steps


# -- what an approver reads -------------------------------------------------------------------

def open_approvals(user: User) -> list[HumanTask]:
    """The approvals waiting for the user's decision, oldest first: open tasks whose form is
    an approval (a contract step, a quote's special discount) that ``tasks.may_act`` lets
    them decide (offered to one of their roles, or delegated to them)."""
    rows = db.session().scalars(select(HumanTask).where(
        HumanTask.status == "open", tasks.workable_by(user),
        HumanTask.form_id.in_(definitions.approval_form_ids()))
        .order_by(HumanTask.created_at, HumanTask.id))
    return [task for task in rows if tasks.may_decide(task, user)]


def approval_subject(instance: ProcessInstance, user: User) -> dict:
    """What an approval of this instance is about: its contract (``contract_id`` in the
    process data) or quote (``quote_id``), with the quote, customer and deal names. The
    approver sees them through the record they are asked to judge, even when the deal is not
    one they could open (a legal director reads every contract, not every deal)."""
    session = db.session()
    variables = instance.variables or {}
    contract = quote = None
    if isinstance(variables.get("contract_id"), int):
        contract = get(variables["contract_id"], user)
        quote = session.get(Quote, contract.quote_id) if contract.quote_id else None
        opportunity_id, account_id = contract.opportunity_id, contract.account_id
    elif isinstance(variables.get("quote_id"), int):
        quote = quotes.get(variables["quote_id"], user)
        opportunity_id = quote.opportunity_id
        account_id = session.get(Opportunity, opportunity_id).account_id
    else:
        return dict(NO_SUBJECT)
    return {"contract": contract, "quote": quote,
            "customer": session.get(Account, account_id).name,
            "deal": session.get(Opportunity, opportunity_id).name}


NO_SUBJECT = {"contract": None, "quote": None, "customer": None, "deal": None}


def approval_queue(user: User, page: int = 1, per_page: int = 50) -> Page:
    """A page of the approvals waiting for the user, oldest first, each item a pair (task,
    what it is about: ``approval_subject``), the page's records read with one query per kind
    of record rather than row by row."""
    waiting = open_approvals(user)
    start = (page - 1) * per_page
    shown = waiting[start:start + per_page]
    records = _preload_subjects(shown)  # the session keeps rows only while they are held
    by_id = {record.id: record for record in records if isinstance(record, ProcessInstance)}
    return Page([(task, subject_or_nothing(by_id.get(task.instance_id), user))
                 for task in shown], len(waiting), page, per_page)


def subject_or_nothing(instance: ProcessInstance | None, user: User) -> dict:
    """``approval_subject``, or nothing when its record is gone or out of the user's reach."""
    if instance is None:
        return dict(NO_SUBJECT)
    try:
        return approval_subject(instance, user)
    except (NotFound, Forbidden):
        return dict(NO_SUBJECT)


def _preload_subjects(approvals: list[HumanTask]) -> list:
    """What a queue of approvals is about (instances, contracts, quotes, deals, customers),
    one query per kind, so that ``approval_subject`` finds each in the session."""
    session = db.session()

    def rows(model, ids):
        ids = {i for i in ids if isinstance(i, int)}
        return list(session.scalars(select(model).where(model.id.in_(ids)))) if ids else []

    loaded = rows(ProcessInstance, (task.instance_id for task in approvals))
    data = [instance.variables or {} for instance in loaded]
    found_contracts = rows(Contract, (v.get("contract_id") for v in data))
    found_quotes = rows(Quote, [v.get("quote_id") for v in data]
                        + [c.quote_id for c in found_contracts])
    deals = rows(Opportunity, [c.opportunity_id for c in found_contracts]
                 + [q.opportunity_id for q in found_quotes])
    customers = rows(Account, [c.account_id for c in found_contracts]
                     + [d.account_id for d in deals])
    return loaded + found_contracts + found_quotes + deals + customers


# -- what the process's handlers do ----------------------------------------------------------

def begin_round(contract: Contract, *, new_amount: Decimal | None = None,
                new_terms: str | None = None) -> None:
    """A (re)submission: apply the owner's revision, count the round, ask again."""
    if contract.status not in ("in_approval", "rejected"):
        raise ValueError(f"contract {contract.number} is {contract.status}: it cannot go "
                         "into approval")
    if new_amount is not None:
        contract.amount = pricing.parse_money(new_amount, "new_amount")
    if new_terms:
        contract.terms = new_terms
    contract.round += 1
    contract.status = "in_approval"
    contract.approvers = []
    contract.updated_at = clock.now()


def set_approvers(contract: Contract, approvers: object) -> list[str]:
    """Check what the contract_approvers table gave: a non-empty list of known roles."""
    if not isinstance(approvers, list) or not approvers:
        raise ValueError(f"the contract_approvers table gave no approvers for amount "
                         f"{contract.amount} (special discount: {contract.special_discount}): "
                         "it needs a rule for this case")
    unknown = [r for r in approvers if r not in APPROVER_ROLES]
    if unknown:
        raise ValueError(f"the contract_approvers table names unknown roles {unknown}; roles "
                         f"are {', '.join(APPROVER_ROLES)}")
    contract.approvers = list(approvers)
    return contract.approvers


def reject(contract: Contract, reason: str | None) -> None:
    contract.status = "rejected"
    contract.rejection_reason = reason
    contract.updated_at = clock.now()


def approve(contract: Contract) -> None:
    contract.status = "approved"
    contract.rejection_reason = None
    contract.updated_at = clock.now()


def mark_signed(contract: Contract, *, by: str | None, signed_on: date | None = None) -> None:
    """The customer signed: the contract is signed and its opportunity won, at its amount."""
    if contract.status == "signed":
        return
    now = clock.now()
    contract.status = "signed"
    contract.signed_at = (datetime.combine(signed_on, now.timetz()) if signed_on else now)
    contract.updated_at = now
    opportunity = pipeline.locked_opportunity(contract.opportunity_id)
    opportunity.amount, opportunity.currency = contract.amount, contract.currency
    pipeline.move(opportunity, pipeline.won_stage().key, by=by)


@timeline.source("contracts")
def contract_items(account: Account, _lead_ids, _instance_ids) -> list[timeline.TimelineItem]:
    """``contract.submitted``, then ``contract.signed`` (approvals and rejections are the
    approval tasks' own items)."""
    rows = db.session().scalars(select(Contract).where(Contract.account_id == account.id)
                                .order_by(Contract.id))
    items = []
    for row in rows:
        data = {"contract_id": row.id, "number": row.number, "amount": str(row.amount),
                "currency": row.currency, "status": row.status}
        ref = {"type": "contract", "id": row.id}
        items.append(timeline.TimelineItem(
            "contract.submitted", row.created_at, row.created_by,
            f"Contract {row.number} submitted: {row.currency} {row.amount}", data, ref))
        if row.signed_at is not None:
            items.append(timeline.TimelineItem(
                "contract.signed", row.signed_at, row.owner, f"Contract {row.number} signed",
                data, ref))
    return items
