"""Reports on leads and deals: funnel, forecast, leaderboard, attribution.

Each endpoint parses the shared report arguments, narrows them to what the caller may see
(``filters``: a rep their own figures, a manager their teams'; other roles 403), runs one
report and answers JSON or, with ``?format=csv``, CSV.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..services.reports import sales
from .auth import login_required
from .report_common import ReportArgs, filters, respond

blp = Blueprint("reports_sales", __name__, url_prefix="/api/reports",
                description="Reports on leads and deals: funnel, forecast, leaderboard, "
                            "attribution")


class AttributionArgs(ReportArgs):
    by = fields.String(load_default="channel",
                       validate=validate.OneOf(tuple(sales.ATTRIBUTIONS)),
                       metadata={"description": "what to group the leads by"})


@blp.get("/funnel")
@login_required()
@blp.arguments(ReportArgs, location="query")
@blp.response(200)
def funnel(args):
    """Of the leads created in the period, how many were qualified, converted, quoted,
    got an approved contract, were won (at any time since)."""
    return respond(sales.funnel(filters(args)), args)


@blp.get("/forecast")
@login_required()
@blp.arguments(ReportArgs, location="query")
@blp.response(200)
def forecast(args):
    """The weighted open pipeline by expected close month, won amounts by month, and the win
    rate of the deals that reached each stage."""
    return respond(sales.forecast(filters(args)), args)


@blp.get("/leaderboard")
@login_required()
@blp.arguments(ReportArgs, location="query")
@blp.response(200)
def leaderboard(args):
    """Per person and team: deals won and their amounts, new customers, leads handled and
    the median first response time."""
    return respond(sales.leaderboard(filters(args)), args)


@blp.get("/attribution")
@login_required()
@blp.arguments(AttributionArgs, location="query")
@blp.response(200)
def attribution(args):
    """Conversion rate, won amounts and cycle time of the period's leads by channel, team,
    product or campaign (`by`)."""
    return respond(sales.attribution(filters(args), args["by"]), args)
