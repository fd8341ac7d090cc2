"""The process instance pages: the filtered list, one instance with the elements to mark on
its diagram, who holds it, its history, and cancel / retry for managers."""

import json
import re

import pytest
from diagrams import prepare_then_call
from page_text import text_of

from app.handlers import handler

FLAKY = prepare_then_call("web_flaky", "web_test.flaky", name="Flaky call")
outage = {"down": True}


@handler("web_test.flaky")
def flaky(ctx):
    if outage["down"]:
        raise ConnectionError("CRM unreachable")
    return {"crm_id": "C-42"}


@pytest.fixture
def flaky_process(api):
    outage["down"] = True
    api.deploy_text({"web_flaky.bpmn": FLAKY})


def started(api, user="alice", **variables):
    return api.as_(user).start("web_flaky", variables=variables)


def canvas_data(page: str) -> dict:
    tag = re.search(r'<div class="diagram tall" data-testid="bpmn-canvas"[^>]*>', page).group(0)
    found = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag))
    return {k: json.loads(v.replace("&#34;", '"')) for k, v in found.items()
            if k in ("completed", "active", "problem", "holders")} | {"xml": found["xml-url"]}


def test_the_list_filters_by_process_status_starter_holder_and_age(api, pages, flaky_process):
    old = started(api, note="old one")
    api.advance_clock("P10D")
    fresh = started(api, "bob")
    mia = pages.as_("mia")
    page = text_of(mia.get("/instances"))
    assert f"/instances/{old['id']}" in page and f"/instances/{fresh['id']}" in page
    assert "Prepare" in page and "2 instances" in page
    by_bob = text_of(mia.get("/instances?started_by=bob&process_key=web_flaky"))
    assert f"/instances/{fresh['id']}" in by_bob and f"/instances/{old['id']}" not in by_bob
    api.as_("bob").post(f"/api/tasks/{fresh['active_tasks'][0]['id']}/claim")
    on_bobs_desk = text_of(mia.get("/instances?held_by=bob"))
    assert f"/instances/{fresh['id']}" in on_bobs_desk and f"/instances/{old['id']}" not in (
        on_bobs_desk)
    assert mia.get("/api/process-instances?held_by=bob").json["total"] == 1
    assert "No process instance matches" in text_of(mia.get("/instances?held_by=alice"))
    nonsense = mia.get("/instances?page=0")  # read as the first page
    assert nonsense.status_code == 200 and f"/instances/{old['id']}" in text_of(nonsense)
    aged = text_of(mia.get("/instances?older_than=7"))
    assert f"/instances/{old['id']}" in aged and f"/instances/{fresh['id']}" not in aged
    assert "No process instance matches" in text_of(mia.get("/instances?status=completed"))
    bad = mia.get("/instances?older_than=soon")
    assert bad.status_code == 422 and "Give a whole number of at least 1." in text_of(bad)
    chinese = pages.as_("ana")
    chinese.post("/language", {"language": "zh-CN"})
    listed = text_of(chinese.get("/instances"))
    assert "共 2 个实例" in listed and "发起人" in listed and "当前停留" in listed


def test_the_list_pages(api, pages, flaky_process):
    for _ in range(26):
        started(api)
    mia = pages.as_("mia")
    first = text_of(mia.get("/instances?process_key=web_flaky"))
    assert "Page 1 of 2" in first and "page=2" in first
    assert "Page 2 of 2" in text_of(mia.get("/instances?process_key=web_flaky&page=2"))


def test_an_instance_shows_where_it_stands_who_holds_it_and_its_path(api, pages,
                                                                    flaky_process):
    instance = started(api, note="call them", urgent=True, tags=["vip", "east"])
    task = instance["active_tasks"][0]
    api.as_("alice").post(f"/api/tasks/{task['id']}/claim")
    api.advance_clock("PT2H")
    page = text_of(pages.as_("mia").get(f"/instances/{instance['id']}"))
    data = canvas_data(page)
    assert data["active"] == ["prepare"] and "start" in data["completed"]
    assert data["holders"]["prepare"].startswith("alice · 2 h")
    assert data["xml"] == "/api/process-definitions/web_flaky/xml?version=1"
    assert "call them" in page and 'data-testid="cancel"' in page
    assert "<dt>urgent</dt><dd>Yes</dd>" in page and "<dt>tags</dt><dd>vip, east</dd>" in page
    assert pages.as_("mia").get(data["xml"]).status_code == 200

    api.as_("alice").complete(task["id"], {})
    failed = text_of(pages.as_("mia").get(f"/instances/{instance['id']}"))
    data = canvas_data(failed)
    assert data["problem"] == ["call_crm"] and "prepare" in data["completed"]
    assert "CRM unreachable" in failed and 'data-testid="retry"' in failed
    history = failed[failed.index('data-testid="history"'):]
    assert "Prepare" in history and "alice" in history
    assert history.index("Prepare") < history.index("start")  # newest first


def test_a_manager_retries_and_cancels(api, pages, flaky_process):
    instance = started(api)
    api.as_("alice").complete(instance["active_tasks"][0]["id"], {})
    mia = pages.as_("mia")
    again = mia.post(f"/instances/{instance['id']}/retry")
    assert again.status_code == 302
    assert "failed again" in text_of(mia.get(again.headers["Location"]))
    outage["down"] = False
    assert mia.post(f"/instances/{instance['id']}/retry").status_code == 302
    assert api.as_("mia").instance(instance["id"])["status"] == "completed"

    other = started(api)
    assert mia.post(f"/instances/{other['id']}/cancel", csrf=False).status_code == 400
    done = mia.post(f"/instances/{other['id']}/cancel")
    assert done.status_code == 302
    assert "was cancelled" in text_of(mia.get(done.headers["Location"]))
    assert api.as_("mia").instance(other["id"])["status"] == "cancelled"
    assert mia.post(f"/instances/{other['id']}/cancel").status_code == 409


def test_who_may_not_see_or_change_instances(api, pages, flaky_process):
    instance = started(api)
    assert pages.as_("alice").get("/instances").status_code == 403
    assert pages.as_("alice").get(f"/instances/{instance['id']}").status_code == 403
    for who in ("ana", "sam"):
        response = pages.as_(who).post(f"/instances/{instance['id']}/cancel")
        assert response.status_code == 403, who
    assert pages.as_("ana").get(f"/instances/{instance['id']}").status_code == 200
    assert 'data-testid="cancel"' not in text_of(pages.as_("ana").get(
        f"/instances/{instance['id']}"))
    assert pages.as_("sam").get(f"/instances/{instance['id']}").status_code == 403
    missing = pages.as_("mia").get("/instances/999999")
    assert missing.status_code == 404 and "does not exist" in text_of(missing)
    assert api.as_("mia").instance(instance["id"])["status"] == "running"


def test_a_waiting_step_is_named_by_its_forms_title_in_the_pages_language(pages, alices_lead):
    mia = pages.as_("mia")
    assert "Call the lead" in text_of(mia.get("/instances?process_key=lead_followup"))
    mia.post("/language", {"language": "zh-CN"})
    listed = text_of(mia.get("/instances?process_key=lead_followup"))
    assert "致电线索" in listed and "First call" not in listed
