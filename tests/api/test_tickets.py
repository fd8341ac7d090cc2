"""Service tickets through the API: who sees and works them, their customer's records,
closing and reopening, and the customer's timeline."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from units import run

from app.models.customer import Opportunity
from app.models.lead import Team, TeamMember
from app.services import users


@pytest.fixture
def teams(app):
    """mia manages alice and bob (Shanghai A); carol and dave are in no team of hers."""
    def setup(session):
        if session.scalar(select(Team).where(Team.key == "shanghai_a")) is None:
            session.add(Team(key="shanghai_a", name="Shanghai A", manager_username="mia",
                             created_at=datetime.now(UTC),
                             members=[TeamMember(username=m, position=i)
                                      for i, m in enumerate(["alice", "bob"])]))
    run(app, setup)


def new_customer(api, user: str = "alice", name: str = "Acme Robotics") -> dict:
    response = api.as_(user).post("/api/customers", json={"name": name})
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def acme(api, teams) -> dict:
    """alice's customer, with a contact."""
    customer = new_customer(api)
    contact = api.as_("alice").post(f"/api/customers/{customer['id']}/contacts",
                                    json={"name": "Li Lei"})
    assert contact.status_code == 201, contact.json
    return {**customer, "contact_id": contact.json["id"]}


def opportunity_of(app, customer_id: int) -> int:
    def insert(session):
        now = datetime.now(UTC)
        row = Opportunity(account_id=customer_id, name="Rollout", owner="alice",
                          created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        return row.id
    return run(app, insert)


def new_ticket(api, customer: dict, user: str = "alice", expect: int = 201, **fields) -> dict:
    response = api.as_(user).post("/api/tickets", json={
        "customer_id": customer["id"], "subject": "Terminal will not sync", **fields})
    assert response.status_code == expect, response.json
    return response.json


def subjects(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [ticket["subject"] for ticket in response.json["items"]]


def test_a_rep_opens_a_ticket_about_their_customer(api, app, acme):
    opportunity = opportunity_of(app, acme["id"])
    ticket = new_ticket(api, acme, description="Since the update", contact_id=acme["contact_id"],
                        opportunity_id=opportunity, assignee="alice")
    assert ticket["customer_id"] == acme["id"] and ticket["contact_id"] == acme["contact_id"]
    assert ticket["opportunity_id"] == opportunity
    assert (ticket["status"], ticket["priority"], ticket["created_by"]) == (
        "open", "normal", "alice")
    assert ticket["assignee"] == "alice" and ticket["closed_at"] is None
    alice = api.as_("alice")
    assert alice.get(f"/api/tickets/{ticket['id']}").json == ticket
    assert alice.get("/api/tickets").json["items"] == [ticket]
    assert alice.get(f"/api/customers/{acme['id']}/tickets").json["items"] == [ticket]


def test_tickets_need_a_sign_in(api, acme):
    ticket = new_ticket(api, acme)
    for path in ("/api/tickets", f"/api/tickets/{ticket['id']}",
                 f"/api/customers/{acme['id']}/tickets"):
        assert api.get(path).status_code == 401, path
    assert api.post("/api/tickets", json={"customer_id": acme["id"]}).status_code == 401
    assert api.patch(f"/api/tickets/{ticket['id']}", json={}).status_code == 401
    assert api.delete(f"/api/tickets/{ticket['id']}").status_code == 401


@pytest.mark.parametrize("reader", ["ana", "sam", "lena", "fiona"])
def test_analysts_and_directors_do_not_write_tickets(api, acme, reader):
    ticket = new_ticket(api, acme, assignee=reader)  # even when assigned one
    path = f"/api/tickets/{ticket['id']}"
    refused = api.as_(reader).post("/api/tickets", json={"customer_id": acme["id"],
                                                         "subject": "X"})
    assert refused.status_code == 403 and "sales, manager" in refused.json["message"]
    assert api.as_(reader).patch(path, json={"status": "closed"}).status_code == 403
    assert api.as_(reader).delete(path).status_code == 403
    assert api.as_(reader).get(path).json["status"] == "open"  # they read it


def test_a_rep_does_not_see_another_reps_customers_tickets(api, acme):
    ticket = new_ticket(api, acme)
    path = f"/api/tickets/{ticket['id']}"
    carol = api.as_("carol")
    assert carol.get(path).status_code == 403
    assert carol.patch(path, json={"status": "closed"}).status_code == 403
    assert carol.delete(path).status_code == 403
    assert carol.get(f"/api/customers/{acme['id']}/tickets").status_code == 403
    assert subjects(carol.get("/api/tickets")) == []
    assert subjects(carol.get(f"/api/tickets?customer={acme['id']}")) == []
    refused = new_ticket(api, acme, user="carol", expect=403)
    assert "someone else" in refused["message"]
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {}} if method == "patch" else {}
        missing = getattr(api.as_("alice"), method)("/api/tickets/999", **kwargs)
        assert missing.status_code == 404 and "ticket 999" in missing.json["message"]
    assert api.as_("alice").get("/api/customers/999/tickets").status_code == 404
    assert api.as_("alice").post("/api/tickets", json={
        "customer_id": 999, "subject": "X"}).status_code == 404


def test_managers_see_their_teams_tickets_admins_and_analysts_all(api, acme):
    new_ticket(api, acme)
    for everybody in ("mia", "admin", "ana"):
        assert subjects(api.as_(everybody).get("/api/tickets")) == ["Terminal will not sync"]
    assert subjects(api.as_("bob").get("/api/tickets")) == []  # a teammate's customer


def test_the_assignee_works_a_ticket_of_a_customer_they_do_not_see(api, acme):
    ticket = new_ticket(api, acme, assignee="carol")
    carol = api.as_("carol")
    path = f"/api/tickets/{ticket['id']}"
    assert carol.get(path).status_code == 200
    assert subjects(carol.get("/api/tickets?assignee=me")) == ["Terminal will not sync"]
    working = carol.patch(path, json={"status": "in_progress"})
    assert working.status_code == 200 and working.json["status"] == "in_progress"
    assert carol.get(f"/api/customers/{acme['id']}").status_code == 403  # still not hers
    assert carol.get(f"/api/customers/{acme['id']}/tickets").status_code == 403
    handed_on = carol.patch(path, json={"assignee": "dave"})
    assert handed_on.status_code == 200 and handed_on.json["assignee"] == "dave"
    assert carol.get(path).status_code == 403  # no longer hers to see


def test_the_assignee_must_be_an_active_user(api, app, acme):
    def leaver(session):
        users.create("olga", "demo", ["sales"]).active = False
    run(app, leaver)
    for nobody in ("nobody", "olga"):
        refused = new_ticket(api, acme, expect=422, assignee=nobody)
        assert refused["fields"] == {"assignee": ["no active user of that name"]}
        assert nobody in refused["message"]
    ticket = new_ticket(api, acme, assignee="bob")
    path = f"/api/tickets/{ticket['id']}"
    refused = api.as_("alice").patch(path, json={"assignee": "olga"})
    assert refused.status_code == 422 and set(refused.json["fields"]) == {"assignee"}
    unassigned = api.as_("alice").patch(path, json={"assignee": None})
    assert unassigned.status_code == 200 and unassigned.json["assignee"] is None


def test_the_contact_and_opportunity_must_be_the_customers(api, app, acme):
    other = new_customer(api, name="Globex")
    stranger = api.as_("alice").post(f"/api/customers/{other['id']}/contacts",
                                     json={"name": "Hank"}).json
    elsewhere = opportunity_of(app, other["id"])
    refused = new_ticket(api, acme, expect=422, contact_id=stranger["id"])
    assert refused["fields"] == {"contact_id": ["not a contact of this customer"]}
    refused = new_ticket(api, acme, expect=422, opportunity_id=elsewhere)
    assert refused["fields"] == {"opportunity_id": ["not an opportunity of this customer"]}
    assert new_ticket(api, acme, expect=422, contact_id=999)["fields"] == {
        "contact_id": ["not a contact of this customer"]}
    ticket = new_ticket(api, acme, contact_id=acme["contact_id"])
    path = f"/api/tickets/{ticket['id']}"
    moved = api.as_("alice").patch(path, json={"contact_id": stranger["id"]})
    assert moved.status_code == 422 and set(moved.json["fields"]) == {"contact_id"}
    cleared = api.as_("alice").patch(path, json={"contact_id": None})
    assert cleared.status_code == 200 and cleared.json["contact_id"] is None


def test_ticket_fields_are_422_per_field(api, acme):
    response = api.as_("alice").post("/api/tickets", json={"priority": "asap", "status": "x"})
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"customer_id", "subject", "priority", "status"}
    assert new_ticket(api, acme, expect=422, subject="   ")["fields"] == {
        "subject": ["required"]}
    ticket = new_ticket(api, acme)
    path = f"/api/tickets/{ticket['id']}"
    refused = api.as_("alice").patch(path, json={"status": "done", "priority": None,
                                                 "customer_id": 2})
    assert refused.status_code == 422
    assert set(refused.json["fields"]) == {"status", "priority", "customer_id"}


