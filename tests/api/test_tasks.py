"""The task inbox: who sees what, claiming, completing, form validation."""

import pytest


@pytest.fixture
def approval(api):
    api.deploy("bpmn/approval.bpmn", "forms/approval.json")


@pytest.fixture
def review_task(api, approval):
    instance = api.as_("alice").start("approval", variables={"requester": "alice"})
    return instance["active_tasks"][0]


def test_a_task_is_offered_to_its_lane_group_only(api, review_task):
    assert [t["id"] for t in api.as_("sam").get("/api/tasks").json["items"]] == [
        review_task["id"]]
    assert api.as_("alice").get("/api/tasks").json["total"] == 0
    assert api.as_("lena").get("/api/tasks").json["total"] == 0
    assert api.as_("mia").get("/api/tasks").json["total"] == 1  # managers see all


def test_a_task_assigned_by_a_process_variable_goes_to_that_person(api, review_task):
    api.as_("sam").complete(review_task["id"], {"approved": False, "comment": "too much"})
    [revise] = api.as_("alice").get("/api/tasks?assignee=me").json["items"]
    assert revise["element_id"] == "revise"
    assert revise["assignee"] == "alice"
    assert api.as_("bob").get(f"/api/tasks/{revise['id']}").status_code == 200  # sales group
    response = api.as_("bob").post(f"/api/tasks/{revise['id']}/complete", json={"data": {}})
    assert response.status_code == 409
    assert "alice" in response.json["message"]


def test_a_colleagues_task_shows_no_process_data_and_opens_no_instance(api, review_task):
    api.as_("sam").complete(review_task["id"], {"approved": False, "comment": "too much"})
    [revise] = api.as_("alice").get("/api/tasks?assignee=me").json["items"]
    assert api.as_("alice").get(f"/api/tasks/{revise['id']}").json["variables"][
        "comment"] == "too much"
    seen_by_bob = api.as_("bob").get(f"/api/tasks/{revise['id']}").json
    assert seen_by_bob["assignee"] == "alice" and seen_by_bob["variables"] == {}
    assert api.as_("bob").get(f"/api/process-instances/{revise['instance_id']}"
                              ).status_code == 403
    assert api.as_("bob").get("/api/process-instances").json["total"] == 0
    assert api.as_("mia").get(f"/api/tasks/{revise['id']}").json["variables"]  # supervisors


def test_task_detail_includes_the_form_in_both_languages_and_the_variables(api, review_task):
    detail = api.as_("sam").get(f"/api/tasks/{review_task['id']}").json
    assert detail["form"]["key"] == "approval"
    assert detail["form"]["title"] == {"en": "Approve the request", "zh-CN": "审批请求"}
    assert detail["form"]["fields"][0]["label"]["zh-CN"] == "批准"
    assert detail["variables"] == {"requester": "alice"}
    assert detail["documentation"] == "Approve or reject the requested discount."


def test_a_task_not_offered_to_me_is_403_and_a_missing_one_404(api, review_task):
    assert api.as_("alice").get(f"/api/tasks/{review_task['id']}").status_code == 403
    assert api.as_("alice").post(f"/api/tasks/{review_task['id']}/claim").status_code == 403
    response = api.as_("alice").post(f"/api/tasks/{review_task['id']}/complete",
                                     json={"data": {"approved": True}})
    assert response.status_code == 403
    assert api.as_("sam").get("/api/tasks/no-such-task").status_code == 404
    assert api.as_("sam").post("/api/tasks/no-such-task/claim").status_code == 404


def test_claim_and_unclaim(api, review_task):
    sam = api.as_("sam")
    claimed = sam.post(f"/api/tasks/{review_task['id']}/claim")
    assert claimed.status_code == 200
    assert claimed.json["assignee"] == "sam" and claimed.json["claimed_at"]
    assert sam.post(f"/api/tasks/{review_task['id']}/claim").status_code == 200  # idempotent
    assert [t["id"] for t in sam.get("/api/tasks?assignee=me").json["items"]] == [
        review_task["id"]]
    unclaimed = sam.post(f"/api/tasks/{review_task['id']}/unclaim")
    assert unclaimed.status_code == 200 and unclaimed.json["assignee"] is None
    assert sam.get("/api/tasks?assignee=me").json["total"] == 0


def test_a_task_claimed_by_someone_else_is_409_for_claim_and_complete(api, auth, app):
    api.deploy("bpmn/parallel_review.bpmn")
    instance = api.as_("alice").start("parallel_review")
    legal = next(t for t in instance["active_tasks"] if t["element_id"] == "legal_review")
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        from app.services import users

        users.create("leo", "demo", ["legal_director"])
    assert api.as_("lena").post(f"/api/tasks/{legal['id']}/claim").status_code == 200
    leo = api.as_("leo")
    claim = leo.post(f"/api/tasks/{legal['id']}/claim")
    assert claim.status_code == 409 and claim.json["assignee"] == "lena"
    assert leo.post(f"/api/tasks/{legal['id']}/complete", json={"data": {}}).status_code == 409
    assert leo.post(f"/api/tasks/{legal['id']}/unclaim").status_code == 409
    assert api.as_("mia").post(f"/api/tasks/{legal['id']}/unclaim").status_code == 200


def test_completing_validates_the_form_with_per_field_errors(api, review_task):
    sam = api.as_("sam")
    response = sam.post(f"/api/tasks/{review_task['id']}/complete",
                        json={"data": {"discount": "80", "colour": "red"}})
    assert response.status_code == 422
    fields = response.json["fields"]
    assert set(fields) == {"approved", "discount", "colour"}
    assert api.as_("mia").instance(review_task["instance_id"])["status"] == "running"
    assert sam.get(f"/api/tasks/{review_task['id']}").json["status"] == "open"


