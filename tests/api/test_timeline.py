"""The 360° view: GET /api/customers/<id>/timeline shows everything about the customer."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from units import run

from app.models.customer import Opportunity
from app.models.lead import Lead, LeadEvent, LeadTouch, Team, TeamMember

FORMS = Path(__file__).parent.parent / "fixtures" / "forms"
LEAD_CALLS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="lead_calls" name="Lead calls" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="first_call" name="First call" camunda:assignee="${owner}"
        camunda:formKey="call_notes">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="send_material" name="Send product material"
        camunda:candidateGroups="sales">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first_call" />
    <bpmn:sequenceFlow id="f2" sourceRef="first_call" targetRef="send_material" />
    <bpmn:sequenceFlow id="f3" sourceRef="send_material" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def converted_lead(app, account_id: int | None, owner: str = "alice", *, days_ago: int = 3,
                   name: str = "Wang Fang") -> int:
    """A lead as capture, routing and conversion (other features) leave it: touches, events."""
    def insert(session):
        arrived = datetime.now(UTC) - timedelta(days=days_ago)
        lead = Lead(name=name, company="Acme", owner=owner, team="shanghai_a",
                    status="converted" if account_id else "assigned", source="web_form",
                    created_at=arrived, updated_at=arrived, account_id=account_id)
        session.add(lead)
        session.flush()
        session.add_all([
            LeadTouch(lead_id=lead.id, source="web_form", campaign="expo-2030",
                      payload={"message": "Need a quote"}, at=arrived),
            LeadTouch(lead_id=lead.id, source="webhook:wecom", payload={}, at=arrived
                      + timedelta(hours=5)),  # a duplicate merged in
            LeadEvent(lead_id=lead.id, kind="created", data={"source": "web_form"}, at=arrived),
            LeadEvent(lead_id=lead.id, kind="assigned", data={"team": "shanghai_a",
                                                             "strategy": "round_robin"},
                      at=arrived + timedelta(minutes=1)),
        ])
        if account_id:
            session.add(LeadEvent(lead_id=lead.id, kind="converted", by=owner,
                                  data={"account_id": account_id},
                                  at=arrived + timedelta(days=1)))
        return lead.id
    return run(app, insert)


def convert(session, lead: Lead, account_id: int) -> None:
    """What the conversion (another feature) records."""
    lead.account_id, lead.status = account_id, "converted"
    session.add(LeadEvent(lead_id=lead.id, kind="converted", by=lead.owner,
                          data={"account_id": account_id},
                          at=datetime.now(UTC) - timedelta(days=1)))


def add_opportunity(app, account_id: int, lead_id: int) -> int:
    def insert(session):
        now = datetime.now(UTC)
        row = Opportunity(account_id=account_id, lead_id=lead_id, name="Acme CRM rollout",
                          amount=Decimal("120000.00"), owner="alice", created_by="alice",
                          created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        return row.id
    return run(app, insert)


@pytest.fixture
def shanghai_a(app):
    def setup(session):
        if session.scalar(select(Team).where(Team.key == "shanghai_a")) is None:
            session.add(Team(key="shanghai_a", manager_username="mia",
                             created_at=datetime.now(UTC),
                             members=[TeamMember(username="alice", position=0),
                                      TeamMember(username="bob", position=1)]))
    run(app, setup)


@pytest.fixture
def story(api, app, shanghai_a):
    """Alice's customer Acme after a lead was captured, called, converted and followed up."""
    alice = api.as_("alice")
    acme = alice.post("/api/customers", json={"name": "Acme"}).json
    lead = converted_lead(app, None)
    before = alice.post("/api/interactions", json={
        "lead_id": lead, "kind": "call", "subject": "Qualifying call",
        "occurred_at": (datetime.now(UTC) - timedelta(days=2)).isoformat()}).json
    run(app, lambda s: convert(s, s.get(Lead, lead), acme["id"]))
    contact = alice.post(f"/api/customers/{acme['id']}/contacts",
                         json={"name": "Wang Fang", "phone": "13812345678"}).json
    opportunity = add_opportunity(app, acme["id"], lead)
    # "key" spelled out: a form file without it cannot be completed yet (forms by hash)
    form = {"key": "call_notes", **json.loads((FORMS / "call_notes.json").read_text())}
    api.deploy_text({"lead_calls.bpmn": LEAD_CALLS, "call_notes.json": json.dumps(form)})
    api.advance_clock("PT1H")
    followup = alice.start("lead_calls", business_key=f"lead:{lead}",
                           variables={"owner": "alice"})
    [first_call] = followup["active_tasks"]
    api.advance_clock("PT1H")
    alice.complete(first_call["id"], {"notes": "Wants 20 seats", "intent": "high"})
    api.advance_clock("PT1H")
    meeting = alice.post("/api/interactions", json={
        "customer_id": acme["id"], "contact_id": contact["id"], "kind": "meeting",
        "subject": "Demo on site", "body": "Went well"}).json
    on_account = api.as_("mia").start("lead_calls", business_key=f"account:{acme['id']}",
                                      variables={"owner": "alice"})
    api.advance_clock("PT1H")
    cancelled = api.as_("mia").post(f"/api/process-instances/{on_account['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.json
    # someone else's customer and lead: nothing of theirs shows on Acme's timeline
    globex = api.as_("bob").post("/api/customers", json={"name": "Globex"}).json
    api.as_("bob").post("/api/interactions", json={"customer_id": globex["id"], "kind": "call",
                                                   "subject": "Not Acme"})
    bobs_lead = converted_lead(app, globex["id"], "bob", name="Zhao Lei")
    api.as_("bob").start("lead_calls", business_key=f"lead:{bobs_lead}",
                         variables={"owner": "bob"})
    return {"acme": acme, "lead": lead, "before": before, "meeting": meeting,
            "first_call": first_call, "opportunity": opportunity,
            "followup": followup["id"], "on_account": on_account["id"]}


def timeline(api, customer_id: int, user: str = "alice", query: str = "") -> dict:
    response = api.as_(user).get(f"/api/customers/{customer_id}/timeline{query}")
    assert response.status_code == 200, response.json
    return response.json


def test_the_timeline_shows_everything_about_the_customer_newest_first(api, story):
    found = timeline(api, story["acme"]["id"], query="?per_page=500")
    items = found["items"]
    assert found["total"] == len(items)
    assert [i["at"] for i in items] == sorted((i["at"] for i in items), reverse=True)
    kinds = [i["kind"] for i in items]
    assert sorted(set(kinds)) == [
        "customer.created", "interaction.call", "interaction.meeting", "lead.assigned",
        "lead.converted", "lead.created", "lead.touch", "notification.task_assigned",
        "opportunity.created", "task.cancelled", "task.completed", "task.opened"]
    assert kinds.count("lead.touch") == 2
    assert all(i["title"] != "Not Acme" and "Zhao Lei" not in i["title"] for i in items)
    assert kinds[0] == "task.cancelled"  # the last thing that happened
    assert kinds[-1] == "lead.touch"  # the first: the enquiry that started it all

    completed = next(i for i in items if i["kind"] == "task.completed")
    assert completed["by"] == "alice" and completed["title"] == "First call completed"
    assert completed["data"]["submitted"] == {"notes": "Wants 20 seats", "intent": "high"}
    assert completed["ref"] == {"type": "task", "id": story["first_call"]["id"]}
    opened = [i for i in items if i["kind"] == "task.opened"]
    assert sorted(i["data"]["task"] for i in opened) == [
        "First call", "First call", "Send product material"]
    assert {i["data"]["instance_id"] for i in opened} == {story["followup"], story["on_account"]}
    [cancelled] = [i for i in items if i["kind"] == "task.cancelled"]
    assert cancelled["data"]["instance_id"] == story["on_account"]

    notices = [i for i in items if i["kind"] == "notification.task_assigned"]
    # one per task opened, however many people each went to
    assert len(notices) == 3
    group_notice = next(i for i in notices if len(i["data"]["recipients"]) > 1)
    assert {"alice", "bob"} <= set(group_notice["data"]["recipients"])

    call = next(i for i in items if i["kind"] == "interaction.call")
    assert call["ref"] == {"type": "interaction", "id": story["before"]["id"]}
    assert call["by"] == "alice" and call["data"]["lead_id"] == story["lead"]
    meeting = next(i for i in items if i["kind"] == "interaction.meeting")
    assert meeting["title"] == "Demo on site" and meeting["data"]["body"] == "Went well"
    converted = next(i for i in items if i["kind"] == "lead.converted")
    assert converted["by"] == "alice" and converted["data"]["account_id"] == story["acme"]["id"]
    assigned = next(i for i in items if i["kind"] == "lead.assigned")
    assert assigned["data"]["strategy"] == "round_robin"
    opportunity = next(i for i in items if i["kind"] == "opportunity.created")
    assert opportunity["data"]["amount"] == "120000.00"
    assert opportunity["ref"] == {"type": "opportunity", "id": story["opportunity"]}


def test_the_timeline_is_paged_without_gaps_or_repeats(api, story):
    everything = timeline(api, story["acme"]["id"], query="?per_page=500")
    seen, page = [], 1
    while True:
        found = timeline(api, story["acme"]["id"], query=f"?per_page=4&page={page}")
        assert found["total"] == everything["total"]
        assert (found["page"], found["per_page"]) == (page, 4)
        if not found["items"]:
            break
        seen += found["items"]
        page += 1
    assert seen == everything["items"]
    assert page == -(-everything["total"] // 4) + 1


def test_the_timeline_filters_by_kind_or_family(api, story):
    customer = story["acme"]["id"]
    tasks = timeline(api, customer, query="?kind=task")
    assert {i["kind"] for i in tasks["items"]} == {"task.opened", "task.completed",
                                                   "task.cancelled"}
    some = timeline(api, customer, query="?kind=task.completed&kind=interaction")
    assert sorted(i["kind"] for i in some["items"]) == [
        "interaction.call", "interaction.meeting", "task.completed"]
    assert some["total"] == 3


def test_who_may_read_a_timeline(api, story):
    customer = story["acme"]["id"]
    assert api.as_("bob").get(f"/api/customers/{customer}/timeline").status_code == 403
    assert api.as_("bob").get("/api/customers/999/timeline").status_code == 404
    assert api.client.get(f"/api/customers/{customer}/timeline").status_code == 401
    for allowed in ("mia", "admin", "ana"):
        assert timeline(api, customer, allowed)["total"] > 10


def test_a_new_customer_shows_its_creation_only(api, shanghai_a):
    acme = api.as_("alice").post("/api/customers", json={"name": "Acme"}).json
    found = timeline(api, acme["id"])
    assert found == {"items": [{
        "kind": "customer.created", "at": acme["created_at"], "by": "alice",
        "title": "Customer Acme created", "data": {"owner": "alice", "source_lead_id": None},
        "ref": {"type": "customer", "id": acme["id"]}}], "total": 1, "page": 1, "per_page": 50}
