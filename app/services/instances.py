"""Process instances: start, find, look into, cancel, retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select

from .. import db, engine
from ..errors import Conflict, Forbidden, NotFound
from ..models.event import EventWait, Timer
from ..models.instance import InstanceEvent, ProcessInstance
from ..models.task import HumanTask
from ..models.user import User
from . import clock, definitions, runs
from .variables import check_variables


def start(process_key: str, *, user: User | None, business_key: str | None = None,
          variables: dict | None = None) -> ProcessInstance:
    """Start the latest version of a process and run it until it waits."""
    values = check_variables(variables)
    definition = definitions.process(process_key)
    return start_definition(definition, user=user, business_key=business_key, variables=values)


def start_definition(definition, *, user: User | None, business_key: str | None,
                     variables: dict, message: str | None = None) -> ProcessInstance:
    """Start a definition version; with ``message``, through its message start event."""
    session = db.session()
    now = clock.now()
    instance = ProcessInstance(
        definition=definition, definition_id=definition.id, process_key=definition.key,
        business_key=business_key, status="running", state="{}", variables={},
        started_by=user.username if user else None, started_at=now, updated_at=now)
    session.add(instance)
    session.flush()
    spec, subprocess_specs = definitions.specs(definition)
    run = engine.Run.start(spec, subprocess_specs, {} if message else variables,
                           now=clock.now, handler_context=runs.handler_context(instance))
    if message:
        run.deliver(run.waiting_task("message", message), variables, message)
    else:
        for name in definition.start_messages or []:
            if run.waiting_task("message", name):
                raise Conflict(f"process {definition.key!r} starts when message {name!r} "
                               "arrives: send it with POST /api/messages")
    runs.persist(instance, run)
    return instance


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int


def sees_all(user: User) -> bool:
    return user.is_supervisor or user.has_role("analyst")


def involved(user: User):
    """SQL condition: the user started the instance, holds or did a task in it, or may take
    one of its open tasks (a colleague's claimed task does not open the instance to them)."""
    from .tasks import workable_by  # tasks builds on instances' Page

    took_part = exists().where(
        HumanTask.instance_id == ProcessInstance.id,
        or_(workable_by(user), HumanTask.completed_by == user.username))
    return or_(ProcessInstance.started_by == user.username, took_part)


def search(user: User, *, process_key: str | None = None, status: str | None = None,
           business_key: str | None = None, started_by: str | None = None,
           held_by: str | None = None, started_after: datetime | None = None,
           started_before: datetime | None = None,
           page: int = 1, per_page: int = 50) -> Page:
    """Instances the user may see (managers, admins, analysts: all), newest first;
    ``held_by`` keeps those where that person holds an open task (whose desk a case waits
    on); ``started_after`` / ``started_before`` bound the start time (how old a case is)."""
    stmt = select(ProcessInstance)
    if not sees_all(user):
        stmt = stmt.where(involved(user))
    if process_key:
        stmt = stmt.where(ProcessInstance.process_key == process_key)
    if status:
        stmt = stmt.where(ProcessInstance.status == status)
    if business_key:
        stmt = stmt.where(ProcessInstance.business_key == business_key)
    if started_by:
        stmt = stmt.where(ProcessInstance.started_by == started_by)
    if held_by:
        stmt = stmt.where(exists().where(HumanTask.instance_id == ProcessInstance.id,
                                         HumanTask.status == "open",
                                         HumanTask.assignee == held_by))
    if started_after is not None:
        stmt = stmt.where(ProcessInstance.started_at >= started_after)
    if started_before is not None:
        stmt = stmt.where(ProcessInstance.started_at < started_before)
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(ProcessInstance.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)


def get(instance_id: int) -> ProcessInstance:
    instance = db.session().get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    return instance


def get_many(instance_ids: set[int]) -> dict[int, ProcessInstance]:
    """Several instances in one query (a page of tasks), by id."""
    if not instance_ids:
        return {}
    rows = db.session().scalars(select(ProcessInstance)
                                .where(ProcessInstance.id.in_(instance_ids)))
    return {row.id: row for row in rows}


def visible(instance_id: int, user: User) -> ProcessInstance:
    instance = get(instance_id)
    if not sees_all(user) and db.session().scalar(
            select(ProcessInstance.id).where(ProcessInstance.id == instance_id,
                                             involved(user))) is None:
        raise Forbidden("you take no part in this process instance")
    return instance


def details(instance_id: int, user: User) -> dict:
    """The instance with its open tasks, history, path and what it waits for."""
    instance = visible(instance_id, user)
    session = db.session()
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                 .order_by(HumanTask.created_at, HumanTask.id)))
    timers = list(session.scalars(select(Timer).where(Timer.instance_id == instance.id)
                                  .order_by(Timer.due_at)))
    waits = list(session.scalars(select(EventWait).where(EventWait.instance_id == instance.id)))
    path = list(session.scalars(select(InstanceEvent)
                                .where(InstanceEvent.instance_id == instance.id)
                                .order_by(InstanceEvent.id)))
    return {
        "instance": instance,
        "active_tasks": [t for t in tasks if t.status == "open"],
        "history": [t for t in tasks if t.status != "open"],
        "timers": timers,
        "waiting_for": waits,
        "path": path,
    }


