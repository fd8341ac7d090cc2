"""Lead capture over the API: ``POST /api/leads`` and the inbound webhooks."""

from __future__ import annotations

from functools import wraps

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..services import lead_capture, lead_sources
from .auth import current_user, login_required
from .lead_schemas import LeadSchema

blp = Blueprint("capture", __name__, description="Capture leads: the API and inbound webhooks")

IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "maxLength": 100},
               "description": "a repeated request with the same key returns the first one's "
                              "lead (200) instead of creating another"}


class CapturedRef(Schema):
    id = fields.Integer()
    status = fields.String()
    merged = fields.Boolean()


def small_body(view):
    """Read at most CRM_CAPTURE_MAX_BYTES of the body (413 beyond)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        request.max_content_length = current_app.config["CAPTURE_MAX_BYTES"]
        return view(*args, **kwargs)

    return wrapper


class _Shown:
    """The captured lead as the response shows it: whole, or (someone else's) id and status."""

    def __init__(self, result: lead_capture.Captured):
        self._result = result

    def __getattr__(self, name):
        if name == "merged":
            return self._result.merged
        if not self._result.full_view and name not in ("id", "status"):
            raise AttributeError(name)
        return getattr(self._result.lead, name)


@blp.post("/api/leads")
@small_body
@login_required("sales", "manager", scopes=("leads:write",))
@blp.arguments(lead_capture.ApiLeadInput)
@blp.response(201, LeadSchema)
@blp.alt_response(200, schema=LeadSchema, description="the lead this request repeats (same "
                  "Idempotency-Key) or duplicates (same phone or email: merged true); a lead "
                  "you may not read shows only id, status and merged")
@blp.doc(parameters=[IDEMPOTENCY])
def create(body):
    """Capture a lead (sales, manager, admin, or an API client with the scope leads:write).

    A duplicate of an open lead (same phone or email) is merged into it as a touch."""
    result = lead_capture.capture_from_api(
        body, user=current_user(), idempotency_key=request.headers.get("Idempotency-Key"))
    return _Shown(result), (201 if result.created else 200)


@blp.post("/api/webhooks/leads/<source>")
@small_body
@blp.response(201, CapturedRef)
@blp.alt_response(200, schema=CapturedRef, description="a repeated delivery (same event id) "
                  "or a duplicate merged into an existing lead")
@blp.doc(security=[], parameters=[
    {"name": "X-Signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "sha256=<hex HMAC-SHA256 of the raw body with the source's secret> (the "
                    "header name is set per source)"}])
def webhook(source: str):
    """Receive a lead from a third party (DingTalk, WeCom...), mapped by the source's file
    in app/integrations/lead_sources; the event id makes redeliveries harmless."""
    result = lead_sources.receive(source, request.get_data(cache=False), request.headers)
    return ({"id": result.lead.id, "status": result.lead.status, "merged": result.merged},
            (201 if result.created else 200))
