"""Approvals: the directors' queue and the page where one approval is decided (from a phone
too). The rules are the tasks service's (who may act, the form's checks, delegation); the
contracts service says what the approval is about and gives its trail.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...models.task import HumanTask
from ...models.user import User
from ...pages.public_forms import page_fields
from ...services import clock, contracts, documents, instances, tasks, users
from ..i18n import language, t
from ..session import page, signed_in_user
from ..views import attempt, field_messages, page_number, posted_values, task_label, task_title

bp = Blueprint("web_approvals", __name__)
ROLES = ("sales_director", "legal_director", "finance_director", "manager")
NAV = [{"endpoint": "web_approvals.index", "text": "nav.approvals", "roles": ROLES,
        "order": 50}]
DECISIONS = {"approve", "reject"}
PER_PAGE = 25


def _subject(task: HumanTask, user: User) -> dict:
    """The contract or quote behind the task; nothing when its record is out of reach."""
    return contracts.subject_or_nothing(instances.get(task.instance_id), user)


@bp.get("/approvals")
@page(*ROLES)
def index():
    """What waits for my decision, oldest first, with what and how much it is about."""
    user = signed_in_user()
    now = clock.now()
    queue = contracts.approval_queue(user, page=page_number(), per_page=PER_PAGE)
    rows = [{"task": task, "subject": subject, "title": task_title(task, tasks.form_of(task)),
             "waiting": (now - task.created_at).total_seconds()}
            for task, subject in queue.items]
    return render_template("web/approvals/index.html", rows=rows, queue=queue, now=now)


def _approval(task_id: str, user: User) -> HumanTask:
    """The task, if it is an approval the user may open: 404 / 403 otherwise."""
    try:
        task = tasks.get(task_id, user)
    except Forbidden:  # offered to a role the user does not hold: say whose it is
        raise Forbidden(t("approvals.not_yours_at_all")) from None
    if not tasks.is_approval(task):
        raise NotFound(t("approvals.not_an_approval"))
    if task.status == "open" and not tasks.may_act(task, user):
        if task.assignee is not None:
            raise Conflict(t("approvals.claimed_by", name=task.assignee))
        raise Forbidden(t("approvals.not_yours", roles=", ".join(task.candidate_groups)))
    return task


def decision_field(form: dict | None) -> str | None:
    """The form's approve / reject choice (drawn as two buttons), if it has one."""
    for spec in (form or {}).get("fields", []):
        values = {str(c.get("value")) for c in spec.get("choices", [])}
        if spec.get("type") == "choice" and values == DECISIONS:
            return spec["name"]
    return None


def _documents(subject: dict, user: User) -> list:
    """The contract's and its quote's documents that the user may download."""
    found = []
    for record_type, record in (("contract", subject["contract"]), ("quote", subject["quote"])):
        if record is None:
            continue
        try:
            found.extend(documents.of_record(record_type, record.id, user))
        except (NotFound, Forbidden):
            continue
    return found


def _holders(task: HumanTask, user: User) -> list[User]:
    """Whom the approval may be passed to: the other active holders of its role."""
    people = users.active_with_any_role(task.candidate_groups) if task.candidate_groups else []
    return [person for person in people if not person.api_client
            and person.username not in (user.username, task.assignee)]


def _render(task: HumanTask, *, values: dict | None = None, errors: dict | None = None,
            delegation: dict | None = None, delegate_errors: dict | None = None,
            status: int = 200):
    user = signed_in_user()
    form = tasks.form_of(task)
    subject = _subject(task, user)
    trail = (contracts.approvals(subject["contract"].id, user)
             if subject["contract"] is not None else None)
    choice = decision_field(form)
    fields = page_fields(form, language()) if form else []
    errors = field_messages(errors)
    return render_template(
        "web/approvals/task.html", task=task, form=form, subject=subject, trail=trail,
        documents=_documents(subject, user), decision=choice,
        other_fields=[f for f in fields if f["name"] != choice],
        values=values or {}, errors=errors, delegation=delegation or {},
        delegate_errors=delegate_errors or {},
        holders=_holders(task, user) if task.status == "open" else [],
        waiting=(clock.now() - task.created_at).total_seconds()), status


@bp.get("/approvals/<task_id>")
@page(*ROLES)
def task(task_id: str):
    """One approval: the contract (or quote) to judge, its documents, the trail so far and
    the decision form."""
    return _render(_approval(task_id, signed_in_user()))


@bp.post("/approvals/<task_id>")
@page(*ROLES)
def decide(task_id: str):
    """Complete the approval with the form's values (the button pressed gives the decision);
    a refused form comes back with the messages next to its fields."""
    user = signed_in_user()
    found = _approval(task_id, user)
    form = tasks.form_of(found)
    data = posted_values(form)
    try:
        done = attempt(tasks.complete, task_id, user, data)
    except Invalid as error:
        return _render(found, values=data, errors=error.fields or {"_": [error.message]},
                       status=422)
    choice = decision_field(form)
    decided = (done.data or {}).get(choice) if choice else None
    flash(t(f"approvals.done_{decided}" if decided in DECISIONS else "approvals.done",
            name=task_label(found)), "success")
    return redirect(url_for("web_approvals.index"))


@bp.post("/approvals/<task_id>/delegate")
@page(*ROLES)
def delegate(task_id: str):
    """Pass the approval to another holder of its role (an approver away)."""
    user = signed_in_user()
    found = _approval(task_id, user)
    to = request.form.get("to", "").strip()
    note = request.form.get("note", "").strip() or None
    try:
        if not to:
            raise Invalid("choose whom to pass it to", fields={"to": [t("approvals.choose")]})
        tasks.delegate(task_id, user, to, note)
    except Invalid as error:
        return _render(found, delegation={"to": to, "note": note or ""},
                       delegate_errors=error.fields or {"_": [error.message]}, status=422)
    flash(t("approvals.delegated", name=to), "success")
    return redirect(url_for("web_approvals.index"))

