"""Customer 360: the customers a person sees, and one customer with its contacts, open deals
and timeline, where a note or a call is logged.

The list, the customer and the timeline come from the same services as the JSON API
(``customers``, ``pipeline``, ``timeline``), so a page never shows what the API would refuse.
Logging an interaction checks the input with the API's own schema before the service call, so
the page and ``POST /api/interactions`` accept and refuse exactly the same things.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from ...api.customer_schemas import InteractionCreate
from ...errors import Invalid
from ...models.customer import INTERACTION_KINDS
from ...services import customers, definitions, pipeline, timeline
from ..i18n import label, t
from ..session import page, signed_in_user
from ..views import field_messages, page_number, stage_names

bp = Blueprint("web_customers", __name__)
READERS = ("sales", "manager", "sales_director")
WRITERS = ("sales", "manager")  # as the API: directors read, reps and managers log
NAV = [{"endpoint": "web_customers.index", "text": "nav.customers", "roles": READERS,
        "order": 30}]
PER_PAGE = 25
TIMELINE_PER_PAGE = 20


@bp.get("/customers")
@page(*READERS)
def index():
    """The customers I see, newest first, found by part of their name."""
    q = request.args.get("q", "").strip()[:200]
    found = customers.search_accounts(signed_in_user(), q=q or None, page=page_number(),
                                      per_page=PER_PAGE)
    return render_template("web/customers/index.html", found=found, q=q,
                           title=t("customers.title"))


@bp.get("/customers/<int:account_id>")
@page(*READERS)
def detail(account_id: int):
    return render_detail(account_id)


@bp.post("/customers/<int:account_id>/interactions")
@page(*WRITERS)
def log_interaction(account_id: int):
    """A note or a call with the customer, by me; 422 shows the form again with the
    messages next to the fields and what was typed."""
    user = signed_in_user()
    typed = {name: request.form.get(name, "").strip()
             for name in ("kind", "contact_id", "subject", "body", "outcome", "duration")}
    try:
        customers.log_interaction(user, interaction_input(account_id, typed))
    except Invalid as problem:
        return render_detail(account_id, typed=typed, errors=field_messages(problem.fields),
                             problem=problem.message), 422
    flash(t("customers.logged"), "success")
    return redirect(url_for("web_customers.detail", account_id=account_id) + "#timeline")


def interaction_input(account_id: int, typed: dict) -> dict:
    """The form as ``POST /api/interactions`` takes it (loaded by the API's schema); a call's
    outcome and duration go in ``data``, which the API keeps as it is."""
    body = {"customer_id": account_id, "kind": typed["kind"], "subject": typed["subject"],
            "body": typed["body"] or None}
    errors: dict[str, list[str]] = {}
    if typed["contact_id"]:
        if typed["contact_id"].isdigit():
            body["contact_id"] = int(typed["contact_id"])
        else:
            errors["contact_id"] = [t("customers.error.contact")]
    details = {}
    if typed["kind"] == "call":
        if typed["outcome"]:
            details["outcome"] = typed["outcome"][:200]
        if typed["duration"]:
            if typed["duration"].isdigit() and int(typed["duration"]) <= 24 * 60:
                details["duration_minutes"] = int(typed["duration"])
            else:
                errors["duration"] = [t("customers.error.duration")]
    if details:
        body["data"] = details
    try:
        loaded = InteractionCreate().load(body)
    except ValidationError as problem:
        errors.update({name: messages if isinstance(messages, list) else [str(messages)]
                       for name, messages in problem.messages.items()})
    if errors:
        raise Invalid(t("form.errors"), fields=errors)
    return loaded


def form_titles(form_keys) -> dict[str, str]:
    """The page-language titles of the forms of the timeline's tasks, by form key: "First
    call" is 首次电话 on a Chinese page, where the BPMN task name is the analyst's one."""
    wanted = {key for key in form_keys if key}
    if not wanted:
        return {}
    latest = definitions.latest_forms()
    return {key: label(definitions.form_by_hash(latest[key].file_hash).get("title"))
            for key in wanted if key in latest}


def render_detail(account_id: int, *, typed: dict | None = None, errors: dict | None = None,
                  problem: str | None = None) -> str:
    user = signed_in_user()
    account = customers.get_account(account_id, user)  # 404 unknown, 403 someone else's
    deals = pipeline.search(user, customer=account.id, open=True, per_page=100)
    story = timeline.timeline(account.id, user, page=page_number(), per_page=TIMELINE_PER_PAGE)
    contacts = customers.contacts_of(account.id, user)
    return render_template(
        "web/customers/detail.html", title=account.name, account=account, contacts=contacts,
        deals=deals.items, stage_names=stage_names(), story=story,
        task_titles=form_titles(item.data.get("form_key") for item in story.items),
        kinds=INTERACTION_KINDS, typed=typed or {"kind": "note"}, errors=errors or {},
        problem=problem, may_log=user.has_role(*WRITERS, "admin"))
