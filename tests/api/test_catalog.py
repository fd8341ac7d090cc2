"""The product catalogue and price lists through the API, and the price a tier pays."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from units import run

from app.models.customer import Account, Opportunity
from app.models.deal import PriceList, Product, Quote, QuoteLine
from app.services import catalog

CRM_STD = {"code": "CRM-STD", "name_en": "CRM Standard licence", "name_zh": "CRM 标准版许可",
           "unit": "user-year", "product_line": "software", "list_price": "1200.00",
           "tax_rate": "13"}
IMPL_DAY = {"code": "IMPL-DAY", "name_en": "Implementation", "name_zh": "实施服务（人天）",
            "unit": "person-day", "product_line": "services", "list_price": "3000.00",
            "tax_rate": "6"}
HW_TERM = {"code": "HW-TERM", "name_en": "Mobile terminal", "name_zh": "移动终端",
           "unit": "unit", "product_line": "hardware", "list_price": "1800.00",
           "tax_rate": "13"}


def new_product(api, expect: int = 201, user: str = "ana", **fields) -> dict:
    response = api.as_(user).post("/api/products", json={**CRM_STD, **fields})
    assert response.status_code == expect, response.json
    return response.json


def new_price_list(api, expect: int = 201, user: str = "ana", **fields) -> dict:
    body = {"name": "Key accounts 2030", "tier": "key", "valid_from": "2030-01-01",
            "items": [{"product": "CRM-STD", "price": "1080.00"}], **fields}
    response = api.as_(user).post("/api/price-lists", json=body)
    assert response.status_code == expect, response.json
    return response.json


@pytest.fixture
def products(api) -> dict[str, dict]:
    """CRM-STD (1,200.00, 13 %), IMPL-DAY (3,000.00, 6 %), HW-TERM (1,800.00, 13 %)."""
    return {p["code"]: new_product(api, **p) for p in (CRM_STD, IMPL_DAY, HW_TERM)}


def quote_with(app, product_id: int) -> int:
    """A quote with one line of the product, as the quotes feature stores it."""
    def insert(session):
        now = datetime.now(UTC)
        account = Account(name="Acme", name_normalized="acme", owner="alice", created_at=now,
                          updated_at=now)
        session.add(account)
        session.flush()
        opportunity = Opportunity(account_id=account.id, name="Rollout", owner="alice",
                                  created_at=now, updated_at=now)
        session.add(opportunity)
        session.flush()
        zero = Decimal("0.00")
        quote = Quote(opportunity_id=opportunity.id, version=1, status="ready", currency="CNY",
                      subtotal=zero, discount_total=zero, net_total=zero, tax_total=zero,
                      grand_total=zero, created_at=now, updated_at=now, lines=[QuoteLine(
                          position=1, product_id=product_id, code="CRM-STD", name_en="CRM",
                          name_zh="CRM", unit="user-year", product_line="software",
                          quantity=Decimal(1), unit_price=zero, discount_pct=zero,
                          gross=zero, discount=zero, net=zero, tax_rate=zero, tax=zero,
                          total=zero)])
        session.add(quote)
        session.flush()
        return quote.id
    return run(app, insert)


# -- products --------------------------------------------------------------------------------

def test_an_analyst_adds_a_product_everyone_signed_in_reads(api):
    created = new_product(api, code="crm-std")
    assert created["code"] == "CRM-STD"  # codes are upper case
    assert created["list_price"] == "1200.00" and created["tax_rate"] == "13.00"
    assert created["active"] is True and created["name_zh"] == "CRM 标准版许可"
    for reader in ("alice", "sam", "fiona"):
        assert api.as_(reader).get(f"/api/products/{created['id']}").json == created
        listed = api.as_(reader).get("/api/products").json
        assert listed["total"] == 1 and listed["items"] == [created]


def test_the_catalogue_needs_a_sign_in(api, products):
    anyone = api  # nobody signed in: no token
    for path in ("/api/products", f"/api/products/{products['CRM-STD']['id']}",
                 "/api/price-lists", "/api/price-lists/1"):
        response = anyone.get(path)
        assert response.status_code == 401, path
        assert response.json["error"] == "unauthorized"
    assert anyone.post("/api/products", json=CRM_STD).status_code == 401


@pytest.mark.parametrize("user", ["alice", "mia", "sam", "fiona"])
def test_only_admins_and_analysts_change_the_catalogue(api, products, user):
    product = products["CRM-STD"]
    path = f"/api/products/{product['id']}"
    refused = api.as_(user).post("/api/products", json={**CRM_STD, "code": "NEW"})
    assert refused.status_code == 403 and "admin, analyst" in refused.json["message"]
    assert api.as_(user).patch(path, json={"active": False}).status_code == 403
    assert api.as_(user).delete(path).status_code == 403
    assert api.as_(user).post("/api/price-lists", json={
        "name": "X", "tier": "key", "valid_from": "2030-01-01"}).status_code == 403
    price_list = new_price_list(api)
    list_path = f"/api/price-lists/{price_list['id']}"
    assert api.as_(user).patch(list_path, json={"active": False}).status_code == 403
    assert api.as_(user).delete(list_path).status_code == 403
    assert api.as_("ana").get(path).json == product  # nothing changed
    assert new_product(api, user="admin", code="BY-ADMIN")["code"] == "BY-ADMIN"


def test_money_is_read_from_strings_or_numbers_and_returned_as_two_decimal_strings(api):
    product = new_product(api, list_price=99.9, tax_rate=6)
    assert product["list_price"] == "99.90" and product["tax_rate"] == "6.00"
    changed = api.as_("ana").patch(f"/api/products/{product['id']}",
                                   json={"list_price": "1250", "tax_rate": "12.5"}).json
    assert changed["list_price"] == "1250.00" and changed["tax_rate"] == "12.50"


@pytest.mark.parametrize(("field", "sent", "reason"), [
    ("list_price", "1200.005", "at most 2 decimal places"),
    ("list_price", 0.1 + 0.2, "at most 2 decimal places"),
    ("list_price", -1, "must not be negative"),
    ("list_price", "NaN", "must be a finite number"),
    ("list_price", "12,00", "not a number: '12,00'"),
    ("list_price", True, "must be a number, not true or false"),
    ("tax_rate", 100.5, "must be at most 100"),
    ("tax_rate", "-1", "must be between 0 and 100"),
    ("tax_rate", "13.125", "at most 2 decimal places"),
])
def test_money_and_tax_that_are_not_exact_are_422_naming_the_field(api, field, sent, reason):
    response = new_product(api, expect=422, **{field: sent})
    assert response["fields"] == {field: [reason]}
    assert field in response["message"]
    assert api.as_("ana").get("/api/products").json["total"] == 0  # nothing was rounded in


def test_a_product_needs_its_fields_and_nothing_else(api):
    response = api.as_("ana").post("/api/products", json={"colour": "red"})
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"code", "name_en", "name_zh", "unit",
                                            "product_line", "list_price", "tax_rate",
                                            "colour"}
    bad = new_product(api, expect=422, code="CRM STD", product_line="Software", unit="")
    assert set(bad["fields"]) == {"code", "product_line", "unit"}
    assert new_product(api, expect=422, name_en="   ")["fields"] == {"name_en": ["required"]}
    product = new_product(api)
    nulled = api.as_("ana").patch(f"/api/products/{product['id']}", json={"list_price": None})
    assert nulled.status_code == 422 and set(nulled.json["fields"]) == {"list_price"}


def test_a_second_product_with_the_same_code_is_409_naming_it(api, products):
    first = products["CRM-STD"]
    refused = new_product(api, expect=409, code="crm-std", name_en="Another")
    assert refused["existing_id"] == first["id"] and "CRM-STD" in refused["message"]
    renamed = api.as_("ana").patch(f"/api/products/{products['HW-TERM']['id']}",
                                   json={"code": "CRM-STD"})
    assert renamed.status_code == 409 and renamed.json["existing_id"] == first["id"]
    same = api.as_("ana").patch(f"/api/products/{first['id']}", json={"code": "crm-std"})
    assert same.status_code == 200 and same.json["code"] == "CRM-STD"


def test_products_are_found_by_active_text_and_product_line(api, products):
    api.as_("ana").patch(f"/api/products/{products['HW-TERM']['id']}", json={"active": False})
    alice = api.as_("alice")

    def codes(query: str) -> list[str]:
        response = alice.get(f"/api/products{query}")
        assert response.status_code == 200, response.json
        return [p["code"] for p in response.json["items"]]

    assert codes("") == ["CRM-STD", "HW-TERM", "IMPL-DAY"]  # by code
    assert codes("?active=true") == ["CRM-STD", "IMPL-DAY"]
    assert codes("?active=false") == ["HW-TERM"]
    assert codes("?q=终端") == ["HW-TERM"]
    assert codes("?q=impl") == ["IMPL-DAY"]
    assert codes("?q=licence") == ["CRM-STD"]
    assert codes("?q=100%25") == []
    assert codes("?product_line=services") == ["IMPL-DAY"]
    assert codes("?per_page=1&page=2") == ["HW-TERM"]
    assert alice.get("/api/products?active=maybe").status_code == 422


def test_a_product_is_withdrawn_from_sale_with_active_false(api, products):
    path = f"/api/products/{products['CRM-STD']['id']}"
    withdrawn = api.as_("ana").patch(path, json={"active": False, "name_en": "CRM Std (old)"})
    assert withdrawn.status_code == 200
    assert withdrawn.json["active"] is False and withdrawn.json["name_en"] == "CRM Std (old)"
    assert withdrawn.json["list_price"] == "1200.00"  # untouched
    assert api.as_("alice").get(path).json["active"] is False


def test_a_missing_product_is_404(api):
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"active": False}} if method == "patch" else {}
        response = getattr(api.as_("ana"), method)("/api/products/999", **kwargs)
        assert response.status_code == 404, method
        assert "product 999" in response.json["message"]


def test_a_product_on_a_quote_cannot_be_deleted_only_deactivated(api, app, products):
    on_quote = products["CRM-STD"]
    quote = quote_with(app, on_quote["id"])
    refused = api.as_("ana").delete(f"/api/products/{on_quote['id']}")
    assert refused.status_code == 409
    assert refused.json["quote_ids"] == [quote] and "CRM-STD" in refused.json["message"]
    assert api.as_("alice").get(f"/api/products/{on_quote['id']}").status_code == 200


def test_deleting_a_product_takes_it_off_the_price_lists(api, products):
    price_list = new_price_list(api, items=[{"product": "CRM-STD", "price": "1080"},
                                            {"product": "HW-TERM", "price": "1700"}])
    assert api.as_("admin").delete(f"/api/products/{products['HW-TERM']['id']}"
                                   ).status_code == 204
    assert api.as_("ana").get(f"/api/products/{products['HW-TERM']['id']}").status_code == 404
    listed = api.as_("alice").get(f"/api/price-lists/{price_list['id']}").json["items"]
    assert [item["product"] for item in listed] == ["CRM-STD"]


# -- price lists -----------------------------------------------------------------------------

def test_a_price_list_gives_a_tier_its_prices_by_product_code(api, products):
    created = new_price_list(api, currency="CNY", valid_to="2030-12-31", items=[
        {"product": "crm-std", "price": "1080"}, {"product": "IMPL-DAY", "price": 2700.5}])
    assert created["tier"] == "key" and created["active"] is True
    assert created["valid_from"] == "2030-01-01" and created["valid_to"] == "2030-12-31"
    assert [(i["product"], i["price"], i["list_price"]) for i in created["items"]] == [
        ("CRM-STD", "1080.00", "1200.00"), ("IMPL-DAY", "2700.50", "3000.00")]
    assert created["items"][0]["product_id"] == products["CRM-STD"]["id"]
    assert created["items"][0]["name_zh"] == "CRM 标准版许可"
    assert api.as_("bob").get(f"/api/price-lists/{created['id']}").json == created
    assert api.as_("bob").get("/api/price-lists").json == [created]


def test_an_unknown_product_code_is_422_naming_the_code(api, products):
    response = new_price_list(api, expect=422, items=[
        {"product": "CRM-STD", "price": "1"}, {"product": "CRM-ULTRA", "price": "9"}])
    assert response["fields"] == {"items": ["unknown product CRM-ULTRA"]}
    assert "CRM-ULTRA" in response["message"]
    twice = new_price_list(api, expect=422, items=[{"product": "CRM-STD", "price": "1"},
                                                   {"product": "crm-std", "price": "2"}])
    assert twice["fields"] == {"items": ["CRM-STD listed more than once"]}
    assert api.as_("ana").get("/api/price-lists").json == []


def test_price_list_fields_are_422_per_field(api, products):
    response = api.as_("ana").post("/api/price-lists", json={
        "tier": "gold", "currency": "cny", "valid_from": "someday", "discount": 5,
        "items": [{"product": "CRM-STD", "price": "-1"}, {"price": "1.001"}]})
    assert response.status_code == 422
    fields = response.json["fields"]
    assert set(fields) == {"name", "tier", "currency", "valid_from", "discount", "items"}
    assert fields["items"] == {"0": {"price": ["must not be negative"]},
                               "1": {"product": ["Missing data for required field."],
                                     "price": ["at most 2 decimal places"]}}


def test_a_period_that_ends_before_it_starts_is_422(api, products):
    refused = new_price_list(api, expect=422, valid_from="2030-06-01", valid_to="2030-05-31")
    assert refused["fields"] == {"valid_to": ["before valid_from"]}
    one_day = new_price_list(api, valid_from="2030-06-01", valid_to="2030-06-01")
    patched = api.as_("ana").patch(f"/api/price-lists/{one_day['id']}",
                                   json={"valid_from": "2030-06-02"})
    assert patched.status_code == 422 and patched.json["fields"] == {
        "valid_to": ["before valid_from"]}


def test_two_active_lists_of_one_tier_may_not_overlap(api, products):
    first = new_price_list(api, name="Key H1", valid_from="2030-01-01", valid_to="2030-06-30")
    overlap = new_price_list(api, expect=409, name="Key 2030", valid_from="2030-06-30")
    assert overlap["other_id"] == first["id"]
    assert f"price list {first['id']} (Key H1)" in overlap["message"]
    # the next day, another tier, or an inactive list are fine
    second = new_price_list(api, name="Key H2", valid_from="2030-07-01")
    new_price_list(api, name="Strategic", tier="strategic", valid_from="2030-03-01")
    draft = new_price_list(api, name="Key draft", valid_from="2030-02-01", active=False)
    # ...but not activating the draft, nor stretching the first half over the second
    ana = api.as_("ana")
    activated = ana.patch(f"/api/price-lists/{draft['id']}", json={"active": True})
    assert activated.status_code == 409 and activated.json["other_id"] == first["id"]
    stretched = ana.patch(f"/api/price-lists/{first['id']}", json={"valid_to": None})
    assert stretched.status_code == 409 and stretched.json["other_id"] == second["id"]
    moved = ana.patch(f"/api/price-lists/{draft['id']}", json={"tier": "standard",
                                                               "active": True})
    assert moved.status_code == 200 and moved.json["tier"] == "standard"
    assert [p["name"] for p in ana.get("/api/price-lists?tier=key").json] == ["Key H2",
                                                                             "Key H1"]
    assert [p["name"] for p in ana.get("/api/price-lists?active=false").json] == []


def test_patching_items_replaces_the_whole_set(api, products):
    price_list = new_price_list(api, items=[{"product": "CRM-STD", "price": "1080"},
                                            {"product": "HW-TERM", "price": "1700"}])
    path = f"/api/price-lists/{price_list['id']}"
    renamed = api.as_("ana").patch(path, json={"name": "Key accounts"}).json
    assert len(renamed["items"]) == 2  # no items sent: the items stay
    replaced = api.as_("ana").patch(path, json={"items": [
        {"product": "IMPL-DAY", "price": "2800"}, {"product": "CRM-STD", "price": "1000"}]})
    assert replaced.status_code == 200
    assert sorted((i["product"], i["price"]) for i in replaced.json["items"]) == [
        ("CRM-STD", "1000.00"), ("IMPL-DAY", "2800.00")]
    refused = api.as_("ana").patch(path, json={"items": [{"product": "NOPE", "price": "1"}]})
    assert refused.status_code == 422 and refused.json["fields"] == {
        "items": ["unknown product NOPE"]}
    emptied = api.as_("ana").patch(path, json={"items": []}).json
    assert emptied["items"] == []


def test_a_price_list_is_deleted_unless_a_quote_was_priced_from_it(api, app, products):
    assert api.as_("ana").get("/api/price-lists/999").status_code == 404
    assert api.as_("ana").patch("/api/price-lists/999", json={"active": False}
                                ).status_code == 404
    assert api.as_("ana").delete("/api/price-lists/999").status_code == 404
    used = new_price_list(api, name="Used")
    quote = quote_with(app, products["CRM-STD"]["id"])
    run(app, lambda s: setattr(s.get(Quote, quote), "price_list_id", used["id"]))
    refused = api.as_("ana").delete(f"/api/price-lists/{used['id']}")
    assert refused.status_code == 409 and refused.json["quote_ids"] == [quote]
    api.as_("ana").patch(f"/api/price-lists/{used['id']}", json={"active": False})
    unused = new_price_list(api, name="Unused")
    assert api.as_("ana").delete(f"/api/price-lists/{unused['id']}").status_code == 204
    assert [p["name"] for p in api.as_("ana").get("/api/price-lists").json] == ["Used"]


# -- the price a customer pays ---------------------------------------------------------------

def test_a_tier_pays_its_active_lists_price_on_the_days_it_is_valid(api, app, products):
    new_price_list(api, name="Key H1", valid_from="2030-01-01", valid_to="2030-06-30")
    new_price_list(api, name="Strategic draft", tier="strategic", valid_from="2030-01-01",
                   active=False)

    def price(code: str, tier: str, on: date) -> tuple[str, str | None]:
        def look_up(session):
            product = session.scalar(select(Product).where(Product.code == code))
            amount, price_list = catalog.price_for(product, tier, on)
            assert isinstance(amount, Decimal)
            return f"{amount:.2f}", price_list.name if price_list else None
        return run(app, look_up)

    assert price("CRM-STD", "key", date(2030, 1, 1)) == ("1080.00", "Key H1")
    assert price("CRM-STD", "key", date(2030, 6, 30)) == ("1080.00", "Key H1")  # last day
    assert price("CRM-STD", "key", date(2030, 7, 1)) == ("1200.00", None)
    assert price("CRM-STD", "key", date(2029, 12, 31)) == ("1200.00", None)
    assert price("IMPL-DAY", "key", date(2030, 3, 1)) == ("3000.00", None)  # not listed
    assert price("CRM-STD", "standard", date(2030, 3, 1)) == ("1200.00", None)
    assert price("CRM-STD", "strategic", date(2030, 3, 1)) == ("1200.00", None)  # inactive


def test_the_demo_catalogue_is_created_once_by_crm_demo(app):
    first = app.test_cli_runner().invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert ("demo catalogue created: CRM-STD, CRM-PRO, IMPL-DAY, TRAIN, HW-TERM, "
            "Key accounts / 重点客户价格") in first.output
    again = app.test_cli_runner().invoke(args=["demo"])
    assert "demo catalogue" not in again.output

    def check(session):
        terminal = session.scalar(select(Product).where(Product.code == "HW-TERM"))
        assert (terminal.name_zh, terminal.product_line, terminal.tax_rate) == (
            "移动终端", "hardware", Decimal("13.00"))
        licence = session.scalar(select(Product).where(Product.code == "CRM-STD"))
        price, price_list = catalog.price_for(licence, "key", date.today())
        assert price == Decimal("1080.00") and price_list.tier == "key"
        assert catalog.price_for(licence, "standard", date.today()) == (
            Decimal("1200.00"), None)
        assert len(session.scalars(select(PriceList)).all()) == 1
    run(app, check)
