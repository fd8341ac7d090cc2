"""The shipped customer-visit SOP (bpmn/visit_report.bpmn + dmn/visit_followup.dmn)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shipped(app):
    from app.services import deployments

    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        result = deployments.deploy_directories([ROOT / "bpmn", ROOT / "dmn"])
    assert {p["key"] for p in result["processes"]} >= {"visit_report"}
    assert result["warnings"] == []


def report_visit(api, outcome, deal_size):
    instance = api.as_("alice").start("visit_report", variables={"owner": "alice"})
    [task] = instance["active_tasks"]
    assert task["assignee"] == "alice" and task["element_id"] == "report"
    api.as_("alice").complete(task["id"], {"customer": "ACME", "outcome": outcome,
                                           "deal_size": deal_size})
    return api.as_("mia").instance(instance["id"])


def test_a_big_interested_visit_is_reviewed_then_followed_up_in_two_days(api, app, shipped):
    instance = report_visit(api, "interested", "80000")
    [review] = instance["active_tasks"]
    assert review["element_id"] == "review" and review["candidate_groups"] == ["manager"]
    api.as_("mia").complete(review["id"], {"coaching": "bring the CTO"})
    instance = api.as_("mia").instance(instance["id"])
    assert instance["status"] == "waiting"
    assert [t["element_id"] for t in instance["timers"]] == ["wait"]
    api.advance_clock("P1D")
    api.tick(app)
    assert api.as_("mia").instance(instance["id"])["status"] == "waiting"
    api.advance_clock("PT25H")
    assert api.tick(app) == 1
    [follow_up] = api.as_("alice").get("/api/tasks?assignee=me").json["items"]
    assert follow_up["element_id"] == "follow_up"


def test_a_small_interested_visit_skips_the_review(api, shipped):
    instance = report_visit(api, "interested", "1000")
    assert instance["variables"]["manager_review"] is False
    assert instance["variables"]["follow_up_days"] == 3
    assert instance["status"] == "waiting" and instance["active_tasks"] == []


def test_a_lost_customer_is_reviewed_and_the_process_ends(api, shipped):
    instance = report_visit(api, "lost", "0")
    [review] = instance["active_tasks"]
    api.as_("mia").complete(review["id"], {})
    instance = api.as_("mia").instance(instance["id"])
    assert instance["status"] == "completed"
    assert instance["path"][-1]["element_id"] == "end_lost"


def test_an_unreviewed_visit_reminds_after_a_day_and_stays_open(api, app, shipped):
    instance = report_visit(api, "interested", "90000")
    api.advance_clock("PT25H")
    assert api.tick(app) == 1
    instance = api.as_("mia").instance(instance["id"])
    assert [t["element_id"] for t in instance["active_tasks"]] == ["review"]
    assert "remind" in [step["element_id"] for step in instance["path"]]