def test_resolving_stamps_closed_at_and_reopening_clears_it(api, acme):
    ticket = new_ticket(api, acme, priority="urgent")
    path = f"/api/tickets/{ticket['id']}"
    alice = api.as_("alice")
    api.advance_clock("PT2H")
    resolved = alice.patch(path, json={"status": "resolved"}).json
    assert resolved["closed_at"] is not None and resolved["closed_at"] > ticket["created_at"]
    api.advance_clock("P1D")
    closed = alice.patch(path, json={"status": "closed"}).json
    assert closed["closed_at"] == resolved["closed_at"]  # when it was dealt with
    reopened = alice.patch(path, json={"status": "open"}).json
    assert reopened["status"] == "open" and reopened["closed_at"] is None
    closed_again = alice.patch(path, json={"status": "closed"}).json
    assert closed_again["closed_at"] > resolved["closed_at"]


def test_tickets_are_found_by_status_priority_assignee_and_customer(api, acme):
    other = new_customer(api, name="Globex")
    new_ticket(api, acme, subject="Sync", priority="high", assignee="alice")
    printer = new_ticket(api, acme, subject="Printer", assignee="bob")
    new_ticket(api, other, subject="Invoice")
    api.as_("alice").patch(f"/api/tickets/{printer['id']}", json={"status": "resolved"})
    alice = api.as_("alice")
    assert subjects(alice.get("/api/tickets")) == ["Invoice", "Printer", "Sync"]  # newest first
    assert subjects(alice.get("/api/tickets?status=open")) == ["Invoice", "Sync"]
    assert subjects(alice.get("/api/tickets?priority=high")) == ["Sync"]
    assert subjects(alice.get("/api/tickets?assignee=me")) == ["Sync"]
    assert subjects(alice.get("/api/tickets?assignee=bob")) == ["Printer"]
    assert subjects(alice.get(f"/api/tickets?customer={other['id']}")) == ["Invoice"]
    assert subjects(alice.get(f"/api/customers/{acme['id']}/tickets?status=resolved")) == [
        "Printer"]
    assert alice.get("/api/tickets?status=done").status_code == 422
    page = alice.get("/api/tickets?per_page=2&page=2").json
    assert page["total"] == 3 and [t["subject"] for t in page["items"]] == ["Sync"]


