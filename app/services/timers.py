"""The scheduler's work: fire the timers that are due, and say it is alive."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from .. import db
from ..clock import utcnow
from ..models.event import Timer
from ..models.instance import ProcessInstance
from ..models.system import Setting
from . import clock, runs

log = logging.getLogger(__name__)
HEARTBEAT_KEY = "scheduler_last_tick"


RETRY_AFTER = timedelta(minutes=1)  # doubled after each failed attempt
MAX_RETRY_AFTER = timedelta(hours=1)


def due_timer_ids(limit: int = 100) -> list[int]:
    """Due timers of live instances, oldest first (an instance in error waits for a retry)."""
    now = clock.now()
    stmt = (select(Timer.id).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(Timer.due_at <= now, ProcessInstance.status.in_(("running", "waiting")))
            .order_by(Timer.due_at, Timer.id).limit(limit))
    return list(db.session().scalars(stmt))


def fire(timer_id: int) -> bool:
    """Fire one due timer under its instance's lock; False if another worker already did."""
    session = db.session()
    instance_id = session.scalar(select(Timer.instance_id).where(Timer.id == timer_id))
    if instance_id is None:
        return False
    instance = runs.lock(instance_id)
    timer = session.scalar(select(Timer).where(Timer.id == timer_id)
                           .execution_options(populate_existing=True))
    if timer is None or timer.due_at > clock.now():
        return False
    if instance.status in ("completed", "cancelled"):
        session.delete(timer)  # left over; nothing waits for it any more
        return False
    if instance.status == "error":
        return False
    run = runs.restore(instance)
    run.fire_timers()
    runs.persist(instance, run)
    return True


def record_failure(timer_id: int, error: str) -> None:
    """A firing that failed outside the engine (the database, a bug): try again later, less
    and less often, so that one broken instance never holds up the timers behind it."""
    timer = db.session().get(Timer, timer_id)
    if timer is None:
        return
    timer.attempts += 1
    timer.last_error = error[:2000]
    timer.due_at = clock.now() + min(RETRY_AFTER * 2 ** (timer.attempts - 1), MAX_RETRY_AFTER)


def heartbeat(name: str = "scheduler") -> None:
    session = db.session()
    row = session.get(Setting, HEARTBEAT_KEY)
    now = utcnow()
    if row is None:
        session.add(Setting(key=HEARTBEAT_KEY, value={"at": now.isoformat(), "by": name},
                            updated_at=now))
    else:
        row.value = {"at": now.isoformat(), "by": name}
        row.updated_at = now


def last_tick() -> datetime | None:
    row = db.session().get(Setting, HEARTBEAT_KEY)
    return datetime.fromisoformat(row.value["at"]) if row else None
