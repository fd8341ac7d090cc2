"""Starting, listing, reading and cancelling process instances."""

import pytest


@pytest.fixture
def approval(api):
    api.deploy("bpmn/approval.bpmn", "forms/approval.json")


def start_approval(api, user="alice", **variables):
    return api.as_(user).start("approval", business_key="Q-1",
                               variables={"requester": user, **variables})


def test_starting_a_process_returns_the_running_instance_and_its_first_task(api, approval):
    instance = start_approval(api, amount=30000)
    assert instance["status"] == "running"
    assert instance["process_key"] == "approval"
    assert instance["version"] == 1
    assert instance["business_key"] == "Q-1"
    assert instance["started_by"] == "alice"
    assert instance["variables"] == {"requester": "alice", "amount": 30000}
    [task] = instance["active_tasks"]
    assert task["element_id"] == "review"
    assert task["name"] == "Review the discount"
    assert task["candidate_groups"] == ["sales_director"]
    assert task["due_at"] is not None


def test_starting_an_unknown_process_is_404(api):
    response = api.as_("alice").post("/api/process-instances", json={"process_key": "nope"})
    assert response.status_code == 404
    assert "nope" in response.json["message"]


def test_start_request_is_validated(api, approval):
    alice = api.as_("alice")
    missing = alice.post("/api/process-instances", json={})
    assert missing.status_code == 422 and "process_key" in missing.json["fields"]
    not_object = alice.post("/api/process-instances",
                            json={"process_key": "approval", "variables": [1, 2]})
    assert not_object.status_code == 422 and "variables" in not_object.json["fields"]
    bad_name = alice.post("/api/process-instances",
                          json={"process_key": "approval", "variables": {"2x": 1}})
    assert bad_name.status_code == 422
    reserved = alice.post("/api/process-instances",
                          json={"process_key": "approval",
                                "variables": {"quote": {"typename": "x"}}})
    assert reserved.status_code == 422
    assert api.as_("mia").get("/api/process-instances").json["total"] == 0


def test_instance_details_show_history_path_and_variables(api, approval):
    instance = start_approval(api, amount=1000)
    task_id = instance["active_tasks"][0]["id"]
    api.as_("sam").complete(task_id, {"approved": True, "comment": "fine"})
    detail = api.as_("mia").instance(instance["id"])
    assert detail["status"] == "completed"
    assert detail["ended_at"] is not None
    assert detail["active_tasks"] == []
    [done] = detail["history"]
    assert done["completed_by"] == "sam"
    assert done["data"] == {"approved": True, "comment": "fine"}
    assert [step["element_id"] for step in detail["path"]] == [
        "start", "review", "decided", "record", "end"]
    assert detail["variables"]["outcome"] == "approved"


def test_listing_filters_by_key_status_business_key_and_starter(api, approval):
    first = start_approval(api, "alice")
    api.as_("bob").start("approval", business_key="Q-2", variables={"requester": "bob"})
    api.as_("sam").complete(first["active_tasks"][0]["id"], {"approved": True})
    mia = api.as_("mia")
    assert mia.get("/api/process-instances").json["total"] == 2
    completed = mia.get("/api/process-instances?status=completed").json
    assert [i["id"] for i in completed["items"]] == [first["id"]]
    by_key = mia.get("/api/process-instances?business_key=Q-2").json["items"]
    assert [i["started_by"] for i in by_key] == ["bob"]
    assert mia.get("/api/process-instances?started_by=bob").json["total"] == 1
    assert mia.get("/api/process-instances?process_key=other").json["total"] == 0
    running = mia.get("/api/process-instances?status=running").json["items"]
    assert running[0]["active_tasks"][0]["element_id"] == "review"


def test_listing_pages(api, approval):
    for _ in range(3):
        start_approval(api)
    page = api.as_("mia").get("/api/process-instances?per_page=2&page=2").json
    assert page["total"] == 3 and page["page"] == 2 and len(page["items"]) == 1


def test_bad_list_filters_are_422(api):
    mia = api.as_("mia")
    assert mia.get("/api/process-instances?status=sleeping").status_code == 422
    assert mia.get("/api/process-instances?page=0").status_code == 422
    assert mia.get("/api/process-instances?per_page=10000").status_code == 422


def test_a_sales_rep_sees_only_instances_they_take_part_in(api, approval):
    mine = start_approval(api, "alice")
    theirs = api.as_("bob").start("approval", business_key="Q-9",
                                  variables={"requester": "bob"})
    alice = api.as_("alice")
    assert [i["id"] for i in alice.get("/api/process-instances").json["items"]] == [mine["id"]]
    assert alice.get(f"/api/process-instances/{theirs['id']}").status_code == 403
    assert api.as_("sam").get(f"/api/process-instances/{theirs['id']}").status_code == 200


def test_reading_a_missing_instance_is_404(api):
    assert api.as_("mia").get("/api/process-instances/999").status_code == 404


def test_a_manager_cancels_an_instance_and_its_open_tasks(api, approval):
    instance = start_approval(api)
    response = api.as_("mia").post(f"/api/process-instances/{instance['id']}/cancel")
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["active_tasks"] == []
    assert response.json["history"][0]["status"] == "cancelled"
    tasks = api.as_("sam").get("/api/tasks").json
    assert tasks["total"] == 0
    again = api.as_("mia").post(f"/api/process-instances/{instance['id']}/cancel")
    assert again.status_code == 409


def test_only_managers_and_admins_cancel(api, approval):
    instance = start_approval(api)
    response = api.as_("alice").post(f"/api/process-instances/{instance['id']}/cancel")
    assert response.status_code == 403
    assert api.as_("mia").instance(instance["id"])["status"] == "running"
    assert api.as_("admin").post(
        f"/api/process-instances/{instance['id']}/cancel").status_code == 200
    assert api.as_("mia").post("/api/process-instances/999/cancel").status_code == 404


def test_values_that_cannot_be_stored_are_422_not_500(api, approval):
    alice = api.as_("alice")
    nan = alice.post("/api/process-instances", data='{"process_key": "approval", '
                     '"variables": {"amount": NaN}}', content_type="application/json")
    assert nan.status_code in (400, 422)
    nul = alice.post("/api/process-instances",
                     json={"process_key": "approval", "business_key": "a\u0000b"})
    assert nul.status_code == 422 and "business_key" in nul.json["fields"]
    assert api.as_("mia").get("/api/process-instances?business_key=a%00b").status_code == 422
    nul_value = alice.post("/api/process-instances",
                           json={"process_key": "approval", "variables": {"note": "a\u0000"}})
    assert nul_value.status_code == 422
    assert api.as_("mia").get("/api/process-instances").json["total"] == 0
