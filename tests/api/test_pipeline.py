"""Opportunities, the stages, the kanban board and the forecast through the API."""

from datetime import UTC, datetime

import pytest
from units import run

from app.models.deal import Product
from app.models.lead import Team, TeamMember
from app.services import users

DEFAULT_STAGES = [
    {"key": "initial_contact", "name": {"en": "Initial contact", "zh-CN": "初步接触"},
     "order": 0, "probability": "10.00", "won": False, "lost": False},
    {"key": "solution_demo", "name": {"en": "Solution demo", "zh-CN": "方案演示"},
     "order": 1, "probability": "30.00", "won": False, "lost": False},
    {"key": "business_negotiation", "name": {"en": "Business negotiation", "zh-CN": "商务谈判"},
     "order": 2, "probability": "60.00", "won": False, "lost": False},
    {"key": "won", "name": {"en": "Won", "zh-CN": "赢单"}, "order": 3, "probability": "100.00",
     "won": True, "lost": False},
    {"key": "lost", "name": {"en": "Lost", "zh-CN": "输单"}, "order": 4, "probability": "0.00",
     "won": False, "lost": True},
]


def call(api, user: str | None, method: str, path: str, **kwargs):
    headers = api.auth.headers(user) if user else {}
    return getattr(api.client, method)(path, headers=headers, **kwargs)


@pytest.fixture
def people(app):
    """The demo teams (mia manages alice, bob, carol, dave); max manages erin (Beijing B)."""
    def setup(session):
        users.create("erin", "demo", ["sales"])
        users.create("max", "demo", ["manager"])
        session.add(Team(key="beijing_b", name="Beijing B", manager_username="max",
                         created_at=datetime.now(UTC),
                         members=[TeamMember(username="erin", position=0)]))
    run(app, setup)


@pytest.fixture
def products(app):
    def setup(session):
        now = datetime.now(UTC)
        for code in ("CRM-PRO", "ERP-BASIC"):
            session.add(Product(code=code, name_en=code, name_zh=code, unit="seat",
                                product_line="software", list_price=1000, tax_rate=13,
                                created_at=now, updated_at=now))
    run(app, setup)


def customer(api, user: str = "alice", name: str = "Acme") -> dict:
    response = api.as_(user).post("/api/customers", json={"name": name})
    assert response.status_code == 201, response.json
    return response.json


def deal(api, customer_id: int, user: str = "alice", expect: int = 201, **fields) -> dict:
    response = api.as_(user).post("/api/opportunities", json={
        "customer_id": customer_id, "name": "CRM rollout", **fields})
    assert response.status_code == expect, response.json
    return response.json


def patch(api, user: str, opportunity_id: int, expect: int = 200, **changes) -> dict:
    response = api.as_(user).patch(f"/api/opportunities/{opportunity_id}", json=changes)
    assert response.status_code == expect, response.json
    return response.json


# -- creating and reading --------------------------------------------------------------------

def test_a_rep_creates_a_deal_in_the_first_stage_with_its_default_probability(api, people,
                                                                               products):
    acme = customer(api)
    li = api.as_("alice").post(f"/api/customers/{acme['id']}/contacts",
                               json={"name": "Li Lei"}).json
    created = deal(api, acme["id"], amount="120000", contact_id=li["id"],
                   expected_close_date="2030-05-20",
                   products_of_interest=["CRM-PRO", "ERP-BASIC", "CRM-PRO"])
    assert (created["stage"], created["owner"], created["team"]) == (
        "initial_contact", "alice", "shanghai_a")
    assert (created["amount"], created["currency"]) == ("120000.00", "CNY")
    # 120000.00 x 10 / 100 = 12000.00
    assert (created["probability"], created["weighted"]) == ("10.00", "12000.00")
    assert created["probability_overridden"] is False
    assert created["products_of_interest"] == ["CRM-PRO", "ERP-BASIC"]
    assert (created["customer_name"], created["contact_id"]) == ("Acme", li["id"])
    assert created["kind"] == "new" and created["closed_at"] is None
    [first] = created["stage_history"]
    assert (first["from"], first["to"], first["by"]) == (None, "initial_contact", "alice")
    assert first["at"] == created["created_at"]
    again = api.as_("alice").get(f"/api/opportunities/{created['id']}").json
    assert again == created
    listed = api.as_("alice").get(f"/api/customers/{acme['id']}").json["opportunities"]
    assert [o["id"] for o in listed] == [created["id"]]


