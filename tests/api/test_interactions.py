"""Calls, emails, meetings and notes with customers and with leads not yet converted."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from units import run

from app.models.lead import Lead, Team, TeamMember
from app.services import users


def call(api, user: str, method: str, path: str, **kwargs):
    return getattr(api.client, method)(path, headers=api.auth.headers(user), **kwargs)


@pytest.fixture
def people(app):
    """mia manages alice and bob; max manages erin."""
    def setup(session):
        users.create("erin", "demo", ["sales"])
        users.create("max", "demo", ["manager"])
        for key, manager, members in (("shanghai_a", "mia", ["alice", "bob"]),
                                      ("beijing_b", "max", ["erin"])):
            if session.scalar(select(Team).where(Team.key == key)) is None:
                session.add(Team(key=key, manager_username=manager, created_at=datetime.now(UTC),
                                 members=[TeamMember(username=m, position=i)
                                          for i, m in enumerate(members)]))
    run(app, setup)


@pytest.fixture
def acme(api, people):
    """Alice's customer."""
    return api.as_("alice").post("/api/customers", json={"name": "Acme"}).json


def add_lead(app, owner: str = "alice", **fields) -> int:
    def insert(session):
        now = datetime.now(UTC)
        lead = Lead(name="Wang Fang", company="Acme", owner=owner, status="assigned",
                    created_at=now, updated_at=now, **fields)
        session.add(lead)
        session.flush()
        return lead.id
    return run(app, insert)


def log(api, user: str = "alice", expect: int = 201, **body) -> dict:
    response = api.as_(user).post("/api/interactions", json={"kind": "call", **body})
    assert response.status_code == expect, response.json
    return response.json


def test_a_call_with_a_customer_is_logged_by_me_now(api, acme):
    logged = log(api, customer_id=acme["id"], subject="Intro call", body="Wants a demo",
                 data={"minutes": 12})
    assert logged["by"] == "alice" and logged["customer_id"] == acme["id"]
    assert logged["occurred_at"] and logged["data"] == {"minutes": 12}
    assert api.as_("alice").get(f"/api/interactions/{logged['id']}").json == logged


def test_a_customers_interactions_are_newest_first_and_filter_by_kind(api, acme):
    for kind, day in (("call", 1), ("email", 3), ("meeting", 2)):
        log(api, customer_id=acme["id"], kind=kind, subject=kind,
            occurred_at=f"2030-01-0{day}T09:00:00+08:00")
    path = f"/api/customers/{acme['id']}/interactions"
    listed = api.as_("alice").get(path).json
    assert [i["kind"] for i in listed["items"]] == ["email", "meeting", "call"]
    assert listed["total"] == 3
    assert api.as_("alice").get(path + "?kind=meeting").json["total"] == 1
    paged = api.as_("alice").get(path + "?per_page=2&page=2").json
    assert [i["kind"] for i in paged["items"]] == ["call"] and paged["total"] == 3


def test_calls_on_a_lead_not_yet_converted_and_who_sees_them(api, app, people):
    lead = add_lead(app)
    logged = log(api, lead_id=lead, subject="First call", body="Interested")
    assert logged["lead_id"] == lead and logged["customer_id"] is None
    listed = api.as_("alice").get(f"/api/leads/{lead}/interactions").json
    assert [i["id"] for i in listed["items"]] == [logged["id"]]
    assert api.as_("mia").get(f"/api/leads/{lead}/interactions").status_code == 200
    for stranger in ("bob", "erin", "max"):
        assert api.as_(stranger).get(f"/api/leads/{lead}/interactions").status_code == 403
        assert api.as_(stranger).get(f"/api/interactions/{logged['id']}").status_code == 403
        log(api, stranger, expect=403, lead_id=lead, subject="sneaky")
    assert api.as_("alice").get("/api/leads/999/interactions").status_code == 404
    log(api, expect=404, lead_id=999, subject="x")


def test_after_conversion_the_customer_lists_the_calls_logged_on_its_lead(api, app, acme):
    lead = add_lead(app)
    before = log(api, lead_id=lead, subject="Before conversion")
    run(app, lambda s: setattr(s.get(Lead, lead), "account_id", acme["id"]))
    after = log(api, lead_id=lead, subject="After conversion")
    assert after["customer_id"] == acme["id"]  # a converted lead's calls are the customer's
    listed = api.as_("alice").get(f"/api/customers/{acme['id']}/interactions").json
    assert {i["id"] for i in listed["items"]} == {before["id"], after["id"]}
    other = api.as_("alice").post("/api/customers", json={"name": "Globex"}).json
    assert log(api, expect=422, lead_id=lead, customer_id=other["id"],
               subject="x")["fields"] == {"lead_id": ["belongs to another customer"]}


def test_interactions_are_validated_with_per_field_errors(api, acme):
    assert log(api, expect=422, subject="x")["fields"] == {
        "customer_id": ["send customer_id or lead_id"]}
    assert "kind" in log(api, expect=422, customer_id=acme["id"], kind="fax",
                         subject="x")["fields"]
    assert log(api, expect=422, customer_id=acme["id"])["fields"] == {
        "subject": ["send a subject or a body"]}
    assert "occurred_at" in log(api, expect=422, customer_id=acme["id"], subject="x",
                                occurred_at="2030-01-01T09:00:00")["fields"]  # no time zone
    assert "data" in log(api, expect=422, customer_id=acme["id"], subject="x",
                         data={"bad key": 1})["fields"]
    other = api.as_("alice").post("/api/customers", json={"name": "Globex"}).json
    stranger = api.as_("alice").post(f"/api/customers/{other['id']}/contacts",
                                     json={"name": "Z"}).json
    assert log(api, expect=422, customer_id=acme["id"], contact_id=stranger["id"],
               subject="x")["fields"] == {"contact_id": ["not a contact of this customer"]}
    assert log(api, expect=404, customer_id=999, subject="x")["error"] == "not_found"
    log(api, "ana", expect=403, customer_id=acme["id"], subject="analysts only read")


def test_only_the_author_their_managers_and_admins_change_an_interaction(api, acme):
    by_alice = log(api, customer_id=acme["id"], subject="Intro")
    path = f"/api/interactions/{by_alice['id']}"
    edited = call(api, "alice", "patch", path, json={"body": "Wants a demo", "kind": "meeting"})
    assert edited.status_code == 200
    assert edited.json["kind"] == "meeting" and edited.json["body"] == "Wants a demo"
    assert call(api, "mia", "patch", path, json={"subject": "Intro (checked)"}).status_code == 200
    assert call(api, "admin", "patch", path, json={"subject": "Intro"}).status_code == 200
    for stranger in ("bob", "max", "erin"):  # cannot even see the customer
        assert call(api, stranger, "patch", path, json={"subject": "x"}).status_code == 403
        assert call(api, stranger, "delete", path).status_code == 403
    by_admin = log(api, "admin", customer_id=acme["id"], kind="note", subject="Credit check")
    # alice sees the customer and the admin's note, but it is not hers to change
    assert api.as_("alice").get(f"/api/interactions/{by_admin['id']}").status_code == 200
    assert call(api, "alice", "patch", f"/api/interactions/{by_admin['id']}",
                json={"subject": "x"}).status_code == 403
    assert call(api, "alice", "patch", path, json={"subject": "", "body": None}).status_code == 422
    assert call(api, "alice", "patch", path, json={"lead_id": 1}).status_code == 422
    assert call(api, "alice", "delete", path).status_code == 204
    assert api.as_("alice").get(path).status_code == 404
    assert call(api, "alice", "delete", path).status_code == 404
