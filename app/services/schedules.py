"""Periodic processes: a process whose start event is a timer is started by the scheduler.

``R/2026-12-01T09:00:00+08:00/P1D`` starts one instance every day at nine, ``R3/PT24H`` three
times a day apart, a date or a duration once. The schedule belongs to the process key: a new
version with the same timer keeps its next due time, a changed timer starts counting afresh,
and a version without one ends the schedule.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from .. import db, engine
from ..models.event import ProcessSchedule
from . import clock, definitions
from .instances import start_definition

log = logging.getLogger(__name__)


def first_due(kind: str, value: str, now: datetime) -> tuple[datetime, int | None]:
    """(first due time, turns) of a timer start event; turns None means for ever."""
    if kind == "timeDuration":
        return now + engine.duration_from(value, now), 1
    if kind == "timeDate":
        return engine.parse_moment(value), 1
    cycles, start, _ = engine.parse_cycle(value, now)
    return start, (None if cycles < 0 else cycles)


def sync(process_key: str, start_timers: list[tuple[str, str, str]]) -> None:
    """Bring the process's schedules in line with its latest version's timer start events."""
    session = db.session()
    now = clock.now()
    rows = {row.element_id: row for row in session.scalars(
        select(ProcessSchedule).where(ProcessSchedule.process_key == process_key))}
    wanted = {element_id: (kind, value) for element_id, kind, value in start_timers}
    gone = [element_id for element_id in rows if element_id not in wanted]
    if gone:
        session.execute(delete(ProcessSchedule).where(ProcessSchedule.process_key == process_key,
                                                      ProcessSchedule.element_id.in_(gone)))
    for element_id, (kind, value) in wanted.items():
        row = rows.get(element_id)
        if row is not None and (row.kind, row.expression) == (kind, value):
            continue  # the same timer: keep counting where it was
        due, turns = first_due(kind, value, now)
        if row is None:
            row = ProcessSchedule(process_key=process_key, element_id=element_id,
                                  updated_at=now)
            session.add(row)
        row.kind, row.expression, row.next_due_at, row.remaining = kind, value, due, turns
        row.attempts, row.last_error, row.claimed_by, row.claimed_until = 0, None, None, None
        row.updated_at = now


def claim_due(worker: str, limit: int = 20) -> list[int]:
    """Claim due schedules for this worker until its lease ends (see timers.claim_due)."""
    now = clock.now()
    lease = now + timedelta(seconds=current_app.config["SCHEDULER_LEASE_SECONDS"])
    claimable = (or_(ProcessSchedule.claimed_until.is_(None),
                     ProcessSchedule.claimed_until < now),
                 or_(ProcessSchedule.retry_at.is_(None), ProcessSchedule.retry_at <= now))
    candidates = list(db.session().scalars(
        select(ProcessSchedule.id)
        .where(ProcessSchedule.next_due_at <= now, *claimable)
        .order_by(ProcessSchedule.next_due_at, ProcessSchedule.id).limit(limit)
        .with_for_update(skip_locked=True)))
    if not candidates:
        return []
    claimed = db.session().scalars(
        update(ProcessSchedule)
        .where(ProcessSchedule.id.in_(candidates), *claimable)
        .values(claimed_by=worker, claimed_until=lease)
        .returning(ProcessSchedule.id))
    return sorted(claimed)


def fire(schedule_id: int, worker: str) -> int | None:
    """Start the instance a claimed schedule is due for; returns its id (None: not mine)."""
    session = db.session()
    row = session.scalar(select(ProcessSchedule).where(ProcessSchedule.id == schedule_id)
                         .with_for_update().execution_options(populate_existing=True))
    if row is None or row.claimed_by != worker or row.next_due_at is None:
        return None
    instance = start_definition(definitions.process(row.process_key), user=None,
                                business_key=None, variables={})
    now = clock.now()
    row.last_instance_id = instance.id
    row.claimed_by = row.claimed_until = row.retry_at = None
    row.attempts, row.last_error = 0, None
    row.updated_at = now
    if row.kind != "timeCycle":
        row.remaining, row.next_due_at = 0, None
        return instance.id
    # one instance now; turns missed while no scheduler ran are taken, not made up in a burst
    following, taken = engine.next_turn(row.expression, row.next_due_at, now)
    if row.remaining is not None:
        row.remaining = max(row.remaining - taken, 0)
    row.next_due_at = None if row.remaining == 0 else following
    return instance.id


def record_failure(schedule_id: int, error: str) -> None:
    """Starting failed (a broken latest version, the database): try again later."""
    row = db.session().get(ProcessSchedule, schedule_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:2000]
    row.claimed_by = row.claimed_until = None
    # the due time stays: the next turns keep their time of day
    row.retry_at = clock.now() + min(timedelta(minutes=2 ** (row.attempts - 1)),
                                     timedelta(hours=1))
    log.warning("schedule %s of %s failed (%s tries): %s", schedule_id, row.process_key,
                row.attempts, error)


def failing() -> list[ProcessSchedule]:
    """Schedules whose last start failed (shown with the incidents)."""
    return list(db.session().scalars(select(ProcessSchedule).where(ProcessSchedule.attempts > 0)
                                     .order_by(ProcessSchedule.process_key)))
