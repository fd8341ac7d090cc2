"""Quotes: versions per opportunity, priced by services/pricing.py from the customer tier's
price list, judged line by line against dmn/discount_policy.dmn, then run through
bpmn/quote.bpmn (special-discount approval, the document, the customer's decision).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, literal, select, union_all

from .. import db
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models.customer import Account, Opportunity
from ..models.deal import OPEN_QUOTE_STATUSES, PriceList, Product, Quote, QuoteLine
from ..models.instance import OPEN_STATUSES, ProcessInstance
from ..models.user import User
from . import catalog, clock, decisions, definitions, instances, pipeline, pricing, timeline
from .instances import start_definition

PROCESS = "quote"
POLICY = "discount_policy"
WRITERS = ("sales", "manager", "admin")
MAX_LINES = 200


def business_key(quote_id: int) -> str:
    return f"quote:{quote_id}"


def require_deal_writer(user: User, opportunity: Opportunity) -> None:
    """Quotes and contracts are drawn up by the deal's owner, their managers or admins."""
    if not user.has_role(*WRITERS) or (opportunity.owner != user.username
                                       and not user.is_supervisor):
        raise Forbidden("only the opportunity's owner, their manager or an admin may do this")


@dataclass
class Priced:
    """A quote priced but not stored: what the preview shows and ``create`` stores."""

    currency: str
    tier: str
    price_list: PriceList | None
    lines: list[dict]
    totals: pricing.Totals
    special_discount: bool


def price(opportunity: Opportunity, lines: list[dict], on: date | None = None) -> Priced:
    """Price the lines for the opportunity's customer and judge each discount by the policy.

    ``deal_size`` (the policy's input) is the subtotal before discounts, so one line's
    discount never changes what another line may get."""
    if not isinstance(lines, list) or not lines:
        raise Invalid("a quote needs at least one line", fields={"lines": ["at least one"]})
    if len(lines) > MAX_LINES:
        raise Invalid(f"at most {MAX_LINES} lines", fields={"lines": [f"at most {MAX_LINES}"]})
    account = db.session().get(Account, opportunity.account_id)
    tier = account.tier or "standard"
    day = on or clock.now().date()
    rows, price_lists = [], []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        if not isinstance(line, dict):
            raise Invalid(f"{where} is not an object", fields={where: ["an object"]})
        product = _product(line.get("product"), f"{where}.product")
        unit_price, price_list = catalog.price_for(product, tier, day)
        if price_list is not None:
            if price_list.currency != opportunity.currency:
                unit_price, price_list = product.list_price, None
            else:
                price_lists.append(price_list)
        rows.append({
            "product": product, "unit_price": unit_price,
            "quantity": pricing.parse_quantity(line.get("quantity"), f"{where}.quantity"),
            "discount_pct": pricing.parse_percent(line.get("discount_pct", 0) or 0,
                                                  f"{where}.discount_pct")})
    totals = pricing.price_quote(
        pricing.Line(unit_price=r["unit_price"], quantity=r["quantity"],
                     discount_pct=r["discount_pct"], tax_rate=r["product"].tax_rate)
        for r in rows)
    special = False
    for row in rows:
        verdict = decisions.evaluate(POLICY, {"tier": tier,
                                              "product_line": row["product"].product_line,
                                              "deal_size": totals.subtotal})
        maximum = verdict.get("outputs", verdict).get("max_discount")
        if maximum is None:
            raise Invalid(f"the {POLICY} table has no rule for tier {tier!r}, product line "
                          f"{row['product'].product_line!r}: ask an analyst to add one",
                          fields={"lines": ["no discount policy for this product"]})
        row["max_discount_pct"] = Decimal(str(maximum)).quantize(Decimal("0.01"))
        row["policy_rule"] = (verdict.get("rules") or [None])[0]
        row["beyond_policy"] = row["discount_pct"] > row["max_discount_pct"]
        special = special or row["beyond_policy"]
    return Priced(currency=opportunity.currency, tier=tier,
                  price_list=price_lists[0] if price_lists else None, lines=rows,
                  totals=totals, special_discount=special)


def _product(code: object, field: str) -> Product:
    if not isinstance(code, str) or not code.strip():
        raise Invalid(f"{field} is required (a product code)", fields={field: ["required"]})
    product = catalog.find_product(code)
    if product is None:
        raise Invalid(f"no product with code {code!r}", fields={field: ["unknown product"]})
    if not product.active:
        raise Invalid(f"product {product.code} is no longer sold",
                      fields={field: ["inactive product"]})
    return product


def preview(opportunity_id: int, user: User, lines: list[dict]) -> dict:
    """The figures a quote of these lines would have, stored nowhere (the quote builder's
    live totals: computed here, never in the browser)."""
    opportunity = pipeline.get_opportunity(opportunity_id, user)
    return as_figures(price(opportunity, lines))


