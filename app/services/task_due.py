"""When a task is due soon or overdue: the one rule behind the inbox's badge and the
due-task reminders (notifications.check_due_tasks). A module of its own: the tasks service
sends notices, so the notices cannot import the tasks service back."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from flask import current_app

from ..models.task import HumanTask


def due_soon_until(now: datetime) -> datetime:
    """An open task due by this time counts as due soon: CRM_DUE_SOON_HOURS after ``now``."""
    return now + timedelta(hours=current_app.config["DUE_SOON_HOURS"])


def due_state(task: HumanTask, now: datetime) -> Literal["overdue", "due_soon"] | None:
    """Whether an open task is past due ("overdue") or due within CRM_DUE_SOON_HOURS
    ("due_soon"): the one rule behind the inbox's badge and the due-task reminders
    (notifications.check_due_tasks); None for a done task, one without a due time or one
    due later."""
    if task.status != "open" or task.due_at is None:
        return None
    if task.due_at <= now:
        return "overdue"
    if task.due_at <= due_soon_until(now):
        return "due_soon"
    return None
