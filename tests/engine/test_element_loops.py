"""Loops as Camunda Modeler saves them: standard loops, multi-instance, long-running loops."""

from __future__ import annotations

import pytest
from test_elements import finish, open_tasks, path, task_of


@pytest.fixture
def mia(api):
    return api.as_("mia")


@pytest.mark.parametrize(("answers", "calls"), [([True], 1), ([False, True], 2),
                                                ([False, False, False], 3)])
def test_standard_loop_repeats_the_task_until_the_condition_or_the_maximum(api, mia, answers,
                                                                             calls):
    api.deploy("bpmn/elements/standard_loop.bpmn")
    instance = mia.start("el_standard_loop")
    for turn, reached in enumerate(answers):
        assert open_tasks(instance) == ["call_attempt"]
        assert task_of(instance, "call_attempt")["loop"].get("iteration") == turn
        instance = finish(mia, instance, "call_attempt", {"reached": reached})
    assert instance["status"] == "completed"
    assert [t["element_id"] for t in instance["history"]] == ["call_attempt"] * calls
    assert instance["variables"]["reached"] is answers[-1]


def test_sequential_multi_instance_offers_one_task_per_item_in_turn(api, mia):
    api.deploy("bpmn/elements/multi_instance_sequential.bpmn")
    instance = mia.start("el_mi_sequential", variables={"approvers": ["sam", "lena", "fiona"]})
    for person in ("sam", "lena", "fiona"):
        assert open_tasks(instance) == ["approve"]
        task = task_of(instance, "approve")
        assert task["assignee"] == person
        assert task["loop"]["item"] == person
        instance = finish(api.as_(person), instance, "approve", {"ok": True})
    assert instance["status"] == "completed"
    assert len(instance["history"]) == 3


def test_parallel_multi_instance_offers_all_tasks_at_once_and_waits_for_all(api, mia):
    api.deploy("bpmn/elements/multi_instance_parallel.bpmn")
    instance = mia.start("el_mi_parallel", variables={"approvers": ["sam", "lena", "fiona"]})
    assert sorted(t["assignee"] for t in instance["active_tasks"]) == ["fiona", "lena", "sam"]
    tasks = {t["assignee"]: t["id"] for t in instance["active_tasks"]}
    for person in ("lena", "sam"):
        api.as_(person).complete(tasks[person], {"ok": True})
        assert mia.instance(instance["id"])["status"] == "running"
    api.as_("fiona").complete(tasks["fiona"], {"ok": True})
    instance = mia.instance(instance["id"])
    assert instance["status"] == "completed"


def test_multi_instance_over_an_empty_collection_runs_no_task(api, mia):
    api.deploy("bpmn/elements/multi_instance_parallel.bpmn")
    instance = mia.start("el_mi_parallel", variables={"approvers": []})
    assert instance["status"] == "completed"
    assert instance["history"] == []


def test_a_loop_over_a_user_task_finds_its_task_every_time_for_500_turns(api, app, mia):
    """SpiffWorkflow stops looking at depth 1000; history pruning keeps the tree short.

    The turns go through the task service (the API's use case) to keep the test fast; the
    API checks the instance along the way.
    """
    from app.services import tasks, users

    api.deploy("bpmn/elements/long_loop.bpmn")
    instance = mia.start("el_long_loop", variables={"touches": 0})
    database = app.extensions["crm_db"]
    for turn in range(1, 501):
        with app.app_context(), database.unit_of_work():
            mia_user = users.find("mia")
            found = tasks.search(mia_user, instance_id=instance["id"]).items
            assert [t.element_id for t in found] == ["nurture"], turn
            tasks.complete(found[0].id, mia_user, {"bought": turn == 500})
        if turn in (1, 250, 499):
            seen = mia.instance(instance["id"])
            assert open_tasks(seen) == ["nurture"]
            assert seen["variables"]["touches"] == turn
    instance = mia.instance(instance["id"])
    assert instance["status"] == "completed"
    assert instance["variables"]["touches"] == 500
    assert path(instance).count("nurture") == 500
    assert len(instance["history"]) == 500


# Each round: which review finishes first, and whether the reviews say "done".
ROUNDS = [("a", "b", False), ("b", "a", False), ("a", "b", False), ("b", "a", True)]


@pytest.mark.parametrize("gateway", ["parallel", "inclusive"])
def test_a_join_inside_a_loop_waits_for_both_reviews_in_every_round(api, mia, gateway):
    api.deploy(f"bpmn/elements/review_loop_{gateway}.bpmn")
    instance = mia.start(f"review_loop_{gateway}",
                         variables={"done": False, "needs_legal": True, "needs_finance": True})
    for first, second, done in ROUNDS:
        assert open_tasks(instance) == ["a", "b"]
        instance = finish(mia, instance, first, {"done": done})
        assert open_tasks(instance) == [second], "the join fired before both reviews"
        assert instance["status"] == "running"
        instance = finish(mia, instance, second, {"done": done})
    assert instance["status"] == "completed"
    assert [t["element_id"] for t in instance["history"]].count("a") == len(ROUNDS)


def test_an_inclusive_join_in_a_loop_waits_only_for_the_branches_taken(api, mia):
    api.deploy("bpmn/elements/review_loop_inclusive.bpmn")
    instance = mia.start("review_loop_inclusive",
                         variables={"done": False, "needs_legal": True, "needs_finance": True})
    instance = finish(mia, instance, "a", {"done": False})
    instance = finish(mia, instance, "b", {"done": False, "needs_finance": False})
    assert open_tasks(instance) == ["a"]  # round two: legal only
    instance = finish(mia, instance, "a", {"done": True})
    assert instance["status"] == "completed"


def state_size(app, instance_id: int) -> int:
    from app.models.instance import ProcessInstance

    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        return len(session.get(ProcessInstance, instance_id).state)


def test_a_long_loop_beside_an_armed_event_subprocess_stays_small_and_armed(api, app, mia):
    from app.services import tasks, users

    api.deploy("bpmn/elements/nurture_loop_with_deadline.bpmn")
    instance = mia.start("el_nurture_deadline", variables={"bought": False})
    database = app.extensions["crm_db"]
    for turn in range(1, 301):
        with app.app_context(), database.unit_of_work():
            mia_user = users.find("mia")
            [found] = tasks.search(mia_user, instance_id=instance["id"]).items
            tasks.complete(found.id, mia_user, {"bought": False})
        if turn == 30:
            early = state_size(app, instance["id"])
    assert state_size(app, instance["id"]) < 3 * early  # history is pruned, not piling up
    api.advance_clock("P31D")
    assert api.tick(app) == 1
    assert open_tasks(mia.instance(instance["id"])) == ["nurture", "review"]
