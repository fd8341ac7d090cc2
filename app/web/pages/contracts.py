"""Drawing up a contract from a deal: the page behind the deal's "New contract" button.

The contract comes from the deal's accepted quote (its total and special discount) or, with no
quote, an amount; the contracts service decides, and submits it to the approval chain.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ...api.deal_schemas import ContractRequest
from ...errors import Invalid
from ...services import contracts, pipeline, quotes
from ..i18n import t
from ..session import page, signed_in_user
from ..views import field_messages, form_body

bp = Blueprint("web_contracts", __name__)
FIELDS = ("start_date", "end_date", "terms", "amount")


def _accepted_quote(opportunity_id: int):
    user = signed_in_user()
    return next((q for q in quotes.of_opportunity(opportunity_id, user)
                 if q.status == "accepted"), None)


def _form(opportunity_id: int, values: dict, errors: dict, status: int = 200):
    opportunity = pipeline.get_opportunity(opportunity_id, signed_in_user())
    return render_template("web/contracts/new.html", opportunity=opportunity,
                           quote=_accepted_quote(opportunity_id), values=values,
                           errors=field_messages(errors)), status


@bp.get("/opportunities/<int:opportunity_id>/contracts/new")
@page("sales", "manager")
def new(opportunity_id: int):
    return _form(opportunity_id, {}, {})


@bp.post("/opportunities/<int:opportunity_id>/contracts/new")
@page("sales", "manager")
def create(opportunity_id: int):
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    try:
        data = form_body(ContractRequest(), FIELDS)  # the API's own rules for the fields
        contract = contracts.create(opportunity_id, signed_in_user(), data)
    except Invalid as error:
        return _form(opportunity_id, values, {"_": [error.message], **error.fields}, 422)
    flash(t("contracts.submitted", number=contract.number), "success")
    return redirect(url_for("web_pipeline.opportunity", opportunity_id=opportunity_id))
