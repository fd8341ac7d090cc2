"""Dashboards: the report engine's funnel, forecast, leaderboard, attribution and cycle times
as charts and tables, and a heat map of where a process waits, on its diagram.

Every figure comes from the report services (app/services/reports) with the same filters and
the same scope as the JSON API (a rep sees their own figures, a manager their teams'); the
page embeds the reports as JSON for the charts and links the API's CSV for each. Each report's
definitions are shown in the page's language (app/web/report_definitions.py).
"""

from __future__ import annotations

import json

from flask import Blueprint, render_template, request, url_for
from marshmallow import ValidationError

from ...api.report_common import ReportArgs
from ...errors import Invalid, NotFound
from ...services import definitions, teams
from ...services.reports import process, sales
from ...services.reports.common import READERS, filters_for
from ..formatting import duration
from ..i18n import t
from ..report_definitions import shown as shown_definitions
from ..session import page, signed_in_user
from ..views import stage_names

bp = Blueprint("web_dashboards", __name__)
ROLES = tuple(role for role in READERS if role != "admin")
NAV = [{"endpoint": "web_dashboards.index", "text": "nav.dashboards", "roles": ROLES,
        "order": 70}]
FILTERS = ("from", "to", "team", "owner", "channel", "product")
HEAT_LEVELS = 4  # heat-1 .. heat-4 by the share of the slowest median; heat-0: no wait
DEFAULT_PROCESSES = ("contract_approval", "lead_followup")


def _args() -> dict:
    """The report filters from the query string, read by the API's own schema."""
    try:
        return ReportArgs().load({k: v for k, v in request.args.items()
                                  if k in FILTERS and v.strip()})
    except ValidationError as error:
        raise Invalid(t("dashboards.bad_filters"), fields=error.normalized_messages()) from None


def _heat(report: dict, version: int) -> list[dict]:
    """Per element of the version: its median wait as an overlay text (tasks only) and a
    colour level scaled from the slowest element's median (0: passed, no wait measured)."""
    rows = [row for row in report["nodes"] if row["version"] == version]
    slowest = max((row["waiting_median_seconds"] or 0 for row in rows), default=0)
    heat = []
    for row in rows:
        median = row["waiting_median_seconds"]
        level = (max(1, round(HEAT_LEVELS * median / slowest))
                 if median and slowest else 0)
        text = (t("dashboards.heat_note", wait=duration(median), count=row["tasks"])
                if median is not None else "")  # no wait measured: the table has its count
        heat.append({"element_id": row["element_id"], "level": level, "text": text})
    return heat


def _heat_map(user_filters) -> dict:
    """The heat map's process (asked for, else a default one deployed), version and marks."""
    names = {d.key: d.name or d.key for d in definitions.latest_processes()}
    keys = list(names)
    asked = request.args.get("process", "").strip()
    if asked and asked not in keys:
        raise NotFound(t("dashboards.no_process", process=asked))
    key = asked or next((k for k in DEFAULT_PROCESSES if k in keys), keys[0] if keys else None)
    if key is None:
        return {"key": None, "processes": names}
    definition = definitions.process(key)
    report = process.process_nodes(user_filters, key).as_json()
    return {"key": key, "processes": names, "version": definition.version,
            "name": definition.name or key, "report": report,
            "heat": _heat(report, definition.version),
            "xml_url": url_for("definitions.xml", key=key, version=definition.version),
            "csv_url": url_for("reports_process.process_nodes", process_key=key, format="csv",
                               **_passed_on())}


def _passed_on() -> dict:
    return {k: v for k, v in request.args.items() if k in FILTERS and v.strip()}


@bp.get("/dashboards")
@page(*ROLES)
def index():
    """Every report for the filters, in the reader's scope, and the heat map."""
    user = signed_in_user()
    args = _args()
    by = request.args.get("by", "channel")
    if by not in sales.ATTRIBUTIONS:
        raise Invalid(t("dashboards.bad_filters"), fields={"by": list(sales.ATTRIBUTIONS)})
    scope = filters_for(user, args)
    reports = {"funnel": sales.funnel(scope).as_json(),
               "forecast": sales.forecast(scope).as_json(),
               "leaderboard": sales.leaderboard(scope).as_json(),
               "attribution": sales.attribution(scope, by).as_json(),
               "cycle_times": process.cycle_times(scope).as_json()}
    passed = _passed_on()
    csv = {"funnel": url_for("reports_sales.funnel", format="csv", **passed),
           "forecast": url_for("reports_sales.forecast", format="csv", **passed),
           "leaderboard": url_for("reports_sales.leaderboard", format="csv", **passed),
           "attribution": url_for("reports_sales.attribution", format="csv", by=by, **passed),
           "cycle_times": url_for("reports_process.cycle_times", format="csv", **passed)}
    heat_map = _heat_map(scope)
    return render_template(
        "web/dashboards/index.html", reports=reports, csv=csv, by=by,
        attributions=list(sales.ATTRIBUTIONS), teams=teams.all_teams(), heat_map=heat_map,
        scope=scope, stage_names=stage_names(), shown_definitions=shown_definitions,
        chart_data={"reports": reports, "labels": _chart_labels()},
        heat_json=json.dumps(heat_map.get("heat", []), ensure_ascii=False))


def _chart_labels() -> dict:
    """The charts' words in the page's language (the figures are the reports')."""
    keys = ("count", "weighted", "amount", "won_amount", "deals_won", "new_customers",
            "leads_handled", "conversion_rate", "median_hours", "p90_hours", "leads", "won")
    labels = {key: t(f"dashboards.col.{key}") for key in keys}
    labels.update({f"step.{step}": t(f"dashboards.step.{step}") for step in sales.FUNNEL_STEPS})
    labels["none"] = t("dashboards.none_group")
    labels["stages"] = stage_names()
    return labels