def diagram_marks(found: dict) -> dict[str, list[str]]:
    """What the diagram highlights, from ``details``: the elements the instance completed,
    those it stands at now (open tasks, waits for a message or signal, timers) and the one
    that failed. An element passed before and active again (a second round) is active."""
    instance = found["instance"]
    active = list(dict.fromkeys([t.element_id for t in found["active_tasks"]]
                                + [w.element_id for w in found["waiting_for"]]
                                + [t.element_id for t in found["timers"]]))
    problem = ([instance.error_element]
               if instance.status == "error" and instance.error_element else [])
    completed = [e for e in dict.fromkeys(event.element_id for event in found["path"])
                 if e not in active and e not in problem]
    return {"completed": completed, "active": active, "problem": problem}


def history(found: dict) -> list[dict]:
    """The path from ``details``, newest first, each step with who did it when it was a human
    task (the n-th event of a task element is its n-th completed task)."""
    done: dict[str, list[HumanTask]] = {}
    for task in sorted((t for t in found["history"] if t.status == "completed"),
                       key=lambda t: (t.completed_at, t.id)):
        done.setdefault(task.element_id, []).append(task)
    rows = []
    for event in found["path"]:
        queue = done.get(event.element_id) or []
        task = queue.pop(0) if queue else None
        rows.append({"element_id": event.element_id, "name": event.name, "kind": event.kind,
                     "at": event.at, "by": task.completed_by if task else None})
    rows.reverse()
    return rows


def cancel(instance_id: int, *, user: User) -> ProcessInstance:
    if not user.is_supervisor:
        raise Forbidden("only managers and admins may cancel a process instance")
    return cancel_unchecked(instance_id)


def cancel_unchecked(instance_id: int) -> ProcessInstance:
    """Cancel an instance on the service's own behalf (e.g. a lead changed hands)."""
    instance = runs.lock(instance_id)
    if instance.status in ("completed", "cancelled"):
        raise Conflict(f"the instance is already {instance.status}")
    run = runs.restore(instance)
    run.cancel()
    runs.persist(instance, run)
    return instance


def retry(instance_id: int, *, user: User) -> ProcessInstance:
    """Run the failed step of an instance in error again."""
    if not user.is_supervisor:
        raise Forbidden("only managers and admins may retry a process instance")
    instance = runs.lock(instance_id)
    if instance.status != "error":
        raise Conflict(f"the instance is {instance.status}, not in error")
    run = runs.restore(instance)
    try:
        run.retry()
    except engine.EngineError:
        run.fire_timers()  # the failure was outside the engine (a timer that could not fire)
    session = db.session()
    for timer in session.scalars(select(Timer).where(Timer.instance_id == instance.id)):
        timer.attempts, timer.retry_at, timer.last_error = 0, None, None
    runs.persist(instance, run)
    return instance


def open_tasks(instance_ids: list[int]) -> dict[int, list[HumanTask]]:
    """Open tasks of many instances in one query (instance lists)."""
    found: dict[int, list[HumanTask]] = {}
    if not instance_ids:
        return found
    rows = db.session().scalars(select(HumanTask).where(HumanTask.instance_id.in_(instance_ids),
                                                        HumanTask.status == "open")
                                .order_by(HumanTask.created_at, HumanTask.id))
    for row in rows:
        found.setdefault(row.instance_id, []).append(row)
    return found


def incidents(*, page: int = 1, per_page: int = 50) -> Page:
    """Instances in error, the most recent failure first (what needs someone's attention)."""
    stmt = select(ProcessInstance).where(ProcessInstance.status == "error")
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(ProcessInstance.updated_at.desc(), ProcessInstance.id)
                           .offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)
