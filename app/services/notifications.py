"""Notifications: who is told what, on which channels; the in-app inbox; preferences.

``notify`` writes everything in the caller's unit of work: the inbox rows, and one outbox row
per email, SMS and webhook message. Nothing is sent here: ``outbox.deliver_pending`` sends
after the commit, so a mail server that is down never fails or rolls back a workflow step,
and a step that rolls back never sent anything.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import func, or_, select, update

from .. import db
from ..errors import Forbidden, Invalid, NotFound
from ..models.instance import ProcessInstance
from ..models.notification import CHANNELS, Notification, NotificationPreference, OutboxMessage
from ..models.task import HumanTask
from ..models.user import User
from ..notifications import channels as transports
from ..notifications import templates
from ..notifications.channels.webhook import payload as webhook_payload
from . import clock, task_due
from .recipients import only_open_task, resolve

if TYPE_CHECKING:
    from .instances import Page

log = logging.getLogger(__name__)

# SMS costs money and interrupts: people turn it on; the inbox and email are on by default.
DEFAULT_PREFERENCES = {"inapp": True, "email": True, "sms": False}
TASK_NOTICE_CHANNELS = ("inapp", "email", "sms")


def notify(recipients: Iterable[str], template: str, data: dict | None = None, *,
           instance: ProcessInstance | None = None, task: HumanTask | None = None,
           channels: Iterable[str] | None = None, store_data: bool = True
           ) -> list[Notification]:
    """Tell people something: inbox rows now, email / SMS / webhook messages after the commit.

    ``recipients``: ``"alice"`` or ``"user:alice"``, ``"role:manager"``, ``"email:x@y"``,
    ``"phone:+86..."``, ``"assignee"`` (the task's, or those of the instance's open tasks;
    their candidate groups when unassigned), ``"starter"`` (who started the instance).
    ``channels``: a subset of inapp, email, sms, webhook (default: the people's channels, and
    the webhooks for templates in CRM_WEBHOOK_EVENTS). ``store_data``:
    keep ``data`` on the inbox rows (the notify handler does not: process data may hold
    more than the recipients may see). Returns the inbox rows.
    """
    templates.require(template)
    wanted = _channels(channels, template)
    config = current_app.config
    session = db.session()
    now = clock.now()
    data = dict(data or {})
    if task is None and instance is not None:
        task = only_open_task(instance)
    people = resolve(recipients, instance=instance, task=task)
    context = {**data, "instance": _instance_context(instance), "task": _task_context(task)}
    stored = _jsonable(data) if store_data else {}
    links = {"instance_id": instance.id if instance else (task.instance_id if task else None),
             "task_id": task.id if task else None}
    created = []
    chosen = preferences_of(list(people.users.values()))
    for user in people.users.values():
        prefs = chosen[user.id]
        text = templates.render(template, user.language,
                                {**context, "user": _user_context(user)})
        row = None
        if "inapp" in wanted and prefs["inapp"]:
            row = Notification(user_id=user.id, template=template, title=text.subject[:500],
                               body=text.body, data=stored, created_at=now, **links)
            session.add(row)
            created.append(row)
        if (user.email and "email" in wanted and prefs["email"]
                and transports.configured("email", config)):
            _queue("email", user.email, text.subject, text.body, template, now, user=user,
                   notification=row)
        if (user.phone and "sms" in wanted and prefs["sms"]
                and transports.configured("sms", config)):
            _queue("sms", user.phone, text.subject, text.sms, template, now, user=user,
                   notification=row)
    if people.emails or people.phones or "webhook" in wanted:
        text = templates.render(template, config["NOTIFY_LANGUAGE"],
                                {**context, "user": _user_context(None)})
        if "email" in wanted and transports.configured("email", config):
            for address in people.emails:
                _queue("email", address, text.subject, text.body, template, now)
        if "sms" in wanted and transports.configured("sms", config):
            for phone in people.phones:
                _queue("sms", phone, text.subject, text.sms, template, now)
        if "webhook" in wanted:
            for url in config["WEBHOOK_URLS"]:
                _queue("webhook", url, text.subject, text.body, template, now,
                       payload=webhook_payload(text.subject, text.body))
    session.flush()
    return created


def _channels(channels: Iterable[str] | None, template: str) -> set[str]:
    """Asked-for channels; by default the people's own channels, and the team's webhooks
    only for the templates CRM_WEBHOOK_EVENTS names (a personal message is not for a group
    chat)."""
    if channels is None:
        wanted = {"inapp", "email", "sms"}
        if template in current_app.config["WEBHOOK_EVENTS"]:
            wanted.add("webhook")
        return wanted
    wanted = {c.strip().lower() for c in channels if c and c.strip()}
    unknown = sorted(wanted - set(CHANNELS))
    if unknown:
        raise Invalid(f"unknown channels {', '.join(unknown)}; channels are "
                      f"{', '.join(CHANNELS)}", fields={"channels": ["unknown"]})
    return wanted


def _queue(channel: str, recipient: str, subject: str, body: str, template: str, now, *,
           user: User | None = None, notification: Notification | None = None,
           payload: dict | None = None) -> None:
    db.session().add(OutboxMessage(
        channel=channel, recipient=recipient[:500], subject=subject[:500], body=body,
        payload=payload or {}, template=template, status="pending", attempts=0,
        next_attempt_at=now, created_at=now, user_id=user.id if user else None,
        notification=notification))


def time_zone(name: str | None):
    """CRM_NOTIFY_TIMEZONE as a zone; create_app checks it, so a typo stops the start-up."""
    name = (name or "UTC").strip()
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def _format_time(value) -> str:
    if value is None:
        return ""
    try:
        zone = time_zone(current_app.config.get("NOTIFY_TIMEZONE"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC  # never let a message's formatting fail a workflow step
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _user_context(user: User | None) -> dict:
    if user is None:  # a raw address or a webhook: nobody to greet by name
        return {"username": "", "display_name": "", "language": ""}
    return {"username": user.username, "display_name": user.display_name or user.username,
            "language": user.language}


def _instance_context(instance: ProcessInstance | None) -> dict:
    if instance is None:
        return {}
    name = instance.definition.name if instance.definition else instance.process_key
    return {"id": instance.id, "process_key": instance.process_key,
            "name": name or instance.process_key, "business_key": instance.business_key,
            "started_by": instance.started_by}


def _task_context(task: HumanTask | None) -> dict:
    if task is None:
        return {}
    return {"id": task.id, "name": task.name, "element_id": task.element_id,
            "process_key": task.process_key, "assignee": task.assignee,
            "candidate_groups": task.candidate_groups, "due": _format_time(task.due_at),
            "due_at": task.due_at.isoformat() if task.due_at else None}


def _jsonable(data: dict) -> dict:
    try:
        return json.loads(json.dumps(data, default=str, allow_nan=False))
    except (TypeError, ValueError):
        return {}


# -- automatic task notices ------------------------------------------------------------------

def _notice_channels(template: str) -> tuple[str, ...]:
    """Task notices go to the people; to the webhooks only when CRM_WEBHOOK_EVENTS says so."""
    if template in current_app.config["WEBHOOK_EVENTS"]:
        return (*TASK_NOTICE_CHANNELS, "webhook")
    return TASK_NOTICE_CHANNELS


def _task_notice(task: HumanTask, template: str) -> list[Notification]:
    people = [f"user:{task.assignee}"] if task.assignee else [
        f"role:{group}" for group in task.candidate_groups]
    if not people:
        return []
    instance = db.session().get(ProcessInstance, task.instance_id)
    return notify(people, template, {}, instance=instance, task=task,
                  channels=_notice_channels(template))


def task_assigned(task: HumanTask) -> list[Notification]:
    """A new human task: tell its assignee, or everybody in its candidate groups."""
    return _task_notice(task, "task_assigned")


def check_due_tasks(limit: int = 200) -> int:
    """Send ``task_due_soon`` once when an open task is due within CRM_DUE_SOON_HOURS, and
    ``task_overdue`` once when it is past due; returns how many notices went out.

    Runs in the caller's unit of work (the scheduler tick). Tasks are locked with
    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite: the write lock), so two schedulers
    never notify one task twice.
    """
    now = clock.now()
    stmt = (select(HumanTask)
            .where(HumanTask.status == "open", HumanTask.due_at.is_not(None),
                   HumanTask.due_at <= task_due.due_soon_until(now),
                   or_(HumanTask.due_soon_notified_at.is_(None),
                       (HumanTask.due_at <= now) & HumanTask.overdue_notified_at.is_(None)))
            .order_by(HumanTask.due_at, HumanTask.id).limit(limit))
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=HumanTask, skip_locked=True)
    sent = 0
    for task in session.scalars(stmt.execution_options(populate_existing=True)).all():
        state = task_due.due_state(task, now)
        if state == "overdue":
            if task.overdue_notified_at is None:
                sent += safely(_task_notice, task, "task_overdue")
            task.overdue_notified_at = task.overdue_notified_at or now
            task.due_soon_notified_at = task.due_soon_notified_at or now
        elif state == "due_soon" and task.due_soon_notified_at is None:
            sent += safely(_task_notice, task, "task_due_soon")
            task.due_soon_notified_at = now
    return sent


def safely(notice, task: HumanTask, *args) -> bool:
    """Queue a notice in a savepoint: if it fails, it is logged and dropped, and whatever
    caused it (a workflow step, the tick) goes on as if nobody had been told."""
    try:
        with db.session().begin_nested():
            notice(task, *args)
        return True
    except Exception:
        log.exception("notice %s for task %s failed", args or notice.__name__, task.id)
        return False


# -- the inbox -------------------------------------------------------------------------------

def inbox(user: User, *, unread: bool = False, page: int = 1, per_page: int = 50) -> Page:
    """My notifications: unread first, then newest first."""
    from .instances import Page  # instances -> runs -> this module: import when used
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    order = (Notification.read_at.is_not(None), Notification.created_at.desc(),
             Notification.id.desc())
    rows = session.scalars(stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), total, page, per_page)


def unread_count(user: User) -> int:
    return db.session().scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_read(notification_id: int, user: User) -> Notification:
    row = db.session().get(Notification, notification_id)
    if row is None:
        raise NotFound(f"notification {notification_id} does not exist")
    if row.user_id != user.id:
        raise Forbidden("this notification is not yours")
    row.read_at = row.read_at or clock.now()
    return row


def mark_all_read(user: User) -> int:
    """Mark every unread notification of mine read; returns how many."""
    result = db.session().execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now()).execution_options(synchronize_session=False))
    return result.rowcount


# -- preferences -----------------------------------------------------------------------------

def preferences(user: User) -> dict[str, bool]:
    """Per channel: on or off (channels without a saved choice take their default)."""
    return preferences_of([user])[user.id]


def preferences_of(users: list[User]) -> dict[int, dict[str, bool]]:
    """Everybody's preferences in one query (a group notice may reach hundreds of people)."""
    chosen: dict[int, dict[str, bool]] = {user.id: {} for user in users}
    if users:
        rows = db.session().execute(
            select(NotificationPreference.user_id, NotificationPreference.channel,
                   NotificationPreference.enabled)
            .where(NotificationPreference.user_id.in_(list(chosen))))
        for user_id, channel, enabled in rows:
            chosen[user_id][channel] = enabled
    return {user_id: {channel: saved.get(channel, default)
                      for channel, default in DEFAULT_PREFERENCES.items()}
            for user_id, saved in chosen.items()}


def set_preferences(user: User, changes: dict[str, bool]) -> dict[str, bool]:
    unknown = sorted(set(changes) - set(DEFAULT_PREFERENCES))
    if unknown:
        raise Invalid(f"unknown channels {', '.join(unknown)}",
                      fields={c: ["unknown channel"] for c in unknown})
    session = db.session()
    for channel, enabled in changes.items():
        row = session.get(NotificationPreference, (user.id, channel))
        if row is None:
            session.add(NotificationPreference(user_id=user.id, channel=channel,
                                               enabled=bool(enabled)))
        else:
            row.enabled = bool(enabled)
    session.flush()
    return preferences(user)
