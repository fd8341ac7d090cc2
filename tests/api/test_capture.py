"""POST /api/leads: who may capture, what a lead must look like, repeats and duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from diagrams import ROUTING_STAND_IN
from sqlalchemy import func, select

from app.models.customer import Account, Contact
from app.models.lead import Lead, LeadEvent, LeadTouch

ROOT = Path(__file__).resolve().parents[2]



def lead(**values) -> dict:
    return {"name": "Wang Wei", "company": "Acme Shanghai", "phone": "138 0013 8000",
            "region": "east_china", "industry": "manufacturing", "company_size": 120,
            "budget": "50000", "product_interest": "erp", **values}


def count(app, model, *where) -> int:
    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def rows(app, model, *where) -> list:
    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


# -- who may capture -------------------------------------------------------------------------

@pytest.mark.parametrize("person", ["alice", "mia", "admin"])
def test_sales_managers_and_admins_capture_a_lead(api, app, person):
    response = api.as_(person).post("/api/leads", json=lead())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["name"] == "Wang Wei" and body["phone"] == "138 0013 8000"
    assert body["budget"] == "50000.00" and body["company_size"] == 120
    assert body["source"] == "api" and body["created_by"] == person
    assert body["merged"] is False
    assert count(app, LeadTouch, LeadTouch.lead_id == body["id"]) == 1
    events = rows(app, LeadEvent, LeadEvent.lead_id == body["id"])
    assert [(e.kind, e.by, e.data) for e in events] == [("created", person, {"source": "api"})]


@pytest.mark.parametrize("person", ["ana", "fiona", "sam"])
def test_other_roles_may_not_capture(api, person):
    response = api.as_(person).post("/api/leads", json=lead())
    assert response.status_code == 403
    assert "leads:write" in response.json["message"]


def test_capture_needs_a_token(client):
    assert client.post("/api/leads", json=lead()).status_code == 401


def add_client(app, name="website_bot", *scopes) -> str:
    result = app.test_cli_runner().invoke(
        args=["client", "add", name, *[a for s in scopes or ("leads:write",)
                                        for a in ("--scope", s)]])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_an_api_client_reads_back_what_it_sent_but_a_merge_shows_only_id_and_status(app, client):
    token = add_client(app)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/api/leads", json=lead(source="trade_show"), headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["created_by"] == "website_bot"
    assert response.json["source"] == "trade_show"
    second = lead(name="Li Na", phone="139 0013 9000")
    created = client.post("/api/leads", json=second, headers={**headers, "Idempotency-Key": "k-1"})
    assert created.status_code == 201
    replayed = client.post("/api/leads", json=second, headers={**headers, "Idempotency-Key": "k-1"})
    assert replayed.status_code == 200 and replayed.json["name"] == "Li Na"  # its own request
    merged = client.post("/api/leads", json=lead(), headers=headers)
    assert merged.status_code == 200
    assert merged.json == {"id": response.json["id"], "status": "new", "merged": True}


def test_a_client_token_works_nowhere_else_and_the_client_cannot_sign_in(app, client):
    token = add_client(app)
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/api/tasks", "/api/process-instances", "/api/auth/me"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403, path
        assert "limited to the scopes leads:write" in response.json["message"]
    started = client.post("/api/process-instances", json={"process_key": "x"}, headers=headers)
    assert started.status_code == 403
    login = client.post("/api/auth/token", json={"username": "website_bot", "password": "x"})
    assert login.status_code == 401


def test_client_commands_refuse_unknown_scopes_and_revoke_tokens(app, client):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["client", "add", "bot", "--scope", "tasks:write"])
    assert unknown.exit_code != 0 and "tasks:write" in unknown.output
    token = add_client(app, "bot")
    second = runner.invoke(args=["client", "token", "bot", "--scope", "leads:write"])
    assert second.exit_code == 0 and second.output.strip() != token
    assert runner.invoke(args=["client", "token", "alice", "--scope", "leads:write"]
                         ).exit_code != 0  # people are not clients
    revoked = runner.invoke(args=["client", "revoke", "bot"])
    assert "2 token(s) of bot revoked" in revoked.output
    response = client.post("/api/leads", json=lead(),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


# -- what a lead must look like --------------------------------------------------------------

@pytest.mark.parametrize("phone", [
    "13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000",
    "0086 138 0013 8000", "0086-13800138000", "+44 20 7946 0958", "+1 (555) 123-4567",
    "021-6888 1234", "+86 10 6552 9988", "0571 8888 1234",
])
def test_chinese_mobiles_landlines_and_international_numbers_are_accepted(api, phone):
    response = api.as_("alice").post("/api/leads", json=lead(phone=phone))
    assert response.status_code == 201, response.json
    assert response.json["phone"] == phone


@pytest.mark.parametrize("phone", [
    "12800138000",  # no Chinese mobile starts 12
    "1380013800",  # 10 digits
    "138001380001",  # 12 digits
    "021-6888 12",  # a landline too short
    "+86 0",
    "+86 138 0013 800",  # a mobile one digit short
    "call me", "+", "++8613800138000",
])
def test_other_phone_numbers_are_422_naming_the_phone(api, phone):
    response = api.as_("alice").post("/api/leads", json=lead(phone=phone))
    assert response.status_code == 422
    assert list(response.json["fields"]) == ["phone"]
    assert "not a phone number" in response.json["fields"]["phone"][0]


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Missing data for required field."),
    ("name", "x" * 201, "Longer than maximum length 200."),
    ("email", "wang@", "not an email address"),
    ("email", "wang wei@example.com", "not an email address"),
    ("region", "shanghai", "Must be one of: east_china"),
    ("industry", "mining", "Must be one of: manufacturing"),
    ("product_interest", "crm", "Must be one of: crm_solution"),
    ("company_size", -1, "Must be greater than or equal to 0"),
    ("company_size", 2.5, "Not a valid integer."),
    ("company_size", "many", "Not a valid integer."),
    ("budget", "lots", "Not a valid number."),
    ("budget", -5, "Must be greater than or equal to 0"),
    ("budget", "NaN", "Special numeric values"),
    ("source", "Web Form", "a source channel is a code"),
    ("custom", {"1st": "x"}, "custom field names are letters"),
    ("custom", "text", "Not a valid mapping type."),
    ("notes", "x" * 4001, "Longer than maximum length 4000."),
    ("nickname", "W", "Unknown field."),
])
def test_each_bad_field_is_422_naming_it(api, field, value, message):
    response = api.as_("alice").post("/api/leads", json=lead(**{field: value}))
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid"
    assert list(response.json["fields"]) == [field]
    assert response.json["fields"][field][0].startswith(message), response.json


def test_a_lead_needs_a_phone_or_an_email(api):
    response = api.as_("alice").post("/api/leads", json={"name": "Wang Wei", "phone": " "})
    assert response.status_code == 422
    assert response.json["fields"] == {"phone": ["give a phone or an email (or both)"],
                                       "email": ["give a phone or an email (or both)"]}
    email_only = api.as_("alice").post("/api/leads", json={"name": "Li Na",
                                                           "email": "li.na@example.com"})
    assert email_only.status_code == 201


def test_budget_takes_a_string_or_a_number_and_comes_back_a_string(api):
    as_number = api.as_("alice").post("/api/leads", json=lead(budget=12345.678))
    assert as_number.json["budget"] == "12345.68"
    as_text = api.as_("alice").post("/api/leads", json=lead(phone="+44 20 7946 0958",
                                                            budget="800"))
    assert as_text.json["budget"] == "800.00"


def test_custom_fields_and_free_text_are_kept(api):
    response = api.as_("alice").post("/api/leads", json=lead(
        custom={"fair_booth": "B12", "visitors": 3, "tags": ["hot"]}, notes="Met at the fair",
        campaign="cmef-2026", email="wang@example.com"))
    assert response.status_code == 201
    assert response.json["custom"] == {"fair_booth": "B12", "visitors": 3, "tags": ["hot"]}
    assert response.json["notes"] == "Met at the fair"
    assert response.json["campaign"] == "cmef-2026"


def test_an_oversized_body_is_413(api, app):
    app.config["CAPTURE_MAX_BYTES"] = 2048
    response = api.as_("alice").post("/api/leads", json=lead(notes="x" * 3000))
    assert response.status_code == 413
    assert response.json["error"] == "too_large"


# -- Idempotency-Key -------------------------------------------------------------------------

def test_a_repeated_idempotency_key_returns_the_first_lead(api, app):
    first = api.client.post("/api/leads", json=lead(), headers={
        **api.auth.headers("alice"), "Idempotency-Key": "order-7781"})
    again = api.client.post("/api/leads", json=lead(name="Someone Else", phone="13900139000"),
                            headers={**api.auth.headers("alice"), "Idempotency-Key": "order-7781"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"] and again.json["name"] == "Wang Wei"
    assert again.json["merged"] is False
    assert count(app, Lead) == 1
    assert count(app, LeadTouch) == 1  # a repeat records nothing


def test_idempotency_keys_belong_to_the_caller(api, app):
    alice = api.client.post("/api/leads", json=lead(), headers={
        **api.auth.headers("alice"), "Idempotency-Key": "k1"})
    bob = api.client.post("/api/leads", json=lead(phone="13900139000"), headers={
        **api.auth.headers("bob"), "Idempotency-Key": "k1"})
    assert alice.status_code == bob.status_code == 201
    assert alice.json["id"] != bob.json["id"]


def test_a_malformed_idempotency_key_is_422(api):
    response = api.client.post("/api/leads", json=lead(), headers={
        **api.auth.headers("alice"), "Idempotency-Key": "has spaces"})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["fields"]


# -- duplicates ------------------------------------------------------------------------------

def test_the_same_phone_written_differently_merges_into_the_open_lead(api, app):
    first = api.as_("alice").post("/api/leads", json=lead(email=None))
    duplicate = api.as_("mia").post("/api/leads", json=lead(
        name="W. Wang", phone="+86 138-0013-8000", email="Wang@Example.com ",
        campaign="spring-fair", company_size=None))
    assert duplicate.status_code == 200
    assert duplicate.json["merged"] is True
    assert duplicate.json["id"] == first.json["id"]
    assert duplicate.json["name"] == "Wang Wei"  # the lead keeps its values...
    assert duplicate.json["email"] == "Wang@Example.com"  # ...and gains the ones it lacked
    assert count(app, Lead) == 1
    touches = rows(app, LeadTouch, LeadTouch.lead_id == first.json["id"])
    assert [(t.source, t.campaign) for t in touches] == [("api", None), ("api", "spring-fair")]
    assert touches[1].payload["name"] == "W. Wang"
    kinds = [e.kind for e in rows(app, LeadEvent, LeadEvent.lead_id == first.json["id"])]
    assert kinds == ["created", "merged"]


def test_the_same_email_in_another_case_merges(api):
    first = api.as_("alice").post("/api/leads", json={"name": "Li Na",
                                                      "email": "li.na@example.com"})
    again = api.as_("alice").post("/api/leads", json={"name": "Li Na",
                                                      "email": "  LI.NA@example.COM"})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]


def test_a_duplicate_of_someone_elses_lead_shows_only_its_id_and_status(api):
    first = api.as_("alice").post("/api/leads", json=lead(notes="private notes"))
    bob = api.as_("bob").post("/api/leads", json=lead())
    assert bob.status_code == 200
    assert bob.json == {"id": first.json["id"], "status": first.json["status"],
                        "merged": True}
    mia = api.as_("admin").post("/api/leads", json=lead())
    assert mia.json["notes"] == "private notes"


def test_a_closed_lead_is_not_merged_into(api, app):
    first = api.as_("alice").post("/api/leads", json=lead())
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        session.get(Lead, first.json["id"]).status = "closed"
    again = api.as_("alice").post("/api/leads", json=lead())
    assert again.status_code == 201 and again.json["id"] != first.json["id"]


def test_an_open_lead_idle_longer_than_the_window_is_not_merged_into(api, app):
    app.config["LEAD_DEDUP_DAYS"] = 30
    first = api.as_("alice").post("/api/leads", json=lead())
    api.advance_clock("P29D")
    within = api.as_("alice").post("/api/leads", json=lead())  # a touch: active again
    assert within.status_code == 200 and within.json["id"] == first.json["id"]
    api.advance_clock("P31D")
    after = api.as_("alice").post("/api/leads", json=lead())
    assert after.status_code == 201 and after.json["id"] != first.json["id"]


def test_a_contact_created_within_the_window_merges_into_its_lead(api, app):
    first = api.as_("alice").post("/api/leads", json=lead(phone="13900139000"))
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        from app.services import clock

        converted = session.get(Lead, first.json["id"])
        converted.status = "converted"
        now = clock.now()
        account = Account(name="Acme", name_normalized="acme", created_at=now, updated_at=now,
                          owner="alice")
        session.add(account)
        session.flush()
        session.add(Contact(account_id=account.id, name="Wang Wei", phone="13900139000",
                            phone_normalized="+8613900139000", source_lead_id=converted.id,
                            created_at=now, updated_at=now))
    again = api.as_("alice").post("/api/leads", json=lead(phone="+86 139 0013 9000"))
    assert again.status_code == 200, again.json
    assert again.json["id"] == first.json["id"] and again.json["status"] == "converted"
    api.advance_clock("P31D")
    later = api.as_("alice").post("/api/leads", json=lead(phone="+86 139 0013 9000"))
    assert later.status_code == 201


# -- routing ---------------------------------------------------------------------------------

def test_a_new_lead_starts_lead_routing_and_a_duplicate_does_not(api):
    api.deploy_text({"lead_routing.bpmn": ROUTING_STAND_IN})
    first = api.as_("alice").post("/api/leads", json=lead())
    api.as_("alice").post("/api/leads", json=lead())
    found = api.as_("mia").get(f"/api/process-instances?business_key=lead:{first.json['id']}")
    assert found.status_code == 200
    assert found.json["total"] == 1
    assert found.json["items"][0]["process_key"] == "lead_routing"
    assert found.json["items"][0]["variables"]["lead_id"] == first.json["id"]
    everything = api.as_("mia").get("/api/process-instances?process_key=lead_routing")
    assert everything.json["total"] == 1


@pytest.mark.skipif(not (ROOT / "bpmn" / "lead_routing.bpmn").exists(),
                    reason="the lead_routing process is not shipped yet")
def test_the_shipped_lead_routing_process_routes_a_captured_lead(api, app):
    from app.services import deployments

    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        deployments.deploy_directories([ROOT / "bpmn", ROOT / "dmn"], source="cli")
    created = api.as_("alice").post("/api/leads", json=lead())
    assert created.status_code == 201, created.json
    found = api.as_("mia").get(f"/api/process-instances?business_key=lead:{created.json['id']}")
    assert found.json["total"] >= 1
    assert "lead_routing" in {item["process_key"] for item in found.json["items"]}
