"""Process instances for the people who follow them: a filtered list, and one instance on its
BPMN diagram (where it is, who holds it since when, the path it took), with cancel and retry.

The instances service decides who sees what and who may cancel or retry; the diagram's marks
come from the server (the recorded path and the open tasks), the browser only draws them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ...errors import Invalid
from ...models.instance import STATUSES
from ...services import clock, definitions, instances
from ..formatting import duration, plain
from ..i18n import t
from ..session import page, signed_in_user
from ..views import page_number

bp = Blueprint("web_instances", __name__)
ROLES = ("manager", "analyst", "sales_director")
NAV = [{"endpoint": "web_instances.index", "text": "nav.instances", "roles": ROLES,
        "order": 60}]
PER_PAGE = 25


def _day(name: str) -> datetime | None:
    """A ``YYYY-MM-DD`` query argument as the start of that UTC day."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(), tzinfo=UTC)
    except ValueError:
        raise Invalid(t("instances.bad_date"), fields={name: [t("instances.bad_date")]}) from None


def _whole(name: str, default: int | None) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise Invalid(t("instances.bad_number"), fields={name: [t("instances.bad_number")]})
    return int(value)


def _filters() -> dict:
    """The list's filters from the query string; "older than N days" is a start bound."""
    status = request.args.get("status", "").strip() or None
    if status is not None and status not in STATUSES:
        raise Invalid(t("instances.bad_status"), fields={"status": [t("instances.bad_status")]})
    started_before = _day("started_before")
    if started_before is not None:
        started_before += timedelta(days=1)  # the day given is included
    older_than = _whole("older_than", None)
    if older_than is not None:
        bound = clock.now() - timedelta(days=older_than)
        started_before = min(bound, started_before) if started_before else bound
    return {"process_key": request.args.get("process_key", "").strip() or None,
            "status": status, "started_by": request.args.get("started_by", "").strip() or None,
            "held_by": request.args.get("held_by", "").strip() or None,
            "started_after": _day("started_after"), "started_before": started_before}


@bp.get("/instances")
@page(*ROLES)
def index():
    """The instances the user may follow, newest first, filtered and paged."""
    user = signed_in_user()
    found = instances.search(user, **_filters(), page=page_number(), per_page=PER_PAGE)
    open_tasks = instances.open_tasks([i.id for i in found.items])
    return render_template("web/instances/index.html", found=found, open_tasks=open_tasks,
                           statuses=STATUSES, now=clock.now(),
                           processes=definitions.latest_processes())


def _holders(active_tasks: list, now: datetime) -> dict[str, str]:
    """Per active element, who holds it and for how long (the diagram's overlay text)."""
    notes: dict[str, list[str]] = {}
    for task in active_tasks:
        who = task.assignee or ", ".join(task.candidate_groups) or "—"
        notes.setdefault(task.element_id, []).append(
            f"{who} · {duration((now - task.created_at).total_seconds())}")
    return {element: "; ".join(texts) for element, texts in notes.items()}


def _shown(value) -> str:
    """A process variable as one short line (the API has the full data)."""
    text = plain(value)
    return text if len(text) <= 160 else text[:157] + "…"


@bp.get("/instances/<int:instance_id>")
@page(*ROLES)
def detail(instance_id: int):
    """One instance: its diagram marks, open tasks, variables and path."""
    user = signed_in_user()
    found = instances.details(instance_id, user)
    instance = found["instance"]
    now = clock.now()
    marks = instances.diagram_marks(found)
    variables = {name: _shown(value) for name, value in sorted((instance.variables or {}).items())
                 if not name.startswith("_")}
    return render_template(
        "web/instances/detail.html", instance=instance, found=found, now=now,
        history=instances.history(found), variables=variables,
        completed_json=json.dumps(marks["completed"]), active_json=json.dumps(marks["active"]),
        problem_json=json.dumps(marks["problem"]),
        holders_json=json.dumps(_holders(found["active_tasks"], now), ensure_ascii=False),
        xml_url=url_for("definitions.xml", key=instance.process_key,
                        version=instance.definition.version))


@bp.post("/instances/<int:instance_id>/cancel")
@page(*ROLES)
def cancel(instance_id: int):
    """Cancel (managers and admins: the service refuses others)."""
    instances.cancel(instance_id, user=signed_in_user())
    flash(t("instances.cancelled", id=instance_id), "success")
    return redirect(url_for("web_instances.detail", instance_id=instance_id))


@bp.post("/instances/<int:instance_id>/retry")
@page(*ROLES)
def retry(instance_id: int):
    """Run the failed step again; say whether it went through this time."""
    instance = instances.retry(instance_id, user=signed_in_user())
    flash(t("instances.retried_ok" if instance.status != "error" else "instances.retried_again",
            id=instance_id), "success" if instance.status != "error" else "error")
    return redirect(url_for("web_instances.detail", instance_id=instance_id))
