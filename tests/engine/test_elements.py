"""Diagrams as Camunda Modeler saves them: every element family, driven through the JSON API.

One small diagram per behaviour under tests/fixtures/bpmn/elements/; each test asserts what a
user notices: which tasks open, the instance status, its variables and the path it took.
"""

from __future__ import annotations

import pytest


def open_tasks(instance: dict) -> list[str]:
    return sorted(t["element_id"] for t in instance["active_tasks"])


def task_of(instance: dict, element_id: str) -> dict:
    found = [t for t in instance["active_tasks"] if t["element_id"] == element_id]
    assert len(found) == 1, (element_id, open_tasks(instance))
    return found[0]


def path(instance: dict) -> list[str]:
    return [step["element_id"] for step in instance["path"]]


@pytest.fixture
def mia(api):
    return api.as_("mia")


def finish(mia, instance: dict, element_id: str, data: dict | None = None) -> dict:
    """Complete the open task of ``element_id``; return the instance afterwards."""
    mia.complete(task_of(instance, element_id)["id"], data or {})
    return mia.instance(instance["id"])


# -- tasks -----------------------------------------------------------------------------------

def test_user_manual_service_script_and_plain_tasks_run_in_turn(api, mia):
    api.deploy("bpmn/elements/tasks.bpmn")
    instance = api.as_("alice").start("el_tasks", variables={"budget": 42000})
    assert instance["status"] == "running"
    assert open_tasks(instance) == ["qualify"]
    assert task_of(instance, "qualify")["candidate_groups"] == ["sales"]

    instance = finish(api.as_("alice"), instance, "qualify", {"contact": "Ada"})
    assert open_tasks(instance) == ["call"]
    assert task_of(instance, "call")["kind"] == "manual"

    instance = finish(mia, instance, "call")
    assert instance["status"] == "completed"
    assert instance["active_tasks"] == []
    assert instance["variables"]["stage"] == "qualified"
    assert instance["variables"]["score"] == 52
    assert instance["variables"]["contact"] == "Ada"
    assert path(instance)[-4:] == ["mark", "score", "note", "end"]


# -- gateways --------------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "route"), [(80000, "director_review"),
                                               (8000, "sales_review")])
def test_exclusive_gateway_takes_the_true_flow_or_the_default(api, mia, amount, route):
    api.deploy("bpmn/elements/exclusive.bpmn")
    instance = mia.start("el_exclusive", variables={"amount": amount})
    assert open_tasks(instance) == [route]
    instance = finish(mia, instance, route)
    assert instance["status"] == "completed"
    assert "size" in path(instance)


def test_parallel_gateway_opens_both_branches_and_joins_after_both(api, mia):
    api.deploy("bpmn/elements/parallel.bpmn")
    instance = mia.start("el_parallel")
    assert open_tasks(instance) == ["finance_review", "legal_review"]

    instance = finish(api.as_("lena"), instance, "legal_review", {"legal_ok": True})
    assert open_tasks(instance) == ["finance_review"]
    assert instance["status"] == "running"

    instance = finish(api.as_("fiona"), instance, "finance_review", {"finance_ok": True})
    assert open_tasks(instance) == ["sign"]
    assert instance["variables"]["legal_ok"] is True
    assert instance["variables"]["finance_ok"] is True
    assert path(instance).count("join") == 1

    instance = finish(mia, instance, "sign")
    assert instance["status"] == "completed"


@pytest.mark.parametrize(("variables", "reviews"), [
    ({"custom_terms": True, "discount": 30}, ["finance_review", "legal_review"]),
    ({"custom_terms": True, "discount": 5}, ["legal_review"]),
    ({"custom_terms": False, "discount": 30}, ["finance_review"]),
])
def test_inclusive_gateway_opens_every_true_branch_and_waits_for_them(api, mia, variables,
                                                                       reviews):
    api.deploy("bpmn/elements/inclusive.bpmn")
    instance = mia.start("el_inclusive", variables=variables)
    assert open_tasks(instance) == reviews
    for element in reviews:
        assert "sign" not in open_tasks(instance)
        instance = finish(mia, instance, element)
    assert open_tasks(instance) == ["sign"]


