"""Who a notification reaches: recipient strings -> active users (each once) and raw
email addresses and phone numbers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import db
from ..errors import Invalid
from ..models.instance import ProcessInstance
from ..models.task import HumanTask
from ..models.user import User

log = logging.getLogger(__name__)

KEYWORDS = ("assignee", "starter")


@dataclass
class Recipients:
    users: dict[int, User] = field(default_factory=dict)  # by id: each person once
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


def resolve(recipients: Iterable[str], *, instance: ProcessInstance | None = None,
            task: HumanTask | None = None) -> Recipients:
    """Recipient strings -> active users (each once) and raw addresses."""
    found = Recipients()
    for raw in recipients:
        entry = str(raw).strip()
        kind, sep, value = entry.partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if not entry:
            continue
        if entry == "assignee":
            if task is None and instance is None:
                raise Invalid("the recipient 'assignee' needs a process instance or a task")
            tasks = [task] if task is not None else open_tasks(instance)
            for each in tasks:
                _add_users(found, _task_people(each))
        elif entry == "starter":
            if instance is None:
                raise Invalid("the recipient 'starter' needs a process instance")
            _add_users(found, _users(usernames=[instance.started_by or ""]))
        elif sep and kind == "user":
            _add_users(found, _users(usernames=[value]), wanted=value)
        elif sep and kind == "role":
            _add_users(found, _users(roles=[value]))
        elif sep and kind == "email" or not sep and "@" in entry:
            address = value if sep else entry
            if "@" not in address:
                raise Invalid(f"recipient {entry!r} is not an email address")
            if address not in found.emails:
                found.emails.append(address)
        elif sep and kind == "phone":
            if not value.lstrip("+").replace(" ", "").replace("-", "").isdigit():
                raise Invalid(f"recipient {entry!r} is not a phone number")
            if value not in found.phones:
                found.phones.append(value)
        elif sep:
            raise Invalid(f"recipient {entry!r}: use user:, role:, email:, phone:, "
                          f"'assignee' or 'starter'")
        else:
            _add_users(found, _users(usernames=[entry]), wanted=entry)
    known = {u.email for u in found.users.values() if u.email}
    found.emails = [e for e in found.emails if e not in known]
    return found


def _add_users(found: Recipients, users: list[User], wanted: str | None = None) -> None:
    if wanted and not users:
        log.warning("notification recipient %r is not an active user; skipped", wanted)
    for user in users:
        found.users.setdefault(user.id, user)


def _users(*, usernames: list[str] | None = None, roles: list[str] | None = None) -> list[User]:
    stmt = select(User).where(User.active.is_(True)).order_by(User.username)
    if usernames is not None:
        return list(db.session().scalars(stmt.where(User.username.in_(usernames))))
    return [u for u in db.session().scalars(stmt) if u.has_role(*(roles or []))]


def _task_people(task: HumanTask) -> list[User]:
    if task.assignee:
        return _users(usernames=[task.assignee])
    return _users(roles=task.candidate_groups)


def open_tasks(instance: ProcessInstance | None) -> list[HumanTask]:
    if instance is None:
        return []
    return list(db.session().scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id,
                                HumanTask.status == "open")
        .order_by(HumanTask.created_at, HumanTask.id)))


def only_open_task(instance: ProcessInstance) -> HumanTask | None:
    """The task a process-level notice is about, when there is exactly one open."""
    tasks = open_tasks(instance)
    return tasks[0] if len(tasks) == 1 else None
