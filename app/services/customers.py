"""Customers (accounts), their contacts, and the interactions logged with them or with leads.

Who sees what is decided in ``visibility.py``; here: who may change what. Anyone who sees a
customer may edit it and its contacts; only managers and admins assign its owner and team or
delete it. An interaction is seen by whoever sees its customer or its lead, and changed only
by its author, the author's managers and admins.

``new_account`` and ``new_contact`` create without permission checks, for use cases that
have done their own (converting a lead); the others are the API's use cases.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import delete, func, or_, select, update

from .. import db
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models.customer import Account, Contact, Interaction, Opportunity
from ..models.deal import Survey, Ticket
from ..models.lead import Lead, Team, TeamMember
from ..models.user import User
from . import clock, users, visibility
from .contact_points import normalize_email, normalize_phone
from .instances import Page
from .variables import check_variables

ACCOUNT_FIELDS = ("name", "industry", "region", "company_size", "notes")
CONTACT_FIELDS = ("name", "title", "phone", "email")
INTERACTION_FIELDS = ("kind", "contact_id", "subject", "body", "occurred_at", "data")
# legal forms dropped when comparing names: "ACME Co., Ltd." and "Acme Ltd" are one customer
LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "公司", "company limited", "co ltd",
                  "limited", "ltd", "incorporated", "inc", "corporation", "corp", "llc", "gmbh",
                  "co")
PUNCTUATION = re.compile(r"[\W_]+")


# -- customers -------------------------------------------------------------------------------

def normalize_name(name: str) -> str:
    """The form duplicate customers are found by: case, width, punctuation, spaces and the
    legal form (Ltd, Inc, 有限公司...) do not count."""
    text = " ".join(PUNCTUATION.sub(" ", unicodedata.normalize("NFKC", name).casefold()).split())
    stripped = True
    while stripped:
        stripped = False
        for suffix in LEGAL_SUFFIXES:
            cut = text.removesuffix(suffix).rstrip()
            word_boundary = suffix.isascii() and text.endswith(" " + suffix)
            if cut and cut != text and (word_boundary or not suffix.isascii()):
                text, stripped = cut, True
    return text.replace(" ", "")


def find_account_by_name(name: str) -> Account | None:
    """The customer with the same normalised name; holds the name's lock until the commit,
    so a create that follows in this unit of work cannot race another one."""
    normalized = normalize_name(name)
    db.serialize(f"account-name:{normalized}")
    return db.session().scalar(select(Account).where(Account.name_normalized == normalized)
                               .order_by(Account.id).limit(1))


def new_account(name: str, *, owner: str | None, team: str | None = None,
                created_by: str | None = None, source_lead_id: int | None = None,
                **details) -> Account:
    """Create a customer (no permission checks); Conflict naming the existing one when the
    normalised name is taken."""
    name = _required_text(name, "name")
    if not normalize_name(name):
        raise Invalid("the name needs letters or digits", fields={"name": ["no letters"]})
    existing = find_account_by_name(name)
    if existing is not None:
        raise Conflict(f"customer {existing.id} ({existing.name}) has the same name",
                       existing_id=existing.id)
    now = clock.now()
    account = Account(name=name, name_normalized=normalize_name(name), owner=owner,
                      team=team if team is not None else _only_team_of(owner),
                      created_by=created_by, source_lead_id=source_lead_id, created_at=now,
                      updated_at=now, **{k: details.get(k) for k in ACCOUNT_FIELDS[1:]})
    db.session().add(account)
    db.session().flush()
    return account


def get_account(account_id: int, user: User) -> Account:
    account = db.session().get(Account, account_id)
    if account is None:
        raise NotFound(f"customer {account_id} does not exist")
    return visibility.require_account(user, account)


def search_accounts(user: User, *, q: str | None = None, owner: str | None = None,
                    page: int = 1, per_page: int = 50) -> Page:
    """The customers the user sees, by name, newest first."""
    stmt = select(Account).where(visibility.account_scope(user))
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches = [Account.name.ilike(pattern, escape="\\")]
        if normalize_name(q):
            matches.append(Account.name_normalized.contains(normalize_name(q), autoescape=True))
        stmt = stmt.where(or_(*matches))
    if owner:
        stmt = stmt.where(Account.owner == (user.username if owner == "me" else owner))
    return _page(stmt.order_by(Account.created_at.desc(), Account.id.desc()), page, per_page)


def create_account(user: User, data: dict) -> Account:
    """A customer owned by its creator; managers and admins may give it to someone else."""
    owner = data.get("owner") or user.username
    team = data.get("team")
    if owner != user.username or team is not None:
        _require_assigner(user)
        _require_user(owner, "owner")
        _require_team(team)
    return new_account(data["name"], owner=owner, team=team, created_by=user.username,
                       **{k: data.get(k) for k in ACCOUNT_FIELDS[1:]})


def update_account(account_id: int, user: User, changes: dict) -> Account:
    account = get_account(account_id, user)
    if "owner" in changes or "team" in changes:
        _require_assigner(user)
        if "owner" in changes:
            account.owner = _require_user(changes["owner"], "owner")
        if "team" in changes:
            account.team = _require_team(changes["team"])
    if "name" in changes:
        name = _required_text(changes["name"], "name")
        if normalize_name(name) != account.name_normalized:
            existing = find_account_by_name(name)
            if existing is not None:
                raise Conflict(f"customer {existing.id} ({existing.name}) has the same name",
                               existing_id=existing.id)
        account.name, account.name_normalized = name, normalize_name(name)
    for field in ACCOUNT_FIELDS[1:]:
        if field in changes:
            setattr(account, field, changes[field])
    account.updated_at = clock.now()
    return account


def delete_account(account_id: int, user: User) -> None:
    """Managers and admins delete a customer with its contacts and interactions; refused
    while it has opportunities, leads or service tickets, whose history would be lost."""
    _require_assigner(user)
    account = get_account(account_id, user)
    session = db.session()
    opportunities = _ids(select(Opportunity.id).where(Opportunity.account_id == account.id))
    leads = _ids(select(Lead.id).where(Lead.account_id == account.id))
    tickets = _ids(select(Ticket.id).where(Ticket.account_id == account.id))
    if opportunities or leads or tickets:
        raise Conflict(f"customer {account.id} has opportunities {opportunities}, leads "
                       f"{leads} and tickets {tickets}; it cannot be deleted",
                       opportunity_ids=opportunities, lead_ids=leads, ticket_ids=tickets)
    session.execute(delete(Interaction).where(Interaction.account_id == account.id))
    session.execute(delete(Contact).where(Contact.account_id == account.id))
    session.delete(account)


def opportunities_of(account: Account) -> list[Opportunity]:
    return list(db.session().scalars(select(Opportunity).where(
        Opportunity.account_id == account.id).order_by(Opportunity.created_at, Opportunity.id)))


# -- contacts --------------------------------------------------------------------------------

def find_contact(*, phone: str | None = None, email: str | None = None,
                 account_id: int | None = None) -> Contact | None:
    """A contact with this phone or email (normalised), in one customer or in any."""
    matches = []
    if normalize_phone(phone):
        matches.append(Contact.phone_normalized == normalize_phone(phone))
    if normalize_email(email):
        matches.append(Contact.email_normalized == normalize_email(email))
    if not matches:
        return None
    stmt = select(Contact).where(or_(*matches))
    if account_id is not None:
        stmt = stmt.where(Contact.account_id == account_id)
    return db.session().scalar(stmt.order_by(Contact.id).limit(1))


def new_contact(account: Account, *, name: str, title: str | None = None,
                phone: str | None = None, email: str | None = None,
                created_by: str | None = None, source_lead_id: int | None = None) -> Contact:
    """Add a contact to a customer (no permission checks); Conflict naming the contact of the
    same customer that has this phone or email already."""
    values = _contact_values({"name": name, "title": title, "phone": phone, "email": email})
    existing = find_contact(phone=values.get("phone"), email=values.get("email"),
                            account_id=account.id)
    if existing is not None:
        raise Conflict(f"contact {existing.id} ({existing.name}) of this customer has the same "
                       "phone or email", existing_id=existing.id)
    now = clock.now()
    contact = Contact(account_id=account.id, created_by=created_by,
                      source_lead_id=source_lead_id, created_at=now, updated_at=now, **values)
    db.session().add(contact)
    db.session().flush()
    return contact


def contacts_of(account_id: int, user: User) -> list[Contact]:
    account = get_account(account_id, user)
    return list(db.session().scalars(select(Contact).where(Contact.account_id == account.id)
                                     .order_by(Contact.id)))


def get_contact(contact_id: int, user: User) -> Contact:
    contact = db.session().get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} does not exist")
    visibility.require_account(user, contact.account)
    return contact


def create_contact(account_id: int, user: User, data: dict) -> Contact:
    account = get_account(account_id, user)
    return new_contact(account, created_by=user.username, **data)


def update_contact(contact_id: int, user: User, changes: dict) -> Contact:
    contact = get_contact(contact_id, user)
    values = _contact_values(changes)
    if any(values.get(k) for k in ("phone", "email")):
        existing = find_contact(phone=values.get("phone"), email=values.get("email"),
                                account_id=contact.account_id)
        if existing is not None and existing.id != contact.id:
            raise Conflict(f"contact {existing.id} ({existing.name}) of this customer has the "
                           "same phone or email", existing_id=existing.id)
    for field, value in values.items():
        setattr(contact, field, value)
    contact.updated_at = clock.now()
    return contact


def delete_contact(contact_id: int, user: User) -> None:
    """Interactions, tickets and surveys of the contact keep their history without it;
    refused while a lead or an opportunity names the contact."""
    contact = get_contact(contact_id, user)
    session = db.session()
    leads = _ids(select(Lead.id).where(Lead.contact_id == contact.id))
    opportunities = _ids(select(Opportunity.id).where(Opportunity.contact_id == contact.id))
    if leads or opportunities:
        raise Conflict(f"contact {contact.id} is named by leads {leads} and opportunities "
                       f"{opportunities}", lead_ids=leads, opportunity_ids=opportunities)
    for model in (Interaction, Ticket, Survey):  # they keep their history without it
        session.execute(update(model).where(model.contact_id == contact.id)
                        .values(contact_id=None))
    session.delete(contact)


# -- interactions ----------------------------------------------------------------------------

def log_interaction(user: User, data: dict) -> Interaction:
    """A call, email, meeting or note with a customer or a lead, by the user."""
    account, lead = _subject_of(user, data.get("customer_id"), data.get("lead_id"))
    now = clock.now()
    interaction = Interaction(
        kind=data["kind"], account_id=account.id if account else None,
        lead_id=lead.id if lead else None, by=user.username, created_at=now, updated_at=now,
        contact_id=_contact_of(interaction_account_id=account.id if account else None,
                               contact_id=data.get("contact_id")),
        subject=data.get("subject") or "", body=data.get("body"),
        data=check_variables(data.get("data"), "data"),
        occurred_at=data.get("occurred_at") or now)
    _require_content(interaction)
    db.session().add(interaction)
    db.session().flush()
    return interaction


def get_interaction(interaction_id: int, user: User) -> Interaction:
    """Whoever sees the interaction's customer or lead sees the interaction."""
    interaction = db.session().get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound(f"interaction {interaction_id} does not exist")
    session = db.session()
    account = session.get(Account, interaction.account_id) if interaction.account_id else None
    lead = session.get(Lead, interaction.lead_id) if interaction.lead_id else None
    if not ((account and visibility.can_see_account(user, account))
            or (lead and visibility.can_see_lead(user, lead))):
        raise Forbidden("this interaction is with someone else's customer")
    return interaction


