"""Versions: running instances finish on the version they started on; new ones start on the
latest. What a task shows (its form), what it accepts and where the instance goes next all
come from the instance's own version, even after a BPMN-, form- or DMN-only deployment."""

from __future__ import annotations

import pytest

OFFER_V1 = ("deploy/offer_v1.bpmn", "deploy/offer_form_v1.json")
OFFER_V2 = ("deploy/offer_v2.bpmn", "deploy/offer_form_v2.json")


def open_task(api, instance_id: int) -> dict:
    [task] = api.as_("mia").instance(instance_id)["active_tasks"]
    return task


def form_fields(api, task_id: str) -> list[str]:
    response = api.as_("mia").get(f"/api/tasks/{task_id}")
    assert response.status_code == 200, response.json
    return [f["name"] for f in response.json["form"]["fields"]]


def path(api, instance_id: int) -> list[str]:
    return [step["element_id"] for step in api.as_("mia").instance(instance_id)["path"]]


@pytest.fixture
def old_offer(api) -> dict:
    """An offer started on v1 (draft, then end), waiting at its draft task when v2 arrives."""
    api.deploy(*OFFER_V1)
    instance = api.as_("alice").start("offer", business_key="offer-old")
    assert instance["version"] == 1
    return instance


def test_an_instance_started_on_v1_finishes_on_v1_while_a_new_one_starts_on_v2(api,
                                                                                old_offer):
    body = api.deploy(*OFFER_V2).json
    assert [(p["key"], p["version"]) for p in body["processes"]] == [("offer", 2)]

    new = api.as_("alice").start("offer", business_key="offer-new")
    assert new["version"] == 2
    assert new["definition_id"] != old_offer["definition_id"]

    old_draft = open_task(api, old_offer["id"])
    assert form_fields(api, old_draft["id"]) == ["amount"]
    api.as_("alice").complete(old_draft["id"], {"amount": 5})
    old = api.as_("mia").instance(old_offer["id"])
    assert (old["status"], old["version"]) == ("completed", 1)
    assert "sent" in path(api, old_offer["id"]) and "check" not in path(api, old_offer["id"])

    new_draft = open_task(api, new["id"])
    assert form_fields(api, new_draft["id"]) == ["amount", "currency"]
    api.as_("alice").complete(new_draft["id"], {"amount": "12.50", "currency": "CNY"})
    check = open_task(api, new["id"])
    assert (check["element_id"], check["candidate_groups"]) == ("check", ["sales_director"])
    api.as_("sam").complete(check["id"])
    assert api.as_("mia").instance(new["id"])["status"] == "completed"
    assert path(api, new["id"])[-1] == "approved"


def test_a_v1_task_validates_against_the_v1_form(api, old_offer):
    api.deploy(*OFFER_V2)
    draft = open_task(api, old_offer["id"])

    v2_values = api.as_("alice").complete(draft["id"], {"amount": 5, "currency": "CNY"},
                                          expect=422)
    assert "currency" in v2_values["fields"]  # unknown to the v1 form
    not_an_integer = api.as_("alice").complete(draft["id"], {"amount": "12.50"}, expect=422)
    assert "amount" in not_an_integer["fields"]


def test_a_v2_task_validates_against_the_v2_form(api, old_offer):
    api.deploy(*OFFER_V2)
    new = api.as_("alice").start("offer")
    draft = open_task(api, new["id"])

    response = api.as_("alice").complete(draft["id"], {"amount": 5}, expect=422)

    assert "currency" in response["fields"]


def test_a_form_only_deployment_leaves_running_tasks_on_their_form(api, old_offer):
    body = api.deploy("deploy/offer_form_v2.json").json
    assert [(p["key"], p["version"]) for p in body["processes"]] == [("offer", 2)]
    new = api.as_("alice").start("offer")

    assert form_fields(api, open_task(api, old_offer["id"])["id"]) == ["amount"]
    assert form_fields(api, open_task(api, new["id"])["id"]) == ["amount", "currency"]
    api.as_("alice").complete(open_task(api, old_offer["id"])["id"], {"amount": 3})
    assert api.as_("mia").instance(old_offer["id"])["status"] == "completed"


WAIT_THEN_DECIDE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_1" targetNamespace="x">
  <bpmn:process id="late_tier" name="Tier after review" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="wait" name="Confirm the amount" camunda:candidateGroups="sales">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:businessRuleTask id="tier" camunda:decisionRef="quote_tier">
      <bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>Flow_3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="wait" targetRef="tier" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="tier" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_dmn_only_deployment_leaves_running_instances_on_their_decision(api):
    with open("tests/fixtures/deploy/quote_tier.dmn", encoding="utf-8") as file:
        table = file.read()
    api.deploy_text({"late_tier.bpmn": WAIT_THEN_DECIDE, "quote_tier.dmn": table})
    old = api.as_("alice").start("late_tier", variables={"amount": 20000})

    body = api.deploy_text({"quote_tier.dmn": table.replace("50000", "10000")}).json
    assert [(p["key"], p["version"]) for p in body["processes"]] == [("late_tier", 2)]
    new = api.as_("alice").start("late_tier", variables={"amount": 20000})

    for instance in (old, new):
        api.as_("alice").complete(open_task(api, instance["id"])["id"])
    assert api.as_("mia").instance(old["id"])["variables"]["tier"] == "small"  # v1 table
    assert api.as_("mia").instance(new["id"])["variables"]["tier"] == "large"  # v2 table


def test_redeploying_v1_content_after_v2_is_a_new_version_3(api, old_offer):
    api.deploy(*OFFER_V2)

    body = api.deploy(*OFFER_V1).json

    assert [(p["key"], p["version"], p["status"]) for p in body["processes"]] == [
        ("offer", 3, "created")]
    assert api.as_("alice").start("offer")["version"] == 3
