"""SLAs: reminders, escalations and periodic processes fire on time, once, under the test clock."""

from pathlib import Path

import pytest


@pytest.fixture
def first_call(api):
    api.deploy("bpmn/sla_first_call.bpmn")
    instance = api.as_("alice").start("sla_first_call", variables={"owner": "alice"})
    assert [t["element_id"] for t in instance["active_tasks"]] == ["first_call"]
    return instance["id"]


def path_count(instance, element_id):
    return [step["element_id"] for step in instance["path"]].count(element_id)


def test_a_24h_boundary_timer_reminds_at_24h_and_escalates_at_48h(api, app, first_call):
    mia = api.as_("mia")
    api.advance_clock("PT23H")
    assert api.tick(app) == 0
    api.advance_clock("PT2H")  # +25 h
    assert api.tick(app) == 1
    instance = mia.instance(first_call)
    assert path_count(instance, "remind_owner") == 1
    assert [t["element_id"] for t in instance["active_tasks"]] == ["first_call"]
    assert instance["active_tasks"][0]["assignee"] == "alice"

    api.advance_clock("PT24H")  # +49 h: the second reminder and the escalation
    api.tick(app)
    instance = mia.instance(first_call)
    [escalated] = instance["active_tasks"]
    assert escalated["element_id"] == "escalated_call"
    assert escalated["candidate_groups"] == ["manager"]
    assert ("first_call", "cancelled") in [(t["element_id"], t["status"])
                                           for t in instance["history"]]
    assert instance["timers"] == []
    assert api.as_("alice").get("/api/tasks").json["total"] == 0


def test_calling_in_time_disarms_the_reminder_and_the_escalation(api, app, first_call):
    mia = api.as_("mia")
    task = mia.instance(first_call)["active_tasks"][0]
    api.as_("alice").complete(task["id"], {})
    api.advance_clock("P3D")
    assert api.tick(app) == 0
    instance = mia.instance(first_call)
    assert instance["status"] == "completed"
    assert path_count(instance, "remind_owner") == 0


def test_the_reminder_repeats_three_times_then_stops(api, app):
    api.deploy_text({"slow.bpmn": SLOW_CALL})
    instance = api.as_("alice").start("slow_call", variables={"owner": "alice"})
    for _ in range(5):
        api.advance_clock("PT24H")
        api.tick(app)
    instance = api.as_("mia").instance(instance["id"])
    assert path_count(instance, "remind_owner") == 3
    assert [t["element_id"] for t in instance["active_tasks"]] == ["first_call"]


def test_a_periodic_process_starts_every_morning(api, app):
    api.deploy("bpmn/daily_digest.bpmn")
    mia = api.as_("mia")
    assert api.tick(app) == 0
    api.as_("admin").post("/api/admin/clock", json={"set": "2030-01-01T08:59:00+08:00"})
    assert api.tick(app) == 0
    api.advance_clock("PT2M")
    assert api.tick(app) == 1
    assert api.tick(app) == 0
    api.advance_clock("P1D")
    assert api.tick(app) == 1
    started = mia.get("/api/process-instances?process_key=daily_digest").json
    assert started["total"] == 2
    assert all(i["active_tasks"][0]["element_id"] == "read_digest" for i in started["items"])


def test_a_scheduler_down_for_days_starts_one_catch_up_instance_not_a_burst(api, app):
    api.deploy("bpmn/daily_digest.bpmn")
    api.as_("admin").post("/api/admin/clock", json={"set": "2030-01-05T10:00:00+08:00"})
    assert api.tick(app) == 1
    assert api.tick(app) == 0
    api.advance_clock("PT23H")  # the next morning
    assert api.tick(app) == 1


def test_redeploying_keeps_the_schedule_and_removing_the_timer_ends_it(api, app):
    api.deploy("bpmn/daily_digest.bpmn")
    xml = (Path(__file__).parent.parent / "fixtures/bpmn/daily_digest.bpmn").read_text()
    api.deploy_text({"daily_digest.bpmn": xml.replace("Read the pipeline digest",
                                                      "Read the digest")})
    api.as_("admin").post("/api/admin/clock", json={"set": "2030-01-01T09:01:00+08:00"})
    assert api.tick(app) == 1
    without_timer = xml.replace(
        '<bpmn:timerEventDefinition id="Timer_morning"><bpmn:timeCycle xsi:type="bpmn:'
        'tFormalExpression">R/2030-01-01T09:00:00+08:00/P1D</bpmn:timeCycle>'
        "</bpmn:timerEventDefinition>", "")
    api.deploy_text({"daily_digest.bpmn": without_timer})
    api.advance_clock("P2D")
    assert api.tick(app) == 0
    assert api.as_("mia").get("/api/process-instances?process_key=daily_digest").json[
        "total"] == 1


SLOW_CALL = ((Path(__file__).parent.parent / "fixtures/bpmn/sla_first_call.bpmn").read_text()
             .replace('id="sla_first_call"', 'id="slow_call"')
             .replace("PT48H", "P30D"))  # no escalation in sight: only the reminders
