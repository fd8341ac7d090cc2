"""The 360° view: everything that happened with a customer, newest first.

The timeline is assembled from *sources*: functions ``(account, lead_ids, instance_ids) ->
items`` registered by name. ``lead_ids`` are the customer's leads (those converted into it);
``instance_ids`` the process instances whose business key belongs to the customer
(``lead:<id>`` for each lead, ``account:<id>``, and whatever the registered business-key
providers add). Later features plug in a source of their own (stage changes, quotes,
contracts, documents) with ``@timeline.source("quotes")`` in their service module.

Each source runs one query; the items are merged and paged in Python, so a request reads
every item of the customer. That is fine for thousands of items per customer; beyond, each
source would take a limit (page * per_page newest rows) and a count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select

from .. import db
from ..models.customer import Account, Interaction, Opportunity
from ..models.instance import ProcessInstance
from ..models.lead import Lead, LeadEvent, LeadTouch
from ..models.notification import Notification
from ..models.task import HumanTask
from ..models.user import User
from . import customers
from .instances import Page


@dataclass(frozen=True)
class TimelineItem:
    """One thing that happened: ``kind`` is ``<family>.<what>`` (``task.completed``),
    ``ref`` the record it is about (``{"type": "task", "id": ...}``)."""

    kind: str
    at: datetime
    by: str | None = None
    title: str = ""
    data: dict = field(default_factory=dict)
    ref: dict | None = None


TimelineSource = Callable[[Account, list[int], list[int]], Iterable[TimelineItem]]
BusinessKeys = Callable[[Account, list[int]], Iterable[str]]

_sources: dict[str, TimelineSource] = {}
_business_keys: dict[str, BusinessKeys] = {}


def register_source(name: str, function: TimelineSource) -> TimelineSource:
    """Add a source of timeline items; a second source under the same name is refused."""
    if name in _sources and _sources[name] is not function:
        raise ValueError(f"a timeline source named {name!r} is registered already")
    _sources[name] = function
    return function


def unregister_source(name: str) -> None:
    _sources.pop(name, None)


def source(name: str) -> Callable[[TimelineSource], TimelineSource]:
    """Decorator: ``@timeline.source("quotes")`` registers the function as a source."""
    return lambda function: register_source(name, function)


def sources() -> dict[str, TimelineSource]:
    return dict(_sources)


def business_keys(name: str) -> Callable[[BusinessKeys], BusinessKeys]:
    """Decorator: a function ``(account, lead_ids) -> business keys`` whose process instances
    belong on the customer's timeline (e.g. ``opportunity:<id>`` for the deals' processes)."""
    def register(function: BusinessKeys) -> BusinessKeys:
        _business_keys[name] = function
        return function
    return register


def business_key_providers() -> dict[str, BusinessKeys]:
    return dict(_business_keys)


def unregister_business_keys(name: str) -> None:
    _business_keys.pop(name, None)


def timeline(account_id: int, user: User, page: int = 1, per_page: int = 50,
             kinds: Iterable[str] | None = None) -> Page:
    """The customer's timeline, newest first; ``kinds`` keeps the items of those kinds or
    families (``task`` keeps ``task.opened``, ``task.completed``...). Forbidden for a
    customer the user does not see."""
    account = customers.get_account(account_id, user)
    items = collect(account)
    if kinds:
        wanted = tuple(kinds)
        items = [i for i in items if i.kind in wanted or i.kind.split(".")[0] in wanted]
    start = (page - 1) * per_page
    return Page(items[start:start + per_page], len(items), page, per_page)


def collect(account: Account) -> list[TimelineItem]:
    """Every item of every source for the customer, newest first (no visibility check).

    Items at the same time keep the order of their sources' registration and, within a
    source, of its rows (each source orders its query): the later one counts as newer.
    """
    session = db.session()
    lead_ids = list(session.scalars(select(Lead.id).where(or_(
        Lead.account_id == account.id, Lead.id == account.source_lead_id)).order_by(Lead.id)))
    keys = sorted({key for provider in _business_keys.values()
                   for key in provider(account, lead_ids)})
    instance_ids = list(session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.business_key.in_(keys)).order_by(ProcessInstance.id))) if keys else []
    items = [item for function in _sources.values()
             for item in function(account, lead_ids, instance_ids)]
    items.sort(key=lambda i: i.at)  # stable: at equal times, collection order is time order
    items.reverse()
    return items


# -- the sources of this issue ---------------------------------------------------------------

@business_keys("leads_and_account")
def lead_and_account_keys(account: Account, lead_ids: list[int]) -> list[str]:
    return [f"lead:{lead_id}" for lead_id in lead_ids] + [f"account:{account.id}"]


@source("customer")
def customer_created(account: Account, _lead_ids, _instance_ids) -> list[TimelineItem]:
    return [TimelineItem("customer.created", account.created_at, account.created_by,
                         f"Customer {account.name} created",
                         {"owner": account.owner, "source_lead_id": account.source_lead_id},
                         {"type": "customer", "id": account.id})]


@source("lead_touches")
def lead_touches(_account, lead_ids: list[int], _instance_ids) -> list[TimelineItem]:
    if not lead_ids:
        return []
    rows = db.session().scalars(select(LeadTouch).where(LeadTouch.lead_id.in_(lead_ids))
                                  .order_by(LeadTouch.id))
    return [TimelineItem("lead.touch", row.at, None, f"Enquiry via {row.source}",
                         {"lead_id": row.lead_id, "source": row.source,
                          "campaign": row.campaign, "payload": row.payload or {}},
                         {"type": "lead", "id": row.lead_id}) for row in rows]


@source("lead_events")
def lead_events(_account, lead_ids: list[int], _instance_ids) -> list[TimelineItem]:
    if not lead_ids:
        return []
    rows = db.session().execute(select(LeadEvent, Lead.name)
                                .join(Lead, Lead.id == LeadEvent.lead_id)
                                .where(LeadEvent.lead_id.in_(lead_ids)).order_by(LeadEvent.id))
    return [TimelineItem(f"lead.{event.kind}", event.at, event.by,
                         f"Lead {name}: {event.kind.replace('_', ' ')}",
                         {"lead_id": event.lead_id, "lead_name": name, **(event.data or {})},
                         {"type": "lead", "id": event.lead_id}) for event, name in rows]


@source("interactions")
def interactions(account: Account, lead_ids: list[int], _instance_ids) -> list[TimelineItem]:
    condition = Interaction.account_id == account.id
    if lead_ids:
        condition = or_(condition, Interaction.lead_id.in_(lead_ids))
    rows = db.session().scalars(select(Interaction).where(condition)
                                  .order_by(Interaction.id))
    return [TimelineItem(f"interaction.{row.kind}", row.occurred_at, row.by,
                         row.subject or _first_line(row.body),
                         {"subject": row.subject, "body": row.body, "contact_id": row.contact_id,
                          "lead_id": row.lead_id, "details": row.data or {}},
                         {"type": "interaction", "id": row.id}) for row in rows]


TASK_COLUMNS = (HumanTask.id, HumanTask.instance_id, HumanTask.process_key, HumanTask.element_id,
                HumanTask.name, HumanTask.assignee, HumanTask.lane, HumanTask.status,
                HumanTask.due_at, HumanTask.form_key, HumanTask.created_at,
                HumanTask.completed_at, HumanTask.completed_by, HumanTask.data)


@source("tasks")
def tasks(_account, _lead_ids, instance_ids: list[int]) -> list[TimelineItem]:
    """Each task opened; completed (by whom, with the submitted form data) or cancelled."""
    if not instance_ids:
        return []
    items = []
    for row in db.session().execute(select(*TASK_COLUMNS).where(
            HumanTask.instance_id.in_(instance_ids)).order_by(HumanTask.created_at, HumanTask.id)):
        about = {"instance_id": row.instance_id, "process_key": row.process_key,
                 "element_id": row.element_id, "task": row.name, "form_key": row.form_key}
        ref = {"type": "task", "id": row.id}
        items.append(TimelineItem("task.opened", row.created_at, None, f"{row.name} opened", {
            **about, "assignee": row.assignee, "lane": row.lane,
            "due_at": row.due_at.isoformat() if row.due_at else None}, ref))
        if row.status == "completed" and row.completed_at:
            items.append(TimelineItem("task.completed", row.completed_at, row.completed_by,
                                      f"{row.name} completed",
                                      {**about, "submitted": row.data or {}}, ref))
        elif row.status == "cancelled" and row.completed_at:
            items.append(TimelineItem("task.cancelled", row.completed_at, None,
                                      f"{row.name} cancelled", about, ref))
    return items


@source("notifications")
def notifications(_account, _lead_ids, instance_ids: list[int]) -> list[TimelineItem]:
    """Notices of the customer's instances: once per notice, with its recipients (one
    inbox row per recipient is stored)."""
    if not instance_ids:
        return []
    rows = db.session().execute(
        select(Notification.instance_id, Notification.task_id, Notification.template,
               Notification.title, Notification.body, Notification.created_at, User.username)
        .join(User, User.id == Notification.user_id)
        .where(Notification.instance_id.in_(instance_ids)).order_by(Notification.id))
    notices: dict[tuple, dict] = {}
    for row in rows:
        key = (row.instance_id, row.template, row.created_at, row.task_id)
        notice = notices.setdefault(key, {"row": row, "recipients": []})
        notice["recipients"].append(row.username)
    return [TimelineItem(
        f"notification.{row.template}", row.created_at, None, row.title,
        {"instance_id": row.instance_id, "task_id": row.task_id, "template": row.template,
         "body": row.body, "recipients": notice["recipients"]},
        {"type": "process_instance", "id": row.instance_id})
        for notice in notices.values() for row in [notice["row"]]]


@source("opportunities")
def opportunities(account: Account, _lead_ids, _instance_ids) -> list[TimelineItem]:
    rows = db.session().scalars(select(Opportunity).where(Opportunity.account_id == account.id)
                                  .order_by(Opportunity.id))
    return [TimelineItem("opportunity.created", row.created_at, row.created_by,
                         f"Opportunity {row.name} created",
                         {"name": row.name, "stage": row.stage, "owner": row.owner,
                          "amount": str(row.amount) if row.amount is not None else None,
                          "currency": row.currency, "lead_id": row.lead_id},
                         {"type": "opportunity", "id": row.id}) for row in rows]


def _first_line(text: str | None, limit: int = 120) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[:limit - 1] + "…"
