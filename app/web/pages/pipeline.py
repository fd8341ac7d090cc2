"""The pipeline: the kanban board with the forecast below it, and one deal's page.

Every figure (column counts, totals, weighted totals, the forecast) is the server's, from
``services/pipeline.py``: the board's script moves a card through ``PATCH
/api/opportunities/<id>`` and then fetches the board again from ``/pipeline/board`` instead
of adding anything up itself. People without drag and drop change the stage with the deal
page's form, which calls the same service.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ...errors import Forbidden, Invalid
from ...services import contracts, documents, pipeline, quotes
from ...services.document_data import quote_number
from ..i18n import t
from ..session import page, signed_in_user
from ..views import field_messages, stage_names

bp = Blueprint("web_pipeline", __name__)
READERS = ("sales", "manager", "sales_director")
MOVERS = ("sales", "manager")  # as PATCH /api/opportunities: directors watch, reps move
CARDS_PER_COLUMN = 50  # a column says how many more it holds; its totals count them all
NAV = [{"endpoint": "web_pipeline.index", "text": "nav.pipeline", "roles": READERS,
        "order": 40}]


def chosen_filters() -> dict[str, str]:
    """The board's filters from the query string: an owner ('me' or a username), a team."""
    return {name: request.args.get(name, "").strip()[:80] for name in ("owner", "team")}


def live_figures(filters: dict[str, str]) -> dict:
    """The board and the forecast by month for the filters, as the services compute them."""
    user = signed_in_user()
    given = {name: value for name, value in filters.items() if value}
    return {"board": pipeline.board(user, limit=CARDS_PER_COLUMN, **given),
            "forecast": pipeline.forecast(user, group_by="month", **given),
            "filters": filters, "stage_names": stage_names(),
            "may_move": user.has_role(*MOVERS, "admin")}


@bp.get("/pipeline")
@page(*READERS)
def index():
    filters = chosen_filters()
    owners, teams = pipeline.owners_and_teams(signed_in_user())
    return render_template("web/pipeline/index.html", title=t("pipeline.title"), owners=owners,
                           teams=teams, **live_figures(filters))


@bp.get("/pipeline/board")
@page(*READERS)
def board():
    """The board and the forecast alone: what the page fetches after a card moved."""
    return render_template("web/pipeline/_live.html", **live_figures(chosen_filters()))


@bp.get("/opportunities/<int:opportunity_id>")
@page(*READERS)
def opportunity(opportunity_id: int):
    return render_deal(opportunity_id)


@bp.post("/opportunities/<int:opportunity_id>/stage")
@page(*MOVERS)
def change_stage(opportunity_id: int):
    """The stage form (for people without drag and drop): the same use case as dragging."""
    typed = {name: request.form.get(name, "").strip() for name in ("stage", "reason")}
    changes = {"stage": typed["stage"], **({"reason": typed["reason"]} if typed["reason"]
                                          else {})}
    try:
        pipeline.update(opportunity_id, signed_in_user(), changes)
    except Invalid as problem:
        return render_deal(opportunity_id, typed=typed, errors=field_messages(problem.fields),
                           problem=problem.message), 422
    flash(t("pipeline.moved", stage=stage_names().get(typed["stage"], typed["stage"])),
          "success")
    return redirect(url_for("web_pipeline.opportunity", opportunity_id=opportunity_id))


def render_deal(opportunity_id: int, *, typed: dict | None = None, errors: dict | None = None,
                problem: str | None = None) -> str:
    user = signed_in_user()
    deal = pipeline.get_opportunity(opportunity_id, user)  # 404 unknown, 403 someone else's
    stage = pipeline.stage(deal.stage)
    stages = pipeline.stages()
    versions = list(reversed(quotes.of_opportunity(deal.id, user)))
    quote_rows = [{"quote": q, "number": quote_number(q),
                   "documents": documents.of_record("quote", q.id, user)} for q in versions]
    contract_rows = [{"contract": c, "documents": documents.of_record("contract", c.id, user)}
                     for c in reversed(contracts.of_opportunity(deal.id, user))]
    new_quote = request.args.get("new_quote", "")
    created = next((row for row in quote_rows if str(row["quote"].id) == new_quote), None)
    waiting = any(d.pdf_status == "pending" for row in quote_rows + contract_rows
                  for d in row["documents"])
    return render_template(
        "web/pipeline/opportunity.html", title=deal.name, deal=deal, stage=stage,
        customer_name=pipeline.customer_name(deal),
        probability=pipeline.probability_of(deal), weighted=pipeline.weighted_amount(deal),
        days_in_stage=pipeline.days_in_stage(deal), history=pipeline.history(deal),
        stages=stages, stage_names=stage_names(stages), quote_rows=quote_rows,
        contract_rows=contract_rows, created=created, waiting=waiting,
        may_quote=may_quote(user, deal, stage), may_move=user.has_role(*MOVERS, "admin"),
        live_contract=any(row["contract"].status in contracts.LIVE_STATUSES
                          for row in contract_rows),
        typed=typed or {"stage": deal.stage}, errors=errors or {}, problem=problem)


def may_quote(user, deal, stage) -> bool:
    """Whether to offer "New quote" and "Draw up a contract": the quote and contract
    services' own rule (owner, their managers, admins), and only while the deal is open."""
    if stage.is_won or stage.is_lost:
        return False
    try:
        quotes.require_deal_writer(user, deal)
    except Forbidden:
        return False
    return True