def test_deleting_is_for_its_creator_managers_and_admins(api, acme):
    by_mia = new_ticket(api, acme, user="mia", subject="Raised by the manager")
    refused = api.as_("alice").delete(f"/api/tickets/{by_mia['id']}")
    assert refused.status_code == 403 and "creator" in refused.json["message"]
    mine = new_ticket(api, acme)
    assert api.as_("alice").delete(f"/api/tickets/{mine['id']}").status_code == 204
    assert api.as_("mia").delete(f"/api/tickets/{by_mia['id']}").status_code == 204
    assert api.as_("alice").get(f"/api/tickets/{mine['id']}").status_code == 404
    assert subjects(api.as_("admin").get("/api/tickets")) == []


def test_tickets_show_on_the_customers_timeline(api, acme):
    ticket = new_ticket(api, acme, priority="high", assignee="bob")
    api.advance_clock("PT3H")
    api.as_("bob").patch(f"/api/tickets/{ticket['id']}", json={"status": "resolved"})
    items = api.as_("alice").get(f"/api/customers/{acme['id']}/timeline?kind=ticket").json
    assert [(i["kind"], i["title"]) for i in items["items"]] == [
        ("ticket.closed", "Ticket resolved: Terminal will not sync"),
        ("ticket.opened", "Ticket opened: Terminal will not sync")]
    opened = items["items"][1]
    assert opened["by"] == "alice" and opened["ref"] == {"type": "ticket", "id": ticket["id"]}
    assert opened["data"]["priority"] == "high" and opened["data"]["assignee"] == "bob"
    everything = api.as_("alice").get(f"/api/customers/{acme['id']}/timeline").json
    assert everything["items"][0]["kind"] == "ticket.closed"  # the newest


def test_a_ticket_outlives_its_contact_and_keeps_its_customer_from_being_deleted(api, acme):
    ticket = new_ticket(api, acme, contact_id=acme["contact_id"])
    deleted = api.as_("alice").delete(f"/api/contacts/{acme['contact_id']}")
    assert deleted.status_code == 204
    kept = api.as_("alice").get(f"/api/tickets/{ticket['id']}").json
    assert kept["contact_id"] is None and kept["subject"] == "Terminal will not sync"
    refused = api.as_("mia").delete(f"/api/customers/{acme['id']}")
    assert refused.status_code == 409 and refused.json["ticket_ids"] == [ticket["id"]]
