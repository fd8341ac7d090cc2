"""POST /api/deployments: validate everything, deploy all or nothing, version what changed.

Rejections are written as small inline diagrams (one element, ``id="step"``, between a start
and an end event) so that each test shows the one thing that is wrong; the fixtures under
tests/fixtures/deploy/ are whole, valid diagrams.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.models.definition import (
    DecisionDefinition,
    Deployment,
    FormDefinition,
    ProcessDefinition,
    StoredFile,
)
from app.models.user import User

FIXTURES = "tests/fixtures/deploy"
QUOTE = ("deploy/quote_review.bpmn", "deploy/quote_tier.dmn", "deploy/quote_review.json")

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_{key}" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
{lanes}    <bpmn:startEvent id="start">
      <bpmn:outgoing>Flow_in</bpmn:outgoing>
    </bpmn:startEvent>
{step}
    <bpmn:endEvent id="end">
      <bpmn:incoming>Flow_out</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_in" sourceRef="start" targetRef="step" />
    <bpmn:sequenceFlow id="Flow_out" sourceRef="step" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Definitions_{id}" \
name="{id}" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="{id}" name="Deal tier">
    <decisionTable id="table" hitPolicy="{hit_policy}">
      <input id="Input_amount" label="Amount">
        <inputExpression id="InputExpression_amount" typeRef="{type_ref}">
          <text>amount</text>
        </inputExpression>
      </input>
      <output id="Output_tier" name="tier" typeRef="string" />
      <rule id="rule_1">
        <inputEntry id="rule_1_amount"><text>{cell}</text></inputEntry>
        <outputEntry id="rule_1_tier"><text>"small"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def step(tag: str, attrs: str = "", inner: str = "") -> str:
    """The one element under test, between the start and the end event."""
    return (f'    <bpmn:{tag} id="step" {attrs}>\n{inner}'
            "      <bpmn:incoming>Flow_in</bpmn:incoming>\n"
            "      <bpmn:outgoing>Flow_out</bpmn:outgoing>\n"
            f"    </bpmn:{tag}>")


def process(element: str, key: str = "deal", name: str | None = None,
            lanes: str = "") -> str:
    return BPMN.format(key=key, name=name or key, step=element, lanes=lanes)


def decision(cell: str = "&lt; 50000", *, decision_id: str = "deal_tier",
             hit_policy: str = "FIRST", type_ref: str = "number") -> str:
    return DMN.format(id=decision_id, cell=cell, hit_policy=hit_policy, type_ref=type_ref)


def timer(kind: str, value: str) -> str:
    return step("intermediateCatchEvent", inner=(
        '      <bpmn:timerEventDefinition id="step_timer">\n'
        f"        <bpmn:{kind}>{value}</bpmn:{kind}>\n"
        "      </bpmn:timerEventDefinition>\n"))


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of needle: where a problem must point."""
    return text[:text.index(needle)].count("\n") + 1


def form_file() -> list[tuple]:
    """One valid form file, as the multipart field 'files' carries it."""
    with open(f"{FIXTURES}/quote_review.json", "rb") as file:
        return [(io.BytesIO(file.read()), "quote_review.json")]


def fixture_text(name: str) -> str:
    with open(f"{FIXTURES}/{name}", encoding="utf-8") as file:
        return file.read()


def row_counts(app) -> dict[str, int]:
    models = (Deployment, StoredFile, ProcessDefinition, DecisionDefinition, FormDefinition)
    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in models}


@pytest.fixture
def reject(api, app):
    """Deploy in-memory files expecting 400; check its shape and that nothing was written."""

    def deploy(files: dict[str, str | bytes]) -> list[dict]:
        before = row_counts(app)
        response = api.deploy_text(files, expect=400)
        body = response.json
        assert body["error"] == "deployment_invalid"
        assert body["fields"] == {}
        assert body["message"] == f"{len(body['problems'])} problem(s): nothing was deployed"
        assert body["problems"], body
        for problem in body["problems"]:
            assert set(problem) == {"file", "element_id", "line", "reason"}
        assert row_counts(app) == before
        return body["problems"]

    return deploy


def only(problems: list[dict]) -> dict:
    assert len(problems) == 1, problems
    return problems[0]


def versions(api, key: str) -> list[int]:
    response = api.as_("mia").get(f"/api/process-definitions/{key}")
    return [d["version"] for d in response.json] if response.status_code == 200 else []


# -- success --------------------------------------------------------------------------------

