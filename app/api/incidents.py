"""Incidents: process instances in error, for the people who retry them."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..services import instances, schedules
from .auth import login_required
from .schemas import FailingScheduleSchema, IncidentSchema, PageArgs, page_schema

blp = Blueprint("incidents", __name__, url_prefix="/api/incidents",
                description="Instances in error (retry them with /process-instances/<id>/retry)")
IncidentPage = Schema.from_dict({
    **page_schema(IncidentSchema, "IncidentItems")().fields,
    "schedules": fields.List(fields.Nested(FailingScheduleSchema),
                             metadata={"description": "periodic processes whose start failed"}),
}, name="IncidentPage")


@blp.get("")
@login_required("manager")
@blp.arguments(PageArgs, location="query")
@blp.response(200, IncidentPage)
def search(args):
    """Instances in error, most recent first, with the failing element and the message."""
    page = instances.incidents(**args)
    items = [{"instance_id": i.id, "process_key": i.process_key,
              "version": i.definition.version, "business_key": i.business_key,
              "element_id": i.error_element, "message": i.error_message, "since": i.updated_at}
             for i in page.items]
    failing = [{"process_key": s.process_key, "element_id": s.element_id,
                "attempts": s.attempts, "message": s.last_error, "retry_at": s.retry_at}
               for s in schedules.failing()]
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "schedules": failing}
