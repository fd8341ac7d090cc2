"""Administration: the test clock. GET /healthz lives here too (no auth)."""

from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_smorest import Blueprint

from ..clock import utcnow
from ..errors import BadRequest, NotFound
from ..services import clock, health
from .auth import login_required
from .schemas import ClockRequest, ClockResponse, HealthSchema

blp = Blueprint("admin", __name__, description="Administration and health")


def test_clock_only(view):
    """Without CRM_TEST_CLOCK=1 the endpoint does not exist, for anybody."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_app.config["TEST_CLOCK"]:
            raise NotFound("not found")
        return view(*args, **kwargs)

    return wrapper


@blp.post("/api/admin/clock")
@test_clock_only
@login_required("admin")
@blp.arguments(ClockRequest)
@blp.response(200, ClockResponse)
def move_clock(body):
    """Move the test clock (only when the service runs with CRM_TEST_CLOCK=1)."""
    if ("advance" in body) == ("set" in body):
        raise BadRequest("send either 'advance' (an ISO 8601 duration) or 'set' (a time)",
                         fields={"advance": ["one of advance / set"]})
    if "advance" in body:
        now = clock.move(advance=clock.parse_duration(body["advance"]))
    else:
        now = clock.move(to=body["set"])
    return {"now": now, "offset_seconds": (now - utcnow()).total_seconds()}


@blp.get("/healthz")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="the database is unreachable")
@blp.doc(security=[])
def healthz():
    """Is the database reachable, and when did the scheduler last tick?"""
    report = health.report()
    return report, (200 if report["status"] == "ok" else 503)
