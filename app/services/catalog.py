"""The product catalogue and the price lists quotes are priced from.

A product has a list price and a VAT rate. A price list gives some products another price for
one customer tier (standard, key, strategic) over a period; ``price_for`` answers "what does
this product cost a customer of this tier on this day": the price of the tier's active list
valid that day when it lists the product, else the list price. So that the answer is never
ambiguous, two active lists of one tier may not overlap in time.

Products are removed by deactivating them; deleting is refused once a quote line names the
product (the quote keeps a copy of the product's details, but also its id). Who may change the
catalogue (admins and analysts) is checked by the API; reading is for everyone signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from .. import db
from ..errors import Conflict, Invalid, NotFound
from ..models.customer import CUSTOMER_TIERS
from ..models.deal import PriceList, PriceListItem, Product, Quote, QuoteLine
from . import clock
from .instances import Page
from .pricing import parse_money, parse_percent

PRODUCT_TEXT = ("name_en", "name_zh", "unit", "product_line")
PRICE_LIST_FIELDS = ("name", "tier", "currency", "valid_from", "valid_to", "active")


@dataclass(frozen=True)
class ListedPrice:
    """A product on a price list, at the list's price."""

    product: Product
    price: Decimal


# -- products --------------------------------------------------------------------------------

def normalize_code(code: str | None) -> str:
    """Product codes are upper case: "crm-std" finds CRM-STD, and cannot become a second one."""
    return (code or "").strip().upper()


def find_product(code: str) -> Product | None:
    """The product with this code, typed in any case (quotes pick products by code)."""
    return db.session().scalar(select(Product).where(Product.code == normalize_code(code)))


def get_product(product_id: int) -> Product:
    product = db.session().get(Product, product_id)
    if product is None:
        raise NotFound(f"product {product_id} does not exist")
    return product