def test_a_process_with_its_decision_and_form_deploys_as_version_1_of_each(api, app):
    body = api.deploy(*QUOTE).json

    assert body["processes"] == [{"key": "quote_review", "name": "Quote review", "version": 1,
                                  "status": "created"}]
    assert body["decisions"] == [{"decision_id": "quote_tier", "version": 1,
                                  "status": "created"}]
    assert body["forms"] == [{"key": "quote_review", "version": 1, "status": "created"}]
    assert body["warnings"] == []
    assert body["source"] == "api" and body["id"] and body["created_at"]
    assert row_counts(app) == {"Deployment": 1, "StoredFile": 3, "ProcessDefinition": 1,
                               "DecisionDefinition": 1, "FormDefinition": 1}


def test_the_deployment_records_who_deployed_which_files(api, app):
    deployment_id = api.deploy(*QUOTE).json["id"]

    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        deployment = session.get(Deployment, deployment_id)
        who = session.get(User, deployment.created_by).username
        files = [(f["name"], f["kind"]) for f in deployment.files]
    assert (who, deployment.source) == ("ana", "api")
    assert files == [("quote_review.bpmn", "bpmn"), ("quote_review.json", "form"),
                     ("quote_tier.dmn", "dmn")]


def test_a_deployed_process_runs_with_its_decision_form_and_handler(api):
    api.deploy(*QUOTE)
    instance = api.as_("alice").start("quote_review", variables={"amount": 60000})
    assert instance["variables"]["tier"] == "large"
    [review] = instance["active_tasks"]
    assert (review["element_id"], review["form_key"]) == ("review", "quote_review")

    api.as_("sam").complete(review["id"], {"approved": True})

    finished = api.as_("mia").instance(instance["id"])
    assert finished["status"] == "completed"
    assert finished["variables"]["reviewed"] == "yes"