def test_money_is_decimal_in_and_two_decimal_strings_out(api, people):
    acme = customer(api)
    # a JSON number is read through its text: 99.1 stays 99.10, never 99.0999...
    assert deal(api, acme["id"], amount=99.1)["amount"] == "99.10"
    # 33333.33 x 30 / 100 = 9999.999 -> 10000.00 (half-up to cents)
    odd = deal(api, acme["id"], amount="33333.33", probability="30")
    assert (odd["probability"], odd["weighted"]) == ("30.00", "10000.00")
    assert odd["probability_overridden"] is True
    # 0.05 x 10 / 100 = 0.005 -> 0.01 (half-up; half-even would say 0.00)
    assert deal(api, acme["id"], amount="0.05")["weighted"] == "0.01"
    assert deal(api, acme["id"])["amount"] is None  # no amount yet: weighs 0
    usd = deal(api, acme["id"], amount="5000", currency="USD")
    assert (usd["amount"], usd["currency"]) == ("5000.00", "USD")


@pytest.mark.parametrize(("fields", "named"), [
    ({"amount": "12.345"}, "amount"), ({"amount": "-1"}, "amount"),
    ({"amount": "lots"}, "amount"), ({"amount": "1e13"}, "amount"),
    ({"currency": "usd"}, "currency"), ({"currency": "EURO"}, "currency"),
    ({"probability": "101"}, "probability"), ({"probability": "12.345"}, "probability"),
    ({"stage": "nope"}, "stage"), ({"name": "  "}, "name"), ({"kind": "upsell"}, "kind"),
    ({"colour": "red"}, "colour"), ({"expected_close_date": "tomorrow"}, "expected_close_date"),
])
def test_bad_deal_fields_are_422_naming_the_field(api, people, fields, named):
    acme = customer(api)
    refused = deal(api, acme["id"], expect=422, **fields)
    assert refused["error"] == "invalid" and named in refused["fields"], refused
    assert named in refused["message"]


def test_creating_a_deal_needs_a_writer_and_a_customer_they_see(api, people, products):
    acme = customer(api)
    assert call(api, None, "post", "/api/opportunities",
                json={"customer_id": acme["id"], "name": "X"}).status_code == 401
    assert deal(api, acme["id"], "ana", expect=403)["error"] == "forbidden"  # analysts read
    assert deal(api, acme["id"], "bob", expect=403)["message"] == (
        "this customer belongs to someone else")
    assert deal(api, 999, expect=404)["message"] == "customer 999 does not exist"
    assert deal(api, acme["id"], expect=403, owner="bob")["error"] == "forbidden"
    assert deal(api, acme["id"], "mia", expect=422, owner="ana")["fields"] == {
        "owner": ["not an active sales rep"]}
    missing = api.as_("alice").post("/api/opportunities", json={})
    assert missing.status_code == 422 and set(missing.json["fields"]) == {"customer_id", "name"}
    globex = customer(api, name="Globex")
    stranger = api.as_("alice").post(f"/api/customers/{globex['id']}/contacts",
                                     json={"name": "Zhao"}).json
    assert deal(api, acme["id"], expect=422, contact_id=stranger["id"])["fields"] == {
        "contact_id": ["not a contact of this customer"]}
    unknown = deal(api, acme["id"], expect=422, products_of_interest=["CRM-PRO", "NOPE", "X1"])
    assert unknown["fields"] == {"products_of_interest": ["unknown product codes: NOPE, X1"]}
    assert unknown["unknown"] == ["NOPE", "X1"] and "NOPE, X1" in unknown["message"]
    assert deal(api, acme["id"], expect=422, stage="lost")["fields"] == {
        "stage": ["a lost stage"]}
    given = deal(api, acme["id"], "mia", owner="bob")
    assert (given["owner"], given["team"], given["created_by"]) == ("bob", "shanghai_a", "mia")


# -- moving cards ----------------------------------------------------------------------------

def test_moving_a_card_records_each_stage_change_with_user_and_time(api, people):
    acme = customer(api)
    created = deal(api, acme["id"], amount="100000")
    api.advance_clock("P2D")
    demo = patch(api, "alice", created["id"], stage="solution_demo")
    # 100000.00 x 30 / 100 = 30000.00
    assert (demo["stage"], demo["probability"], demo["weighted"]) == (
        "solution_demo", "30.00", "30000.00")
    assert demo["days_in_stage"] == 0 and demo["stage_changed_at"] > created["stage_changed_at"]
    api.advance_clock("P3D")
    assert api.as_("alice").get(f"/api/opportunities/{created['id']}").json[
        "days_in_stage"] == 3
    talks = patch(api, "mia", created["id"], stage="business_negotiation")
    history = talks["stage_history"]
    assert [(h["from"], h["to"], h["by"]) for h in history] == [
        (None, "initial_contact", "alice"), ("initial_contact", "solution_demo", "alice"),
        ("solution_demo", "business_negotiation", "mia")]
    created_at, demo_at, talks_at = (datetime.fromisoformat(h["at"]) for h in history)
    assert (demo_at - created_at).days == 2 and (talks_at - demo_at).days == 3
    assert history[1]["at"] == demo["stage_changed_at"]
    same = patch(api, "alice", created["id"], stage="business_negotiation")
    assert len(same["stage_history"]) == 3  # already there: nothing recorded


