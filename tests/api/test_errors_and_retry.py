"""An instance whose step fails shows status error with the reason; a manager retries it."""

import pytest
from diagrams import prepare_then_call

from app.handlers import handler

SERVICE_PROCESS = prepare_then_call("flaky_call", "test.flaky")

outage = {"down": True}


@handler("test.flaky")
def flaky(ctx):
    if outage["down"]:
        raise ConnectionError("CRM unreachable")
    return {"crm_id": "C-42", "seen": ctx.data.get("note")}


@pytest.fixture
def failed_instance(api):
    outage["down"] = True
    api.deploy_text({"flaky_call.bpmn": SERVICE_PROCESS})
    instance = api.as_("alice").start("flaky_call")
    done = api.as_("alice").complete(instance["active_tasks"][0]["id"], {"note": "hello"})
    assert done["instance_status"] == "error"
    return instance["id"]


def test_a_failing_handler_puts_the_instance_in_error_keeping_the_users_work(api,
                                                                             failed_instance):
    instance = api.as_("mia").instance(failed_instance)
    assert instance["status"] == "error"
    assert instance["error"]["element_id"] == "call_crm"
    assert "test.flaky" in instance["error"]["message"]
    assert "CRM unreachable" in instance["error"]["message"]
    assert instance["history"][0]["data"] == {"note": "hello"}
    assert api.as_("mia").get("/api/process-instances?status=error").json["total"] == 1


def test_a_manager_retries_once_the_cause_is_fixed(api, failed_instance):
    still_down = api.as_("mia").post(f"/api/process-instances/{failed_instance}/retry")
    assert still_down.status_code == 200
    assert still_down.json["status"] == "error"
    outage["down"] = False
    fixed = api.as_("mia").post(f"/api/process-instances/{failed_instance}/retry")
    assert fixed.status_code == 200
    assert fixed.json["status"] == "completed"
    assert fixed.json["error"] is None
    assert fixed.json["variables"]["crm_id"] == "C-42"
    assert fixed.json["variables"]["seen"] == "hello"


def test_retry_is_for_managers_and_for_instances_in_error(api, failed_instance):
    assert api.as_("alice").post(
        f"/api/process-instances/{failed_instance}/retry").status_code == 403
    outage["down"] = False
    api.as_("mia").post(f"/api/process-instances/{failed_instance}/retry")
    again = api.as_("mia").post(f"/api/process-instances/{failed_instance}/retry")
    assert again.status_code == 409
    assert api.as_("mia").post("/api/process-instances/999/retry").status_code == 404
