"""The quote builder: products from the catalogue, lines with quantity and discount, and the
totals and the discount-policy verdict as the server computes them while one types.

The page only renders the form. Its script (static/js/quotes.js) asks ``POST
/api/opportunities/<id>/quotes/preview`` for the figures on every change and creates the quote
with ``POST /api/opportunities/<id>/quotes``: the browser never computes money, and a
discount beyond dmn/discount_policy.dmn is announced before anyone submits it.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from ...services import catalog, pipeline, quotes
from ..i18n import t
from ..session import page, signed_in_user
from .pipeline import READERS

bp = Blueprint("web_quotes", __name__)
MAX_PRODUCTS = 500  # a picker, not a catalogue browser


@bp.get("/opportunities/<int:opportunity_id>/quotes/new")
@page(*READERS)
def new(opportunity_id: int):
    """The builder, for those who may draw up the deal's quotes (the quote service's rule:
    its owner, their managers, admins); others get the service's 403."""
    user = signed_in_user()
    deal = pipeline.get_opportunity(opportunity_id, user)
    quotes.require_deal_writer(user, deal)
    products = catalog.search_products(active=True, per_page=MAX_PRODUCTS).items
    return render_template("web/quotes/new.html", title=t("quotes.title"), deal=deal,
                           customer_name=pipeline.customer_name(deal), products=products)