def as_figures(priced: Priced) -> dict:
    lines = []
    for position, (row, amounts) in enumerate(zip(priced.lines, priced.totals.lines,
                                                  strict=True), start=1):
        product = row["product"]
        lines.append({
            "position": position, "product": product.code, "code": product.code,
            "name_en": product.name_en,
            "name_zh": product.name_zh, "unit": product.unit,
            "product_line": product.product_line, "quantity": row["quantity"],
            "unit_price": row["unit_price"], "discount_pct": row["discount_pct"],
            "max_discount_pct": row["max_discount_pct"], "policy_rule": row["policy_rule"],
            "beyond_policy": row["beyond_policy"], "gross": amounts.gross,
            "discount": amounts.discount, "net": amounts.net, "tax_rate": product.tax_rate,
            "tax": amounts.tax, "total": amounts.total})
    t = priced.totals
    return {"currency": priced.currency, "tier": priced.tier,
            "price_list_id": priced.price_list.id if priced.price_list else None,
            "lines": lines, "subtotal": t.subtotal, "discount_total": t.discount_total,
            "net_total": t.net_total, "tax_total": t.tax_total, "grand_total": t.grand_total,
            "special_discount": priced.special_discount}


def create(opportunity_id: int, user: User, data: dict) -> Quote:
    """A new version of the opportunity's quote; the open ones it replaces are superseded
    (their processes cancelled). Refused once a quote was accepted: that one is frozen."""
    opportunity = pipeline.get_opportunity(opportunity_id, user)
    require_deal_writer(user, opportunity)
    _end_open_quotes(opportunity.id)  # their instances first, then the rows: handlers' order
    opportunity = pipeline.locked_opportunity(opportunity_id)
    row = pipeline.stage(opportunity.stage)
    if row.is_won or row.is_lost:
        raise Conflict(f"the opportunity is {opportunity.stage}: it takes no new quote")
    session = db.session()
    accepted = session.scalar(select(Quote).where(Quote.opportunity_id == opportunity.id,
                                                  Quote.status == "accepted").limit(1))
    if accepted is not None:
        raise Conflict(f"quote v{accepted.version} was accepted and is frozen; draw up the "
                       "contract from it", quote_id=accepted.id)
    priced = price(opportunity, data.get("lines"))
    valid_until = data.get("valid_until")
    if valid_until is not None and valid_until < clock.now().date():
        raise Invalid("the quote would be expired already",
                      fields={"valid_until": ["in the past"]})
    version = (session.scalar(select(func.max(Quote.version)).where(
        Quote.opportunity_id == opportunity.id)) or 0) + 1
    now = clock.now()
    figures = as_figures(priced)
    quote = Quote(
        opportunity_id=opportunity.id, version=version,
        status="pending_approval" if priced.special_discount else "ready",
        currency=priced.currency, price_list_id=figures["price_list_id"],
        subtotal=figures["subtotal"], discount_total=figures["discount_total"],
        net_total=figures["net_total"], tax_total=figures["tax_total"],
        grand_total=figures["grand_total"], special_discount=priced.special_discount,
        policy=[{"product": line["product"], "discount_pct": str(line["discount_pct"]),
                 "max_discount_pct": str(line["max_discount_pct"]),
                 "rule": line["policy_rule"], "beyond_policy": line["beyond_policy"]}
                for line in figures["lines"]],
        valid_until=valid_until, notes=data.get("notes"), created_by=user.username,
        created_at=now, updated_at=now,
        lines=[QuoteLine(
            position=line["position"], product_id=row["product"].id, code=line["product"],
            name_en=line["name_en"], name_zh=line["name_zh"], unit=line["unit"],
            product_line=line["product_line"], quantity=line["quantity"],
            unit_price=line["unit_price"], discount_pct=line["discount_pct"],
            max_discount_pct=line["max_discount_pct"], gross=line["gross"],
            discount=line["discount"], net=line["net"], tax_rate=line["tax_rate"],
            tax=line["tax"], total=line["total"])
            for line, row in zip(figures["lines"], priced.lines, strict=True)])
    session.add(quote)
    session.flush()
    instance = start_definition(
        definitions.process(PROCESS), user=user, business_key=business_key(quote.id),
        variables={"quote_id": quote.id, "quote_version": version,
                   "opportunity_id": opportunity.id, "owner": opportunity.owner,
                   "special_discount": priced.special_discount,
                   "grand_total": quote.grand_total, "currency": quote.currency})
    quote.instance_id = instance.id
    return quote


def _end_open_quotes(opportunity_id: int) -> None:
    """Supersede the open quotes of the opportunity, cancelling their processes."""
    session = db.session()
    for quote in session.scalars(select(Quote).where(
            Quote.opportunity_id == opportunity_id,
            Quote.status.in_(OPEN_QUOTE_STATUSES)).order_by(Quote.id)):
        _cancel_process(quote)
        quote.status = "superseded"
        quote.updated_at = clock.now()


def _cancel_process(quote: Quote) -> None:
    if quote.instance_id is None:
        return
    instance = db.session().get(ProcessInstance, quote.instance_id)
    if instance is not None and instance.status in OPEN_STATUSES:
        instances.cancel_unchecked(instance.id)


