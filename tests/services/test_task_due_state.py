"""When a task counts as due soon or overdue: one rule for the inbox's badge and the reminders
(CRM_DUE_SOON_HOURS, 4 hours in the tests)."""

from datetime import UTC, datetime, timedelta

import pytest

from app.models.task import HumanTask
from app.services import task_due

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def a_task_due(in_hours: float | None, status: str = "open") -> HumanTask:
    due_at = NOW + timedelta(hours=in_hours) if in_hours is not None else None
    return HumanTask(status=status, due_at=due_at)


@pytest.mark.parametrize(("in_hours", "state"), [
    (-30, "overdue"), (0, "overdue"), (0.5, "due_soon"), (4, "due_soon"), (4.5, None),
    (None, None)])
def test_an_open_task_is_overdue_from_its_due_time_and_due_soon_within_the_hours(
        app, in_hours, state):
    with app.app_context():
        assert task_due.due_state(a_task_due(in_hours), NOW) == state


def test_a_completed_task_is_never_due(app):
    with app.app_context():
        assert task_due.due_state(a_task_due(-30, status="completed"), NOW) is None


def test_the_hours_come_from_the_configuration(app):
    app.config["DUE_SOON_HOURS"] = 48
    with app.app_context():
        assert task_due.due_state(a_task_due(30), NOW) == "due_soon"
        assert task_due.due_soon_until(NOW) == NOW + timedelta(hours=48)
