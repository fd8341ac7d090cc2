"""The task inbox, one task's page (its form, claim, complete), and my notifications.

Every rule (who may see, claim or complete a task, what a form accepts) is the task service's;
these views read the request, call one service and draw the answer. A refused claim or
completion is shown as a message on the page the person came from, never as a stack trace.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ...errors import Conflict, Forbidden, Invalid
from ...models.instance import ProcessInstance
from ...models.task import HumanTask
from ...models.user import User
from ...pages.public_forms import page_fields
from ...services import clock, instances, leads, notifications, task_due, tasks
from ..i18n import language, t
from ..refusals import refused_as
from ..session import page, signed_in_user
from ..views import (
    attempt,
    attempt_and_say,
    back_to,
    field_messages,
    page_number,
    posted_values,
    task_title,
)

bp = Blueprint("web_inbox", __name__)
NAV = [{"endpoint": "web_inbox.index", "text": "nav.inbox", "roles": (), "order": 10}]

PER_PAGE = 25
SHOW = ("all", "mine")
TASK_STATUSES = ("open", "completed")
SUMMARY_SIZE = 12  # process variables shown on a task page: a glance, not a dump


# -- helpers ---------------------------------------------------------------------------------

def process_name(task: HumanTask, instance: ProcessInstance) -> str:
    return (instance.definition.name if instance.definition else "") or task.process_key


def may_claim(task: HumanTask, user: User) -> bool:
    return task.status == "open" and task.assignee is None and tasks.may_act(task, user)


def may_unclaim(task: HumanTask, user: User) -> bool:
    return task.status == "open" and task.assignee is not None and (
        task.assignee == user.username or user.is_supervisor)


def may_complete(task: HumanTask, user: User) -> bool:
    return (task.status == "open" and tasks.may_act(task, user)
            and task.assignee in (None, user.username))


def inbox_row(task: HumanTask, instance: ProcessInstance, user: User, now: datetime) -> dict:
    form = tasks.form_of(task)
    return {"task": task, "title": task_title(task, form), "process": process_name(task, instance),
            "business_key": instance.business_key,
            "due": task_due.due_state(task, now), "approval": tasks.is_approval(task),
            "claim": may_claim(task, user), "unclaim": may_unclaim(task, user)}


# -- the inbox -------------------------------------------------------------------------------

@bp.get("/inbox")
@page()
def index():
    """My tasks and my groups' tasks (managers: everyone's), the soonest due first."""
    me = signed_in_user()
    show = request.args.get("show") if request.args.get("show") in SHOW else "all"
    group = request.args.get("group", "")
    group = group if group in (me.roles or []) else ""
    status = request.args.get("status") if request.args.get("status") in TASK_STATUSES \
        else "open"
    found = tasks.search(me, assignee="me" if show == "mine" else None,
                         candidate_group=group or None, status=status, page=page_number(),
                         per_page=PER_PAGE)
    now = clock.now()
    of_tasks = instances.get_many({task.instance_id for task in found.items})
    return render_template(
        "web/inbox/index.html",
        rows=[inbox_row(task, of_tasks[task.instance_id], me, now) for task in found.items],
        found=found, filters={"show": show, "group": group, "status": status},
        statuses=TASK_STATUSES)


# -- one task --------------------------------------------------------------------------------

def variables_summary(instance: ProcessInstance) -> dict:
    """A few plain process variables behind the task (for those who may read them)."""
    shown = {}
    for name, value in (instance.variables or {}).items():
        if name.startswith("_") or not isinstance(value, str | int | float | bool):
            continue
        if value in ("", None):
            continue
        shown[name] = value
        if len(shown) == SUMMARY_SIZE:
            break
    return shown


def task_page(task: HumanTask, user: User, *, values: dict | None = None,
              errors: dict | None = None, status: int = 200) -> tuple[str, int]:
    """The task page; after a refused completion (422) with what was typed and why."""
    form = tasks.form_of(task)
    fields = page_fields(form, language()) if form else []
    errors = field_messages(errors)
    known = {f["name"] for f in fields}
    readable = tasks.may_read_data(task, user)
    if values is None:
        values = (task.data or {}) if task.status != "open" and readable else {}
    instance = instances.get(task.instance_id)
    html = render_template(
        "web/inbox/task.html", task=task, title=task_title(task, form), form=form,
        fields=fields, values=values, errors=errors,
        other_errors={k: v for k, v in errors.items() if k not in known},
        process=process_name(task, instance), instance=instance,
        lead_id=leads.lead_id_of(instance.business_key),
        summary=variables_summary(instance) if readable else {},
        due=task_due.due_state(task, clock.now()),
        approval=tasks.is_approval(task), claim=may_claim(task, user),
        unclaim=may_unclaim(task, user), complete=may_complete(task, user))
    return html, status


@bp.get("/tasks/<task_id>")
@page()
def task(task_id: str):
    """The task's form, what it belongs to, and the buttons the person may use."""
    me = signed_in_user()
    return task_page(tasks.get(task_id, me), me)


@bp.post("/tasks/<task_id>/complete")
@page()
def complete(task_id: str):
    """Complete the task; then the next task of the same process this person may work, if
    any, else the inbox. A rejected form comes back (422) with what was typed."""
    me = signed_in_user()
    current = tasks.get(task_id, me)
    form = tasks.form_of(current)
    data = posted_values(form)
    title = task_title(current, form)
    try:
        done = attempt(tasks.complete, task_id, me, data)
    except Invalid as invalid:
        return task_page(tasks.get(task_id, me), me, values=data, errors=invalid.fields,
                         status=422)
    except (Conflict, Forbidden) as refused:
        flash(refused_as("inbox.task.refused", refused.message), "error")
        return redirect(url_for(".task", task_id=task_id))
    flash(t("inbox.task.completed", title=title), "success")
    following = next((candidate for candidate in tasks.open_for(me, done.instance_id)
                      if may_complete(candidate, me)), None)
    if following is not None:
        return redirect(url_for(".task", task_id=following.id))
    return redirect(url_for(".index"))


@bp.post("/tasks/<task_id>/claim")
@page()
def claim(task_id: str):
    attempt_and_say(tasks.claim, task_id, signed_in_user(), done=t("inbox.claimed"),
                    refused="inbox.claim_refused")
    return redirect(back_to(url_for(".index")))


@bp.post("/tasks/<task_id>/unclaim")
@page()
def unclaim(task_id: str):
    attempt_and_say(tasks.unclaim, task_id, signed_in_user(), done=t("inbox.unclaimed"),
                    refused="inbox.unclaim_refused")
    return redirect(back_to(url_for(".index")))


# -- notifications ---------------------------------------------------------------------------

@bp.get("/notifications", endpoint="notifications")
@page()
def notification_list():
    """My notifications, unread first (highlighted), then newest first."""
    me = signed_in_user()
    unread_only = request.args.get("unread") == "1"
    found = notifications.inbox(me, unread=unread_only, page=page_number(), per_page=PER_PAGE)
    return render_template("web/inbox/notifications.html", found=found,
                           unread_only=unread_only)


@bp.post("/notifications/<int:notification_id>/read")
@page()
def mark_read(notification_id: int):
    """Mark one read; with ``next`` (the task it is about) the person goes on there."""
    notifications.mark_read(notification_id, signed_in_user())
    return redirect(back_to(url_for(".notifications")))


@bp.post("/notifications/read-all")
@page()
def mark_all_read():
    marked = notifications.mark_all_read(signed_in_user())
    flash(t("inbox.notifications.marked", count=marked), "success")
    return redirect(back_to(url_for(".notifications")))
