"""Reports on processes: cycle times, where processes wait, the event log."""

from __future__ import annotations

from flask import stream_with_context
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..services.reports import process
from .auth import login_required
from .report_common import ReportArgs, csv_response, filters, respond

blp = Blueprint("reports_process", __name__, url_prefix="/api/reports",
                description="Reports on processes: cycle times, where processes wait, the "
                            "event log")


class ProcessNodesArgs(ReportArgs):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                metadata={"description": "the process to measure"})


class EventLogArgs(ReportArgs):
    process_key = fields.String(validate=validate.Length(min=1, max=200),
                                metadata={"description": "one process only (default: all)"})


@blp.get("/cycle-times")
@login_required()
@blp.arguments(ReportArgs, location="query")
def cycle_times(args):
    """Time in each pipeline stage, approval durations per step and role, quote turnaround,
    first-call SLA compliance and the tasks overdue now (``?format=csv`` for CSV)."""
    return respond(process.cycle_times(filters(args)), args)


@blp.get("/process-nodes")
@login_required()
@blp.arguments(ProcessNodesArgs, location="query")
def process_nodes(args):
    """Per definition version and BPMN element of a process: instances that passed it, and the
    median and p90 waiting and working time of its user tasks: where the process is slow."""
    return respond(process.process_nodes(filters(args), args["process_key"]), args)


@blp.get("/events.csv")
@login_required()
@blp.arguments(EventLogArgs, location="query")
def event_log(args):
    """The event log (case, activity, timestamp, resource) as XES-style CSV columns for
    pm4py, Disco or Celonis, streamed, ordered by case then time."""
    chunks = process.event_log(filters(args), args.get("process_key"))
    return csv_response(stream_with_context(chunks), "events")