def get(quote_id: int, user: User) -> Quote:
    quote = db.session().get(Quote, quote_id)
    if quote is None:
        raise NotFound(f"quote {quote_id} does not exist")
    _visible_quote(quote, user)
    return quote


def _visible_quote(quote: Quote, user: User) -> None:
    """Who sees the deal sees its quotes; so do the directors asked to approve a discount."""
    if user.has_role("sales_director", "finance_director"):
        return
    try:
        pipeline.get_opportunity(quote.opportunity_id, user)
    except Forbidden:
        raise NotFound(f"quote {quote.id} does not exist") from None


def of_opportunity(opportunity_id: int, user: User) -> list[Quote]:
    pipeline.get_opportunity(opportunity_id, user)
    return list(db.session().scalars(select(Quote).where(
        Quote.opportunity_id == opportunity_id).order_by(Quote.version)))


def withdraw(quote_id: int, user: User) -> Quote:
    """Withdraw an open quote (its process is cancelled); an accepted quote is frozen."""
    quote = get(quote_id, user)
    opportunity = pipeline.get_opportunity(quote.opportunity_id, user)
    require_deal_writer(user, opportunity)
    if quote.status == "accepted":
        raise Conflict(f"quote v{quote.version} was accepted: it is frozen")
    if quote.status not in OPEN_QUOTE_STATUSES:
        raise Conflict(f"quote v{quote.version} is {quote.status} already")
    _cancel_process(quote)
    quote = locked(quote_id)
    quote.status = "withdrawn"
    quote.updated_at = clock.now()
    return quote


def locked(quote_id: int) -> Quote:
    return db.locked(Quote, quote_id, "quote")


# -- what the process's handlers do ----------------------------------------------------------

def discount_refused(quote: Quote, comment: str | None, by: str | None) -> None:
    quote.status = "discount_rejected"
    quote.decision_comment = comment
    quote.decided_by = by
    quote.decided_at = quote.updated_at = clock.now()


def mark_sent(quote: Quote, document_id: int | None) -> None:
    quote.status = "sent"
    quote.document_id = document_id
    quote.updated_at = clock.now()


def record_customer_decision(quote: Quote, decision: str, comment: str | None,
                             by: str | None) -> None:
    """accepted: the quote is frozen and the deal takes its amount; rejected or revise: the
    owner makes a new version (``revise``) or the deal goes on without it."""
    if decision not in ("accepted", "rejected", "revise"):
        raise ValueError(f"customer_decision {decision!r} is not accepted, rejected or revise")
    quote.status = decision
    quote.decision_comment = comment
    quote.decided_by = by
    quote.decided_at = quote.updated_at = clock.now()
    if decision == "accepted":
        opportunity = pipeline.locked_opportunity(quote.opportunity_id)
        opportunity.amount, opportunity.currency = quote.grand_total, quote.currency
        opportunity.updated_at = clock.now()


# -- the timeline ----------------------------------------------------------------------------

@timeline.business_keys("deals")
def deal_keys(account: Account, _lead_ids) -> list[str]:
    """The customer's quote, contract and after-sales processes belong on its timeline (one
    query for all three)."""
    from ..models.deal import Contract

    rows = db.session().execute(union_all(
        select(literal("opportunity"), Opportunity.id).where(
            Opportunity.account_id == account.id),
        select(literal("quote"), Quote.id).join(
            Opportunity, Opportunity.id == Quote.opportunity_id).where(
            Opportunity.account_id == account.id),
        select(literal("contract"), Contract.id).where(Contract.account_id == account.id)))
    return [f"{kind}:{row_id}" for kind, row_id in rows]


@timeline.source("quotes")
def quote_items(account: Account, _lead_ids, _instance_ids) -> list[timeline.TimelineItem]:
    """``quote.created`` for each version, ``quote.<status>`` when the customer (or the
    discount approval) decided."""
    rows = db.session().execute(
        select(Quote, Opportunity.name).join(Opportunity, Opportunity.id == Quote.opportunity_id)
        .where(Opportunity.account_id == account.id).order_by(Quote.id)).all()
    items = []
    for row, deal in rows:
        data = {"quote_id": row.id, "opportunity_id": row.opportunity_id,
                "version": row.version, "grand_total": str(row.grand_total),
                "currency": row.currency, "special_discount": row.special_discount}
        ref = {"type": "quote", "id": row.id}
        items.append(timeline.TimelineItem(
            "quote.created", row.created_at, row.created_by,
            f"Quote v{row.version} for {deal}: {row.currency} {row.grand_total}", data, ref))
        if row.decided_at is not None:
            items.append(timeline.TimelineItem(
                f"quote.{row.status}", row.decided_at, row.decided_by,
                f"Quote v{row.version} {row.status.replace('_', ' ')}",
                {**data, "comment": row.decision_comment}, ref))
    return items
