"""Opportunities and the pipeline: the configurable stages, moving a card between them, the
kanban board and the weighted forecast.

Every stage change is a ``StageChange`` row (from, to, by, when, why), the creation included
(``from_stage`` None), so stage-duration reports read one table. A deal's probability is its
stage's default unless its owner overrode it; moving the card drops the override, since an
estimate made for one stage says nothing about the next. A won deal counts 100 %, a lost one
0 %, whatever is stored.

Money is ``Decimal`` from the request to the database and back, two decimals, one currency
per deal. Nothing here converts between currencies (there is no rate table), so every total is
kept per currency. A weighted amount is ``amount x probability / 100`` rounded half-up to cents
per deal, then summed: the card, the column, the forecast and the detail agree to the cent.

``new_opportunity``, ``move`` and ``locked_opportunity`` check no permissions, for use cases
that have done their own (converting a lead, signing a contract, after-sales); the others are
the API's use cases. Who sees which deal is decided in ``visibility.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import aliased

from .. import db
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models.customer import OPPORTUNITY_KINDS, Account, Contact, Opportunity
from ..models.deal import PipelineStage, Product, StageChange
from ..models.lead import Team, TeamMember
from ..models.user import User
from . import clock, customers, pricing, timeline, users, visibility
from .instances import Page
from .reports.sql import cents, weighted_cents

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100.00")
MAX_AMOUNT = Decimal("999999999999.99")  # Numeric(14, 2)
CURRENCY = re.compile(r"^[A-Z]{3}$")
STAGE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
GROUPINGS = ("month", "owner", "team")
DEFAULT_STAGES = (("initial_contact", "Initial contact", "初步接触", 10),
                  ("solution_demo", "Solution demo", "方案演示", 30),
                  ("business_negotiation", "Business negotiation", "商务谈判", 60),
                  ("won", "Won", "赢单", 100), ("lost", "Lost", "输单", 0))
NO_DATE = "no_date"


# -- numbers ---------------------------------------------------------------------------------

def money(value, field: str = "amount") -> Decimal | None:
    """An amount (services/pricing.py's rules: at most two decimals, never rounded); None
    stays None."""
    return None if value is None else pricing.parse_money(value, field)


def percent(value, field: str = "probability") -> Decimal | None:
    return None if value is None else pricing.parse_percent(value, field)


def weighted(amount: Decimal | None, probability: Decimal) -> Decimal:
    """``amount x probability / 100`` in cents, half-up; no amount counts as 0."""
    return ((amount or ZERO) * probability / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def _currency(value: str | None) -> str:
    if not value or not CURRENCY.match(value):
        raise Invalid(f"currency: {value!r} is not a three-letter code such as CNY",
                      fields={"currency": ["a three-letter code in capitals, e.g. CNY"]})
    return value


# -- stages ----------------------------------------------------------------------------------

def stages() -> list[PipelineStage]:
    """The board's columns, in order (the migration stores DEFAULT_STAGES; a PUT never leaves
    the table empty)."""
    return list(db.session().scalars(select(PipelineStage).order_by(PipelineStage.position,
                                                                   PipelineStage.key)))


def stage(key: str) -> PipelineStage:
    """The stage with this key; Invalid naming ``stage`` (with the known keys) if none."""
    row = db.session().get(PipelineStage, key) if key else None
    if row is None:
        known = ", ".join(s.key for s in stages())
        raise Invalid(f"stage: no stage {key!r} (the stages are {known})",
                      fields={"stage": [f"unknown stage {key!r}"]})
    return row


def won_stage() -> PipelineStage:
    """The one won stage (a signed contract moves its deal there)."""
    return next(row for row in stages() if row.is_won)


def _stage_for_write(key: str) -> PipelineStage:
    """The stage, share-locked until the commit (PostgreSQL), so a concurrent PUT of the
    stages cannot remove it under a deal moving into it."""
    row = db.session().scalar(select(PipelineStage).where(PipelineStage.key == key)
                              .with_for_update(read=True)) if key else None
    return row if row is not None else stage(key)


def _probability(opportunity: Opportunity, row: PipelineStage) -> Decimal:
    return _chance(opportunity.probability, row)


def _chance(override, row: PipelineStage) -> Decimal:
    """A deal's probability from its override (None: its stage's default) in its stage."""
    if row.is_won:
        return HUNDRED
    if row.is_lost:
        return ZERO
    return Decimal(override if override is not None else row.probability).quantize(CENT)


def probability_of(opportunity: Opportunity) -> Decimal:
    """The deal's win probability in percent: its override, else its stage's default; a won
    deal 100, a lost one 0."""
    return _probability(opportunity, stage(opportunity.stage))


def weighted_amount(opportunity: Opportunity) -> Decimal:
    return weighted(opportunity.amount, probability_of(opportunity))


def replace_stages(user: User, items: list[dict]) -> list[PipelineStage]:
    """Replace the stage configuration with the given ordered list (analysts and admins).

    Refused (409 naming them and their counts) when it would remove a stage deals are in, or
    turn such a stage into a won or lost one (or back): those deals would change meaning
    without anyone moving them.
    """
    if not user.has_role("analyst", "admin"):
        raise Forbidden("only analysts and admins configure the pipeline")
    wanted = _check_stages(items)
    db.serialize("pipeline-stages")
    session = db.session()
    current = {row.key: row for row in session.scalars(select(PipelineStage)
                                                         .with_for_update())}
    counts = dict(session.execute(select(Opportunity.stage, func.count())
                                  .group_by(Opportunity.stage)).all())
    removed = {key: counts[key] for key in current if key not in wanted and counts.get(key)}
    if removed:
        raise Conflict("stages still in use cannot be removed: " + ", ".join(
            f"{key} ({n} opportunities)" for key, n in removed.items()), stages=removed)
    flipped = {key: counts[key] for key, row in current.items() if key in wanted
               and counts.get(key) and (row.is_won, row.is_lost) != (wanted[key]["won"],
                                                                      wanted[key]["lost"])}
    if flipped:
        raise Conflict("the won and lost flags of stages in use cannot change: " + ", ".join(
            f"{key} ({n} opportunities)" for key, n in flipped.items()), stages=flipped)
    gone = [key for key in current if key not in wanted]
    if gone:
        session.execute(delete(PipelineStage).where(PipelineStage.key.in_(gone)))
    for position, (key, item) in enumerate(wanted.items()):
        row = current.get(key) or PipelineStage(key=key)
        row.name_en, row.name_zh = item["name_en"], item["name_zh"]
        row.position, row.probability = position, item["probability"]
        row.is_won, row.is_lost = item["won"], item["lost"]
        session.add(row)
    session.flush()
    return stages()


def _check_stages(items: list[dict]) -> dict[str, dict]:
    """The stages by key in their order, checked: every problem is one 422 naming the fields."""
    if items and all(item.get("order") is not None for item in items):
        items = sorted(items, key=lambda item: item["order"])  # stable: ties keep list order
    elif any(item.get("order") is not None for item in items):
        raise Invalid("send an order for every stage or for none (the list order)",
                      fields={"order": ["for every stage or for none"]})
    errors: dict[str, list[str]] = {}
    wanted: dict[str, dict] = {}
    for n, item in enumerate(items, start=1):
        key = (item.get("key") or "").strip()
        where = f"stage {n} ({key or 'no key'})"
        if not STAGE_KEY.match(key):
            errors.setdefault("key", []).append(
                f"{where}: lower-case letters, digits and _, starting with a letter, at most 40")
        elif key in wanted:
            errors.setdefault("key", []).append(f"{where}: {key!r} appears twice")
        given = item.get("name") or {}
        names = {lang: (given.get(lang) or "").strip() for lang in ("en", "zh_CN")}
        for lang in names:
            if not 1 <= len(names[lang]) <= 100:
                errors.setdefault("name", []).append(
                    f"{where}: name {lang.replace('_', '-')} is required (at most 100)")
        try:
            probability = percent(item.get("probability"))
        except Invalid as exc:
            probability = None
            errors.setdefault("probability", []).append(f"{where}: {exc.fields['probability'][0]}")
        if probability is None and "probability" not in errors:
            errors.setdefault("probability", []).append(f"{where}: required")
        won, lost = bool(item.get("won")), bool(item.get("lost"))
        if won and lost:
            errors.setdefault("won", []).append(f"{where}: won or lost, not both")
        elif (won and probability not in (None, HUNDRED)) or (
                lost and probability not in (None, ZERO)):
            errors.setdefault("probability", []).append(
                f"{where}: a won stage is 100, a lost stage 0")
        wanted.setdefault(key, {"name_en": names["en"], "name_zh": names["zh_CN"],
                                "probability": probability, "won": won, "lost": lost})
    if sum(1 for item in items if item.get("won")) != 1:
        errors.setdefault("won", []).append("exactly one stage is the won stage")
    if not any(item.get("lost") for item in items):
        errors.setdefault("lost", []).append("at least one stage is a lost stage")
    if not any(not item.get("won") and not item.get("lost") for item in items):
        errors.setdefault("stages", []).append("at least one stage is open (neither won nor lost)")
    if errors:
        raise Invalid("the stages are invalid: " + "; ".join(
            message for messages in errors.values() for message in messages), fields=errors)
    return wanted


# -- opportunities ---------------------------------------------------------------------------

def new_opportunity(account: Account, *, name: str, owner: str | None, by: str | None,
                    amount=None, currency: str = "CNY", contact: Contact | None = None,
                    expected_close_date: date | None = None, stage: str | None = None,
                    probability=None, products_of_interest: Iterable[str] = (),
                    lead_id: int | None = None, kind: str = "new", parent_id: int | None = None,
                    team: str | None = None) -> Opportunity:
    """Create a deal (no permission checks) with its first stage change (from None).

    ``stage`` defaults to the first stage; a lost stage is refused (a deal is lost by moving
    it there with a reason). ``team`` defaults to the owner's team when they are in exactly
    one, so that team's manager keeps seeing the deal.
    """
    name = _name(name)
    if kind not in OPPORTUNITY_KINDS:
        raise Invalid(f"kind: {kind!r} is not one of {', '.join(OPPORTUNITY_KINDS)}",
                      fields={"kind": ["unknown kind"]})
    if contact is not None and contact.account_id != account.id:
        raise Invalid(f"contact {contact.id} is not a contact of customer {account.id}",
                      fields={"contact_id": ["not a contact of this customer"]})
    row = _stage_for_write(stage) if stage else _first_stage()
    if row.is_lost:
        raise Invalid("a new deal cannot be lost: create it, then move it there with a reason",
                      fields={"stage": ["a lost stage"]})
    now = clock.now()
    opportunity = Opportunity(
        account_id=account.id, contact_id=contact.id if contact else None, lead_id=lead_id,
        name=name, amount=money(amount), currency=_currency(currency), stage=row.key,
        probability=_override(row, probability), expected_close_date=expected_close_date,
        owner=owner, team=team if team is not None else _only_team_of(owner),
        products_of_interest=product_codes(products_of_interest), kind=kind,
        parent_id=parent_id, stage_changed_at=now, closed_at=now if row.is_won else None,
        created_by=by, created_at=now, updated_at=now)
    session = db.session()
    session.add(opportunity)
    session.flush()
    session.add(StageChange(opportunity_id=opportunity.id, from_stage=None, to_stage=row.key,
                            changed_by=by, changed_at=now))
    return opportunity


def move(opportunity: Opportunity, stage_key: str, *, by: str | None,
         reason: str | None = None) -> StageChange | None:
    """Move the card (no permission checks; lock it first with ``locked_opportunity``).

    None when it is in that stage already. A lost stage needs a reason (Invalid naming
    ``reason``). Entering a won or lost stage closes the deal (``closed_at``), leaving one
    reopens it; the probability override is dropped.
    """
    target = _stage_for_write(stage_key)
    if opportunity.stage == target.key:
        return None
    reason = (reason or "").strip() or None
    if target.is_lost and reason is None:
        raise Invalid("a lost deal needs a reason", fields={"reason": ["required when lost"]})
    now = clock.now()
    change = StageChange(opportunity_id=opportunity.id, from_stage=opportunity.stage,
                         to_stage=target.key, reason=reason, changed_by=by, changed_at=now)
    opportunity.stage = target.key
    opportunity.probability = None
    opportunity.lost_reason = reason if target.is_lost else None
    opportunity.closed_at = now if target.is_won or target.is_lost else None
    opportunity.stage_changed_at = opportunity.updated_at = now
    db.session().add(change)
    return change


def get_opportunity(opportunity_id: int, user: User) -> Opportunity:
    """The deal, if the user sees it (403 otherwise, like leads and customers)."""
    opportunity = db.session().get(Opportunity, opportunity_id)
    if opportunity is None:
        raise NotFound(f"opportunity {opportunity_id} does not exist")
    return visibility.require_opportunity(user, opportunity)


def locked_opportunity(opportunity_id: int) -> Opportunity:
    """The deal, row-locked until the commit (SELECT ... FOR UPDATE; SQLite serializes
    writers anyway), read afresh: two moves of one card happen one after the other."""
    return db.locked(Opportunity, opportunity_id, "opportunity")


def history(opportunity: Opportunity) -> list[StageChange]:
    """Every stage change of the deal, oldest first (its creation first)."""
    return list(db.session().scalars(select(StageChange).where(
        StageChange.opportunity_id == opportunity.id).order_by(StageChange.changed_at,
                                                              StageChange.id)))


def days_in_stage(opportunity: Opportunity) -> int:
    entered = opportunity.stage_changed_at or opportunity.created_at
    return max((clock.now() - entered).days, 0)


def customer_name(opportunity: Opportunity) -> str | None:
    account = db.session().get(Account, opportunity.account_id)
    return account.name if account else None


def customer_names(opportunities: Iterable[Opportunity]) -> dict[int, str]:
    """The names of the deals' customers by id, in one query (for a page of deals)."""
    ids = {opportunity.account_id for opportunity in opportunities}
    return dict(db.session().execute(select(Account.id, Account.name)
                                     .where(Account.id.in_(ids))).all()) if ids else {}


