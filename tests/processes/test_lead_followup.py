"""The follow-up SOP (bpmn/lead_followup.bpmn) driven with the test clock."""

import pytest


@pytest.fixture
def carols_lead(api, shipped):
    """A CRM-solution lead: the product experts' round-robin gives the first one to carol."""
    response = api.as_("mia").post("/api/leads", json={
        "name": "Wang Wei", "company": "ACME Robotics", "phone": "13800138000",
        "email": "wang.wei@acme.example", "region": "north_china", "industry": "manufacturing",
        "product_interest": "crm_solution", "budget": "80000"})
    assert response.status_code == 201, response.json
    assert response.json["owner"] == "carol"
    return response.json["id"]


def followup(api, lead_id):
    """The lead's latest follow-up instance."""
    newest = api.as_("mia").get(f"/api/process-instances?business_key=lead:{lead_id}"
                                "&process_key=lead_followup").json["items"][0]
    return api.as_("mia").instance(newest["id"])


def open_task(api, lead_id, element_id):
    instance = followup(api, lead_id)
    tasks = [t for t in instance["active_tasks"] if t["element_id"] == element_id]
    assert len(tasks) == 1, [t["element_id"] for t in instance["active_tasks"]]
    return tasks[0]


def lead(api, lead_id, user="mia"):
    return api.as_(user).get(f"/api/leads/{lead_id}").json


def test_first_call_for_the_owner_due_in_24_hours(api, carols_lead):
    task = open_task(api, carols_lead, "first_call")
    assert task["assignee"] == "carol" and task["due_at"] is not None
    assert [t["element_id"] for t in api.as_("carol").get("/api/tasks?assignee=me").json[
        "items"]] == ["first_call"]


def test_a_reminder_before_the_deadline_and_the_manager_after_it(api, app, carols_lead):
    api.advance_clock("PT21H")
    api.tick(app)
    reminders = [n for n in api.as_("carol").get("/api/notifications").json["items"]
                 if n["template"] == "task_due_soon"]
    assert reminders, "carol was not reminded"
    assert open_task(api, carols_lead, "first_call")["assignee"] == "carol"
    api.advance_clock("PT4H")  # 25 h
    api.tick(app)
    escalated = open_task(api, carols_lead, "escalate")
    assert escalated["assignee"] == "mia"
    api.as_("mia").complete(escalated["id"], {"action": "reassign", "new_owner": "dave"})
    assert open_task(api, carols_lead, "first_call")["assignee"] == "dave"
    assert lead(api, carols_lead)["owner"] == "dave"


def test_nobody_acting_on_the_escalation_sends_the_lead_back_to_the_pool(api, app, carols_lead):
    api.advance_clock("PT25H")
    api.tick(app)
    open_task(api, carols_lead, "escalate")
    api.advance_clock("PT49H")
    api.tick(app)
    assert followup(api, carols_lead)["status"] == "completed"
    detail = lead(api, carols_lead)
    assert (detail["status"], detail["owner"]) == ("pool", None)
    assert detail["events"][-1]["kind"] == "returned"
    assert api.as_("bob").get("/api/lead-pool").json["total"] == 1


def test_high_intent_material_second_follow_up_three_days_later_and_conversion(api, app,
                                                                             carols_lead):
    carol = api.as_("carol")
    first = open_task(api, carols_lead, "first_call")
    carol.complete(first["id"], {"notes": "needs a CRM for 200 reps", "intent": "high"})
    assert lead(api, carols_lead)["status"] == "qualified"
    material = open_task(api, carols_lead, "send_material")
    carol.complete(material["id"], {"material": ["brochure", "case_study"]})
    assert followup(api, carols_lead)["status"] == "waiting"
    api.advance_clock("P2D")
    api.tick(app)
    assert followup(api, carols_lead)["active_tasks"] == []
    api.advance_clock("PT25H")
    api.tick(app)
    second = open_task(api, carols_lead, "second_followup")
    carol.complete(second["id"], {"followup_notes": "wants a quote", "convert": True,
                                  "opportunity_name": "ACME CRM rollout", "amount": "80000"})
    detail = lead(api, carols_lead, "carol")
    assert detail["status"] == "converted"
    assert detail["account_id"] and detail["contact_id"] and detail["opportunity_id"]
    assert followup(api, carols_lead)["status"] == "completed"
    customer = api.as_("carol").get(f"/api/customers/{detail['account_id']}").json
    assert customer["name"] == "ACME Robotics"
    assert [c["email"] for c in customer["contacts"]] == ["wang.wei@acme.example"]


