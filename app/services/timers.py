"""The scheduler's work on instance timers: claim the due ones, fire each exactly once.

A tick first claims due timers (a lease in the row: ``claimed_by``, ``claimed_until``, taken
with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL and a conditional UPDATE everywhere),
commits, then fires each claimed timer in a unit of work of its own under the instance lock
that API calls take too. Several schedulers never fire one timer twice: the claim picks one,
and the fire re-reads the timer under the instance lock. A scheduler killed mid-fire loses
nothing: its transaction never committed, and once its lease ends another one claims the timer.

A firing whose process step fails (a handler raising) is tried again with backoff, up to
``TIMER_MAX_ATTEMPTS`` times; the failed tries leave the instance as it was. The last failure
is kept: the instance shows status ``error`` with the message until someone retries it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

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


def _claimable(now: datetime):
    return (Timer.due_at <= now,
            or_(Timer.retry_at.is_(None), Timer.retry_at <= now),
            or_(Timer.claimed_until.is_(None), Timer.claimed_until < now))


def claim_due(worker: str, limit: int = 100) -> list[int]:
    """Claim due timers of live instances (an instance in error waits for its retry)."""
    now = clock.now()
    lease = now + timedelta(seconds=current_app.config["SCHEDULER_LEASE_SECONDS"])
    session = db.session()
    candidates = list(session.scalars(
        select(Timer.id).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(*_claimable(now), ProcessInstance.status.in_(("running", "waiting")))
        .order_by(Timer.due_at, Timer.id).limit(limit)
        .with_for_update(of=Timer, skip_locked=True)))
    if not candidates:
        return []
    claimed = session.scalars(update(Timer).where(Timer.id.in_(candidates), *_claimable(now))
                              .values(claimed_by=worker, claimed_until=lease)
                              .returning(Timer.id))
    return sorted(claimed)


def fire(timer_id: int, worker: str) -> bool:
    """Fire one claimed timer under its instance's lock; False if it is not (or no longer)
    ours to fire, or if this try failed and will be repeated."""
    session = db.session()
    instance_id = session.scalar(select(Timer.instance_id).where(Timer.id == timer_id))
    if instance_id is None:
        return False
    instance = runs.lock(instance_id)
    timer = session.scalar(select(Timer).where(Timer.id == timer_id)
                           .execution_options(populate_existing=True))
    if timer is None or timer.claimed_by != worker:
        return False  # fired already, or our lease ran out and another scheduler took it
    if instance.status in ("completed", "cancelled"):
        session.delete(timer)  # left over; nothing waits for it any more
        return False
    if instance.status == "error":
        timer.claimed_by = timer.claimed_until = None
        return False
    attempt = session.begin_nested()  # a failed try must leave no trace but its record
    run = runs.restore(instance)
    run.fire_timers()
    if run.error and timer.attempts + 1 < current_app.config["TIMER_MAX_ATTEMPTS"]:
        attempt.rollback()
        _try_later(timer, run.error)
        return False
    runs.persist(instance, run)
    attempt.commit()
    return True


def _try_later(timer: Timer, error: str) -> None:
    timer.attempts += 1
    timer.last_error = error[:2000]
    timer.retry_at = clock.now() + min(RETRY_AFTER * 2 ** (timer.attempts - 1), MAX_RETRY_AFTER)
    timer.claimed_by = timer.claimed_until = None
    log.warning("timer %s of instance %s failed (try %s): %s", timer.id, timer.instance_id,
                timer.attempts, error)


def record_failure(timer_id: int, error: str) -> None:
    """A firing that failed outside the engine (the database, a bug): try again later, less
    and less often, so that one broken instance never holds up the timers behind it; after
    the last try, the instance shows the failure as an incident (status error)."""
    timer = db.session().get(Timer, timer_id)
    if timer is None:
        return
    _try_later(timer, error)
    if timer.attempts >= current_app.config["TIMER_MAX_ATTEMPTS"]:
        instance = runs.lock(timer.instance_id)
        if instance.status in ("running", "waiting"):
            instance.status = "error"
            instance.error_message = f"timer {timer.element_id} could not fire: {error}"
            instance.error_element = timer.element_id
            instance.updated_at = clock.now()


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
