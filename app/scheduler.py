"""The timer tick: APScheduler calls it every few seconds, in-process or as `crm scheduler`.

Each tick is a series of small units of work: the heartbeat, the list of due timers, then
one unit of work per timer, so one failing instance never holds up the others.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from .services import timers

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(app: Flask) -> int:
    """Fire every due timer; returns how many fired."""
    db = app.extensions["crm_db"]
    fired = 0
    with app.app_context():
        with db.unit_of_work():
            timers.heartbeat(worker_name())
        with db.unit_of_work(write=False):
            due = timers.due_timer_ids()
        for timer_id in due:
            try:
                with db.unit_of_work():
                    fired += timers.fire(timer_id)
            except Exception as exc:
                log.exception("timer %s failed to fire", timer_id)
                with db.unit_of_work():
                    timers.record_failure(timer_id, f"{exc.__class__.__name__}: {exc}")
    return fired


def _add_job(scheduler, app: Flask) -> None:
    scheduler.add_job(tick, "interval", args=[app], id="timers",
                      seconds=app.config["SCHEDULER_INTERVAL_SECONDS"],
                      max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))


def start_in_background(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(daemon=True)
    _add_job(scheduler, app)
    scheduler.start()
    return scheduler


def run_forever(app: Flask) -> None:
    scheduler = BlockingScheduler()
    _add_job(scheduler, app)
    log.info("scheduler %s ticking every %ss", worker_name(),
             app.config["SCHEDULER_INTERVAL_SECONDS"])
    scheduler.start()
