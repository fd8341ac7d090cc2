"""Between the engine and the tables: lock an instance, run it, persist what it became.

Every change to an instance goes through ``lock``, ``restore`` and ``persist`` (API calls,
message deliveries, timer ticks), so work on one instance is serialized: a row lock on
PostgreSQL, the write lock of ``BEGIN IMMEDIATE`` on SQLite, and the optimistic
``lock_version`` check as a safety net.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import undefer

from .. import db, engine
from ..errors import NotFound
from ..models.event import EventWait, Timer
from ..models.instance import InstanceEvent, ProcessInstance
from ..models.task import HumanTask, HumanTaskGroup
from . import clock, definitions, notifications


def lock(instance_id: int) -> ProcessInstance:
    """The instance, locked for this unit of work and freshly read."""
    stmt = (select(ProcessInstance).where(ProcessInstance.id == instance_id)
            .options(undefer(ProcessInstance.state))
            .with_for_update(of=ProcessInstance)
            .execution_options(populate_existing=True))
    instance = db.session().scalar(stmt)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    return instance


def handler_context(instance: ProcessInstance) -> dict:
    return {"instance": instance, "session": db.session()}


def restore(instance: ProcessInstance) -> engine.Run:
    spec, subprocess_specs = definitions.specs(instance.definition)
    return engine.Run.restore(spec, subprocess_specs, instance.state, now=clock.now,
                              handler_context=handler_context(instance))


def persist(instance: ProcessInstance, run: engine.Run) -> engine.Snapshot:
    """Write the run's snapshot: state, status, human tasks, timers, waits, path."""
    snap = run.snapshot()
    now = clock.now()
    instance.state = snap.state
    instance.status = snap.status
    instance.variables = snap.variables
    instance.error_message = snap.error
    instance.error_element = snap.error_element
    instance.updated_at = now
    if snap.status in ("completed", "cancelled") and instance.ended_at is None:
        instance.ended_at = now
    _sync_tasks(instance, snap, now)
    _sync_timers(instance, snap, now)
    _sync_waits(instance, snap, now)
    session = db.session()
    for step in snap.steps:
        session.add(InstanceEvent(instance_id=instance.id, element_id=step.element_id,
                                  name=step.name, kind=step.kind, at=step.at))
    session.flush()
    if snap.thrown:
        from . import messages  # messages start and advance other instances through us

        messages.route_thrown(instance, snap.thrown)
    return snap


def _sync_tasks(instance: ProcessInstance, snap: engine.Snapshot, now) -> None:
    session = db.session()
    open_rows = {row.id: row for row in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id,
                                HumanTask.status == "open"))}
    ready = {task.id: task for task in snap.human_tasks}
    for task_id, row in open_rows.items():
        if task_id not in ready:
            row.status = "cancelled"  # an interrupting event, a cancel, the end of a branch
            row.completed_at = now
    for task_id, task in ready.items():
        if task_id in open_rows or session.get(HumanTask, task_id) is not None:
            continue
        form_id, _ = definitions.form(instance.definition, task.form_key)
        row = HumanTask(
            id=task.id, instance_id=instance.id, process_key=instance.process_key,
            definition_id=instance.definition_id, element_id=task.element_id, name=task.name,
            kind=task.kind, lane=task.lane, assignee=task.assignee, status="open",
            due_at=task.due_at, form_key=task.form_key, form_id=form_id,
            documentation=task.documentation, loop=task.loop, created_at=now,
            groups=[HumanTaskGroup(group_name=g) for g in dict.fromkeys(task.candidate_groups)],
        )
        session.add(row)
        session.flush()
        notifications.safely(notifications.task_assigned, row)


def _sync_timers(instance: ProcessInstance, snap: engine.Snapshot, now) -> None:
    session = db.session()
    rows = {row.task_id: row for row in session.scalars(
        select(Timer).where(Timer.instance_id == instance.id))}
    waiting = {timer.task_id: timer for timer in snap.timers}
    stale = [task_id for task_id in rows if task_id not in waiting]
    if stale:
        session.execute(delete(Timer).where(Timer.instance_id == instance.id,
                                            Timer.task_id.in_(stale)))
    for task_id, timer in waiting.items():
        row = rows.get(task_id)
        if row is None:
            session.add(Timer(instance_id=instance.id, task_id=task_id,
                              element_id=timer.element_id, due_at=timer.due_at, created_at=now))
            continue
        # persisting happens under the instance lock: no fire is under way, so no claim holds
        row.claimed_by = row.claimed_until = None
        if row.due_at != timer.due_at:  # the next turn of a cycle: a fresh start
            row.due_at = timer.due_at
            row.attempts, row.last_error, row.retry_at = 0, None, None


def _sync_waits(instance: ProcessInstance, snap: engine.Snapshot, now) -> None:
    session = db.session()
    rows = {(r.task_id, r.kind, r.name): r for r in session.scalars(
        select(EventWait).where(EventWait.instance_id == instance.id))}
    waiting = {(w.task_id, w.kind, w.name): w for w in snap.waits}
    for key, row in rows.items():
        if key not in waiting:
            session.delete(row)
    for key, wait in waiting.items():
        if key not in rows:
            session.add(EventWait(instance_id=instance.id, task_id=wait.task_id,
                                  element_id=wait.element_id, kind=wait.kind, name=wait.name,
                                  created_at=now))