def test_a_lost_deal_needs_a_reason_and_reopening_clears_it(api, people):
    acme = customer(api)
    created = deal(api, acme["id"], amount="50000")
    for reason in ({}, {"reason": "   "}, {"reason": None}):
        refused = patch(api, "alice", created["id"], expect=422, stage="lost", **reason)
        assert refused["fields"] == {"reason": ["required when lost"]}
        assert "reason" in refused["message"]
    lost = patch(api, "alice", created["id"], stage="lost", reason=" budget cut ")
    assert (lost["lost_reason"], lost["probability"], lost["weighted"]) == (
        "budget cut", "0.00", "0.00")
    assert lost["closed_at"] == lost["stage_changed_at"]
    assert lost["stage_history"][-1]["reason"] == "budget cut"
    edited = patch(api, "alice", created["id"], reason="budget moved to next year")
    assert edited["lost_reason"] == "budget moved to next year"
    assert len(edited["stage_history"]) == 2
    assert patch(api, "alice", created["id"], expect=422, reason="")["fields"] == {
        "reason": ["required when lost"]}
    reopened = patch(api, "alice", created["id"], stage="solution_demo")
    assert (reopened["lost_reason"], reopened["closed_at"]) == (None, None)
    assert patch(api, "alice", created["id"], expect=422, reason="why not")["fields"] == {
        "reason": ["send it with stage"]}


def test_the_probability_override_lasts_until_the_next_move(api, people):
    acme = customer(api)
    created = deal(api, acme["id"], amount="200000")
    mine = patch(api, "alice", created["id"], probability="25")
    # 200000.00 x 25 / 100 = 50000.00
    assert (mine["probability"], mine["weighted"], mine["probability_overridden"]) == (
        "25.00", "50000.00", True)
    moved = patch(api, "alice", created["id"], stage="solution_demo")
    assert (moved["probability"], moved["probability_overridden"]) == ("30.00", False)
    both = patch(api, "alice", created["id"], stage="business_negotiation", probability=75)
    assert both["probability"] == "75.00"  # the move first, then the override
    reset = patch(api, "alice", created["id"], probability=None)
    assert (reset["probability"], reset["probability_overridden"]) == ("60.00", False)
    won = patch(api, "alice", created["id"], stage="won")
    assert (won["probability"], won["weighted"]) == ("100.00", "200000.00")
    assert won["closed_at"] is not None
    assert patch(api, "alice", created["id"], expect=422, probability=50)["fields"] == {
        "probability": ["fixed in a won or lost stage"]}
    assert patch(api, "alice", created["id"], expect=422, probability=-1)["fields"].keys() == {
        "probability"}


def test_editing_a_deal_and_who_may(api, people, products):
    acme = customer(api)
    created = deal(api, acme["id"], amount="1000")
    path = f"/api/opportunities/{created['id']}"
    li = api.as_("alice").post(f"/api/customers/{acme['id']}/contacts",
                               json={"name": "Li Lei"}).json
    changed = patch(api, "alice", created["id"], name="CRM for 200 seats", amount="2000.5",
                    currency="USD", expected_close_date="2030-06-30", contact_id=li["id"],
                    products_of_interest=["ERP-BASIC"])
    assert (changed["name"], changed["amount"], changed["currency"]) == (
        "CRM for 200 seats", "2000.50", "USD")
    assert (changed["expected_close_date"], changed["contact_id"]) == ("2030-06-30", li["id"])
    assert changed["products_of_interest"] == ["ERP-BASIC"]
    cleared = patch(api, "alice", created["id"], amount=None, contact_id=None,
                    expected_close_date=None, products_of_interest=[])
    assert (cleared["amount"], cleared["weighted"], cleared["contact_id"]) == (None, "0.00", None)
    assert patch(api, "alice", created["id"], expect=422, contact_id=99999)["fields"] == {
        "contact_id": ["not a contact of this customer"]}
    assert patch(api, "alice", created["id"], expect=422, products_of_interest=["NOPE"])[
        "fields"] == {"products_of_interest": ["unknown product codes: NOPE"]}
    assert patch(api, "alice", created["id"], expect=422, stage="nope")["fields"] == {
        "stage": ["unknown stage 'nope'"]}
    assert patch(api, "alice", created["id"], expect=422, colour="red")["fields"] == {
        "colour": ["Unknown field."]}
    assert patch(api, "alice", created["id"], expect=403, owner="bob")["error"] == "forbidden"
    assert patch(api, "mia", created["id"], expect=422, owner="nobody")["fields"] == {
        "owner": ["not an active sales rep"]}
    given = patch(api, "mia", created["id"], owner="carol")
    assert (given["owner"], given["team"]) == ("carol", "product_experts")
    assert api.as_("alice").get(path).status_code == 403  # no longer hers
    assert call(api, "ana", "patch", path, json={"name": "x"}).status_code == 403
    assert call(api, None, "patch", path, json={"name": "x"}).status_code == 401
    assert call(api, "alice", "patch", "/api/opportunities/999",
                json={"name": "x"}).status_code == 404


