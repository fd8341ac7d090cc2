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


BURST = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="daily_nudge" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" camunda:candidateGroups="sales">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="nine" cancelActivity="false" attachedToRef="work">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t"><bpmn:timeCycle>{cycle}</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:serviceTask id="nudge" camunda:topic="util.log">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="nudged"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="nine" targetRef="nudge" />
    <bpmn:sequenceFlow id="f4" sourceRef="nudge" targetRef="nudged" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_missed_turns_of_a_repeating_reminder_fire_once_not_in_a_burst(api, app):
    api.deploy_text({"nudge.bpmn": BURST.format(cycle="R/2020-01-01T09:00:00+08:00/P1D")})
    instance = api.as_("alice").start("daily_nudge")
    api.advance_clock("PT1M")
    api.tick(app)
    assert path_count(api.as_("mia").instance(instance["id"]), "nudge") == 1
    api.advance_clock("P1D")
    api.tick(app)
    assert path_count(api.as_("mia").instance(instance["id"]), "nudge") == 2


def test_a_cycle_start_date_needs_an_offset(api):
    response = api.deploy_text({"nudge.bpmn": BURST.format(cycle="R/2030-01-01T09:00:00/P1D")},
                               expect=400)
    assert "offset" in response.json["problems"][0]["reason"]


def test_a_monthly_process_keeps_its_day_of_the_month(api, app):
    xml = (Path(__file__).parent.parent / "fixtures/bpmn/daily_digest.bpmn").read_text()
    api.deploy_text({"daily_digest.bpmn": xml.replace(
        "R/2030-01-01T09:00:00+08:00/P1D", "R/2030-01-31T09:00:00+08:00/P1M")})
    admin = api.as_("admin")
    started = []
    for moment in ("2030-01-31T09:01:00+08:00", "2030-02-28T09:01:00+08:00",
                   "2030-03-30T09:01:00+08:00", "2030-03-31T09:01:00+08:00"):
        admin.post("/api/admin/clock", json={"set": moment})
        started.append(api.tick(app))
    assert started == [1, 1, 0, 1]  # the end of February, then the 31st of March again


def test_a_failed_start_is_retried_and_the_schedule_keeps_its_time_of_day(api, app,
                                                                         monkeypatch):
    from app.services import schedules

    api.deploy("bpmn/daily_digest.bpmn")
    real = schedules.start_definition

    def broken(*args, **kwargs):
        raise OSError("database hiccup")

    monkeypatch.setattr(schedules, "start_definition", broken)
    admin = api.as_("admin")
    admin.post("/api/admin/clock", json={"set": "2030-01-01T09:00:30+08:00"})
    assert api.tick(app) == 0
    failing = api.as_("mia").get("/api/incidents").json["schedules"]
    assert failing[0]["process_key"] == "daily_digest" and "hiccup" in failing[0]["message"]
    monkeypatch.setattr(schedules, "start_definition", real)
    api.advance_clock("PT2M")
    assert api.tick(app) == 1
    assert api.as_("mia").get("/api/incidents").json["schedules"] == []
    admin.post("/api/admin/clock", json={"set": "2030-01-02T08:59:30+08:00"})
    assert api.tick(app) == 0
    admin.post("/api/admin/clock", json={"set": "2030-01-02T09:00:10+08:00"})
    assert api.tick(app) == 1  # still at nine
