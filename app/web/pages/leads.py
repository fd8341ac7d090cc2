"""Leads: the list, one lead (with why it went to its owner), the pool, and what people do
with a lead (convert, close, claim, dispatch).

Who sees which lead and who may do what is the lead service's (services/leads.py and
visibility.py); the request bodies are read with the JSON API's own schemas, so a page and an
API call accept exactly the same input. A refused action comes back as a message.
"""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import Schema

from ...api.lead_schemas import AssignRequest, CloseRequest, ConvertRequest
from ...errors import Conflict, Forbidden, Invalid
from ...models.instance import OPEN_STATUSES
from ...models.lead import LEAD_STATUSES, OPEN_LEAD_STATUSES, Lead
from ...models.user import User
from ...services import instances, leads, tasks, users
from ..i18n import t
from ..refusals import refused_as
from ..session import page, signed_in_user
from ..views import (
    attempt,
    attempt_and_say,
    back_to,
    field_messages,
    form_body,
    page_number,
    task_title,
)

bp = Blueprint("web_leads", __name__)
NAV = [{"endpoint": "web_leads.index", "text": "nav.leads",
        "roles": ("sales", "manager", "sales_director"), "order": 20}]

READERS = ("sales", "manager", "sales_director")
POOL_ROLES = ("sales", "manager")  # as GET /api/lead-pool
PER_PAGE = 25
PUBLIC_FORM = "website_lead"
FILTERS = ("q", "status", "source", "owner", "team")


def may_claim(user: User) -> bool:
    return user.has_role("sales", "admin")


def may_dispatch(user: User) -> bool:
    return user.has_role("manager", "admin")


def reps() -> list[str]:
    """Whom a manager may give a lead to (the service checks again)."""
    return users.usernames_with_any_role(["sales"])


# -- the list --------------------------------------------------------------------------------

@bp.get("/leads")
@page(*READERS)
def index():
    """The leads I may see (mine; managers: their teams'; directors: all), newest first."""
    me = signed_in_user()
    chosen = {name: request.args.get(name, "").strip() for name in FILTERS}
    if chosen["status"] not in LEAD_STATUSES:
        chosen["status"] = ""
    found = leads.search(me, **{name: value or None for name, value in chosen.items()},
                         page=page_number(), per_page=PER_PAGE)
    return render_template("web/leads/index.html", found=found, filters=chosen,
                           statuses=LEAD_STATUSES, public_form=PUBLIC_FORM,
                           pool=me.has_role(*POOL_ROLES, "admin"))


# -- one lead --------------------------------------------------------------------------------

def open_tasks(lead: Lead, user: User) -> list[dict]:
    """The open tasks of the lead's running processes the person takes part in (managers:
    all), titled as in the inbox."""
    found = instances.search(user, business_key=leads.business_key(lead.id), per_page=100)
    running = [instance.id for instance in found.items if instance.status in OPEN_STATUSES]
    return [{"task": task, "title": task_title(task, tasks.form_of(task))}
            for group in instances.open_tasks(running).values() for task in group]


# the routing service's reasons (stored with the lead, in English), as the page's words
ROUTING_REASONS = (
    (re.compile(r"the table sends it to the pool$"), "leads.why.table_pool"),
    (re.compile(r"team '(?P<team>[^']*)' does not exist$"), "leads.why.no_team"),
    (re.compile(r"unknown strategy '(?P<strategy>[^']*)'$"), "leads.why.no_strategy"),
    (re.compile(r"nobody in the team could take it: the team lead$"), "leads.why.team_lead"),
    (re.compile(r"nobody in the team nor its lead could take it$"), "leads.why.nobody"),
    (re.compile(r"inactive$"), "leads.why.inactive"),
    (re.compile(r"on leave$"), "leads.why.on_leave"),
    (re.compile(r"daily cap reached \((?P<today>\d+)/(?P<cap>\d+)\)$"), "leads.why.cap"),
    (re.compile(r"fewest open leads \((?P<load>\d+)\)$"), "leads.why.least_loaded"),
    (re.compile(r"weighted turn \(weight (?P<weight>\d+) of (?P<total>\d+)\)$"),
     "leads.why.weighted"),
    (re.compile(r"next in turn$"), "leads.why.next_in_turn"),
    (re.compile(r"member$"), "leads.routing.result.member"),
    (re.compile(r"team_lead$"), "leads.routing.result.team_lead"),
    (re.compile(r"pool$"), "leads.routing.result.pool"),
)


def routing_reason(why: str | None) -> str:
    """A routing reason in the page's language (an unknown one as it was stored)."""
    for pattern, key in ROUTING_REASONS:
        found = pattern.match(why or "")
        if found:
            return t(key, **found.groupdict())
    return why or ""