def test_a_rep_cannot_see_or_move_another_reps_card(api, people):
    acme = customer(api)
    alices = deal(api, acme["id"], amount="1000")
    path = f"/api/opportunities/{alices['id']}"
    bob = api.as_("bob")
    assert bob.get(path).json["message"] == "this opportunity belongs to someone else"
    assert bob.get(path).status_code == 403
    moved = bob.patch(path, json={"stage": "won"})
    assert moved.status_code == 403
    assert api.as_("alice").get(path).json["stage"] == "initial_contact"
    assert bob.get("/api/opportunities/999").status_code == 404
    assert bob.get("/api/opportunities").json["total"] == 0
    assert bob.get("/api/pipeline").json["columns"][0]["count"] == 0
    assert api.as_("mia").get(path).status_code == 200  # alice's manager
    assert api.as_("max").get(path).status_code == 403  # another team's manager
    for everybody in ("ana", "admin"):
        assert api.as_(everybody).get(path).status_code == 200
    assert patch(api, "admin", alices["id"], stage="solution_demo")["stage"] == "solution_demo"
    assert call(api, None, "get", path).status_code == 401


def test_listing_deals_with_filters_and_pages(api, people):
    acme, globex = customer(api), customer(api, name="Globex")
    first = deal(api, acme["id"], amount="1")
    second = deal(api, globex["id"], amount="2", stage="solution_demo")
    won = deal(api, globex["id"], amount="3", kind="repurchase")
    patch(api, "alice", won["id"], stage="won")
    bobs = deal(api, customer(api, "bob", "Initech")["id"], "bob")
    alice = api.as_("alice")

    def ids(query: str = "", user=alice) -> list[int]:
        response = user.get(f"/api/opportunities{query}")
        assert response.status_code == 200, response.json
        return [o["id"] for o in response.json["items"]]

    assert ids() == [won["id"], second["id"], first["id"]]  # newest first
    assert ids("?stage=solution_demo") == [second["id"]]
    assert ids(f"?customer={globex['id']}") == [won["id"], second["id"]]
    assert ids("?open=true") == [second["id"], first["id"]]
    assert ids("?open=false") == [won["id"]]
    assert ids("?kind=repurchase") == [won["id"]]
    assert ids("?owner=me&per_page=2&page=2") == [first["id"]]
    assert ids("?team=shanghai_a", api.as_("mia")) == [bobs["id"], won["id"], second["id"],
                                                       first["id"]]
    assert ids("?owner=bob", api.as_("ana")) == [bobs["id"]]
    paged = alice.get("/api/opportunities?per_page=1").json
    assert (paged["total"], paged["per_page"], len(paged["items"])) == (3, 1, 1)
    assert (paged["items"][0]["weighted"], paged["items"][0]["customer_name"]) == (
        "3.00", "Globex")
    for bad in ("?kind=upsell", "?open=maybe", "?per_page=0", "?customer=x"):
        assert alice.get(f"/api/opportunities{bad}").status_code == 422, bad
    assert call(api, None, "get", "/api/opportunities").status_code == 401


# -- the stages ------------------------------------------------------------------------------

def test_the_default_stages_in_order(api):
    response = api.as_("alice").get("/api/pipeline/stages")
    assert response.status_code == 200 and response.json == DEFAULT_STAGES
    assert call(api, None, "get", "/api/pipeline/stages").status_code == 401


def put_stages(api, stages: list, user: str = "ana", expect: int = 200):
    response = call(api, user, "put", "/api/pipeline/stages", json=stages)
    assert response.status_code == expect, response.json
    return response.json


def unordered(stages: list[dict]) -> list[dict]:
    """The stages without their ``order``: the list order counts."""
    return [{k: v for k, v in s.items() if k != "order"} for s in stages]


def stage(key: str, probability, en: str = "", won: bool = False, lost: bool = False) -> dict:
    return {"key": key, "name": {"en": en or key.title(), "zh-CN": "阶段"},
            "probability": probability, "won": won, "lost": lost}


def test_analysts_replace_the_stages_with_an_ordered_list(api, people):
    acme = customer(api)
    stages = [stage("initial_contact", 5, "First contact"), stage("proposal", "45.5"),
              stage("won", 100, won=True), stage("lost", 0, lost=True),
              stage("no_budget", 0, "Lost: no budget", lost=True)]
    replaced = put_stages(api, stages)
    assert [(s["key"], s["order"], s["probability"]) for s in replaced] == [
        ("initial_contact", 0, "5.00"), ("proposal", 1, "45.50"), ("won", 2, "100.00"),
        ("lost", 3, "0.00"), ("no_budget", 4, "0.00")]
    assert api.as_("alice").get("/api/pipeline/stages").json == replaced
    created = deal(api, acme["id"], amount="1000")
    assert (created["stage"], created["probability"]) == ("initial_contact", "5.00")
    assert patch(api, "alice", created["id"], stage="proposal")["weighted"] == "455.00"
    assert patch(api, "alice", created["id"], expect=422, stage="solution_demo")["fields"] == {
        "stage": ["unknown stage 'solution_demo'"]}
    # with an order on every stage the list is sorted by it: GET, edit, PUT back works
    shuffled = list(reversed(replaced))
    shuffled[0]["name"]["en"] = "Lost: budget"
    again = put_stages(api, shuffled, user="admin")
    assert [s["key"] for s in again] == [s["key"] for s in replaced]
    assert again[-1]["name"]["en"] == "Lost: budget"
    assert put_stages(api, DEFAULT_STAGES, expect=409)["stages"] == {"proposal": 1}


