"""The task inbox: find, claim, unclaim and complete human tasks."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select

from .. import db, engine
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models.instance import ProcessInstance
from ..models.task import HumanTask, HumanTaskGroup
from ..models.user import User
from . import clock, definitions, notifications, runs
from .forms import validate_submission
from .instances import Page

COMPLETED_BY = "_completed_by"  # the process data's note of who completed the last task


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


def is_approval(task: HumanTask) -> bool:
    """An approval's form says so (``"approval": true``): see ``may_act``."""
    form = form_of(task)
    return bool(form and form.get("approval"))


def may_act(task: HumanTask, user: User) -> bool:
    """Whether the user may claim, complete or pass on the task. Managers and admins may act on
    any task except an approval, which only holders of its role (or whoever it was delegated
    to) may decide: a manager approving in a director's stead would defeat the chain."""
    if not is_approval(task):
        return is_offered(task, user)
    return may_decide(task, user)


def may_decide(task: HumanTask, user: User) -> bool:
    """For an approval: the one it was given or delegated to, else a holder of its role."""
    if task.assignee is not None:
        return task.assignee == user.username
    return bool(set(task.candidate_groups) & set(user.roles or ()))


def _locked_task(task_id: str, user: User, *, acting: bool = True
                 ) -> tuple[HumanTask, ProcessInstance]:
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
    if acting and not may_act(task, user):
        if task.assignee is not None:
            raise Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)
        raise Forbidden(f"only a holder of the role {' or '.join(task.candidate_groups)} may "
                        "decide this approval")
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
    task, _ = _locked_task(task_id, user, acting=False)
    if task.assignee is None:
        return task
    if task.assignee != user.username and not user.is_supervisor:
        raise Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)
    task.assignee = None
    task.claimed_at = None
    return task


def delegate(task_id: str, user: User, to: str, note: str | None = None) -> HumanTask:
    """Pass an open task to another holder of its role (an approver away, a colleague better
    placed): it becomes theirs, and they are told. A task of no group may go to anyone active."""
    task, _ = _locked_task(task_id, user)
    if task.assignee and task.assignee != user.username and not user.is_supervisor:
        raise Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)
    target = db.session().scalar(select(User).where(User.username == to))
    if target is None or not target.active or target.api_client:
        raise Invalid(f"{to!r} is not an active user", fields={"to": ["no such active user"]})
    if target.username == task.assignee:
        raise Invalid(f"the task is already {to}'s", fields={"to": ["already theirs"]})
    if task.candidate_groups and not set(task.candidate_groups) & set(target.roles or ()):
        roles = " or ".join(task.candidate_groups)
        raise Invalid(f"{to} does not hold the role {roles} this task is for",
                      fields={"to": [f"must hold the role {roles}"]})
    now = clock.now()
    task.assignee = target.username
    task.claimed_at = now
    task.delegated_by = user.username
    task.delegated_at = now
    task.delegation_note = note
    notifications.safely(notifications.task_assigned, task)
    return task


def complete(task_id: str, user: User, form_data: dict) -> HumanTask:
    """Validate the form, complete the task, run the process on; all or nothing."""
    task, instance = _locked_task(task_id, user)
    if task.assignee and task.assignee != user.username and not user.is_supervisor:
        raise Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)
    values = validate_submission(form_of(task), form_data)
    run = runs.restore(instance)
    # the row is finished first, so the service tasks the engine runs next read it as done
    # (a contract rendered after the last approval lists that approver); all or nothing still
    now = clock.now()
    task.status = "completed"
    task.completed_by = user.username
    task.completed_at = now
    task.claimed_at = task.claimed_at or now
    task.assignee = task.assignee or user.username
    task.data = engine.to_json(values)
    try:
        # who decided travels with the data (hidden: "_" names), for the service tasks after
        run.complete_human_task(task.id, {**values, COMPLETED_BY: user.username})
    except engine.EngineError as exc:
        raise Conflict(f"the task can no longer be completed: {exc}") from exc
    runs.persist(instance, run)
    return task
