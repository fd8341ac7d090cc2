"""The scheduler tick: due timers fire once; a timer that cannot fire does not block others."""

from diagrams import wait_a_day
from sqlalchemy import select

from app.models.event import Timer
from app.services import runs


def test_a_timer_fires_once_when_due(api, app):
    api.deploy_text(wait_a_day())
    instance = api.as_("alice").start("wait_a_day")
    assert instance["status"] == "waiting"
    assert api.tick(app) == 0
    api.advance_clock("PT25H")
    assert api.tick(app) == 1
    assert api.tick(app) == 0
    assert api.as_("mia").instance(instance["id"])["status"] == "completed"


def test_a_timer_that_cannot_fire_backs_off_and_the_others_still_fire(api, app, monkeypatch):
    api.deploy_text(wait_a_day())
    broken = api.as_("alice").start("wait_a_day")["id"]
    healthy = api.as_("alice").start("wait_a_day")["id"]
    restore = runs.restore

    def failing_restore(instance):
        if instance.id == broken:
            raise OSError("disk on fire")
        return restore(instance)

    monkeypatch.setattr(runs, "restore", failing_restore)
    api.advance_clock("PT25H")
    assert api.tick(app) == 1
    assert api.as_("mia").instance(healthy)["status"] == "completed"
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        timer = session.scalar(select(Timer).where(Timer.instance_id == broken))
        assert timer.attempts == 1
        assert "disk on fire" in timer.last_error
        first_retry = timer.due_at
    assert api.tick(app) == 0  # not again at once
    monkeypatch.setattr(runs, "restore", restore)
    api.advance_clock("PT2M")
    assert api.tick(app) == 1
    assert api.as_("mia").instance(broken)["status"] == "completed"
    assert first_retry is not None


def test_an_instance_in_error_keeps_its_timers_until_it_is_retried(api, app):
    api.deploy_text(wait_a_day())
    instance = api.as_("alice").start("wait_a_day")
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        runs.lock(instance["id"]).status = "error"
    api.advance_clock("PT25H")
    assert api.tick(app) == 0
    assert api.as_("mia").instance(instance["id"])["timers"] != []


def test_a_timer_that_keeps_failing_outside_the_engine_becomes_an_incident(api, app,
                                                                          monkeypatch):
    api.deploy_text(wait_a_day())
    instance = api.as_("alice").start("wait_a_day")["id"]
    restore = runs.restore

    def failing_restore(row):
        raise OSError("disk on fire")

    monkeypatch.setattr(runs, "restore", failing_restore)
    api.advance_clock("PT25H")
    for step in ("PT0S", "PT1M", "PT2M"):
        api.advance_clock(step) if step != "PT0S" else None
        api.tick(app)
    detail = api.as_("mia").instance(instance)
    assert detail["status"] == "error"
    assert detail["error"]["element_id"] == "a_day" and "disk on fire" in detail["error"][
        "message"]
    assert [i["instance_id"] for i in api.as_("mia").get("/api/incidents").json["items"]] == [
        instance]
    monkeypatch.setattr(runs, "restore", restore)
    retried = api.as_("mia").post(f"/api/process-instances/{instance}/retry")
    assert retried.status_code == 200 and retried.json["status"] == "completed"