def test_only_analysts_and_admins_configure_the_stages(api):
    for user in ("alice", "mia", "sam"):
        assert put_stages(api, DEFAULT_STAGES, user=user, expect=403)["error"] == "forbidden"
    assert call(api, None, "put", "/api/pipeline/stages", json=DEFAULT_STAGES).status_code == 401


@pytest.mark.parametrize(("change", "named", "says"), [
    (lambda s: s + [stage("won", 100, won=True)], "key", "'won' appears twice"),
    (lambda s: [stage("Initial Contact", 10)] + s[1:], "key", "lower-case letters"),
    (lambda s: [stage("1st", 10)] + s[1:], "key", "starting with a letter"),
    (lambda s: s[:3] + s[4:], "won", "exactly one stage is the won stage"),
    (lambda s: s + [stage("won_again", 100, won=True)], "won", "exactly one"),
    (lambda s: s[:4], "lost", "at least one stage is a lost stage"),
    (lambda s: s[3:], "stages", "at least one stage is open"),
    (lambda s: [stage("initial_contact", 120)] + s[1:], "probability", "at most 100"),
    (lambda s: [stage("initial_contact", "10.555")] + s[1:], "probability", "2 decimal places"),
    (lambda s: s[:3] + [stage("won", 90, won=True), s[4]], "probability", "won stage is 100"),
    (lambda s: s[:3] + [stage("won", 100, won=True, lost=True), s[4]], "won", "not both"),
    (lambda s: [{**s[0], "name": {"en": " ", "zh-CN": "初步接触"}}] + s[1:], "name",
     "name en is required"),
    (lambda s: [{**s[0], "order": 7}] + [{k: v for k, v in x.items() if k != "order"}
                                          for x in s[1:]], "order", "every stage or for none"),
])
def test_invalid_stage_lists_are_422_naming_the_field(api, change, named, says):
    refused = put_stages(api, change(unordered(DEFAULT_STAGES)), expect=422)
    assert named in refused["fields"], refused
    assert says in refused["message"], refused
    assert api.as_("ana").get("/api/pipeline/stages").json == DEFAULT_STAGES  # unchanged


def test_malformed_stage_lists_are_422(api):
    assert put_stages(api, {"key": "x"}, expect=422)["error"] == "invalid"
    missing = put_stages(api, [{"key": "x", "name": {"en": "X"}}], expect=422)
    assert missing["fields"] == {"0": {"name": {"zh-CN": ["Missing data for required field."]},
                                       "probability": ["Missing data for required field."]}}


def test_a_stage_in_use_cannot_be_removed_nor_change_its_won_or_lost_flag(api, people):
    acme = customer(api)
    for _ in range(2):
        created = deal(api, acme["id"], stage="solution_demo")
    patch(api, "alice", created["id"], stage="lost", reason="no budget")
    without_demo = [s for s in DEFAULT_STAGES if s["key"] != "solution_demo"]
    refused = put_stages(api, without_demo, expect=409)
    assert refused["stages"] == {"solution_demo": 1}
    assert "solution_demo (1 opportunities)" in refused["message"]
    defaults = unordered(DEFAULT_STAGES)
    no_lost = [*defaults[:4], stage("dropped", 0, lost=True)]
    refused = put_stages(api, no_lost, expect=409)
    assert refused["stages"] == {"lost": 1} and "lost (1 opportunities)" in refused["message"]
    flipped = [*defaults[:4], {**defaults[4], "lost": False},
               stage("dropped", 0, lost=True)]
    refused = put_stages(api, flipped, expect=409)
    assert refused["stages"] == {"lost": 1} and "won and lost flags" in refused["message"]
    unused_gone = [s for s in DEFAULT_STAGES if s["key"] != "business_negotiation"]
    assert [s["key"] for s in put_stages(api, unused_gone)] == [
        "initial_contact", "solution_demo", "won", "lost"]


# -- the board -------------------------------------------------------------------------------