def test_inclusive_gateway_takes_the_default_when_nothing_is_true(api, mia):
    api.deploy("bpmn/elements/inclusive.bpmn")
    instance = mia.start("el_inclusive", variables={"custom_terms": False, "discount": 0})
    assert open_tasks(instance) == ["sign"]
    assert "no_review" in path(instance)


# -- subprocesses and call activities ---------------------------------------------------------

def test_embedded_subprocess_runs_its_tasks_then_continues_outside(api, mia):
    api.deploy("bpmn/elements/subprocess.bpmn")
    instance = mia.start("el_subprocess")
    assert open_tasks(instance) == ["kickoff"]
    instance = finish(mia, instance, "kickoff", {"kickoff_done": True})
    assert open_tasks(instance) == ["follow_up"]
    assert instance["variables"]["kickoff_done"] is True
    instance = finish(mia, instance, "follow_up")
    assert instance["status"] == "completed"
    assert {"onboarding", "onboarding_end"} <= set(path(instance))


def test_call_activity_runs_the_called_process_with_the_callers_data(api, mia):
    api.deploy("bpmn/elements/call_activity.bpmn", "bpmn/elements/credit_check.bpmn")
    instance = mia.start("el_call", variables={"amount": 30000})
    assert open_tasks(instance) == ["check_credit"]
    assert task_of(instance, "check_credit")["candidate_groups"] == ["finance_director"]
    instance = finish(api.as_("fiona"), instance, "check_credit", {"credit_limit": 50000})
    assert open_tasks(instance) == ["close"]
    assert instance["variables"]["credit_rating"] == "A"
    instance = finish(mia, instance, "close")
    assert instance["status"] == "completed"


# -- scripts and decisions -------------------------------------------------------------------

@pytest.mark.parametrize(("inputs", "approver"), [
    ({"discount": 25, "region": "Home"}, "director_approval"),
    ({"discount": 15, "region": "Export"}, "director_approval"),
    ({"discount": 15, "region": "Home"}, "sales_approval"),
    ({"discount": 5, "region": "Overseas"}, "sales_approval"),
])
def test_business_rule_task_routes_by_the_decision_table(api, mia, inputs, approver):
    api.deploy("bpmn/elements/business_rule.bpmn", "dmn/elements/discount_approver.dmn")
    instance = mia.start("el_business_rule", variables=inputs)
    assert open_tasks(instance) == [approver]
    expected = "sales_director" if approver == "director_approval" else "sales"
    assert instance["variables"]["route"] == expected  # camunda:resultVariable, singleEntry
    assert instance["variables"]["approver"] == expected  # the output, by its name


def test_script_task_error_marks_the_instance_with_the_element(api, mia):
    api.deploy("bpmn/elements/tasks.bpmn")
    instance = mia.start("el_tasks")  # no budget: the script cannot compute the score
    instance = finish(mia, instance, "qualify")
    instance = finish(mia, instance, "call")
    assert instance["status"] == "error"
    assert instance["error"]["element_id"] == "score"
    assert "budget" in instance["error"]["message"]


# -- what the engine cannot run is refused at deployment ---------------------------------------

def refused(api, *files: str) -> list[dict]:
    response = api.deploy(*files, expect=400)
    assert response.json["error"] == "deployment_invalid"
    return response.json["problems"]


@pytest.mark.parametrize(("fixture", "element_id", "words"), [
    ("refused_complex_gateway.bpmn", "enough_reviews", "complexGateway"),
    ("refused_compensation.bpmn", "on_compensate", "compensat"),
    ("refused_compensation.bpmn", "undo_reservation", "compensat"),
    ("refused_unreachable.bpmn", "send_brochure", "not reachable"),
    ("refused_unreachable.bpmn", "brochure_sent", "not reachable"),
])
def test_an_element_the_engine_cannot_run_is_refused_with_its_id(api, fixture, element_id,
                                                                 words):
    problems = refused(api, f"bpmn/elements/{fixture}")
    reasons = {p["element_id"]: p["reason"] for p in problems}
    assert element_id in reasons, problems
    assert words in reasons[element_id]
    assert all(p["file"] == fixture for p in problems)


def test_a_refused_deployment_deploys_nothing(api, mia):
    refused(api, "bpmn/elements/refused_complex_gateway.bpmn", "bpmn/elements/tasks.bpmn")
    assert mia.start("el_tasks", expect=404)