def update_interaction(interaction_id: int, user: User, changes: dict) -> Interaction:
    interaction = _editable_interaction(interaction_id, user)
    if "contact_id" in changes:
        interaction.contact_id = _contact_of(interaction_account_id=interaction.account_id,
                                             contact_id=changes["contact_id"])
    if "data" in changes:
        interaction.data = check_variables(changes["data"], "data")
    for field in ("kind", "subject", "body", "occurred_at"):
        if field in changes:
            value = changes[field]
            if field in ("kind", "occurred_at") and value is None:
                raise Invalid(f"{field} cannot be empty", fields={field: ["may not be null"]})
            setattr(interaction, field, value if field != "subject" else value or "")
    _require_content(interaction)
    interaction.updated_at = clock.now()
    return interaction


def delete_interaction(interaction_id: int, user: User) -> None:
    db.session().delete(_editable_interaction(interaction_id, user))


def account_interactions(account_id: int, user: User, *, kind: str | None = None,
                         page: int = 1, per_page: int = 50) -> Page:
    """The customer's interactions, and those logged on its leads before conversion."""
    account = get_account(account_id, user)
    leads = select(Lead.id).where(Lead.account_id == account.id)
    return _interaction_page(or_(Interaction.account_id == account.id,
                                 Interaction.lead_id.in_(leads)), kind, page, per_page)


