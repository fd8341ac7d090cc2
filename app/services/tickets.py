"""Service tickets: a customer's problem after the sale, from report to resolution.

Who sees a ticket: whoever sees its customer (``visibility.py``), and its assignee, who may be
working on a customer that is not theirs (a colleague standing in, an implementation
engineer). Sales reps, managers and admins open and work on tickets (the API checks the
roles); deleting one is for its creator, managers and admins, since a ticket is the record of
a promise made to the customer.

``closed_at`` is when the customer's problem was dealt with: set when the ticket becomes
resolved (or closed without being resolved first), kept when a resolved ticket is closed,
cleared when it is reopened. Tickets appear on the customer's timeline as ``ticket.opened``
and ``ticket.closed``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, true

from .. import db
from ..errors import Forbidden, Invalid, NotFound
from ..models.customer import Account, Contact, Opportunity
from ..models.deal import Ticket
from ..models.user import User
from . import clock, customers, timeline, users, visibility
from .instances import Page
from .timeline import TimelineItem

CLOSED = ("resolved", "closed")


def ticket_scope(user: User):
    """SQL condition: the tickets the user may see (their customers', and theirs to work)."""
    if visibility.sees_everything(user):
        return true()
    return or_(Ticket.account_id.in_(select(Account.id).where(visibility.account_scope(user))),
               Ticket.assignee == user.username)


def get_ticket(ticket_id: int, user: User) -> Ticket:
    """The ticket, for its assignee and whoever sees its customer; Forbidden for others."""
    ticket = db.session().get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    if ticket.assignee != user.username and not visibility.can_see_account(
            user, db.session().get(Account, ticket.account_id)):
        raise Forbidden("this ticket is about someone else's customer")
    return ticket


def search_tickets(user: User, *, status: str | None = None, priority: str | None = None,
                   assignee: str | None = None, customer: int | None = None, page: int = 1,
                   per_page: int = 50) -> Page:
    """The tickets the user sees, newest first; ``assignee='me'`` for the user's own."""
    stmt = select(Ticket).where(ticket_scope(user))
    if customer is not None:
        stmt = stmt.where(Ticket.account_id == customer)
    return _page(_filtered(stmt, user, status, priority, assignee), page, per_page)


def customer_tickets(customer_id: int, user: User, *, status: str | None = None,
                     priority: str | None = None, assignee: str | None = None, page: int = 1,
                     per_page: int = 50) -> Page:
    """All the tickets of a customer the user sees, newest first."""
    account = customers.get_account(customer_id, user)
    stmt = select(Ticket).where(Ticket.account_id == account.id)
    return _page(_filtered(stmt, user, status, priority, assignee), page, per_page)


def open_ticket(user: User, data: dict) -> Ticket:
    """A new open ticket about a customer the user sees, by the user."""
    account = customers.get_account(data["customer_id"], user)
    now = clock.now()
    ticket = Ticket(
        account_id=account.id, subject=_subject(data.get("subject")),
        description=data.get("description"), priority=data.get("priority") or "normal",
        status="open", assignee=_assignee(data.get("assignee")), created_by=user.username,
        contact_id=_of_customer(Contact, data.get("contact_id"), account.id, "contact_id"),
        opportunity_id=_of_customer(Opportunity, data.get("opportunity_id"), account.id,
                                    "opportunity_id"),
        created_at=now, updated_at=now, closed_at=None)
    db.session().add(ticket)
    db.session().flush()
    return ticket


def update_ticket(ticket_id: int, user: User, changes: dict) -> Ticket:
    """Change a ticket: its assignee and status as it is worked on, its details."""
    ticket = get_ticket(ticket_id, user)
    now = clock.now()
    if "subject" in changes:
        ticket.subject = _subject(changes["subject"])
    if "description" in changes:
        ticket.description = changes["description"]
    if "priority" in changes:
        ticket.priority = _not_none(changes["priority"], "priority")
    if "assignee" in changes:
        ticket.assignee = _assignee(changes["assignee"])
    for field, model in (("contact_id", Contact), ("opportunity_id", Opportunity)):
        if field in changes:
            setattr(ticket, field, _of_customer(model, changes[field], ticket.account_id, field))
    if "status" in changes:
        _set_status(ticket, _not_none(changes["status"], "status"), now)
    ticket.updated_at = now
    return ticket


def delete_ticket(ticket_id: int, user: User) -> None:
    ticket = get_ticket(ticket_id, user)
    if not (user.has_role("manager", "admin") or ticket.created_by == user.username):
        raise Forbidden("only its creator, managers and admins may delete a ticket")
    db.session().delete(ticket)


@timeline.source("tickets")
def ticket_items(account: Account, _lead_ids, _instance_ids) -> list[TimelineItem]:
    """Each ticket opened and, once dealt with, closed (resolved or closed)."""
    items = []
    for row in db.session().scalars(select(Ticket).where(Ticket.account_id == account.id)
                                    .order_by(Ticket.id)):
        ref = {"type": "ticket", "id": row.id}
        items.append(TimelineItem(
            "ticket.opened", row.created_at, row.created_by, f"Ticket opened: {row.subject}",
            {"subject": row.subject, "description": row.description,
             "priority": row.priority, "assignee": row.assignee,
             "contact_id": row.contact_id, "opportunity_id": row.opportunity_id}, ref))
        if row.closed_at is not None:
            items.append(TimelineItem(
                "ticket.closed", row.closed_at, None, f"Ticket {row.status}: {row.subject}",
                {"subject": row.subject, "status": row.status, "assignee": row.assignee},
                ref))
    return items


# -- helpers ---------------------------------------------------------------------------------

def _set_status(ticket: Ticket, status: str, now: datetime) -> None:
    """Closing stamps ``closed_at`` once (resolved then closed keeps the resolution's time);
    reopening clears it."""
    if status in CLOSED and ticket.status not in CLOSED:
        ticket.closed_at = now
    elif status not in CLOSED:
        ticket.closed_at = None
    ticket.status = status


def _filtered(stmt, user: User, status: str | None, priority: str | None,
              assignee: str | None):
    if status:
        stmt = stmt.where(Ticket.status == status)
    if priority:
        stmt = stmt.where(Ticket.priority == priority)
    if assignee:
        stmt = stmt.where(Ticket.assignee == (user.username if assignee == "me" else assignee))
    return stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())


def _assignee(username: str | None) -> str | None:
    """Nobody yet, or a person who can sign in (not a departed user, not an API client)."""
    if username is None:
        return None
    person = users.find(username)
    if person is None or not person.active or person.api_client:
        raise Invalid(f"assignee: no active user {username!r}",
                      fields={"assignee": ["no active user of that name"]})
    return person.username


def _of_customer(model: type[Contact] | type[Opportunity], record_id: int | None,
                 account_id: int, field: str) -> int | None:
    """The id of the customer's contact or opportunity; Invalid naming the field when it is
    missing or another customer's."""
    if record_id is None:
        return None
    row = db.session().get(model, record_id)
    if row is None or row.account_id != account_id:
        noun = field.removesuffix("_id")
        a_noun = ("an " if noun[0] in "aeiou" else "a ") + noun
        raise Invalid(f"{field}: {noun} {record_id} is not {a_noun} of this customer",
                      fields={field: [f"not {a_noun} of this customer"]})
    return row.id


def _subject(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid("subject is required", fields={"subject": ["required"]})
    return value


def _not_none(value, field: str):
    if value is None:
        raise Invalid(f"{field} cannot be empty", fields={field: ["may not be null"]})
    return value


def _page(stmt, page: int, per_page: int) -> Page:
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)
