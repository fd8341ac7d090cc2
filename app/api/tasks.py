"""The task inbox."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import instances, tasks
from .auth import current_user, login_required
from .schemas import (
    CompletedTaskSchema,
    CompleteTask,
    DelegateTask,
    TaskArgs,
    TaskDetailSchema,
    TaskSchema,
    page_schema,
)

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks",
                description="Human tasks: list, claim, unclaim, delegate, complete")
TaskPage = page_schema(TaskSchema, "TaskPage")


def task_detail(task) -> dict:
    """The task, its form and, for those who may work it, the process data behind it."""
    readable = tasks.may_read_data(task, current_user())
    return {**{c: getattr(task, c) for c in TaskSchema().fields},
            "form": tasks.form_of(task),
            "variables": instances.get(task.instance_id).variables if readable else {}}


@blp.get("")
@login_required()
@blp.arguments(TaskArgs, location="query")
@blp.response(200, TaskPage)
def search(args):
    """Tasks assigned to me or offered to my groups (managers and admins: all), by due date."""
    page = tasks.search(current_user(), **args)
    return {"items": page.items, "total": page.total, "page": page.page,
            "per_page": page.per_page}


@blp.get("/<task_id>")
@login_required()
@blp.response(200, TaskDetailSchema)
def get(task_id: str):
    """A task with its form definition and the process variables."""
    return task_detail(tasks.get(task_id, current_user()))


@blp.post("/<task_id>/claim")
@login_required()
@blp.response(200, TaskSchema)
def claim(task_id: str):
    """Take the task: it is mine until I complete or unclaim it."""
    return tasks.claim(task_id, current_user())


@blp.post("/<task_id>/unclaim")
@login_required()
@blp.response(200, TaskSchema)
def unclaim(task_id: str):
    """Give the task back to its candidate groups."""
    return tasks.unclaim(task_id, current_user())


@blp.post("/<task_id>/delegate")
@login_required()
@blp.arguments(DelegateTask)
@blp.response(200, TaskSchema)
def delegate(body, task_id: str):
    """Pass the task to another holder of its role (``to``), who is told; an approval may be
    passed on only by whoever may decide it."""
    return tasks.delegate(task_id, current_user(), body["to"], body.get("note"))


@blp.post("/<task_id>/complete")
@login_required()
@blp.arguments(CompleteTask)
@blp.response(200, CompletedTaskSchema)
def complete(body, task_id: str):
    """Submit the form; the process runs on until it waits again."""
    user = current_user()
    task = tasks.complete(task_id, user, body["data"])
    return {**task_detail(task), "instance_status": instances.get(task.instance_id).status,
            "next_tasks": tasks.open_for(user, task.instance_id)}
