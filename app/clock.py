"""The one clock: every "now" in the service comes from here.

In production it is the system clock. With ``CRM_TEST_CLOCK=1`` it is the system clock plus an
offset that an admin sets through ``POST /api/admin/clock``; the offset lives in the database so
that every worker and every scheduler process sees the same time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock:
    """System time plus an offset (zero unless the test clock moved it)."""

    def __init__(self, offset: timedelta | None = None):
        self.offset = offset or timedelta(0)

    def now(self) -> datetime:
        return utcnow() + self.offset