def lead_interactions(lead_id: int, user: User, *, kind: str | None = None, page: int = 1,
                      per_page: int = 50) -> Page:
    lead = _visible_lead(lead_id, user)
    return _interaction_page(Interaction.lead_id == lead.id, kind, page, per_page)


# -- helpers ---------------------------------------------------------------------------------

def _page(stmt, page: int, per_page: int) -> Page:
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)


def _ids(stmt) -> list[int]:
    return list(db.session().scalars(stmt.order_by(None)))


def _required_text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"{field} is required", fields={field: ["required"]})
    return value


def _require_assigner(user: User) -> None:
    if not user.has_role("manager", "admin"):
        raise Forbidden("only managers and admins assign or delete customers")


def _require_user(username: str | None, field: str) -> str:
    if not username or users.find(username) is None:
        raise Invalid(f"{field}: no user {username!r}", fields={field: ["unknown user"]})
    return username


def _require_team(key: str | None) -> str | None:
    if key is not None and db.session().scalar(select(Team.id).where(Team.key == key)) is None:
        raise Invalid(f"team: no team {key!r}", fields={"team": ["unknown team"]})
    return key


def _only_team_of(username: str | None) -> str | None:
    """The owner's team when they are in exactly one (their manager then sees the customer
    even after the owner moves on)."""
    if not username:
        return None
    keys = list(db.session().scalars(select(Team.key).join(TeamMember).where(
        TeamMember.username == username).limit(2)))
    return keys[0] if len(keys) == 1 else None


