"""What the report endpoints share: their query arguments and the JSON or CSV answer."""

from __future__ import annotations

from flask import Response
from marshmallow import EXCLUDE, Schema, fields, validate

from ..services.reports.common import Report, filters_for
from .auth import current_user


class ReportArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    date_from = fields.Date(data_key="from", metadata={"description": "first day (UTC)"})
    date_to = fields.Date(data_key="to", metadata={"description": "last day, included"})
    team = fields.String(validate=validate.Length(max=80))
    owner = fields.String(validate=validate.Length(max=80),
                          metadata={"description": "a username, or me"})
    channel = fields.String(validate=validate.Length(max=80),
                            metadata={"description": "the lead's source channel"})
    product = fields.String(validate=validate.Length(max=80),
                            metadata={"description": "the lead's product interest"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


def filters(args: dict):
    return filters_for(current_user(), args)


def respond(report: Report, args: dict):
    """The report as JSON, or as CSV (``?format=csv``) named after it."""
    if args.get("format") == "csv":
        return csv_response(report.as_csv(), report.name)
    return report.as_json()


def csv_response(body, name: str) -> Response:
    """A CSV download named ``<name>.csv`` (a string, or chunks to stream)."""
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
