"""The scheduler's work: fire the timers that are due, and say it is alive."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from .. import db
from ..clock import utcnow
from ..models.event import Timer
from ..models.system import Setting
from . import clock, runs

log = logging.getLogger(__name__)
HEARTBEAT_KEY = "scheduler_last_tick"


def due_timer_ids(limit: int = 100) -> list[int]:
    now = clock.now()
    return list(db.session().scalars(select(Timer.id).where(Timer.due_at <= now)
                                     .order_by(Timer.due_at, Timer.id).limit(limit)))


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
    if instance.status not in ("running", "waiting"):
        session.delete(timer)
        return False
    run = runs.restore(instance)
    run.fire_timers()
    runs.persist(instance, run)
    return True


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