def test_completing_types_the_values_and_runs_the_process_on(api, review_task):
    done = api.as_("sam").complete(review_task["id"],
                                   {"approved": "true", "discount": "7.456", "comment": "ok"})
    assert done["status"] == "completed"
    assert done["completed_by"] == "sam"
    assert done["data"] == {"approved": True, "discount": "7.46", "comment": "ok"}
    instance = api.as_("mia").instance(review_task["instance_id"])
    assert instance["status"] == "completed"
    assert instance["variables"]["discount"] == "7.46"


def test_a_completed_task_cannot_be_completed_again(api, review_task):
    api.as_("sam").complete(review_task["id"], {"approved": True})
    again = api.as_("sam").post(f"/api/tasks/{review_task['id']}/complete",
                                json={"data": {"approved": True}})
    assert again.status_code == 409
    assert again.json["status"] == "completed"
    assert api.as_("sam").post(f"/api/tasks/{review_task['id']}/claim").status_code == 409


def test_complete_body_is_validated(api, review_task):
    sam = api.as_("sam")
    assert sam.post(f"/api/tasks/{review_task['id']}/complete",
                    json={"data": "yes"}).status_code == 422
    assert sam.post(f"/api/tasks/{review_task['id']}/complete",
                    json={"data": {}, "extra": 1}).status_code == 422


def test_task_list_filters(api, review_task):
    mia = api.as_("mia")
    assert mia.get("/api/tasks?candidate_group=sales_director").json["total"] == 1
    assert mia.get("/api/tasks?candidate_group=sales").json["total"] == 0
    assert mia.get("/api/tasks?process_key=approval").json["total"] == 1
    assert mia.get(f"/api/tasks?instance_id={review_task['instance_id']}").json["total"] == 1
    api.as_("sam").complete(review_task["id"], {"approved": True})
    completed = mia.get("/api/tasks?status=completed").json["items"]
    assert [t["id"] for t in completed] == [review_task["id"]]
    assert mia.get("/api/tasks?status=done").status_code == 422
    assert mia.get("/api/tasks?instance_id=abc").status_code == 422


def test_tasks_are_ordered_by_due_date(api, approval):
    api.deploy("bpmn/inbound_lead.bpmn", "forms/call_notes.json")
    api.as_("alice").start("approval", variables={"requester": "alice"})  # due in 48 h
    started = api.as_("alice").post("/api/messages", json={"name": "lead_received"})
    assert started.status_code == 201  # due in 24 h
    items = api.as_("mia").get("/api/tasks").json["items"]
    assert [t["element_id"] for t in items] == ["first_call", "review"]


def test_completing_returns_the_next_tasks_offered_to_me(api, approval):
    api.deploy("bpmn/parallel_review.bpmn")
    instance = api.as_("alice").start("parallel_review")
    legal = next(t for t in instance["active_tasks"] if t["element_id"] == "legal_review")
    done = api.as_("mia").complete(legal["id"])
    assert done["instance_status"] == "running"
    assert [t["element_id"] for t in done["next_tasks"]] == ["finance_review"]
    finance_done = api.as_("fiona").complete(done["next_tasks"][0]["id"])
    assert finance_done["next_tasks"] == []  # "Sign off" is for the sales director
    assert finance_done["instance_status"] == "running"


def test_a_task_without_a_form_still_refuses_bad_variable_names(api, review_task):
    api.as_("sam").complete(review_task["id"], {"approved": False})
    [revise] = api.as_("alice").get("/api/tasks?assignee=me").json["items"]
    response = api.as_("alice").post(f"/api/tasks/{revise['id']}/complete",
                                     json={"data": {"typename": "x", "ok": 1}})
    assert response.status_code == 422
    assert "typename" in response.json["fields"]["data"][0]


ASSIGNED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="follow_up" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="call" name="Call back" camunda:assignee="${owner}"
        camunda:candidateGroups="sales" camunda:dueDate="${follow_up}">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_assignee_and_due_date_come_from_process_variables(api):
    api.deploy_text({"follow_up.bpmn": ASSIGNED})
    instance = api.as_("alice").start("follow_up", variables={
        "owner": "bob", "follow_up": "2030-01-02T09:00:00+08:00"})
    [task] = instance["active_tasks"]
    assert task["assignee"] == "bob"
    assert task["due_at"].startswith("2030-01-02T01:00:00")


def test_an_unknown_owner_or_a_bad_due_date_leaves_the_task_to_its_group(api):
    api.deploy_text({"follow_up.bpmn": ASSIGNED})
    instance = api.as_("alice").start("follow_up", variables={"follow_up": "next week"})
    [task] = instance["active_tasks"]
    assert task["assignee"] is None and task["due_at"] is None
    assert api.as_("bob").post(f"/api/tasks/{task['id']}/claim").status_code == 200


def test_a_form_file_without_a_key_takes_its_file_name(api):
    api.deploy("bpmn/inbound_lead.bpmn", "forms/call_notes.json")  # call_notes.json has no key
    started = api.as_("alice").post("/api/messages", json={"name": "lead_received"})
    [task] = api.as_("mia").instance(started.json["instance"]["id"])["active_tasks"]
    assert api.as_("alice").get(f"/api/tasks/{task['id']}").json["form"]["key"] == "call_notes"
    done = api.as_("alice").complete(task["id"], {"notes": "ok", "intent": "high"})
    assert done["status"] == "completed"