def test_nurture_loops_with_a_configurable_wait_then_high_intent(api, app, carols_lead):
    carol = api.as_("carol")
    carol.complete(open_task(api, carols_lead, "first_call")["id"],
                   {"notes": "not this quarter", "intent": "nurture", "recontact_days": 10})
    assert lead(api, carols_lead)["status"] == "nurture"
    for turn in range(3):
        api.advance_clock("P10D")
        api.tick(app)
        recontact = open_task(api, carols_lead, "recontact")
        intent = "nurture" if turn < 2 else "high"
        carol.complete(recontact["id"], {"notes": f"turn {turn}", "intent": intent,
                                         "recontact_days": 10})
    open_task(api, carols_lead, "send_material")
    calls = lead(api, carols_lead)["events"]
    assert [e["kind"] for e in calls].count("called") == 4


def test_the_escalation_refuses_a_reassignment_to_nobody_or_to_someone_not_in_sales(api, app,
                                                                                  carols_lead):
    api.advance_clock("PT25H")
    api.tick(app)
    escalated = open_task(api, carols_lead, "escalate")
    for values, problem in (({"action": "reassign"}, "required when reassigning"),
                            ({"action": "reassign", "new_owner": "ana"}, "not an active sales"),
                            ({"action": "reassign", "new_owner": "nobody"}, "not an active")):
        response = api.as_("mia").post(f"/api/tasks/{escalated['id']}/complete",
                                       json={"data": values})
        assert response.status_code == 422, response.json
        assert problem in response.json["fields"]["new_owner"][0]
    assert open_task(api, carols_lead, "escalate")["id"] == escalated["id"]  # nothing lost
    assert followup(api, carols_lead)["status"] == "running"  # not in error
    api.as_("mia").complete(escalated["id"], {"action": "pool"})
    assert lead(api, carols_lead)["status"] == "pool"


@pytest.mark.parametrize("ending, status", [
    ("convert", "converted"), ("close", "closed")])
def test_converting_or_closing_through_the_api_ends_the_follow_up_and_its_reminders(
        api, app, carols_lead, ending, status):
    response = api.as_("carol").post(f"/api/leads/{carols_lead}/{ending}",
                                     json={"reason": "bought elsewhere"} if ending == "close"
                                     else {})
    assert response.status_code == 200, response.json
    assert response.json["status"] == status
    assert followup(api, carols_lead)["status"] == "cancelled"
    assert api.as_("carol").get("/api/tasks?assignee=me").json["total"] == 0
    api.advance_clock("PT80H")
    api.tick(app)
    notices = [n["template"] for n in api.as_("carol").get("/api/notifications").json["items"]]
    assert "task_due_soon" not in notices
    assert api.as_("mia").get("/api/tasks").json["total"] == 0  # no escalation either
    detail = lead(api, carols_lead)
    assert (detail["status"], detail["owner"]) == (status, "carol")
    again = api.as_("carol").post(f"/api/leads/{carols_lead}/close", json={"reason": "x"})
    assert again.status_code == 409


def test_a_dispatch_to_someone_else_replaces_the_follow_up(api, carols_lead):
    old = followup(api, carols_lead)
    response = api.as_("mia").post(f"/api/leads/{carols_lead}/assign", json={"owner": "dave"})
    assert response.status_code == 200, response.json
    assert api.as_("mia").instance(old["id"])["status"] == "cancelled"
    assert open_task(api, carols_lead, "first_call")["assignee"] == "dave"
    assert api.as_("carol").get("/api/tasks?assignee=me").json["total"] == 0


