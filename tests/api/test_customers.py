"""Customers and contacts through the API: ownership, visibility, duplicates, validation."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from units import run

from app.models.customer import Interaction, Opportunity
from app.models.lead import Lead, Team, TeamMember
from app.services import users


def call(api, user: str, method: str, path: str, **kwargs):
    return getattr(api.client, method)(path, headers=api.auth.headers(user), **kwargs)


def ensure_team(session, key: str, manager: str, members: list[str]) -> None:
    if session.scalar(select(Team).where(Team.key == key)) is None:
        session.add(Team(key=key, name=key, manager_username=manager,
                         created_at=datetime.now(UTC),
                         members=[TeamMember(username=m, position=i)
                                  for i, m in enumerate(members)]))


@pytest.fixture
def teams(app):
    """mia manages alice and bob (Shanghai A); max manages erin (Beijing B)."""
    def setup(session):
        users.create("erin", "demo", ["sales"])
        users.create("max", "demo", ["manager"])
        ensure_team(session, "shanghai_a", "mia", ["alice", "bob"])
        ensure_team(session, "beijing_b", "max", ["erin"])
    run(app, setup)


def new_customer(api, user: str = "alice", expect: int = 201, **fields) -> dict:
    response = api.as_(user).post("/api/customers", json={"name": "Acme Robotics", **fields})
    assert response.status_code == expect, response.json
    return response.json


def test_a_rep_creates_a_customer_they_own_with_their_team(api, teams):
    acme = new_customer(api, industry="manufacturing", region="east_china", company_size=120)
    assert acme["owner"] == "alice" and acme["created_by"] == "alice"
    assert acme["team"] == "shanghai_a"  # alice is in one team: its manager keeps seeing it
    assert acme["contacts"] == [] and acme["opportunities"] == []
    mine = api.as_("alice").get("/api/customers?owner=me").json
    assert mine["total"] == 1 and mine["items"][0]["id"] == acme["id"]


@pytest.mark.parametrize("second", ["ACME Robotics Co., Ltd.", "acme  robotics",
                                    "Acme-Robotics Inc"])
def test_a_second_customer_with_the_same_normalised_name_is_409_naming_the_first(
        api, teams, second):
    acme = new_customer(api)
    response = api.as_("erin").post("/api/customers", json={"name": second})
    assert response.status_code == 409
    assert response.json["existing_id"] == acme["id"]
    assert str(acme["id"]) in response.json["message"]


def test_renaming_onto_another_customers_name_is_409(api, teams):
    acme = new_customer(api)
    other = new_customer(api, name="Globex")
    response = call(api, "alice", "patch", f"/api/customers/{other['id']}",
                    json={"name": "acme robotics ltd"})
    assert response.status_code == 409 and response.json["existing_id"] == acme["id"]
    renamed = call(api, "alice", "patch", f"/api/customers/{acme['id']}",
                   json={"name": "ACME Robotics", "notes": "key account"})
    assert renamed.status_code == 200 and renamed.json["notes"] == "key account"


def test_search_by_name_ignores_case_and_legal_form(api, teams):
    new_customer(api, name="上海精密机械有限公司")
    new_customer(api, name="Globex Corporation")
    alice = api.as_("alice")
    assert [c["name"] for c in alice.get("/api/customers?q=globex").json["items"]] == [
        "Globex Corporation"]
    assert alice.get("/api/customers?q=精密机械").json["total"] == 1
    assert alice.get("/api/customers?q=100%25").json["total"] == 0
    assert alice.get("/api/customers").json["total"] == 2


def test_a_rep_cannot_read_another_reps_customer_and_a_missing_one_is_404(api, teams):
    acme = new_customer(api)
    path = f"/api/customers/{acme['id']}"
    for suffix in ("", "/contacts", "/interactions", "/timeline"):
        assert api.as_("bob").get(path + suffix).status_code == 403, suffix
        assert api.as_("bob").get(f"/api/customers/999{suffix}").status_code == 404, suffix
    assert call(api, "bob", "patch", path, json={"notes": "mine now"}).status_code == 403
    assert api.as_("bob").post(path + "/contacts", json={"name": "X"}).status_code == 403
    assert api.as_("bob").get("/api/customers").json["total"] == 0


def test_managers_see_their_teams_customers_admins_and_analysts_all(api, teams):
    alices = new_customer(api)
    erins = new_customer(api, "erin", name="Initech")
    assert api.as_("mia").get(f"/api/customers/{alices['id']}").status_code == 200
    assert api.as_("mia").get(f"/api/customers/{erins['id']}").status_code == 403
    assert api.as_("max").get(f"/api/customers/{erins['id']}").status_code == 200
    assert [c["name"] for c in api.as_("max").get("/api/customers").json["items"]] == ["Initech"]
    for everybody in ("admin", "ana"):
        assert api.as_(everybody).get("/api/customers").json["total"] == 2


def test_only_managers_and_admins_choose_the_owner(api, teams):
    assert new_customer(api, owner="bob", expect=403)["error"] == "forbidden"
    assert new_customer(api, owner="alice")["owner"] == "alice"  # naming oneself is fine
    given = new_customer(api, "mia", name="Globex", owner="bob")
    assert given["owner"] == "bob" and given["created_by"] == "mia"
    assert api.as_("bob").get(f"/api/customers/{given['id']}").status_code == 200
    assert new_customer(api, "mia", name="Hooli", owner="nobody", expect=422)["fields"] == {
        "owner": ["unknown user"]}
    assert new_customer(api, "admin", name="Hooli", team="nope", expect=422)["fields"] == {
        "team": ["unknown team"]}
    path = f"/api/customers/{given['id']}"
    assert call(api, "bob", "patch", path, json={"owner": "bob"}).status_code == 403
    moved = call(api, "mia", "patch", path, json={"owner": "erin", "team": "beijing_b"})
    assert moved.status_code == 200 and moved.json["owner"] == "erin"
    assert api.as_("bob").get(path).status_code == 403
    assert api.as_("max").get(path).status_code == 200


def test_customer_fields_are_validated_with_per_field_errors(api, teams):
    response = api.as_("alice").post("/api/customers", json={
        "industry": "mining", "region": "mars", "company_size": -1, "colour": "red"})
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"name", "industry", "region", "company_size",
                                            "colour"}
    assert new_customer(api, name="  ", expect=422)["fields"] == {"name": ["required"]}
    assert new_customer(api, name="!!!", expect=422)["fields"] == {"name": ["no letters"]}
    assert api.as_("ana").post("/api/customers", json={"name": "X"}).status_code == 403


def test_deleting_is_for_managers_and_refused_while_opportunities_or_leads(api, app, teams):
    acme = new_customer(api)
    path = f"/api/customers/{acme['id']}"
    assert call(api, "alice", "delete", path).status_code == 403
    assert call(api, "max", "delete", path).status_code == 403  # not his team's
    now = datetime.now(UTC)
    opportunity = run(app, lambda s: _add(s, Opportunity(
        account_id=acme["id"], name="Line 2", created_at=now, updated_at=now)))
    refused = call(api, "mia", "delete", path)
    assert refused.status_code == 409 and refused.json["opportunity_ids"] == [opportunity]
    run(app, lambda s: s.delete(s.get(Opportunity, opportunity)))
    lead = run(app, lambda s: _add(s, Lead(name="Wang", account_id=acme["id"], owner="alice",
                                           status="converted", created_at=now,
                                           updated_at=now)))
    refused = call(api, "mia", "delete", path)
    assert refused.status_code == 409 and refused.json["lead_ids"] == [lead]
    run(app, lambda s: setattr(s.get(Lead, lead), "account_id", None))
    contact = api.as_("alice").post(path + "/contacts", json={"name": "Li Lei"}).json
    api.as_("alice").post("/api/interactions", json={
        "customer_id": acme["id"], "contact_id": contact["id"], "kind": "call",
        "subject": "Intro"})
    assert call(api, "mia", "delete", path).status_code == 204
    assert api.as_("mia").get(path).status_code == 404
    assert api.as_("mia").get(f"/api/contacts/{contact['id']}").status_code == 404
    assert run(app, lambda s: s.scalars(select(Interaction)).all()) == []


def _add(session, row) -> int:
    session.add(row)
    session.flush()
    return row.id


# -- contacts --------------------------------------------------------------------------------

def test_contacts_accept_chinese_mobiles_and_international_numbers(api, teams):
    acme = new_customer(api)
    path = f"/api/customers/{acme['id']}/contacts"
    li = api.as_("alice").post(path, json={"name": "Li Lei", "title": "Purchasing",
                                           "phone": "138 1234 5678", "email": "Li@Acme.cn"})
    assert li.status_code == 201 and li.json["customer_id"] == acme["id"]
    assert li.json["phone"] == "138 1234 5678"  # kept as written; compared normalised
    smith = api.as_("alice").post(path, json={"name": "Ann Smith", "phone": "+44 20 7946 0958"})
    assert smith.status_code == 201
    assert [c["name"] for c in api.as_("alice").get(path).json] == ["Li Lei", "Ann Smith"]
    detail = api.as_("alice").get(f"/api/customers/{acme['id']}").json
    assert [c["id"] for c in detail["contacts"]] == [li.json["id"], smith.json["id"]]


def test_bad_phone_and_email_are_422_per_field(api, teams):
    acme = new_customer(api)
    response = api.as_("alice").post(f"/api/customers/{acme['id']}/contacts", json={
        "name": "Li", "phone": "12345", "email": "li-at-acme"})
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"phone", "email"}
    assert "Chinese mobile" in response.json["fields"]["phone"][0]


def test_a_contact_with_the_same_phone_or_email_in_one_customer_is_409(api, teams):
    acme = new_customer(api)
    path = f"/api/customers/{acme['id']}/contacts"
    li = api.as_("alice").post(path, json={"name": "Li Lei", "phone": "13812345678"}).json
    again = api.as_("alice").post(path, json={"name": "Lei Li", "phone": "+86 138-1234-5678"})
    assert again.status_code == 409 and again.json["existing_id"] == li["id"]
    other = new_customer(api, name="Globex")  # another company may know the same person
    assert api.as_("alice").post(f"/api/customers/{other['id']}/contacts", json={
        "name": "Li Lei", "phone": "13812345678"}).status_code == 201


def test_editing_and_deleting_a_contact(api, teams):
    acme = new_customer(api)
    li = api.as_("alice").post(f"/api/customers/{acme['id']}/contacts",
                               json={"name": "Li Lei"}).json
    path = f"/api/contacts/{li['id']}"
    changed = call(api, "alice", "patch", path, json={"email": "li@acme.cn", "title": None})
    assert changed.status_code == 200 and changed.json["email"] == "li@acme.cn"
    assert call(api, "alice", "patch", path, json={"email": "nope"}).status_code == 422
    assert api.as_("bob").get(path).status_code == 403
    assert call(api, "bob", "delete", path).status_code == 403
    call_logged = api.as_("alice").post("/api/interactions", json={
        "customer_id": acme["id"], "contact_id": li["id"], "kind": "call", "subject": "Hi"}).json
    assert call(api, "alice", "delete", path).status_code == 204
    assert api.as_("alice").get(path).status_code == 404
    kept = api.as_("alice").get(f"/api/interactions/{call_logged['id']}").json
    assert kept["contact_id"] is None and kept["subject"] == "Hi"
