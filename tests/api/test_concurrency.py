"""Many people acting at once on one instance: nothing lost, nothing done twice."""

import threading

import pytest


def at_once(app, auth, calls):
    """Run (username, method, path, json) calls in parallel threads, released together."""
    tokens = {user: auth.token(user) for user, *_ in calls}
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, user, path, body):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body,
                               headers={"Authorization": f"Bearer {tokens[user]}"})
        results[index] = (response.status_code, response.json)

    threads = [threading.Thread(target=worker, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def approval(api):
    api.deploy("bpmn/approval.bpmn", "forms/approval.json")


def test_ten_people_completing_one_task_at_once_one_wins(app, api, auth, approval):
    instance = api.as_("alice").start("approval", variables={"requester": "alice"})
    task_id = instance["active_tasks"][0]["id"]
    calls = [("mia" if i % 2 else "sam", f"/api/tasks/{task_id}/complete",
              {"data": {"approved": True, "comment": f"try {i}"}}) for i in range(10)]
    results = at_once(app, auth, calls)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 9, results
    detail = api.as_("mia").instance(instance["id"])
    assert detail["status"] == "completed"
    assert len(detail["history"]) == 1
    assert [s["element_id"] for s in detail["path"]].count("record") == 1


def test_both_parallel_tasks_completed_at_once_both_count(app, api, auth):
    api.deploy("bpmn/parallel_review.bpmn")
    instance = api.as_("alice").start("parallel_review")
    tasks = {t["element_id"]: t["id"] for t in instance["active_tasks"]}
    results = at_once(app, auth, [
        ("lena", f"/api/tasks/{tasks['legal_review']}/complete", {"data": {"legal": "ok"}}),
        ("fiona", f"/api/tasks/{tasks['finance_review']}/complete",
         {"data": {"finance": "ok"}}),
    ])
    assert [status for status, _ in results] == [200, 200], results
    detail = api.as_("mia").instance(instance["id"])
    assert [t["element_id"] for t in detail["active_tasks"]] == ["sign"]
    assert sorted(t["completed_by"] for t in detail["history"]) == ["fiona", "lena"]
    assert detail["variables"]["legal"] == "ok" and detail["variables"]["finance"] == "ok"


def test_claims_race_one_person_gets_the_task(app, api, auth, approval):
    instance = api.as_("alice").start("approval", variables={"requester": "alice"})
    task_id = instance["active_tasks"][0]["id"]
    results = at_once(app, auth, [("sam", f"/api/tasks/{task_id}/claim", {}),
                                  ("mia", f"/api/tasks/{task_id}/claim", {})])
    assert sorted(status for status, _ in results) == [200, 409]
    winner = next(body for status, body in results if status == 200)["assignee"]
    assert api.as_("mia").get(f"/api/tasks/{task_id}").json["assignee"] == winner


def test_two_deployments_of_one_process_at_once_get_consecutive_versions(app, api, auth):
    import io
    from pathlib import Path

    api.deploy("bpmn/parallel_review.bpmn")
    xml = (Path(__file__).parent.parent / "fixtures/bpmn/parallel_review.bpmn").read_text()
    token = auth.token("ana")
    barrier = threading.Barrier(2)
    statuses = []

    def deploy(name):
        client = app.test_client()
        content = xml.replace('name="Sign off"', f'name="Sign off ({name})"').encode()
        barrier.wait()
        response = client.post("/api/deployments",
                               data={"files": [(io.BytesIO(content), "parallel_review.bpmn")]},
                               headers={"Authorization": f"Bearer {token}"},
                               content_type="multipart/form-data")
        statuses.append(response.status_code)

    threads = [threading.Thread(target=deploy, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [201, 201]
    versions = api.as_("mia").get("/api/process-definitions/parallel_review").json
    assert [v["version"] for v in versions] == [1, 2, 3]
