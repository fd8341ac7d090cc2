"""Quotes: versions per opportunity, priced by the server, judged by the discount policy."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import quotes
from .auth import current_user, login_required
from .deal_schemas import QuoteFiguresSchema, QuotePreviewRequest, QuoteRequest, QuoteSchema

blp = Blueprint("quotes", __name__, url_prefix="/api",
                description="Quotes: versions, totals, the discount policy, the customer's "
                            "decision")


def figures(quote) -> dict:
    """The stored quote with its lines and each line's policy verdict."""
    policy = {p["product"]: p for p in quote.policy or []}
    lines = [{**{c.name: getattr(line, c.name) for c in line.__table__.columns},
              "beyond_policy": policy.get(line.code, {}).get("beyond_policy", False),
              "policy_rule": policy.get(line.code, {}).get("rule")} for line in quote.lines]
    return {**{c.name: getattr(quote, c.name) for c in quote.__table__.columns},
            "lines": lines}


@blp.post("/opportunities/<int:opportunity_id>/quotes")
@login_required("sales", "manager")
@blp.arguments(QuoteRequest)
@blp.response(201, QuoteSchema)
def create(body, opportunity_id: int):
    """A new quote version: lines ``{product, quantity, discount_pct}`` priced from the
    customer tier's price list. Within the discount policy it goes to the document step;
    beyond it (``special_discount``), the sales director, then the finance director approve.
    The open versions it replaces are superseded; after an accepted quote, 409."""
    return figures(quotes.create(opportunity_id, current_user(), body))


@blp.post("/opportunities/<int:opportunity_id>/quotes/preview")
@login_required()
@blp.arguments(QuotePreviewRequest)
@blp.response(200, QuoteFiguresSchema)
def preview(body, opportunity_id: int):
    """The figures these lines would give, stored nowhere (the quote builder's live totals)."""
    return quotes.preview(opportunity_id, current_user(), body["lines"])


@blp.get("/opportunities/<int:opportunity_id>/quotes")
@login_required()
@blp.response(200, QuoteSchema(many=True))
def of_opportunity(opportunity_id: int):
    """Every version, oldest first."""
    return [figures(q) for q in quotes.of_opportunity(opportunity_id, current_user())]


@blp.get("/quotes/<int:quote_id>")
@login_required()
@blp.response(200, QuoteSchema)
def get(quote_id: int):
    return figures(quotes.get(quote_id, current_user()))


@blp.delete("/quotes/<int:quote_id>")
@login_required("sales", "manager")
@blp.response(200, QuoteSchema)
def withdraw(quote_id: int):
    """Withdraw an open quote (its process ends); an accepted quote is frozen (409)."""
    return figures(quotes.withdraw(quote_id, current_user()))
