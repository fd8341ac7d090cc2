"""Health: is the database reachable, when did the scheduler last tick."""

from __future__ import annotations

import logging

from sqlalchemy import text

from .. import db
from . import clock, timers

log = logging.getLogger(__name__)


def report() -> dict:
    try:
        db.session().execute(text("SELECT 1"))
        last_tick = timers.last_tick()
        now = clock.now()
    except Exception as exc:  # the point is to report it, not to fail
        log.warning("health check: database unreachable: %s", exc)
        return {"status": "unavailable", "database": f"unreachable: {exc.__class__.__name__}",
                "scheduler_last_tick": None, "now": None}
    return {"status": "ok", "database": "ok", "scheduler_last_tick": last_tick, "now": now}