def test_an_invalid_lead_is_closed_with_the_reason(api, carols_lead):
    api.as_("carol").complete(open_task(api, carols_lead, "first_call")["id"],
                              {"notes": "wrong number", "intent": "invalid",
                               "reason": "the number belongs to a school"})
    detail = lead(api, carols_lead)
    assert (detail["status"], detail["close_reason"]) == ("closed",
                                                          "the number belongs to a school")
    assert followup(api, carols_lead)["status"] == "completed"


def test_converting_twice_or_a_second_lead_of_the_same_company_makes_no_duplicates(api,
                                                                                  carols_lead):
    first = api.as_("carol").post(f"/api/leads/{carols_lead}/convert", json={})
    assert first.status_code == 200
    again = api.as_("carol").post(f"/api/leads/{carols_lead}/convert", json={})
    assert again.json["opportunity_id"] == first.json["opportunity_id"]
    assert [e["kind"] for e in again.json["events"]].count("converted") == 1
    second = api.as_("bob").post("/api/leads", json={
        "name": "Li Na", "company": "ACME  robotics", "phone": "13900139000",
        "product_interest": "crm_solution"}).json
    assert second["owner"] == "dave"
    converted = api.as_("mia").post(f"/api/leads/{second['id']}/convert", json={}).json
    assert converted["account_id"] == first.json["account_id"]
    assert converted["contact_id"] != first.json["contact_id"]
    # carol's customer; dave sells to it too now, so he sees it; alice does not
    customer = f"/api/customers/{converted['account_id']}"
    assert api.as_("dave").get(customer).json["owner"] == "carol"
    assert converted["account_id"] in [c["id"] for c in api.as_("dave").get(
        "/api/customers").json["items"]]
    assert api.as_("alice").get(customer).status_code == 403


def test_a_lead_converted_again_keeps_its_customer_even_renamed(api, app, carols_lead):
    first = api.as_("carol").post(f"/api/leads/{carols_lead}/convert", json={}).json
    renamed = api.as_("carol").patch(f"/api/customers/{first['account_id']}",
                                     json={"name": "Acme Intelligent Machines"})
    assert renamed.status_code == 200, renamed.json
    from app.models.lead import Lead
    from app.services import leads

    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        lead = session.get(Lead, carols_lead)
        lead.opportunity_id = None  # as if its deal were gone: converting again makes one
        lead.status = "qualified"
        leads.convert(lead, by="carol")
        assert lead.account_id == first["account_id"]
        assert lead.opportunity_id != first["opportunity_id"]


def test_the_customer_timeline_shows_the_whole_story(api, app, carols_lead):
    carol = api.as_("carol")
    carol.complete(open_task(api, carols_lead, "first_call")["id"],
                   {"notes": "needs a CRM", "intent": "high"})
    carol.complete(open_task(api, carols_lead, "send_material")["id"], {"material": ["brochure"]})
    api.advance_clock("PT73H")
    api.tick(app)
    carol.complete(open_task(api, carols_lead, "second_followup")["id"],
                   {"followup_notes": "signed the NDA", "convert": True})
    account = lead(api, carols_lead)["account_id"]
    items = api.as_("carol").get(f"/api/customers/{account}/timeline?per_page=200").json["items"]
    kinds = [item["kind"] for item in items]
    for expected in ("lead.created", "lead.assigned", "lead.converted", "lead.touch",
                     "interaction.call", "task.opened", "task.completed",
                     "notification.task_assigned", "opportunity.created"):
        assert expected in kinds, (expected, sorted(set(kinds)))
    completed = [i for i in items if i["kind"] == "task.completed"]
    assert {i["by"] for i in completed} == {"carol"}
    assert any(i["data"].get("submitted", {}).get("intent") == "high" for i in completed)
    times = [item["at"] for item in items]
    assert times == sorted(times, reverse=True)  # newest first
    assert api.as_("dave").get(f"/api/customers/{account}/timeline").status_code == 403