@pytest.fixture
def pipeline(api, people):
    """Deals of alice, bob (Shanghai A) and erin (Beijing B), across the stages."""
    acme, initech = customer(api), customer(api, "bob", "Initech")
    hooli = customer(api, "erin", "Hooli")
    deals = {
        "a1": deal(api, acme["id"], amount="100000", expected_close_date="2030-05-20"),
        "a2": deal(api, acme["id"], amount="33333.33", stage="solution_demo",
                   expected_close_date="2030-05-02"),
        "a3": deal(api, acme["id"], amount="80000", stage="business_negotiation",
                   probability="50", expected_close_date="2030-06-10"),
        "a4": deal(api, acme["id"], amount="50000", expected_close_date="2030-04-30"),
        "a5": deal(api, acme["id"], amount="9000"),
        "b1": deal(api, initech["id"], "bob", amount="5000", currency="USD",
                   stage="business_negotiation", expected_close_date="2030-05-15"),
        "b2": deal(api, initech["id"], "bob", amount="20000", stage="solution_demo",
                   expected_close_date="2030-07-01"),
        "b3": deal(api, initech["id"], "bob", amount="40000", expected_close_date="2030-05-31"),
        "e1": deal(api, hooli["id"], "erin", amount="70000", stage="solution_demo",
                   expected_close_date="2030-05-10"),
    }
    patch(api, "alice", deals["a4"]["id"], stage="won")
    patch(api, "bob", deals["b3"]["id"], stage="lost", reason="chose a competitor")
    return {key: value["id"] for key, value in deals.items()}


def column(board: dict, key: str) -> dict:
    return next(c for c in board["columns"] if c["key"] == key)


def test_the_board_has_every_column_in_order_with_cards_and_totals(api, pipeline):
    board = api.as_("mia").get("/api/pipeline").json  # mia manages alice and bob, not erin
    assert [c["key"] for c in board["columns"]] == [s["key"] for s in DEFAULT_STAGES]
    first = column(board, "initial_contact")
    assert (first["name"], first["probability"], first["won"]) == (
        {"en": "Initial contact", "zh-CN": "初步接触"}, "10.00", False)
    # a1 100000.00 x 10% = 10000.00; a5 9000.00 x 10% = 900.00 -> 10900.00 of 109000.00
    assert first["count"] == 2 and first["totals"] == {
        "CNY": {"amount": "109000.00", "weighted": "10900.00"}}
    # soonest expected close first, no date last
    assert [c["id"] for c in first["cards"]] == [pipeline["a1"], pipeline["a5"]]
    card = first["cards"][0]
    assert card == {"id": pipeline["a1"], "name": "CRM rollout", "customer_id": card[
        "customer_id"], "customer_name": "Acme", "owner": "alice", "amount": "100000.00",
        "currency": "CNY", "probability": "10.00", "weighted": "10000.00",
        "expected_close_date": "2030-05-20", "days_in_stage": 0}
    # a2 33333.33 x 30% = 9999.999 -> 10000.00; b2 20000.00 x 30% = 6000.00 (e1 is erin's)
    demo = column(board, "solution_demo")
    assert [c["id"] for c in demo["cards"]] == [pipeline["a2"], pipeline["b2"]]
    assert demo["totals"] == {"CNY": {"amount": "53333.33", "weighted": "16000.00"}}
    # a3 80000.00 x 50% (override) = 40000.00; b1 USD 5000.00 x 60% = USD 3000.00
    talks = column(board, "business_negotiation")
    assert talks["totals"] == {"CNY": {"amount": "80000.00", "weighted": "40000.00"},
                               "USD": {"amount": "5000.00", "weighted": "3000.00"}}
    assert column(board, "won")["totals"] == {"CNY": {"amount": "50000.00",
                                                      "weighted": "50000.00"}}
    assert column(board, "lost")["totals"] == {"CNY": {"amount": "40000.00",
                                                       "weighted": "0.00"}}
    # the open columns: 109000.00 + 53333.33 + 80000.00 = 242333.33;
    # weighted 10900.00 + 16000.00 + 40000.00 = 66900.00; USD only b1
    assert board["totals"] == {"CNY": {"amount": "242333.33", "weighted": "66900.00"},
                               "USD": {"amount": "5000.00", "weighted": "3000.00"}}


def test_the_board_by_owner_and_team_for_each_person(api, pipeline):
    def counts(user: str, query: str = "") -> list[int]:
        response = api.as_(user).get(f"/api/pipeline{query}")
        assert response.status_code == 200, response.json
        return [c["count"] for c in response.json["columns"]]

    assert counts("alice") == [2, 1, 1, 1, 0]
    assert counts("bob") == [0, 1, 1, 0, 1]
    assert counts("erin") == [0, 1, 0, 0, 0]
    assert counts("ana") == [2, 3, 2, 1, 1]
    assert counts("ana", "?team=beijing_b") == [0, 1, 0, 0, 0]
    assert counts("mia", "?owner=bob") == [0, 1, 1, 0, 1]
    assert counts("alice", "?owner=me") == [2, 1, 1, 1, 0]
    assert counts("max") == [0, 1, 0, 0, 0]
    limited = api.as_("ana").get("/api/pipeline?limit=1").json
    demo = column(limited, "solution_demo")
    assert (demo["count"], len(demo["cards"])) == (3, 1)
    assert demo["totals"]["CNY"]["amount"] == "123333.33"  # every card counts: 33333.33+20000+70000
    assert api.as_("ana").get("/api/pipeline?limit=0").status_code == 422
    assert call(api, None, "get", "/api/pipeline").status_code == 401