def search_products(*, active: bool | None = None, q: str | None = None,
                    product_line: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    """Products by code; ``q`` matches part of the code or of either name."""
    stmt = select(Product)
    if active is not None:
        stmt = stmt.where(Product.active.is_(active))
    if product_line:
        stmt = stmt.where(Product.product_line == product_line)
    if q:
        stmt = stmt.where(or_(*(column.ilike(_like(q), escape="\\")
                                for column in (Product.code, Product.name_en, Product.name_zh))))
    return _page(stmt.order_by(Product.code), page, per_page)


def create_product(data: dict) -> Product:
    """A new product; Conflict naming the product that has the code already."""
    code = _required_text(normalize_code(data.get("code")), "code")
    _require_free_code(code)
    now = clock.now()
    product = Product(code=code, created_at=now, updated_at=now,
                      active=data.get("active", True), **_product_values(data, required=True))
    db.session().add(product)
    db.session().flush()
    return product


def update_product(product_id: int, changes: dict) -> Product:
    """Change a product (deactivate it with ``active: false``); quotes already made keep
    the details they copied."""
    product = get_product(product_id)
    if "code" in changes:
        code = _required_text(normalize_code(changes["code"]), "code")
        if code != product.code:
            _require_free_code(code)
        product.code = code
    for field, value in _product_values(changes, required=False).items():
        setattr(product, field, value)
    if changes.get("active") is not None:
        product.active = changes["active"]
    product.updated_at = clock.now()
    return product


def delete_product(product_id: int) -> None:
    """Delete a product no quote names (its price-list entries go with it); Conflict naming
    the quotes otherwise: deactivate it instead."""
    product = get_product(product_id)
    session = db.session()
    quote_ids = sorted(set(session.scalars(select(QuoteLine.quote_id).where(
        QuoteLine.product_id == product.id))))
    if quote_ids:
        raise Conflict(f"product {product.code} is on quotes {quote_ids}; deactivate it "
                       "instead (active: false)", quote_ids=quote_ids)
    session.execute(delete(PriceListItem).where(PriceListItem.product_id == product.id))
    session.delete(product)


# -- price lists -----------------------------------------------------------------------------

def get_price_list(price_list_id: int) -> PriceList:
    price_list = db.session().get(PriceList, price_list_id)
    if price_list is None:
        raise NotFound(f"price list {price_list_id} does not exist")
    return price_list


def price_lists(*, tier: str | None = None, active: bool | None = None) -> list[PriceList]:
    """Price lists by tier, the latest period first."""
    stmt = select(PriceList)
    if tier:
        stmt = stmt.where(PriceList.tier == tier)
    if active is not None:
        stmt = stmt.where(PriceList.active.is_(active))
    return list(db.session().scalars(stmt.order_by(PriceList.tier, PriceList.valid_from.desc(),
                                                   PriceList.id.desc())))


def listed_prices(price_list: PriceList) -> list[ListedPrice]:
    """The list's products with their prices, in the order they were listed."""
    rows = db.session().execute(
        select(Product, PriceListItem.price).join(PriceListItem,
                                                  PriceListItem.product_id == Product.id)
        .where(PriceListItem.price_list_id == price_list.id).order_by(PriceListItem.id))
    return [ListedPrice(product, price) for product, price in rows]


def create_price_list(data: dict) -> PriceList:
    """A new price list; Invalid for an unknown product code or a period ending before it
    starts, Conflict naming the active list of the same tier whose period overlaps."""
    items = _resolve_items(data.get("items") or [])
    now = clock.now()
    price_list = PriceList(
        name=_required_text(data.get("name"), "name"), tier=_tier(data.get("tier")),
        currency=data.get("currency") or "CNY", valid_from=data.get("valid_from"),
        valid_to=data.get("valid_to"), active=data.get("active", True), created_at=now,
        updated_at=now)
    if price_list.valid_from is None:
        raise Invalid("valid_from is required", fields={"valid_from": ["required"]})
    _check_period(price_list)
    _check_overlap(price_list)
    price_list.items = [PriceListItem(product_id=product.id, price=price)
                        for product, price in items]
    db.session().add(price_list)
    db.session().flush()
    return price_list


def update_price_list(price_list_id: int, changes: dict) -> PriceList:
    """Change a price list; ``items``, when given, replace all of its items."""
    price_list = get_price_list(price_list_id)
    items = _resolve_items(changes["items"]) if changes.get("items") is not None else None
    for field in PRICE_LIST_FIELDS:
        if field not in changes:
            continue
        value = changes[field]
        if value is None and field != "valid_to":
            raise Invalid(f"{field} cannot be empty", fields={field: ["may not be null"]})
        setattr(price_list, field, value)
    price_list.name = _required_text(price_list.name, "name")
    price_list.tier = _tier(price_list.tier)
    _check_period(price_list)
    _check_overlap(price_list)
    if items is not None:
        _replace_items(price_list, items)
    price_list.updated_at = clock.now()
    return price_list


def delete_price_list(price_list_id: int) -> None:
    """Delete a price list no quote was priced from; Conflict naming the quotes otherwise:
    deactivate it instead."""
    price_list = get_price_list(price_list_id)
    quote_ids = list(db.session().scalars(select(Quote.id).where(
        Quote.price_list_id == price_list.id).order_by(Quote.id)))
    if quote_ids:
        raise Conflict(f"price list {price_list.id} priced quotes {quote_ids}; deactivate it "
                       "instead (active: false)", quote_ids=quote_ids)
    db.session().delete(price_list)


def price_for(product: Product, tier: str, on: date) -> tuple[Decimal, PriceList | None]:
    """What the product costs a customer of ``tier`` on day ``on``: the price of the tier's
    active price list valid that day (``valid_to`` included) when it lists the product, with
    that list; else ``(product.list_price, None)``."""
    row = db.session().execute(
        select(PriceListItem.price, PriceList)
        .join(PriceList, PriceList.id == PriceListItem.price_list_id)
        .where(PriceListItem.product_id == product.id, PriceList.tier == tier,
               PriceList.active.is_(True), PriceList.valid_from <= on,
               or_(PriceList.valid_to.is_(None), PriceList.valid_to >= on))
        .order_by(PriceList.valid_from.desc(), PriceList.id.desc()).limit(1)).first()
    if row is None:
        return product.list_price, None
    return row[0], row[1]


# -- demo data -------------------------------------------------------------------------------

DEMO_PRODUCTS = (
    # code, name_en, name_zh, unit, product_line, list price, VAT %
    ("CRM-STD", "CRM Standard licence", "CRM 标准版许可", "user-year", "software",
     "1200.00", "13"),
    ("CRM-PRO", "CRM Professional licence", "CRM 专业版许可", "user-year", "software",
     "2400.00", "13"),
    ("IMPL-DAY", "Implementation, per person-day", "实施服务（人天）", "person-day",
     "services", "3000.00", "6"),
    ("TRAIN", "Training session", "培训课程", "session", "services", "5000.00", "6"),
    ("HW-TERM", "Mobile terminal", "移动终端", "unit", "hardware", "1800.00", "13"),
)
DEMO_KEY_PRICES = {"CRM-STD": "1080.00", "CRM-PRO": "2160.00", "IMPL-DAY": "2700.00"}
DEMO_PRICE_LIST = "Key accounts / 重点客户价格"


def seed_demo_catalog(session: Session) -> list[str]:
    """Demo mode: the demo products that are missing, and a key-tier price list unless the key
    tier has one; returns what was created (codes and the list's name)."""
    now = clock.now()
    existing = set(session.scalars(select(Product.code)))
    created = []
    for code, name_en, name_zh, unit, line, price, tax in DEMO_PRODUCTS:
        if code not in existing:
            session.add(Product(code=code, name_en=name_en, name_zh=name_zh, unit=unit,
                                product_line=line, list_price=Decimal(price),
                                tax_rate=Decimal(tax), active=True, created_at=now,
                                updated_at=now))
            created.append(code)
    session.flush()
    if session.scalar(select(PriceList.id).where(PriceList.tier == "key").limit(1)) is None:
        products = {p.code: p for p in session.scalars(select(Product).where(
            Product.code.in_(DEMO_KEY_PRICES)))}
        session.add(PriceList(
            name=DEMO_PRICE_LIST, tier="key", currency="CNY", valid_from=date(2025, 1, 1),
            valid_to=None, active=True, created_at=now, updated_at=now,
            items=[PriceListItem(product_id=products[code].id, price=Decimal(price))
                   for code, price in DEMO_KEY_PRICES.items() if code in products]))
        session.flush()
        created.append(DEMO_PRICE_LIST)
    return created


# -- helpers ---------------------------------------------------------------------------------

def _product_values(data: dict, *, required: bool) -> dict:
    """The product fields given, checked: texts stripped and required, money and VAT parsed."""
    values = {}
    for field in PRODUCT_TEXT:
        if field in data or required:
            values[field] = _required_text(data.get(field), field)
    if "list_price" in data or required:
        values["list_price"] = parse_money(_not_none(data.get("list_price"), "list_price"),
                                           "list_price")
    if "tax_rate" in data or required:
        values["tax_rate"] = parse_percent(_not_none(data.get("tax_rate"), "tax_rate"),
                                           "tax_rate")
    return values


def _require_free_code(code: str) -> None:
    db.serialize(f"product-code:{code}")
    existing = find_product(code)
    if existing is not None:
        raise Conflict(f"product code {code} is taken by product {existing.id} "
                       f"({existing.name_en})", existing_id=existing.id,
                       fields={"code": ["taken"]})


def _resolve_items(items: list[dict]) -> list[tuple[Product, Decimal]]:
    """The products named by code, each with its price; Invalid naming an unknown code or a
    product listed twice."""
    codes = [normalize_code(item.get("product")) for item in items]
    found = {p.code: p for p in db.session().scalars(select(Product).where(
        Product.code.in_(codes)))} if codes else {}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise Invalid(f"items: no product with the code {', '.join(unknown)}",
                      fields={"items": [f"unknown product {code}" for code in unknown]})
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise Invalid(f"items: {', '.join(twice)} listed more than once",
                      fields={"items": [f"{code} listed more than once" for code in twice]})
    return [(found[code], parse_money(_not_none(item.get("price"), "price"), "price"))
            for code, item in zip(codes, items, strict=True)]


def _replace_items(price_list: PriceList, items: list[tuple[Product, Decimal]]) -> None:
    """Make the list's items exactly ``items``: a product kept keeps its row (a new price),
    one dropped loses it, so the (list, product) unique key never sees two rows at once."""
    wanted = {product.id: price for product, price in items}
    for item in list(price_list.items):
        if item.product_id in wanted:
            item.price = wanted.pop(item.product_id)
        else:
            price_list.items.remove(item)
    db.session().flush()
    price_list.items.extend(PriceListItem(product_id=product_id, price=price)
                            for product_id, price in wanted.items())


def _tier(tier: str | None) -> str:
    if tier not in CUSTOMER_TIERS:
        raise Invalid(f"tier: one of {', '.join(CUSTOMER_TIERS)}",
                      fields={"tier": [f"one of {', '.join(CUSTOMER_TIERS)}"]})
    return tier


def _check_period(price_list: PriceList) -> None:
    if price_list.valid_to is not None and price_list.valid_to < price_list.valid_from:
        raise Invalid(f"valid_to ({price_list.valid_to}) is before valid_from "
                      f"({price_list.valid_from})", fields={"valid_to": ["before valid_from"]})


def _check_overlap(price_list: PriceList) -> None:
    """Refuse a second active list of the tier for any day: ``price_for`` needs one answer."""
    if not price_list.active:
        return
    db.serialize(f"price-list-tier:{price_list.tier}")
    stmt = select(PriceList).where(
        PriceList.tier == price_list.tier, PriceList.active.is_(True),
        or_(PriceList.valid_to.is_(None), PriceList.valid_to >= price_list.valid_from))
    if price_list.valid_to is not None:
        stmt = stmt.where(PriceList.valid_from <= price_list.valid_to)
    if price_list.id is not None:
        stmt = stmt.where(PriceList.id != price_list.id)
    other = db.session().scalar(stmt.order_by(PriceList.valid_from, PriceList.id).limit(1))
    if other is not None:
        raise Conflict(f"price list {other.id} ({other.name}) is active for the {other.tier} "
                       f"tier from {other.valid_from} to {other.valid_to or 'no end date'}: "
                       "the periods overlap", other_id=other.id)


def _required_text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"{field} is required", fields={field: ["required"]})
    return value


def _not_none(value, field: str):
    if value is None:
        raise Invalid(f"{field} is required", fields={field: ["required"]})
    return value


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _page(stmt, page: int, per_page: int) -> Page:
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)