def search(user: User, *, stage: str | None = None, owner: str | None = None,
           team: str | None = None, customer: int | None = None, open: bool | None = None,
           kind: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    """The deals the user sees, newest first; ``open`` keeps those in stages neither won nor
    lost (``False``: the closed ones)."""
    stmt = _visible(user, owner=owner, team=team)
    if stage:
        stmt = stmt.where(Opportunity.stage == stage)
    if customer is not None:
        stmt = stmt.where(Opportunity.account_id == customer)
    if open is not None:
        keys = _open_keys()
        stmt = stmt.where(Opportunity.stage.in_(keys) if open else Opportunity.stage.not_in(keys))
    if kind:
        stmt = stmt.where(Opportunity.kind == kind)
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(Opportunity.created_at.desc(), Opportunity.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)


def create(user: User, data: dict) -> Opportunity:
    """A deal with a customer the user sees, owned by them unless a manager or admin names
    another active rep."""
    account = customers.get_account(data["customer_id"], user)
    owner = data.get("owner") or user.username
    if owner != user.username:
        _require_assigner(user)
        _require_rep(owner)
    return new_opportunity(
        account, name=data["name"], owner=owner, by=user.username, amount=data.get("amount"),
        currency=data.get("currency") or "CNY",
        contact=_contact(account.id, data.get("contact_id")),
        expected_close_date=data.get("expected_close_date"), stage=data.get("stage"),
        probability=data.get("probability"),
        products_of_interest=data.get("products_of_interest") or (),
        kind=data.get("kind") or "new")


def update(opportunity_id: int, user: User, changes: dict) -> Opportunity:
    """Change a deal the user sees; ``stage`` moves the card (``reason`` for lost), the
    owner is for managers and admins. The move comes first, so a ``probability`` sent with it
    overrides the new stage's default."""
    opportunity = locked_opportunity(opportunity_id)
    visibility.require_opportunity(user, opportunity)
    if "owner" in changes:
        _require_assigner(user)
        opportunity.owner = _require_rep(changes["owner"])
        opportunity.team = _only_team_of(opportunity.owner)
    if "name" in changes:
        opportunity.name = _name(changes["name"])
    if "amount" in changes:
        opportunity.amount = money(changes["amount"])
    if "currency" in changes:
        opportunity.currency = _currency(changes["currency"])
    if "expected_close_date" in changes:
        opportunity.expected_close_date = changes["expected_close_date"]
    if "contact_id" in changes:
        contact = _contact(opportunity.account_id, changes["contact_id"])
        opportunity.contact_id = contact.id if contact else None
    if "products_of_interest" in changes:
        opportunity.products_of_interest = product_codes(changes["products_of_interest"] or ())
    if "stage" in changes:
        move(opportunity, changes["stage"], by=user.username, reason=changes.get("reason"))
    elif "reason" in changes:
        _change_lost_reason(opportunity, changes["reason"])
    if "probability" in changes:
        opportunity.probability = _override(stage(opportunity.stage), changes["probability"])
    opportunity.updated_at = clock.now()
    return opportunity


def product_codes(codes: Iterable[str]) -> list[str]:
    """The codes, each once in the order given, all of products in the catalogue; Invalid
    naming ``products_of_interest`` and the unknown codes otherwise."""
    wanted = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    if not wanted:
        return []
    known = set(db.session().scalars(select(Product.code).where(Product.code.in_(wanted))))
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise Invalid(f"products_of_interest: no products {', '.join(unknown)}",
                      fields={"products_of_interest": [f"unknown product codes: "
                                                       f"{', '.join(unknown)}"]},
                      unknown=unknown)
    return wanted


# -- the board and the forecast --------------------------------------------------------------

def board(user: User, *, owner: str | None = None, team: str | None = None,
          limit: int = 200) -> dict:
    """The kanban board: every stage in order with its cards (soonest expected close first,
    at most ``limit`` per column), its count and totals per currency; the board's ``totals``
    cover the open stages only (the pipeline still to win).

    Counts and totals are summed by the database (weighted amounts in exact cents, rounded per
    deal as ``weighted`` rounds them) and only the cards shown are read, so a view costs the
    same whether a column holds fifty deals or fifty thousand."""
    rows = stages()
    columns = {row.key: {"stage": row, "cards": [], "count": 0, "totals": {}} for row in rows}
    board_totals: dict[str, dict] = {}
    for stage_key, currency, count, amount, worth in db.session().execute(
            _column_totals(user, owner=owner, team=team)):
        column = columns.get(stage_key)
        if column is None:
            continue  # a stage removed from the configuration (only possible by hand)
        column["count"] += count
        figures = {"amount": _from_cents(amount), "weighted": _from_cents(worth)}
        _add(column["totals"], currency, **figures)
        if not (column["stage"].is_won or column["stage"].is_lost):
            _add(board_totals, currency, **figures)
    for opportunity, name in db.session().execute(_first_cards(user, owner, team, limit)):
        column = columns.get(opportunity.stage)
        if column is None:
            continue
        probability = _probability(opportunity, column["stage"])
        column["cards"].append({
            "id": opportunity.id, "name": opportunity.name,
            "customer_id": opportunity.account_id, "customer_name": name,
            "owner": opportunity.owner, "amount": opportunity.amount,
            "currency": opportunity.currency, "probability": probability,
            "weighted": weighted(opportunity.amount, probability),
            "expected_close_date": opportunity.expected_close_date,
            "days_in_stage": days_in_stage(opportunity)})
    return {"columns": list(columns.values()), "totals": board_totals}


def _column_totals(user: User, *, owner: str | None, team: str | None):
    """(stage, currency, count, amount in cents, weighted in cents) of the visible deals."""
    visible = _visible(user, owner=owner, team=team).subquery()
    deal = aliased(Opportunity, visible)
    probability = case((PipelineStage.is_won, HUNDRED), (PipelineStage.is_lost, ZERO),
                       else_=func.coalesce(deal.probability, PipelineStage.probability))
    return (select(deal.stage, deal.currency, func.count(),
                   func.sum(cents(deal.amount)), func.sum(weighted_cents(deal.amount, probability)))
            .join(PipelineStage, PipelineStage.key == deal.stage)
            .group_by(deal.stage, deal.currency))


def _first_cards(user: User, owner: str | None, team: str | None, limit: int):
    """The first ``limit`` deals of each stage (soonest expected close first) with their
    customers' names: the cards a board shows."""
    order = (Opportunity.expected_close_date.is_(None), Opportunity.expected_close_date,
             Opportunity.id)
    place = func.row_number().over(partition_by=Opportunity.stage, order_by=order)
    ranked = _visible(user, owner=owner, team=team, columns=(place.label("place"),)).subquery()
    deal = aliased(Opportunity, ranked)
    return (select(deal, Account.name).join(Account, Account.id == deal.account_id)
            .where(ranked.c.place <= limit)
            .order_by(deal.expected_close_date.is_(None), deal.expected_close_date, deal.id))


def _from_cents(value) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(CENT)


def forecast(user: User, *, group_by: str = "month", date_from: date | None = None,
             date_to: date | None = None, owner: str | None = None,
             team: str | None = None) -> dict:
    """Weighted open pipeline and committed (won) amounts, grouped by month, owner or team,
    per currency, with the definitions used."""
    if group_by not in GROUPINGS:
        raise Invalid(f"group_by is one of {', '.join(GROUPINGS)}",
                      fields={"group_by": ["month, owner or team"]})
    rows = {row.key: row for row in stages()}
    open_keys = [key for key, row in rows.items() if not (row.is_won or row.is_lost)]
    won_keys = [key for key, row in rows.items() if row.is_won]
    groups: dict[str | None, dict] = {}
    totals: dict[str, dict] = {}
    wanted = _visible(user, owner=owner, team=team).where(
        Opportunity.stage.in_(open_keys + won_keys)).with_only_columns(
        Opportunity.stage, Opportunity.expected_close_date, Opportunity.closed_at,
        Opportunity.owner, Opportunity.team, Opportunity.amount, Opportunity.currency,
        Opportunity.probability)  # plain rows: no ORM objects for thousands of deals
    for opportunity in db.session().execute(wanted.order_by(Opportunity.id)):
        row = rows[opportunity.stage]
        when = opportunity.expected_close_date
        if row.is_won and opportunity.closed_at is not None:
            when = opportunity.closed_at.date()
        if (date_from and (when is None or when < date_from)) or (
                date_to and (when is None or when > date_to)):
            continue
        key = {"month": when.strftime("%Y-%m") if when else NO_DATE,
               "owner": opportunity.owner, "team": opportunity.team}[group_by]
        group = groups.setdefault(key, {"key": key, "open_count": 0, "won_count": 0,
                                        "totals": {}})
        amount = opportunity.amount or ZERO
        if row.is_won:
            group["won_count"] += 1
            figures = {"amount": ZERO, "weighted": ZERO, "committed": amount}
        else:
            group["open_count"] += 1
            figures = {"amount": amount, "committed": ZERO,
                       "weighted": weighted(amount, _chance(opportunity.probability, row))}
        _add(group["totals"], opportunity.currency, **figures)
        _add(totals, opportunity.currency, **figures)
    # in key order; no_date, no owner, no team come last
    ordered = sorted(groups.values(), key=lambda g: (g["key"] in (None, NO_DATE), g["key"] or ""))
    return {"group_by": group_by, "from": date_from, "to": date_to, "groups": ordered,
            "totals": totals, "definitions": _definitions(group_by, open_keys, won_keys)}


def owners_and_teams(user: User) -> tuple[list[str], list[str]]:
    """The owners and the teams of the deals the user sees (the board's filter choices), in
    one query: a filter never offers what would show nothing."""
    rows = db.session().execute(select(Opportunity.owner, Opportunity.team).where(
        visibility.opportunity_scope(user)).distinct()).all()
    return (sorted({owner for owner, _team in rows if owner}),
            sorted({team for _owner, team in rows if team}))


def _definitions(group_by: str, open_keys: list[str], won_keys: list[str]) -> dict:
    grouped = {"month": "the month (YYYY-MM) of the expected close date of an open deal and of "
                        "the close date (closed_at, UTC) of a won deal; neither: 'no_date'",
               "owner": "the deal's owner (null: nobody)",
               "team": "the deal's team (null: none)"}[group_by]
    return {
        "open": f"deals in a stage neither won nor lost: {', '.join(open_keys)}",
        "amount": "the sum of the open deals' amounts (no amount counts as 0)",
        "weighted": "per open deal amount x probability / 100 (its override, else its stage's "
                    "default), rounded half-up to cents, then summed",
        "committed": f"the sum of the amounts of won deals (stage {', '.join(won_keys)})",
        "lost": "lost deals count nowhere",
        "group": grouped,
        "dates": "from / to (inclusive) keep the deals whose date (an open deal's expected "
                 "close date, a won deal's close date) falls between them; deals without "
                 "one are then left out",
        "currencies": "totals are per currency; nothing is converted",
    }


def _add(totals: dict[str, dict], currency: str, **figures: Decimal | None) -> None:
    entry = totals.setdefault(currency, {})
    for name, value in figures.items():
        entry[name] = entry.get(name, ZERO) + (value or ZERO)


def _visible(user: User, *, owner: str | None, team: str | None, columns: tuple = ()):
    """The select of the deals the user sees, by owner ('me') and team."""
    stmt = select(Opportunity, *columns).where(visibility.opportunity_scope(user))
    if owner:
        stmt = stmt.where(Opportunity.owner == (user.username if owner == "me" else owner))
    if team:
        stmt = stmt.where(Opportunity.team == team)
    return stmt


# -- the timeline ----------------------------------------------------------------------------

@timeline.source("stage_changes")
def stage_changes(account: Account, _lead_ids, _instance_ids) -> list[timeline.TimelineItem]:
    """``stage.changed`` for every move of the customer's deals (their creation is already
    ``opportunity.created``), in one query like every source."""
    before, after = aliased(PipelineStage), aliased(PipelineStage)
    rows = db.session().execute(
        select(StageChange, Opportunity.name, before.name_en, after.name_en)
        .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
        .outerjoin(before, before.key == StageChange.from_stage)
        .outerjoin(after, after.key == StageChange.to_stage)
        .where(Opportunity.account_id == account.id, StageChange.from_stage.is_not(None))
        .order_by(StageChange.changed_at, StageChange.id)).all()
    return [timeline.TimelineItem(
        "stage.changed", change.changed_at, change.changed_by,
        f"Opportunity {name}: {left or change.from_stage} -> {right or change.to_stage}",
        {"opportunity_id": change.opportunity_id, "from": change.from_stage,
         "to": change.to_stage, "reason": change.reason},
        {"type": "opportunity", "id": change.opportunity_id})
        for change, name, left, right in rows]


# -- helpers ---------------------------------------------------------------------------------

def _first_stage() -> PipelineStage:
    first = next((row for row in stages() if not (row.is_won or row.is_lost)), None)
    if first is None:
        raise Conflict("the pipeline has no open stage")
    return _stage_for_write(first.key)


def _open_keys() -> list[str]:
    return [row.key for row in stages() if not (row.is_won or row.is_lost)]


def _override(row: PipelineStage, value) -> Decimal | None:
    """A probability override for a deal in this stage: won and lost deals have none."""
    value = percent(value)
    if value is not None and (row.is_won or row.is_lost):
        raise Invalid("a won deal's probability is 100 and a lost deal's 0",
                      fields={"probability": ["fixed in a won or lost stage"]})
    return value


def _change_lost_reason(opportunity: Opportunity, reason: str | None) -> None:
    """A reason without a stage: the reason of a deal that is lost already."""
    if not stage(opportunity.stage).is_lost:
        raise Invalid("a reason goes with a stage change (it is required for lost)",
                      fields={"reason": ["send it with stage"]})
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a lost deal needs a reason", fields={"reason": ["required when lost"]})
    opportunity.lost_reason = reason


def _name(value: str | None) -> str:
    value = (value or "").strip()
    if not 1 <= len(value) <= 200:
        raise Invalid("name is required (at most 200 characters)",
                      fields={"name": ["required, at most 200 characters"]})
    return value


def _contact(account_id: int, contact_id: int | None) -> Contact | None:
    if contact_id is None:
        return None
    contact = db.session().get(Contact, contact_id)
    if contact is None or contact.account_id != account_id:
        raise Invalid(f"contact {contact_id} is not a contact of this customer",
                      fields={"contact_id": ["not a contact of this customer"]})
    return contact


def _require_assigner(user: User) -> None:
    if not user.has_role("manager", "admin"):
        raise Forbidden("only managers and admins give a deal to someone else")


def _require_rep(username: str | None) -> str:
    if not users.is_active_rep(username):
        raise Invalid(f"owner: {username!r} is not an active sales rep",
                      fields={"owner": ["not an active sales rep"]})
    return username


def _only_team_of(username: str | None) -> str | None:
    """The owner's team when they are in exactly one (as customers do)."""
    if not username:
        return None
    keys = list(db.session().scalars(select(Team.key).join(TeamMember).where(
        TeamMember.username == username).limit(2)))
    return keys[0] if len(keys) == 1 else None
