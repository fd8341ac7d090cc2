"""Process instances."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import instances
from .auth import current_user, login_required
from .schemas import (
    InstanceArgs,
    InstanceDetailSchema,
    InstanceWithTasksSchema,
    StartInstance,
    page_schema,
)

blp = Blueprint("instances", __name__, url_prefix="/api/process-instances",
                description="Start and follow process instances")
InstancePage = page_schema(InstanceWithTasksSchema, "InstancePage")


def summary(instance, active_tasks: list) -> dict:
    error = ({"message": instance.error_message, "element_id": instance.error_element}
             if instance.error_message else None)
    return {
        "id": instance.id, "process_key": instance.process_key,
        "version": instance.definition.version, "definition_id": instance.definition_id,
        "business_key": instance.business_key, "status": instance.status,
        "variables": instance.variables, "error": error, "started_by": instance.started_by,
        "started_at": instance.started_at, "updated_at": instance.updated_at,
        "ended_at": instance.ended_at, "active_tasks": active_tasks,
    }


def detail(instance_id: int) -> dict:
    found = instances.details(instance_id, current_user())
    return {**summary(found["instance"], found["active_tasks"]),
            **{k: found[k] for k in ("history", "timers", "waiting_for", "path")}}


@blp.post("")
@login_required()
@blp.arguments(StartInstance)
@blp.response(201, InstanceDetailSchema)
def start(body):
    """Start the latest version of a process; it runs until it waits."""
    instance = instances.start(body["process_key"], user=current_user(),
                               business_key=body.get("business_key"),
                               variables=body["variables"])
    return detail(instance.id)


@blp.get("")
@login_required()
@blp.arguments(InstanceArgs, location="query")
@blp.response(200, InstancePage)
def search(args):
    """Instances, newest first, filtered by key, status, business key or starter."""
    page = instances.search(current_user(), **args)
    open_tasks = instances.open_tasks([i.id for i in page.items])
    return {"items": [summary(i, open_tasks.get(i.id, [])) for i in page.items],
            "total": page.total, "page": page.page, "per_page": page.per_page}


@blp.get("/<int:instance_id>")
@login_required()
@blp.response(200, InstanceDetailSchema)
def get(instance_id: int):
    """Status, variables, open tasks, history, timers and the path taken so far."""
    return detail(instance_id)


@blp.post("/<int:instance_id>/cancel")
@login_required("manager")
@blp.response(200, InstanceDetailSchema)
def cancel(instance_id: int):
    """Cancel a running instance (its open tasks are cancelled too)."""
    return detail(instances.cancel(instance_id, user=current_user()).id)


@blp.post("/<int:instance_id>/retry")
@login_required("manager")
@blp.response(200, InstanceDetailSchema)
def retry(instance_id: int):
    """Run the failed step of an instance in error again."""
    return detail(instances.retry(instance_id, user=current_user()).id)
