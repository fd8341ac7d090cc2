"""Lead routing: the lead_assignment table picks the team, the team's strategy the owner."""

import threading
from collections import Counter
from pathlib import Path

import pytest

from app import create_app

ROOT = Path(__file__).resolve().parents[2]


def new_lead(api, user="mia", **fields):
    body = {"name": "Wang Wei", "company": "ACME", "phone": None, **fields}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.as_(user).post("/api/leads", json=body)
    assert response.status_code == 201, response.json
    return response.json


def phone(n: int) -> str:
    return f"139{n:08d}"


def add_people(app, *names, roles=("sales",)):
    from app.services import users

    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        for name in names:
            users.create(name, "demo", list(roles))


def from_two_app_instances(app, database_url, work) -> None:
    """Run ``work(client)`` at the same moment from this app and a second one on the same
    database (another worker process, as far as the database can tell)."""
    second = create_app({**app.config, "DATABASE_URL": database_url})
    barrier = threading.Barrier(2)

    def run(instance):
        client = instance.test_client()
        barrier.wait()
        work(client, 0 if instance is app else 1)

    threads = [threading.Thread(target=run, args=(instance,)) for instance in (app, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    second.extensions["crm_db"].dispose()


def team_change(api, key, username, **changes):
    response = api.as_("mia").patch(f"/api/teams/{key}/members/{username}", json=changes)
    assert response.status_code == 200, response.json


def test_the_table_routes_by_product_interest_and_by_region_and_industry(api, shipped):
    crm = new_lead(api, phone=phone(1), region="west_china", product_interest="crm_solution")
    assert (crm["team"], crm["status"]) == ("product_experts", "assigned")
    assert crm["owner"] in ("carol", "dave")
    factory = new_lead(api, phone=phone(2), region="east_china", industry="manufacturing",
                       product_interest="erp")
    assert factory["team"] == "shanghai_a" and factory["owner"] in ("alice", "bob")
    elsewhere = new_lead(api, phone=phone(3), region="overseas", industry="retail")
    assert (elsewhere["status"], elsewhere["owner"]) == ("pool", None)


def test_every_assignment_records_why(api, shipped):
    lead = new_lead(api, phone=phone(1), region="east_china", industry="manufacturing",
                    company_size=50, product_interest="erp")
    detail = api.as_("mia").get(f"/api/leads/{lead['id']}").json
    routing = detail["routing"]
    assert routing["inputs"] == {"region": "east_china", "industry": "manufacturing",
                                 "product_interest": "erp", "company_size": 50,
                                 "source": "api"}
    assert routing["decision"] == "lead_assignment"
    assert routing["rule"] == "east_china_manufacturing_to_shanghai_a"
    assert routing["strategy"] == "least_loaded" and routing["team"] == "shanghai_a"
    assert {c["username"] for c in routing["candidates"]} == {"alice", "bob"}
    assert [e["kind"] for e in detail["events"]][:2] == ["created", "assigned"]


def test_round_robin_takes_turns(api, shipped):
    owners = [new_lead(api, phone=phone(n), product_interest="crm_solution")["owner"]
              for n in range(6)]
    assert owners == ["carol", "dave"] * 3


def test_least_loaded_gives_the_lead_to_whoever_has_fewest_open_leads(api, shipped):
    owners = [new_lead(api, phone=phone(n), region="east_china",
                       industry="manufacturing")["owner"] for n in range(4)]
    assert Counter(owners) == {"alice": 2, "bob": 2}
    mine = api.as_("alice").get("/api/leads?owner=me").json["items"]
    for lead in mine:  # alice's two are closed: she is the least loaded now
        api.as_("alice").post(f"/api/leads/{lead['id']}/close", json={"reason": "no budget"})
    assert new_lead(api, phone=phone(9), region="east_china",
                    industry="manufacturing")["owner"] == "alice"


def test_weighted_shares_by_weight(api, shipped):
    team_change(api, "shanghai_a", "alice", weight=3)
    owners = [new_lead(api, phone=phone(n), region="east_china", industry="retail",
                       company_size=5000)["owner"] for n in range(8)]
    assert Counter(owners) == {"alice": 6, "bob": 2}


def test_caps_and_leave_are_respected_and_the_team_lead_then_the_pool_take_over(api, shipped):
    team_change(api, "product_experts", "dave", on_leave=True)
    team_change(api, "product_experts", "carol", daily_cap=2)
    first = [new_lead(api, phone=phone(n), product_interest="crm_solution") for n in range(3)]
    # dave is on leave, carol takes two; carol leads the team but her cap holds for her too
    assert [lead["owner"] for lead in first] == ["carol", "carol", None]
    routing = api.as_("mia").get(f"/api/leads/{first[2]['id']}").json["routing"]
    assert routing["result"] == "pool"
    reasons = {c["username"]: c["why"] for c in routing["candidates"]}
    assert reasons == {"dave": "on leave", "carol": "daily cap reached (2/2)"}
    response = api.as_("mia").patch("/api/teams/product_experts", json={"team_lead": "mia"})
    assert response.status_code == 200, response.json  # the manager names a lead from outside
    fourth = new_lead(api, phone=phone(4), product_interest="crm_solution")
    assert fourth["owner"] == "mia"
    assert api.as_("mia").get(f"/api/leads/{fourth['id']}").json["routing"]["result"] == \
        "team_lead"


def test_the_daily_cap_counts_every_assignment_of_the_day_even_of_leads_given_away(api,
                                                                                     shipped):
    team_change(api, "product_experts", "carol", daily_cap=1)
    team_change(api, "product_experts", "dave", on_leave=True)
    pooled = new_lead(api, phone=phone(1), region="overseas")
    api.as_("mia").post(f"/api/leads/{pooled['id']}/assign", json={"owner": "carol"})
    api.as_("mia").post(f"/api/leads/{pooled['id']}/assign", json={"owner": "bob"})
    # carol holds nothing now, but she was given a lead today: her cap of 1 is used up
    routed = new_lead(api, phone=phone(2), product_interest="crm_solution")
    assert routed["status"] == "pool"


def test_round_robin_is_fair_across_two_app_instances_sharing_the_database(api, app, shipped,
                                                                          database_url):
    add_people(app, "erin", "frank")
    for name in ("erin", "frank"):
        response = api.as_("mia").post("/api/teams/product_experts/members",
                                       json={"username": name})
        assert response.status_code == 201, response.json
    tokens = {i: api.auth.token("alice") for i in range(2)}
    failures = []

    def post_leads(client, index):
        for n in range(50):
            response = client.post(
                "/api/leads", headers={"Authorization": f"Bearer {tokens[index]}"},
                json={"name": f"Lead {index}-{n}", "phone": phone(index * 100 + n),
                      "product_interest": "crm_solution"})
            if response.status_code != 201:
                failures.append(response.json)

    from_two_app_instances(app, database_url, post_leads)
    assert failures == []
    owners = Counter(lead["owner"] for lead in api.as_("admin").get(
        "/api/leads?per_page=500").json["items"])
    assert owners == {"carol": 25, "dave": 25, "erin": 25, "frank": 25}


def test_the_pool_dispatch_and_claims(api, app, shipped):
    app.config["LEAD_CLAIM_LIMIT"] = 1
    pooled = [new_lead(api, phone=phone(n), region="overseas") for n in range(3)]
    pool = api.as_("bob").get("/api/lead-pool").json
    assert pool["total"] == 3
    claimed = api.as_("bob").post(f"/api/leads/{pooled[0]['id']}/claim")
    assert claimed.status_code == 200 and claimed.json["owner"] == "bob"
    again = api.as_("bob").post(f"/api/leads/{pooled[1]['id']}/claim")
    assert again.status_code == 409 and "limit" in again.json["message"]
    taken = api.as_("alice").post(f"/api/leads/{pooled[0]['id']}/claim")
    assert taken.status_code == 409
    assert api.as_("alice").post(f"/api/leads/{pooled[1]['id']}/assign",
                                 json={"owner": "alice"}).status_code == 403
    dispatched = api.as_("mia").post(f"/api/leads/{pooled[1]['id']}/assign",
                                     json={"owner": "dave"})
    assert dispatched.status_code == 200 and dispatched.json["owner"] == "dave"
    assert [e["kind"] for e in dispatched.json["events"]][-2:] == ["dispatched", "assigned"]
    bad = api.as_("mia").post(f"/api/leads/{pooled[2]['id']}/assign", json={"owner": "ana"})
    assert bad.status_code == 422
    followups = api.as_("mia").get(
        f"/api/process-instances?business_key=lead:{pooled[1]['id']}"
        "&process_key=lead_followup").json["items"]
    assert followups[0]["active_tasks"][0]["assignee"] == "dave"


def test_two_claims_at_once_cannot_both_slip_under_the_daily_limit(api, app, shipped,
                                                                   database_url):
    app.config["LEAD_CLAIM_LIMIT"] = 1
    pooled = [new_lead(api, phone=phone(n), region="overseas")["id"] for n in range(2)]
    token = api.auth.token("bob")
    statuses = []

    def claim(client, index):
        statuses.append(client.post(f"/api/leads/{pooled[index]}/claim",
                                    headers={"Authorization": f"Bearer {token}"}).status_code)

    from_two_app_instances(app, database_url, claim)
    assert sorted(statuses) == [200, 409]
    assert api.as_("bob").get("/api/leads?owner=me").json["total"] == 1


def test_a_rep_cannot_read_another_reps_lead(api, shipped):
    lead = new_lead(api, phone=phone(1), product_interest="crm_solution")
    other = "dave" if lead["owner"] == "carol" else "carol"
    assert api.as_(other).get(f"/api/leads/{lead['id']}").status_code == 403
    assert api.as_(lead["owner"]).get(f"/api/leads/{lead['id']}").status_code == 200
    assert api.as_("mia").get(f"/api/leads/{lead['id']}").status_code == 200
    assert api.as_(other).get("/api/leads").json["total"] == 0
    assert api.as_("alice").get("/api/leads/9999").status_code == 404


def test_the_routing_preview_replays_a_new_table_against_stored_leads(api, shipped):
    for n in range(4):
        new_lead(api, phone=phone(n), region="east_china", industry="manufacturing")
    table = (ROOT / "dmn/lead_assignment.dmn").read_text().replace(
        '<outputEntry id="r2_team"><text>"shanghai_a"</text></outputEntry>',
        '<outputEntry id="r2_team"><text>"product_experts"</text></outputEntry>').replace(
        '<outputEntry id="r2_strategy"><text>"least_loaded"</text></outputEntry>',
        '<outputEntry id="r2_strategy"><text>"round_robin"</text></outputEntry>')
    response = api.as_("ana").post("/api/leads/routing-preview", json={"dmn": table})
    assert response.status_code == 200, response.json
    preview = response.json
    assert preview["leads"] == 4 and preview["changed"] == 4
    assert preview["by_team"] == {"product_experts": 4}
    assert preview["by_owner"] == {"carol": 2, "dave": 2}
    assert preview["items"][0]["preview"]["rule"] == "east_china_manufacturing_to_shanghai_a"
    team_change(api, "product_experts", "carol", daily_cap=1)  # caps fill up as it replays
    capped = api.as_("ana").post("/api/leads/routing-preview", json={"dmn": table}).json
    assert capped["by_owner"] == {"carol": 1, "dave": 3}
    unchanged = api.as_("ana").post("/api/leads/routing-preview", json={"version": 1}).json
    assert unchanged["changed"] == 0
    assert api.as_("alice").post("/api/leads/routing-preview", json={}).status_code == 403
    broken = api.as_("ana").post("/api/leads/routing-preview", json={"dmn": table.replace(
        '<inputEntry id="r2_region"><text>"east_china"</text>',
        '<inputEntry id="r2_region"><text>east_china</text>')})
    assert broken.status_code == 400
    assert broken.json["problems"][0]["element_id"] == "east_china_manufacturing_to_shanghai_a"


@pytest.mark.parametrize("region, industry, product, size, team", [
    ("east_china", "manufacturing", "erp", 10, "shanghai_a"),
    ("north_china", "manufacturing", "crm_solution", 10, "product_experts"),
    ("east_china", "retail", "other", 5000, "shanghai_a"),
    ("east_china", "retail", "other", None, "pool"),
    ("overseas", "other", "analytics", 10, "pool"),
])
def test_the_shipped_table_through_the_decision_api(api, shipped, region, industry, product,
                                                    size, team):
    response = api.as_("ana").post("/api/decisions/lead_assignment/evaluate", json={"inputs": {
        "region": region, "industry": industry, "product_interest": product,
        "company_size": size, "source": "api"}})
    assert response.status_code == 200, response.json
    assert response.json["outputs"]["team"] == team


def test_a_lead_from_each_channel_is_routed_by_the_table(api, app, client, shipped):
    import hashlib
    import hmac
    import json

    # the API
    by_api = new_lead(api, phone=phone(1), product_interest="crm_solution")
    # a signed DingTalk webhook
    app.config["CRM_WEBHOOK_SECRET_DINGTALK"] = "secret"
    body = json.dumps({"msgId": "m-1", "senderNick": "Zhang San", "content": {
        "phone": "13700137000", "region": "east_china", "industry": "manufacturing",
        "product": "erp"}}).encode()
    signature = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    hooked = client.post("/api/webhooks/leads/dingtalk", data=body, headers={
        "X-Signature": f"sha256={signature}", "Content-Type": "application/json"})
    assert hooked.status_code == 201, hooked.json
    # the public web form
    posted = client.post("/forms/website_lead", headers={"Accept": "application/json"}, data={
        "name": "Li Si", "phone": "13600136000", "product_interest": "crm_solution",
        "region": "south_china"})
    assert posted.status_code == 201, posted.data
    leads = {lead["source"]: lead for lead in api.as_("admin").get("/api/leads").json["items"]}
    assert leads["api"]["id"] == by_api["id"] and leads["api"]["team"] == "product_experts"
    assert leads["webhook:dingtalk"]["team"] == "shanghai_a"
    assert leads["web_form"]["team"] == "product_experts"
    for lead in leads.values():
        routing = api.as_("admin").get(f"/api/leads/{lead['id']}").json["routing"]
        assert routing["decision"] == "lead_assignment" and routing["rule"]
        assert lead["owner"] in {"alice", "bob", "carol", "dave"}