def detail_page(lead: Lead, user: User, *, values: dict | None = None,
                errors: dict | None = None, status: int = 200) -> tuple[str, int]:
    """The lead page; ``errors`` per form ("convert", "close") after a refused post (422)."""
    is_open = lead.status in OPEN_LEAD_STATUSES
    errors = {form: field_messages(problems) for form, problems in (errors or {}).items()}
    html = render_template(
        "web/leads/detail.html", lead=lead, events=leads.events(lead),
        routing=lead.routing or {}, tasks=open_tasks(lead, user), reason=routing_reason,
        values=values or {}, errors=errors,
        can_convert=is_open and lead.status != "pool",
        can_close=is_open and (lead.status != "pool" or may_dispatch(user)),
        can_claim=lead.status == "pool" and may_claim(user),
        can_dispatch=is_open and may_dispatch(user),
        reps=reps() if is_open and may_dispatch(user) else [])
    return html, status


@bp.get("/leads/<int:lead_id>")
@page(*READERS)
def detail(lead_id: int):
    """Contact data, status, owner, where it came from, its history and why it was routed."""
    me = signed_in_user()
    return detail_page(leads.get(lead_id, me), me)


def lead_form(lead_id: int, name: str, schema: Schema, fields: tuple[str, ...], action):
    """A form posted on the lead page (``name``: convert, close), checked by the API's schema
    and run in a savepoint: the lead (done), or the response to send instead: the page again
    with the form's messages (422), or back to it with the refusal said."""
    me = signed_in_user()
    try:
        return attempt(action, lead_id, me, **form_body(schema, fields))
    except Invalid as invalid:
        return detail_page(leads.get(lead_id, me), me, values=request.form,
                           errors={name: invalid.fields}, status=422)
    except (Conflict, Forbidden) as refused:
        flash(refused_as(f"leads.{name}_refused", refused.message), "error")
        return redirect(url_for(".detail", lead_id=lead_id))


@bp.post("/leads/<int:lead_id>/convert")
@page(*READERS)
def convert(lead_id: int):
    """Customer, contact and opportunity from the lead; then the customer's page."""
    lead = lead_form(lead_id, "convert", ConvertRequest(), ("opportunity_name", "amount"),
                     leads.convert_by)
    if not isinstance(lead, Lead):
        return lead
    flash(t("leads.converted"), "success")
    if lead.account_id:
        return redirect(url_for("web_customers.detail", account_id=lead.account_id))
    return redirect(url_for(".detail", lead_id=lead_id))


@bp.post("/leads/<int:lead_id>/close")
@page(*READERS)
def close(lead_id: int):
    """Close the lead with a reason; its follow-up ends."""
    lead = lead_form(lead_id, "close", CloseRequest(), ("reason",), leads.close_by)
    if not isinstance(lead, Lead):
        return lead
    flash(t("leads.closed"), "success")
    return redirect(url_for(".detail", lead_id=lead_id))


# -- the pool --------------------------------------------------------------------------------

@bp.get("/leads/pool")
@page(*POOL_ROLES)
def pool():
    """Leads nobody owns: reps claim them, managers dispatch them."""
    me = signed_in_user()
    found = leads.pool(me, page=page_number(), per_page=PER_PAGE)
    return render_template("web/leads/pool.html", found=found, can_claim=may_claim(me),
                           can_dispatch=may_dispatch(me), reason=routing_reason,
                           reps=reps() if may_dispatch(me) else [])


@bp.post("/leads/<int:lead_id>/claim")
@page("sales")
def claim(lead_id: int):
    """A rep takes a lead from the pool (within the daily claim limit)."""
    attempt_and_say(leads.claim, lead_id, signed_in_user(),
                    done=t("leads.claimed", id=lead_id), refused="leads.claim_refused")
    return redirect(back_to(url_for(".pool")))


@bp.post("/leads/<int:lead_id>/assign")
@page("manager")
def assign(lead_id: int):
    """A manager gives the lead to a rep; the rep's follow-up starts."""
    me = signed_in_user()
    try:
        body = form_body(AssignRequest(), ("owner",))
        lead = attempt(leads.dispatch, lead_id, body["owner"], me)
        flash(t("leads.dispatched", owner=lead.owner), "success")
    except (Conflict, Forbidden, Invalid) as refused:
        if isinstance(refused, Invalid) and refused.fields.get("owner"):
            flash(t("leads.dispatch_refused", reason=t("leads.choose_rep")), "error")
        else:
            flash(refused_as("leads.dispatch_refused", refused.message), "error")
    return redirect(back_to(url_for(".pool")))