def _contact_values(data: dict) -> dict:
    """The contact fields given, stripped and with phone and email checked and normalised."""
    values, errors = {}, {}
    for field in CONTACT_FIELDS:
        if field not in data:
            continue
        value = (data[field] or "").strip() or None
        values[field] = value
        if field == "phone":
            values["phone_normalized"] = normalize_phone(value)
            if value and values["phone_normalized"] is None:
                errors["phone"] = ["not a phone number: a Chinese mobile (13812345678) or an "
                                   "international number (+44 20 7946 0958)"]
        elif field == "email":
            values["email_normalized"] = normalize_email(value)
            if value and values["email_normalized"] is None:
                errors["email"] = ["not an email address"]
    if "name" in data and not values.get("name"):
        errors["name"] = ["required"]
    if errors:
        raise Invalid("the contact has invalid fields: " + ", ".join(sorted(errors)),
                      fields=errors)
    return values


def _visible_lead(lead_id: int, user: User) -> Lead:
    lead = db.session().get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return visibility.require_lead(user, lead)


def _subject_of(user: User, customer_id: int | None, lead_id: int | None
                ) -> tuple[Account | None, Lead | None]:
    """The customer and / or lead an interaction is with (a converted lead's customer)."""
    if customer_id is None and lead_id is None:
        raise Invalid("an interaction is with a customer or a lead",
                      fields={"customer_id": ["send customer_id or lead_id"]})
    lead = _visible_lead(lead_id, user) if lead_id is not None else None
    if customer_id is None and lead is not None and lead.account_id is not None:
        customer_id = lead.account_id
    account = get_account(customer_id, user) if customer_id is not None else None
    if lead is not None and lead.account_id not in (None, customer_id):
        raise Invalid(f"lead {lead.id} became customer {lead.account_id}, not {customer_id}",
                      fields={"lead_id": ["belongs to another customer"]})
    return account, lead


def _contact_of(*, interaction_account_id: int | None, contact_id: int | None) -> int | None:
    if contact_id is None:
        return None
    contact = db.session().get(Contact, contact_id)
    if contact is None or contact.account_id != interaction_account_id:
        raise Invalid(f"contact {contact_id} is not a contact of this customer",
                      fields={"contact_id": ["not a contact of this customer"]})
    return contact.id


def _require_content(interaction: Interaction) -> None:
    if not (interaction.subject or "").strip() and not (interaction.body or "").strip():
        raise Invalid("an interaction needs a subject or a body",
                      fields={"subject": ["send a subject or a body"]})


def _editable_interaction(interaction_id: int, user: User) -> Interaction:
    interaction = get_interaction(interaction_id, user)
    if user.has_role("admin") or interaction.by == user.username:
        return interaction
    if user.has_role("manager") and interaction.by in visibility.managed_people(user)[1]:
        return interaction
    raise Forbidden("only its author, their managers and admins may change an interaction")


def _interaction_page(condition, kind: str | None, page: int, per_page: int) -> Page:
    stmt = select(Interaction).where(condition)
    if kind:
        stmt = stmt.where(Interaction.kind == kind)
    return _page(stmt.order_by(Interaction.occurred_at.desc(), Interaction.id.desc()),
                 page, per_page)