def test_moving_a_card_on_the_board_and_days_in_stage(api, pipeline):
    api.advance_clock("P2D")
    patch(api, "alice", pipeline["a1"], stage="solution_demo")
    board = api.as_("alice").get("/api/pipeline").json
    assert [c["id"] for c in column(board, "initial_contact")["cards"]] == [pipeline["a5"]]
    assert column(board, "initial_contact")["cards"][0]["days_in_stage"] == 2
    moved = next(c for c in column(board, "solution_demo")["cards"] if c["id"] == pipeline["a1"])
    # 100000.00 x 30% = 30000.00; the column: a2 10000.00 + a1 30000.00 = 40000.00
    assert (moved["probability"], moved["weighted"], moved["days_in_stage"]) == (
        "30.00", "30000.00", 0)
    assert column(board, "solution_demo")["totals"]["CNY"]["weighted"] == "40000.00"


# -- the forecast ----------------------------------------------------------------------------

def forecast(api, query: str, user: str = "ana") -> dict:
    response = api.as_(user).get(f"/api/forecast{query}")
    assert response.status_code == 200, response.json
    return response.json


def groups(found: dict) -> dict:
    return {g["key"]: g["totals"] for g in found["groups"]}


def money(amount: str, weighted: str, committed: str = "0.00") -> dict:
    return {"amount": amount, "weighted": weighted, "committed": committed}


def test_the_forecast_by_expected_close_month(api, app, pipeline):
    found = forecast(api, "?group_by=month")
    assert found["group_by"] == "month" and found["from"] is None
    won = won_month(app, pipeline["a4"])  # today's month (the test clock's)
    assert [g["key"] for g in found["groups"]] == [won, "2030-05", "2030-06", "2030-07",
                                                   "no_date"]
    assert groups(found) == {
        # a1 100000.00 x 10% = 10000.00; a2 33333.33 x 30% = 9999.999 -> 10000.00;
        # e1 70000.00 x 30% = 21000.00 -> CNY 203333.33 open, 41000.00 weighted; b1 USD 5000 x 60%
        "2030-05": {"CNY": money("203333.33", "41000.00"), "USD": money("5000.00", "3000.00")},
        "2030-06": {"CNY": money("80000.00", "40000.00")},  # a3 80000.00 x 50% (override)
        "2030-07": {"CNY": money("20000.00", "6000.00")},  # b2 20000.00 x 30%
        "no_date": {"CNY": money("9000.00", "900.00")},  # a5 9000.00 x 10%
        # a4, won: committed in the month it closed (today), not its expected 2030-04
        won: {"CNY": money("0.00", "0.00", "50000.00")},
    }
    may = found["groups"][1]
    assert (may["open_count"], may["won_count"]) == (4, 0)
    # 203333.33 + 80000 + 20000 + 9000 = 312333.33; 41000 + 40000 + 6000 + 900 = 87900.00
    assert found["totals"] == {"CNY": money("312333.33", "87900.00", "50000.00"),
                               "USD": money("5000.00", "3000.00")}
    assert {"open", "weighted", "committed", "group", "dates", "currencies"} <= set(
        found["definitions"])
    assert "rounded half-up to cents" in found["definitions"]["weighted"]


def won_month(app, opportunity_id: int) -> str:
    from app.models.customer import Opportunity

    return run(app, lambda s: s.get(Opportunity, opportunity_id).closed_at.strftime("%Y-%m"))


def test_the_forecast_by_owner_and_by_team(api, pipeline):
    by_owner = forecast(api, "?group_by=owner")
    assert [g["key"] for g in by_owner["groups"]] == ["alice", "bob", "erin"]
    assert groups(by_owner) == {
        # a1 10000.00 + a2 10000.00 + a3 40000.00 + a5 900.00 = 60900.00; a4 won 50000.00
        "alice": {"CNY": money("222333.33", "60900.00", "50000.00")},
        # b2 6000.00; b1 USD 3000.00; b3 lost: nowhere
        "bob": {"CNY": money("20000.00", "6000.00"), "USD": money("5000.00", "3000.00")},
        "erin": {"CNY": money("70000.00", "21000.00")},
    }
    by_team = forecast(api, "?group_by=team")
    assert groups(by_team) == {
        # alice's and bob's: 60900.00 + 6000.00 = 66900.00
        "shanghai_a": {"CNY": money("242333.33", "66900.00", "50000.00"),
                       "USD": money("5000.00", "3000.00")},
        "beijing_b": {"CNY": money("70000.00", "21000.00")},
    }
    assert [g["key"] for g in by_team["groups"]] == ["beijing_b", "shanghai_a"]
    # each sees their own: bob his, mia her teams'
    assert list(groups(forecast(api, "?group_by=owner", "bob"))) == ["bob"]
    assert list(groups(forecast(api, "?group_by=team", "mia"))) == ["shanghai_a"]
    assert list(groups(forecast(api, "?group_by=owner&owner=me", "alice"))) == ["alice"]


