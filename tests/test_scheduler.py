"""The scheduler: exactly once with several at a time, crash recovery, retries, incidents."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from diagrams import wait_a_day
from sqlalchemy import func, select

from app.handlers import handler
from app.models.event import Timer
from app.models.instance import InstanceEvent, ProcessInstance
from app.services import timers

CRM = Path(sys.executable).parent / "crm"


outage = {"down": True, "calls": 0}


@handler("test.flaky_after_timer")
def flaky_after_timer(ctx):
    outage["calls"] += 1
    if outage["down"]:
        raise ConnectionError("ERP unreachable")
    return {"synced": True}


def unit(app, write=False):
    return app.extensions["crm_db"].unit_of_work(write=write)


def count(app, stmt) -> int:
    with app.app_context(), unit(app) as session:
        return session.scalar(stmt)


def test_three_schedulers_fire_each_timer_exactly_once(api, app, database_url, tmp_path):
    api.deploy_text(wait_a_day())
    ids = [api.as_("alice").start("wait_a_day")["id"] for _ in range(30)]
    api.advance_clock("PT25H")
    env = {**os.environ, "DATABASE_URL": database_url, "CRM_TEST_CLOCK": "1",
           "CRM_SCHEDULER_INTERVAL": "0.2", "CRM_DEPLOY_ON_START": "0",
           "CRM_INSTANCE_DIR": str(tmp_path)}
    schedulers = [subprocess.Popen([str(CRM), "scheduler"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True) for _ in range(3)]
    try:
        deadline = time.time() + 90
        done = select(func.count()).where(ProcessInstance.status == "completed")
        while count(app, done) < len(ids):
            assert time.time() < deadline, [s.poll() for s in schedulers]
            time.sleep(0.3)
    finally:
        for scheduler in schedulers:
            scheduler.terminate()
        errors = [s.communicate(timeout=20)[1] for s in schedulers]
    fired = select(InstanceEvent.instance_id, func.count()).where(
        InstanceEvent.element_id == "a_day").group_by(InstanceEvent.instance_id)
    with app.app_context(), unit(app) as session:
        per_instance = dict(session.execute(fired).all())
    assert per_instance == {i: 1 for i in ids}, errors
    assert count(app, select(func.count()).select_from(Timer)) == 0


def test_a_claim_left_by_a_crashed_scheduler_is_taken_over_when_its_lease_ends(api, app):
    api.deploy_text(wait_a_day())
    instance = api.as_("alice").start("wait_a_day")
    api.advance_clock("PT25H")
    with app.app_context(), unit(app, write=True):
        assert len(timers.claim_due("crashed-scheduler")) == 1  # ... and then it died
    assert api.tick(app) == 0  # the lease still holds
    api.advance_clock(f"PT{int(app.config['SCHEDULER_LEASE_SECONDS']) + 1}S")
    assert api.tick(app) == 1
    assert api.as_("mia").instance(instance["id"])["status"] == "completed"


@pytest.fixture
def failing_after_timer(api):
    outage.update(down=True, calls=0)
    api.deploy_text(wait_a_day("sync_later", "test.flaky_after_timer"))
    instance = api.as_("alice").start("sync_later")
    api.advance_clock("PT25H")
    return instance["id"]


def test_a_failing_step_after_a_timer_is_retried_then_becomes_an_incident(api, app,
                                                                         failing_after_timer):
    mia = api.as_("mia")
    assert api.tick(app) == 0
    assert mia.instance(failing_after_timer)["status"] == "waiting"  # the try left no trace
    assert api.tick(app) == 0 and outage["calls"] == 1  # backing off: not again at once
    api.advance_clock("PT1M")
    api.tick(app)
    assert outage["calls"] == 2 and mia.instance(failing_after_timer)["status"] == "waiting"
    api.advance_clock("PT2M")
    api.tick(app)
    assert outage["calls"] == 3
    instance = mia.instance(failing_after_timer)
    assert instance["status"] == "error"
    assert instance["error"]["element_id"] == "after"
    assert "ERP unreachable" in instance["error"]["message"]
    [incident] = mia.get("/api/incidents").json["items"]
    assert incident["instance_id"] == failing_after_timer
    assert incident["element_id"] == "after" and "ERP unreachable" in incident["message"]

    outage["down"] = False
    retried = mia.post(f"/api/process-instances/{failing_after_timer}/retry")
    assert retried.status_code == 200 and retried.json["status"] == "completed"
    assert retried.json["variables"]["synced"] is True
    assert mia.get("/api/incidents").json["total"] == 0


def test_incidents_are_for_managers_and_admins(api):
    assert api.as_("alice").get("/api/incidents").status_code == 403
    assert api.as_("admin").get("/api/incidents").status_code == 200
    assert api.client.get("/api/incidents").status_code == 401
    assert api.as_("mia").get("/api/incidents?page=0").status_code == 422


def test_a_claimed_timer_is_not_claimed_again_nor_fired_by_another_scheduler(api, app):
    api.deploy_text(wait_a_day())
    instance = api.as_("alice").start("wait_a_day")
    api.advance_clock("PT25H")
    with app.app_context(), unit(app, write=True):
        [timer_id] = timers.claim_due("scheduler-1")
    with app.app_context(), unit(app, write=True):
        assert timers.claim_due("scheduler-2") == []
    with app.app_context(), unit(app, write=True):
        assert timers.fire(timer_id, "scheduler-2") is False
    with app.app_context(), unit(app, write=True):
        assert timers.fire(timer_id, "scheduler-1") is True
    with app.app_context(), unit(app, write=True):
        assert timers.fire(timer_id, "scheduler-1") is False  # once
    assert api.as_("mia").instance(instance["id"])["status"] == "completed"
