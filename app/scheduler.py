"""The timer tick: APScheduler calls it every few seconds, in-process or as `crm scheduler`.

Each tick is a series of small units of work: the heartbeat, claiming the due timers, then
one unit of work per timer (and the same for periodic processes), so one failing instance
never holds up the others. Any number of schedulers may tick against one database.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from .services import documents, notifications, outbox, schedules, timers

log = logging.getLogger(__name__)
DUE_BATCH, DUE_BATCHES = 20, 50


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(app: Flask, worker: str | None = None) -> int:
    """Fire due timers, start due periodic processes; returns how many did something."""
    worker = worker or worker_name()
    db = app.extensions["crm_db"]
    done = 0
    with app.app_context():
        with db.unit_of_work():
            timers.heartbeat(worker)
        with db.unit_of_work():
            claimed = timers.claim_due(worker)
        for timer_id in claimed:
            done += _guarded(db, timers.fire, timers.record_failure, timer_id, worker)
        with db.unit_of_work():
            claimed = schedules.claim_due(worker)
        for schedule_id in claimed:
            done += _guarded(db, schedules.fire, schedules.record_failure, schedule_id, worker)
        _notify(db)
        _documents(app, worker)
    return done


def _documents(app: Flask, worker: str) -> None:
    """The PDFs rendered documents wait for (LibreOffice, outside any transaction)."""
    try:
        documents.convert_pending(app, worker)
    except Exception:
        log.exception("the PDF conversions failed")


def _notify(db) -> None:
    """Due-soon and overdue notices, then the outbox (which opens units of work of its own:
    it sends outside any transaction). Notification trouble never stops the timers."""
    try:
        for _ in range(DUE_BATCHES):  # small batches: SQLite's write lock is held briefly
            with db.unit_of_work():
                if not notifications.check_due_tasks(limit=DUE_BATCH):
                    break
    except Exception:
        log.exception("due-date notices failed")
    try:
        outbox.deliver_pending()
    except Exception:
        log.exception("the outbox failed")


def _guarded(db, fire, record_failure, item_id: int, worker: str) -> bool:
    """One unit of work per item: a failure is recorded on the item, and the tick goes on."""
    try:
        with db.unit_of_work():
            return bool(fire(item_id, worker))
    except Exception as exc:
        log.exception("%s %s failed", fire.__module__, item_id)
        with db.unit_of_work():
            record_failure(item_id, f"{exc.__class__.__name__}: {exc}")
        return False


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