def test_the_forecast_between_dates_leaves_out_deals_without_one(api, pipeline):
    found = forecast(api, "?group_by=month&from=2030-05-10&to=2030-06-30")
    assert (found["from"], found["to"]) == ("2030-05-10", "2030-06-30")
    assert groups(found) == {
        # a1 (05-20) 10000.00 + e1 (05-10) 21000.00; b1 (05-15) USD; a2 (05-02) is before
        "2030-05": {"CNY": money("170000.00", "31000.00"), "USD": money("5000.00", "3000.00")},
        "2030-06": {"CNY": money("80000.00", "40000.00")},
    }
    # up to 2030-05-02: a2 (33333.33 x 30% = 10000.00) and a4, won today
    early = forecast(api, "?to=2030-05-02")
    assert [g["key"] for g in early["groups"]][1:] == ["2030-05"]
    assert early["totals"] == {"CNY": money("33333.33", "10000.00", "50000.00")}


@pytest.mark.parametrize(("query", "named"), [
    ("?group_by=week", "group_by"), ("?from=someday", "from"),
    ("?from=2030-06-01&to=2030-05-01", "to"),
])
def test_bad_forecast_queries_are_422_naming_the_parameter(api, query, named):
    response = api.as_("ana").get(f"/api/forecast{query}")
    assert response.status_code == 422 and named in response.json["fields"], response.json
    assert named in response.json["message"]


def test_the_forecast_needs_a_token_and_is_empty_for_someone_without_deals(api, pipeline):
    assert call(api, None, "get", "/api/forecast").status_code == 401
    empty = forecast(api, "", "carol")
    assert (empty["groups"], empty["totals"]) == ([], {})


# -- the timeline ----------------------------------------------------------------------------

def test_stage_changes_show_on_the_customers_timeline(api, people):
    acme = customer(api)
    created = deal(api, acme["id"], name="Acme CRM")
    api.advance_clock("PT1H")
    patch(api, "alice", created["id"], stage="solution_demo")
    api.advance_clock("PT1H")
    patch(api, "mia", created["id"], stage="lost", reason="went quiet")
    items = api.as_("alice").get(f"/api/customers/{acme['id']}/timeline?kind=stage").json[
        "items"]
    assert [(i["kind"], i["by"], i["data"]["from"], i["data"]["to"]) for i in items] == [
        ("stage.changed", "mia", "solution_demo", "lost"),
        ("stage.changed", "alice", "initial_contact", "solution_demo")]
    assert items[0]["title"] == "Opportunity Acme CRM: Solution demo -> Lost"
    assert items[0]["data"]["reason"] == "went quiet"
    assert items[0]["ref"] == {"type": "opportunity", "id": created["id"]}
    everything = api.as_("alice").get(f"/api/customers/{acme['id']}/timeline").json["items"]
    assert [i["kind"] for i in everything][:3] == ["stage.changed", "stage.changed",
                                                   "opportunity.created"]


def test_a_converted_leads_opportunity_has_its_initial_stage_change(api, app, people):
    from app.models.lead import Lead

    def insert(session):
        now = datetime.now(UTC)
        lead = Lead(name="Wang Wei", company="Globex", phone="13800138000", owner="bob",
                    team="shanghai_a", status="qualified", product_interest="crm_solution",
                    budget=80000, source="api", created_at=now, updated_at=now)
        session.add(lead)
        session.flush()
        return lead.id
    lead_id = run(app, insert)
    converted = api.as_("bob").post(f"/api/leads/{lead_id}/convert", json={"amount": "90000"})
    assert converted.status_code == 200, converted.json
    found = api.as_("bob").get(f"/api/opportunities/{converted.json['opportunity_id']}").json
    assert (found["lead_id"], found["owner"], found["team"], found["amount"]) == (
        lead_id, "bob", "shanghai_a", "90000.00")
    assert [(h["from"], h["to"], h["by"]) for h in found["stage_history"]] == [
        (None, "initial_contact", "bob")]
    # 90000.00 x 10% = 9000.00
    assert found["weighted"] == "9000.00"


def test_the_api_documents_the_pipeline(api):
    spec = api.client.get("/api/openapi.json").json
    for path in ("/api/opportunities", "/api/opportunities/{opportunity_id}",
                 "/api/pipeline", "/api/pipeline/stages", "/api/forecast"):
        assert path in spec["paths"], path
