"""The task inbox: find, claim, unclaim and complete human tasks."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select

from .. import db, engine
from ..errors import Conflict, Forbidden, NotFound
from ..models.instance import ProcessInstance
from ..models.task import HumanTask, HumanTaskGroup
from ..models.user import User
from . import clock, definitions, runs
from .forms import validate_submission
from .instances import Page


def offered_to(user: User):
    """SQL condition: the task is assigned to the user or offered to one of their groups."""
    in_my_groups = exists().where(HumanTaskGroup.task_id == HumanTask.id,
                                  HumanTaskGroup.group_name.in_(list(user.roles or [])))
    return or_(HumanTask.assignee == user.username, in_my_groups)


def is_offered(task: HumanTask, user: User) -> bool:
    return (user.is_supervisor or task.assignee == user.username
            or bool(set(task.candidate_groups) & set(user.roles or ())))


def workable_by(user: User):
    """SQL condition: the user holds the task, or may still take it (open, unclaimed, offered
    to one of their groups). A colleague's claimed task stays listed, not readable."""
    in_my_groups = exists().where(HumanTaskGroup.task_id == HumanTask.id,
                                  HumanTaskGroup.group_name.in_(list(user.roles or [])))
    return or_(HumanTask.assignee == user.username,
               and_(HumanTask.assignee.is_(None), HumanTask.status == "open", in_my_groups))


def may_read_data(task: HumanTask, user: User) -> bool:
    """Whether the user may read the process data behind the task: they hold it, did it, may
    still take it, or supervise."""
    if user.is_supervisor or user.username in (task.assignee, task.completed_by):
        return True
    return (task.assignee is None and task.status == "open"
            and bool(set(task.candidate_groups) & set(user.roles or ())))


def search(user: User, *, assignee: str | None = None, candidate_group: str | None = None,
           process_key: str | None = None, status: str = "open", instance_id: int | None = None,
           page: int = 1, per_page: int = 50) -> Page:
    stmt = select(HumanTask)
    if not user.is_supervisor:
        stmt = stmt.where(offered_to(user))
    if assignee:
        stmt = stmt.where(HumanTask.assignee == (user.username if assignee == "me"
                                                 else assignee))
    if candidate_group:
        stmt = stmt.where(exists().where(HumanTaskGroup.task_id == HumanTask.id,
                                         HumanTaskGroup.group_name == candidate_group))
    if process_key:
        stmt = stmt.where(HumanTask.process_key == process_key)
    if status:
        stmt = stmt.where(HumanTask.status == status)
    if instance_id is not None:
        stmt = stmt.where(HumanTask.instance_id == instance_id)
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    order = (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
    rows = session.scalars(stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)


def open_for(user: User, instance_id: int) -> list[HumanTask]:
    """The open tasks of an instance offered to the user (what to do next)."""
    stmt = select(HumanTask).where(HumanTask.instance_id == instance_id,
                                   HumanTask.status == "open")
    if not user.is_supervisor:
        stmt = stmt.where(offered_to(user))
    return list(db.session().scalars(stmt.order_by(HumanTask.created_at, HumanTask.id)))


def get(task_id: str, user: User) -> HumanTask:
    task = db.session().get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"task {task_id} does not exist")
    if not is_offered(task, user):
        raise Forbidden("this task is not offered to you")
    return task


def form_of(task: HumanTask) -> dict | None:
    return definitions.form_by_id(task.form_id)


def _locked_task(task_id: str, user: User) -> tuple[HumanTask, ProcessInstance]:
    """Lock the task's instance, then read the task afresh (another request may have won)."""
    session = db.session()
    instance_id = session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
    if instance_id is None:
        raise NotFound(f"task {task_id} does not exist")
    instance = runs.lock(instance_id)
    task = session.scalar(select(HumanTask).where(HumanTask.id == task_id)
                          .execution_options(populate_existing=True))
    if not is_offered(task, user):
        raise Forbidden("this task is not offered to you")
    if task.status != "open":
        raise Conflict(f"the task is {task.status}", status=task.status,
                       completed_by=task.completed_by)
    return task, instance


def claim(task_id: str, user: User) -> HumanTask:
    task, _ = _locked_task(task_id, user)
    if task.assignee and task.assignee != user.username:
        raise Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)
    if task.assignee != user.username:
        task.assignee = user.username
        task.claimed_at = clock.now()
    return task


def unclaim(task_id: str, user: User) -> HumanTask:
    task, _ = _locked_task(task_id, user)
    if task.assignee is None:
        return task
    if task.assignee != user.username and not user.is_supervisor:
        raise Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)
    task.assignee = None
    task.claimed_at = None
    return task


def complete(task_id: str, user: User, form_data: dict) -> HumanTask:
    """Validate the form, complete the task, run the process on; all or nothing."""
    task, instance = _locked_task(task_id, user)
    if task.assignee and task.assignee != user.username and not user.is_supervisor:
        raise Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)
    values = validate_submission(form_of(task), form_data)
    run = runs.restore(instance)
    try:
        run.complete_human_task(task.id, values)
    except engine.EngineError as exc:
        raise Conflict(f"the task can no longer be completed: {exc}") from exc
    now = clock.now()
    task.status = "completed"
    task.completed_by = user.username
    task.completed_at = now
    task.claimed_at = task.claimed_at or now
    task.assignee = task.assignee or user.username
    task.data = engine.to_json(values)
    runs.persist(instance, run)
    return task
