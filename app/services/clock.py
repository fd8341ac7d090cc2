"""The clock for the current unit of work (the test clock's offset lives in the database)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from .. import db, engine
from ..clock import Clock, utcnow
from ..errors import Invalid, NotFound
from ..models.system import Setting

OFFSET_KEY = "test_clock_offset_seconds"


def current() -> Clock:
    """The clock every service uses; cached on the session so one unit of work sees one offset."""
    session = db.session()
    clock = session.info.get("clock")
    if clock is None:
        offset = timedelta(0)
        if current_app.config["TEST_CLOCK"]:
            row = session.scalar(select(Setting).where(Setting.key == OFFSET_KEY))
            if row is not None:
                offset = timedelta(seconds=row.value["seconds"])
        clock = session.info["clock"] = Clock(offset)
    return clock


def now() -> datetime:
    return current().now()


def move(*, advance: timedelta | None = None, to: datetime | None = None) -> datetime:
    """Move the test clock (only with CRM_TEST_CLOCK=1); returns the new 'now'."""
    if not current_app.config["TEST_CLOCK"]:
        raise NotFound("the test clock is off (set CRM_TEST_CLOCK=1)")
    clock = current()
    offset = clock.offset + advance if advance is not None else to - utcnow()
    session = db.session()
    row = session.get(Setting, OFFSET_KEY)
    if row is None:
        row = Setting(key=OFFSET_KEY, value={}, updated_at=utcnow())
        session.add(row)
    row.value = {"seconds": offset.total_seconds()}
    row.updated_at = utcnow()
    clock.offset = offset
    return clock.now()


def parse_duration(text: str) -> timedelta:
    """'PT25H', 'P3D', '-PT1H' -> timedelta (for moving the test clock)."""
    try:
        return engine.duration_from(text, now())
    except Exception as exc:
        raise Invalid(f"{text!r} is not an ISO 8601 duration such as PT25H or P3D",
                      fields={"advance": ["not an ISO 8601 duration"]}) from exc