def test_an_admin_may_deploy(api, client, auth):
    files = form_file()
    response = client.post("/api/deployments", data={"files": files},
                           headers=auth.headers("admin"), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    assert response.json["forms"] == [{"key": "quote_review", "version": 1, "status": "created"}]


def test_a_bpmn20_xml_file_is_a_bpmn_file(api):
    with open("tests/fixtures/bpmn/approval.bpmn", encoding="utf-8") as file:
        xml = file.read()
    with open("tests/fixtures/forms/approval.json", encoding="utf-8") as file:
        form = file.read()
    body = api.deploy_text({"approval.bpmn20.xml": xml, "approval.json": form})
    assert [p["key"] for p in body.json["processes"]] == ["approval"]


def test_identical_content_is_unchanged_and_creates_no_version(api, app):
    api.deploy(*QUOTE)
    before = row_counts(app)

    body = api.deploy(*QUOTE).json

    assert body["processes"] == [{"key": "quote_review", "name": "Quote review", "version": 1,
                                  "status": "unchanged"}]
    assert body["decisions"] == [{"decision_id": "quote_tier", "version": 1,
                                  "status": "unchanged"}]
    assert body["forms"] == [{"key": "quote_review", "version": 1, "status": "unchanged"}]
    assert versions(api, "quote_review") == [1]
    assert body["id"] is None  # nothing was deployed: not even a Deployment row
    assert row_counts(app) == before


def test_identical_content_under_another_file_name_is_unchanged_too(api, app):
    api.deploy(*QUOTE)
    before = row_counts(app)

    body = api.deploy_text({"review.bpmn": fixture_text("quote_review.bpmn"),
                            "tiers.dmn": fixture_text("quote_tier.dmn")}).json

    assert [p["status"] for p in body["processes"] + body["decisions"]] == ["unchanged"] * 2
    assert row_counts(app) == before


def test_a_changed_bpmn_file_becomes_version_2_and_keeps_its_decision_and_form(api):
    api.deploy(*QUOTE)
    changed = fixture_text("quote_review.bpmn").replace('name="Quote review"',
                                                        'name="Quote review (2)"')

    body = api.deploy_text({"quote_review.bpmn": changed}).json

    assert body["processes"] == [{"key": "quote_review", "name": "Quote review (2)",
                                  "version": 2, "status": "created"}]
    assert body["decisions"] == [] and body["forms"] == []
    assert versions(api, "quote_review") == [1, 2]


def test_a_dmn_only_deployment_re_versions_the_processes_that_use_it(api):
    api.deploy(*QUOTE, "bpmn/approval.bpmn", "forms/approval.json")
    cheaper = fixture_text("quote_tier.dmn").replace("50000", "10000")

    body = api.deploy_text({"quote_tier.dmn": cheaper}).json

    assert body["decisions"] == [{"decision_id": "quote_tier", "version": 2,
                                  "status": "created"}]
    assert [(p["key"], p["version"], p["status"]) for p in body["processes"]] == [
        ("quote_review", 2, "created")]  # approval uses no decision: left alone
    assert versions(api, "approval") == [1]
    instance = api.as_("alice").start("quote_review", variables={"amount": 20000})
    assert (instance["version"], instance["variables"]["tier"]) == (2, "large")


def test_a_form_only_deployment_re_versions_the_processes_that_use_it(api):
    api.deploy(*QUOTE, "bpmn/approval.bpmn", "forms/approval.json")
    form = fixture_text("quote_review.json").replace('"max_length": 200', '"max_length": 20')

    body = api.deploy_text({"quote_review.json": form}).json

    assert body["forms"] == [{"key": "quote_review", "version": 2, "status": "created"}]
    assert [(p["key"], p["version"]) for p in body["processes"]] == [("quote_review", 2)]
    assert versions(api, "approval") == [1]
    instance = api.as_("alice").start("quote_review", variables={"amount": 5})
    [review] = instance["active_tasks"]
    response = api.as_("sam").post(f"/api/tasks/{review['id']}/complete",
                                   json={"data": {"approved": True, "note": "x" * 21}})
    assert response.status_code == 422
    assert "note" in response.json["fields"]


def test_a_changed_called_process_re_versions_its_caller(api):
    called = process(step("task", 'name="Prepare"'), key="prepare")
    caller = process(step("callActivity", 'calledElement="prepare"'), key="deal")
    api.deploy_text({"prepare.bpmn": called, "deal.bpmn": caller})

    changed = called.replace('name="Prepare"', 'name="Prepare the deal"')
    body = api.deploy_text({"prepare.bpmn": changed}).json

    assert [(p["key"], p["version"]) for p in body["processes"]] == [("deal", 2),
                                                                      ("prepare", 2)]


def test_lanes_naming_unknown_roles_deploy_with_a_warning(api):
    lanes = ('    <bpmn:laneSet id="LaneSet_1">\n'
             '      <bpmn:lane id="Lane_wizards" name="Wizards">\n'
             "        <bpmn:flowNodeRef>step</bpmn:flowNodeRef>\n"
             "      </bpmn:lane>\n"
             "    </bpmn:laneSet>\n")
    xml = process(step("userTask"), lanes=lanes)

    body = api.deploy_text({"deal.bpmn": xml}).json

    assert [p["status"] for p in body["processes"]] == ["created"]
    [warning] = body["warnings"]
    assert warning["file"] == "deal.bpmn" and warning["element_id"] == "step"
    assert warning["line"] == line_of(xml, 'id="step"')
    assert "'wizards' is not a role" in warning["reason"]


def test_a_user_task_for_nobody_deploys_with_a_warning(api):
    body = api.deploy_text({"deal.bpmn": process(step("userTask"))}).json
    [warning] = body["warnings"]
    assert "only managers and admins" in warning["reason"]


def test_a_process_renamed_away_from_its_file_stays_deployed_for_its_callers(api):
    api.deploy_text({"deal.bpmn": process(step("task"), key="deal")})
    caller = process(step("callActivity", 'calledElement="deal"'), key="caller")
    api.deploy_text({"caller.bpmn": caller})
    api.deploy_text({"deal.bpmn": process(step("task"), key="deal_v2")})  # same file name

    body = api.deploy_text({"caller.bpmn": caller.replace('name="caller"', 'name="Caller"')})

    assert [(p["key"], p["version"]) for p in body.json["processes"]] == [("caller", 2)]
    instance = api.as_("alice").start("caller")
    assert instance["status"] == "completed"


def test_a_decision_moved_out_of_its_file_name_stays_deployed_for_its_users(api):
    api.deploy_text({"tier.dmn": decision(decision_id="tier_a")})
    user = process(step("businessRuleTask", 'camunda:decisionRef="tier_a"'))
    api.deploy_text({"deal.bpmn": user})
    api.deploy_text({"tier.dmn": decision(decision_id="tier_b")})  # same file name

    body = api.deploy_text({"deal.bpmn": user.replace('name="deal"', 'name="Deal"')})

    assert [(p["key"], p["version"]) for p in body.json["processes"]] == [("deal", 2)]
    instance = api.as_("alice").start("deal", variables={"amount": 10})
    assert instance["variables"]["tier"] == "small"


def two_processes(first: str, second: str) -> str:
    """One BPMN file with two executable processes (a collaboration of two pools)."""
    other = process(step("task"), key=second)
    pool = other[other.index("  <bpmn:process"):other.index("</bpmn:definitions>")]
    return process(step("task"), key=first).replace("</bpmn:definitions>",
                                                    pool + "</bpmn:definitions>")


def test_moving_one_process_out_of_a_shared_file_needs_that_file_redeployed(api, reject):
    api.deploy_text({"pools.bpmn": two_processes("alpha", "beta")})
    alpha = process(step("task", 'name="Alpha"'), key="alpha")

    problem = only(reject({"alpha.bpmn": alpha}))

    assert (problem["file"], problem["element_id"]) == ("alpha.bpmn", "alpha")
    assert problem["line"] == line_of(alpha, 'id="alpha"')
    assert "also defined in pools.bpmn" in problem["reason"]
    beta = process(step("task"), key="beta")
    body = api.deploy_text({"alpha.bpmn": alpha, "pools.bpmn": beta}).json
    assert [(p["key"], p["version"]) for p in body["processes"]] == [("alpha", 2), ("beta", 2)]


def test_a_file_with_two_processes_keeps_both_when_another_process_is_deployed(api):
    api.deploy_text({"pools.bpmn": two_processes("alpha", "beta")})
    caller = process(step("callActivity", 'calledElement="alpha"'), key="caller")

    body = api.deploy_text({"caller.bpmn": caller}).json

    assert [(p["key"], p["version"]) for p in body["processes"]] == [("caller", 1)]


# -- all or nothing -------------------------------------------------------------------------

def test_one_bad_file_rejects_the_whole_deployment(api, reject):
    files = {name.rsplit("/", 1)[1]: fixture_text(name.rsplit("/", 1)[1]) for name in QUOTE}
    files["broken.bpmn"] = process(step("serviceTask", 'camunda:topic="crm.nope"'), key="other")

    problem = only(reject(files))

    assert problem["file"] == "broken.bpmn"
    for key in ("quote_review", "other"):
        assert api.as_("mia").get(f"/api/process-definitions/{key}").status_code == 404
    assert api.as_("mia").get("/api/process-definitions").json == []


def test_a_rejected_redeployment_leaves_the_deployed_version_in_place(api, reject):
    api.deploy(*QUOTE)
    broken = fixture_text("quote_review.bpmn").replace("util.set", "util.missing")
    new_form = fixture_text("quote_review.json").replace("200", "300")

    reject({"quote_review.bpmn": broken, "quote_review.json": new_form})

    assert versions(api, "quote_review") == [1]
    xml = api.as_("mia").get("/api/process-definitions/quote_review/xml")
    assert b"util.set" in xml.data


def test_problems_in_every_file_are_reported_together(reject):
    handler = process(step("serviceTask", 'camunda:topic="crm.nope"'), key="one")
    form = process(step("userTask", 'camunda:formKey="nowhere"'), key="two")
    unreachable = process(step("task") + '\n    <bpmn:task id="orphan" />', key="three")
    never = decision('"East"')

    problems = reject({"one.bpmn": handler, "two.bpmn": form, "three.bpmn": unreachable,
                       "tier.dmn": never, "bad.bpmn": "<bpmn:definitions", "bad.json": "{",
                       "notes.txt": "hello"})

    found = {(p["file"], p["element_id"]) for p in problems}
    assert found == {("one.bpmn", "step"), ("two.bpmn", "step"), ("three.bpmn", "orphan"),
                     ("tier.dmn", "rule_1"), ("bad.bpmn", None), ("bad.json", None),
                     ("notes.txt", None)}
    assert len(problems) == len(found), "each problem is reported once"


# -- one test per rejection -----------------------------------------------------------------

def test_a_service_task_naming_an_unregistered_handler_is_rejected(reject):
    xml = process(step("serviceTask", 'camunda:topic="crm.send_fax"'))

    problem = only(reject({"deal.bpmn": xml}))

    assert problem["file"] == "deal.bpmn"
    assert problem["element_id"] == "step"
    assert problem["line"] == line_of(xml, 'id="step"')
    assert "'crm.send_fax'" in problem["reason"] and "not registered" in problem["reason"]
    assert "util.set" in problem["reason"]  # it lists what is registered


def test_a_service_task_naming_no_handler_is_rejected(reject):
    problem = only(reject({"deal.bpmn": process(step("serviceTask"))}))
    assert problem["element_id"] == "step" and "names no handler" in problem["reason"]


def test_a_business_rule_task_naming_a_missing_decision_is_rejected(reject):
    xml = process(step("businessRuleTask", 'camunda:decisionRef="credit_limit"'))

    problem = only(reject({"deal.bpmn": xml}))

    assert (problem["file"], problem["element_id"]) == ("deal.bpmn", "step")
    assert problem["line"] == line_of(xml, 'id="step"')
    assert "'credit_limit'" in problem["reason"]


def test_a_business_rule_task_naming_no_decision_is_rejected(reject):
    problem = only(reject({"deal.bpmn": process(step("businessRuleTask"))}))
    assert "names no decision" in problem["reason"]


def test_a_user_task_naming_a_missing_form_is_rejected(reject):
    xml = process(step("userTask", 'camunda:formKey="site_visit" camunda:candidateGroups="sales"'))

    problem = only(reject({"deal.bpmn": xml}))

    assert (problem["file"], problem["element_id"]) == ("deal.bpmn", "step")
    assert problem["line"] == line_of(xml, 'id="step"')
    assert "'site_visit'" in problem["reason"]


def test_a_problem_points_at_the_first_line_of_a_tag_written_over_several_lines(reject):
    element = step("userTask", '\n        name="Visit"\n        camunda:formKey="site_visit"')
    xml = process(element)

    problem = only(reject({"deal.bpmn": xml}))

    assert problem["line"] == line_of(xml, '<bpmn:userTask id="step"')
    assert problem["line"] != line_of(xml, 'camunda:formKey="site_visit">')


def test_a_form_deployed_before_satisfies_a_user_task(api):
    api.deploy("deploy/quote_review.json")
    xml = process(step("userTask", 'camunda:formKey="quote_review" '
                                   'camunda:candidateGroups="sales"'))
    assert api.deploy_text({"deal.bpmn": xml}).json["processes"][0]["version"] == 1


@pytest.mark.parametrize("kind, value, reason", [
    ("timeDuration", "P3X", "not a valid ISO 8601 duration"),
    ("timeDuration", "in three days", "timer timeDuration"),
    ("timeDate", "2026-12-01T09:00", "explicit offset"),
    ("timeCycle", "0 0 9 * * ?", "looks like cron"),
    ("timeDuration", "", "is empty"),
])
def test_a_timer_expression_that_would_fail_at_run_time_is_rejected(reject, kind, value,
                                                                      reason):
    xml = process(timer(kind, value))

    problem = only(reject({"deal.bpmn": xml}))

    assert (problem["file"], problem["element_id"]) == ("deal.bpmn", "step")
    assert problem["line"] == line_of(xml, 'id="step"')
    assert reason in problem["reason"]


@pytest.mark.parametrize("kind, value", [
    ("timeDuration", "PT24H"), ("timeDuration", '"PT24H"'), ("timeDuration", "${reminder}"),
    ("timeDate", "2026-12-01T09:00:00+08:00"), ("timeCycle", "R3/PT24H"),
])
def test_camunda_and_python_timer_expressions_deploy(api, kind, value):
    api.deploy_text({"deal.bpmn": process(timer(kind, value))})


@pytest.mark.parametrize("cell, type_ref, reason", [
    ('"East"', "number", "would never match"),
    ("[10..1]", "number", "the range is empty"),
    ("East", "string", "read as a task-data name"),
    ("5", "string", "would never match"),
    ("[1..", "number", "range"),
    ('date("2024-01-01")', "date", ""),
])
def test_a_dmn_cell_that_would_silently_never_match_is_rejected(reject, cell, type_ref,
                                                                 reason):
    xml = decision(cell, type_ref=type_ref)

    problem = only(reject({"tier.dmn": xml}))

    assert (problem["file"], problem["element_id"]) == ("tier.dmn", "rule_1")
    assert problem["line"] == line_of(xml, 'id="rule_1"')
    assert "input column 1" in problem["reason"] and reason in problem["reason"]


def test_feel_cells_are_translated_not_rejected(api):
    body = api.deploy_text({"tier.dmn": decision("5,6")}).json
    assert body["decisions"] == [{"decision_id": "deal_tier", "version": 1, "status": "created"}]


@pytest.mark.parametrize("policy", ["OUTPUT ORDER", "PRIORITY"])
def test_an_unsupported_hit_policy_is_rejected_once(reject, policy):
    xml = decision(hit_policy=policy)
    problem = only(reject({"tier.dmn": xml}))
    assert problem["element_id"] == "table" and problem["line"] == line_of(xml, 'id="table"')
    assert f"{policy} is not supported" in problem["reason"]


def test_a_dmn_file_with_two_decisions_is_rejected(reject):
    xml = decision().replace("</definitions>", '  <decision id="second" name="x" />\n'
                                               "</definitions>")
    problem = only(reject({"tier.dmn": xml}))
    assert problem["element_id"] == "second" and "one decision per .dmn file" in problem["reason"]


def test_an_unsupported_element_is_rejected(reject):
    xml = process(step("complexGateway"))
    problem = only(reject({"deal.bpmn": xml}))
    assert problem["element_id"] == "step" and problem["line"] == line_of(xml, 'id="step"')
    assert "complexGateway is not supported" in problem["reason"]


def test_an_element_no_start_event_reaches_is_rejected(reject):
    xml = process(step("task") + '\n    <bpmn:task id="orphan" name="Forgotten" />')
    problem = only(reject({"deal.bpmn": xml}))
    assert problem["element_id"] == "orphan" and problem["line"] == line_of(xml, 'id="orphan"')
    assert "not reachable" in problem["reason"]


def test_a_sequence_flow_to_a_missing_element_is_rejected(reject):
    xml = process(step("task")).replace('sourceRef="step" targetRef="end"',
                                        'sourceRef="step" targetRef="nowhere"')
    problem = only(reject({"deal.bpmn": xml}))
    assert (problem["element_id"], problem["line"]) == ("Flow_out", line_of(xml, 'id="Flow_out"'))
    assert "targetRef 'nowhere' is not an element" in problem["reason"]


def test_a_default_flow_that_does_not_leave_the_gateway_is_rejected(reject):
    xml = process(step("exclusiveGateway", 'default="Flow_in"'))
    problem = only(reject({"deal.bpmn": xml}))
    assert problem["element_id"] == "step" and "default flow 'Flow_in'" in problem["reason"]


def test_a_boundary_event_attached_to_nothing_is_rejected(reject):
    boundary = ('    <bpmn:boundaryEvent id="late" attachedToRef="ghost">\n'
                '      <bpmn:timerEventDefinition id="late_timer">\n'
                "        <bpmn:timeDuration>PT1H</bpmn:timeDuration>\n"
                "      </bpmn:timerEventDefinition>\n"
                "    </bpmn:boundaryEvent>")
    xml = process(step("task") + "\n" + boundary)
    problem = only(reject({"deal.bpmn": xml}))
    assert (problem["element_id"], problem["line"]) == ("late", line_of(xml, 'id="late"'))
    assert "attached to 'ghost'" in problem["reason"]


def test_a_condition_escaping_the_sandbox_is_rejected(reject):
    xml = process(step("task")).replace(
        '<bpmn:sequenceFlow id="Flow_out" sourceRef="step" targetRef="end" />',
        '<bpmn:sequenceFlow id="Flow_out" sourceRef="step" targetRef="end">\n'
        '      <bpmn:conditionExpression>__import__("os").system("id")</bpmn:conditionExpression>\n'
        "    </bpmn:sequenceFlow>")
    problem = only(reject({"deal.bpmn": xml}))
    assert (problem["element_id"], problem["line"]) == ("Flow_out", line_of(xml, 'id="Flow_out"'))
    assert problem["reason"].startswith("conditionExpression")


@pytest.mark.parametrize("script", ["import os", "x = ().__class__.__base__"])
def test_a_script_escaping_the_sandbox_is_rejected(reject, script):
    xml = process(step("scriptTask", 'scriptFormat="python"',
                       f"      <bpmn:script>{script}</bpmn:script>\n"))
    problem = only(reject({"deal.bpmn": xml}))
    assert problem["element_id"] == "step" and problem["reason"].startswith("script")


def test_a_call_activity_calling_a_missing_process_is_rejected(reject):
    xml = process(step("callActivity", 'calledElement="ghost"'))
    problem = only(reject({"deal.bpmn": xml}))
    assert problem["element_id"] == "step" and "'ghost'" in problem["reason"]


def test_the_same_process_id_in_two_files_is_rejected(reject):
    xml = process(step("task"))
    problems = reject({"a.bpmn": xml, "b.bpmn": xml})
    assert any("also defined in" in p["reason"] for p in problems)


@pytest.mark.parametrize("content, reason", [
    ('{"key": "x", "fields": [{"name": "x", "type": "money"}]}', "type 'money'"),
    ('{"key": "x", "fields": [{"name": "pick", "type": "choice"}]}', "choices"),
    ('{"key": "x", "fields": "none"}', "'fields' must be a list"),
    ("{", "not valid JSON"),
    ("[1]", "one JSON object"),
])
def test_an_invalid_form_file_is_rejected(reject, content, reason):
    problem = only(reject({"x.json": content}))
    assert problem["file"] == "x.json" and reason in problem["reason"]


def test_a_broken_form_is_reported_once_not_again_at_the_task_using_it(reject):
    xml = process(step("userTask", 'camunda:formKey="visit" camunda:candidateGroups="sales"'))
    problem = only(reject({"deal.bpmn": xml,
                           "visit.json": '{"fields": [{"name": "x", "type": "money"}]}'}))
    assert problem["file"] == "visit.json"


# -- files that are not diagrams ------------------------------------------------------------

def test_an_unknown_file_type_is_rejected(reject):
    problem = only(reject({"deal.docx": b"PK\x03\x04"}))
    assert problem["file"] == "deal.docx" and "unknown file type" in problem["reason"]


def test_an_empty_file_is_rejected(reject):
    problem = only(reject({"deal.bpmn": "  \n"}))
    assert problem["file"] == "deal.bpmn" and "empty" in problem["reason"]


def test_malformed_xml_is_rejected_with_its_line(reject):
    xml = process(step("task")).replace('<bpmn:endEvent id="end">', '<bpmn:endEvent id="end"')

    problem = only(reject({"deal.bpmn": xml}))

    assert problem["file"] == "deal.bpmn" and "not well-formed XML" in problem["reason"]
    assert problem["line"] in (line_of(xml, 'id="end"'), line_of(xml, 'id="end"') + 1)


def test_a_bpmn_file_without_an_executable_process_is_rejected(reject):
    xml = process(step("task")).replace('isExecutable="true"', 'isExecutable="false"')
    problem = only(reject({"deal.bpmn": xml}))
    assert problem["element_id"] == "deal" and "no executable process" in problem["reason"]


def test_xml_that_is_not_bpmn_is_rejected(reject):
    problem = only(reject({"deal.bpmn": "<html><body>hello</body></html>"}))
    assert "not a BPMN 2.0 file" in problem["reason"]


@pytest.mark.parametrize("entity", [
    '<!ENTITY xxe SYSTEM "file:///etc/passwd">',
    '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
])
def test_a_doctype_is_refused_so_entities_cannot_read_files(reject, entity):
    body = process(step("task", 'name="&xxe;"' if "xxe" in entity else 'name="&lol2;"'))
    head, rest = body.split("\n", 1)
    xml = f"{head}\n<!DOCTYPE bpmn:definitions [{entity}]>\n{rest}"

    problems = reject({"deal.bpmn": xml})

    assert all(p["file"] == "deal.bpmn" for p in problems)
    assert "root:" not in str(problems)  # /etc/passwd never made it into a message
    assert any("DOCTYPE" in p["reason"] or "entity" in p["reason"] for p in problems)


def test_a_doctype_is_refused_with_its_line(reject):
    xml = process(step("task")).replace("\n", "\n<!DOCTYPE foo>\n", 1)
    problem = only(reject({"deal.bpmn": xml}))
    assert "DOCTYPE" in problem["reason"] and problem["line"] == 2


def test_a_doctype_in_a_dmn_file_is_refused_too(reject):
    xml = decision().replace("\n", '\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hosts">]>\n', 1)
    problem = only(reject({"tier.dmn": xml}))
    assert problem["file"] == "tier.dmn" and "DOCTYPE" in problem["reason"]


def test_an_upload_over_the_size_limit_is_413(client, auth, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    files = [(io.BytesIO(process(step("task")).encode() * 4), "deal.bpmn")]
    response = client.post("/api/deployments", data={"files": files},
                           headers=auth.headers("ana"), content_type="multipart/form-data")
    assert (response.status_code, response.json["error"]) == (413, "too_large")
    assert row_counts(app)["Deployment"] == 0


def test_the_same_file_name_twice_is_rejected(api, client, auth, app):
    xml = process(step("task")).encode()
    files = [(io.BytesIO(xml), "deal.bpmn"), (io.BytesIO(xml), "deal.bpmn")]
    response = client.post("/api/deployments", data={"files": files},
                           headers=auth.headers("ana"), content_type="multipart/form-data")
    assert response.status_code == 400
    assert "sent twice" in response.json["problems"][0]["reason"]
    assert row_counts(app)["Deployment"] == 0


def test_a_file_without_a_name_is_rejected(client, auth):
    response = client.post("/api/deployments", data={"files": [(io.BytesIO(b"<x/>"), "")]},
                           headers=auth.headers("ana"), content_type="multipart/form-data")
    assert response.status_code == 400
    assert "without a name" in response.json["problems"][0]["reason"]


# -- the request itself ---------------------------------------------------------------------

def test_a_request_without_files_is_refused(client, auth):
    response = client.post("/api/deployments", data={"comment": "nothing"},
                           headers=auth.headers("ana"), content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["error"] == "invalid" and "files" in response.json["fields"]


def test_a_request_that_is_not_multipart_is_refused(client, auth):
    response = client.post("/api/deployments", json={"files": ["deal.bpmn"]},
                           headers=auth.headers("ana"))
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media_type"
    assert "multipart/form-data" in response.json["message"]


def test_deploying_needs_a_token(client, app):
    files = form_file()
    response = client.post("/api/deployments", data={"files": files},
                           content_type="multipart/form-data")
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert row_counts(app)["Deployment"] == 0


def test_a_request_without_a_token_is_401_before_its_body_is_looked_at(client):
    assert client.post("/api/deployments", json={}).status_code == 401


@pytest.mark.parametrize("person", ["alice", "sam", "mia"])
def test_only_analysts_and_admins_may_deploy(client, auth, app, person):
    files = form_file()
    response = client.post("/api/deployments", data={"files": files},
                           headers=auth.headers(person), content_type="multipart/form-data")
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"
    assert row_counts(app)["Deployment"] == 0


def test_a_conditional_event_is_rejected_because_it_would_wait_forever(reject):
    xml = process(step("intermediateCatchEvent", inner=(
        '      <bpmn:conditionalEventDefinition id="cond">\n'
        "        <bpmn:condition>amount &gt; 5</bpmn:condition>\n"
        "      </bpmn:conditionalEventDefinition>\n")))
    problem = only(reject({"deal.bpmn": xml}))
    assert problem["element_id"] == "step"
    assert "conditional events are not supported" in problem["reason"]


@pytest.mark.parametrize("definition", [
    '<bpmn:signalEventDefinition id="s" signalRef="Signal_go" />',
    '<bpmn:timerEventDefinition id="t"><bpmn:timeCycle>"R/P%dD" % days</bpmn:timeCycle>'
    "</bpmn:timerEventDefinition>",
])
def test_a_process_start_event_nothing_would_trigger_is_rejected(reject, definition):
    xml = process(step("task")).replace(
        '<bpmn:outgoing>Flow_in</bpmn:outgoing>\n    </bpmn:startEvent>',
        f"<bpmn:outgoing>Flow_in</bpmn:outgoing>\n      {definition}\n    </bpmn:startEvent>")
    xml = xml.replace("</bpmn:definitions>",
                      '<bpmn:signal id="Signal_go" name="go" />\n</bpmn:definitions>')
    problem = only(reject({"deal.bpmn": xml}))
    assert problem["element_id"] == "start"
    assert "would never fire" in problem["reason"] or "needs a fixed" in problem["reason"]


def test_a_multi_instance_collection_must_name_a_variable(reject):
    loop = ('      <bpmn:multiInstanceLoopCharacteristics camunda:collection="${order.items}" '
            'camunda:elementVariable="item" />\n')
    problem = only(reject({"deal.bpmn": process(step(
        "userTask", 'camunda:candidateGroups="sales"', inner=loop))}))
    assert problem["element_id"] == "step"
    assert "must name a process variable" in problem["reason"]


def test_ignored_camunda_variable_mappings_deploy_with_a_warning(api):
    mapping = ("      <bpmn:extensionElements>\n        <camunda:inputOutput>\n"
               '          <camunda:inputParameter name="x">1</camunda:inputParameter>\n'
               "        </camunda:inputOutput>\n      </bpmn:extensionElements>\n")
    response = api.deploy_text({"deal.bpmn": process(step(
        "userTask", 'camunda:candidateGroups="sales"', inner=mapping))})
    [warning] = response.json["warnings"]
    assert warning["element_id"] == "step"
    assert "camunda:inputOutput is ignored" in warning["reason"]
