"""Rate limits shared by every worker: a fixed-window counter per client, kept in the database.

A hit is counted in a transaction of its own, committed at once: a request that then fails
(a 422, a 413) must still count, or invalid submissions could be sent without limit. Because
of that, on SQLite ``hit`` must run before the request's own unit of work has touched the
database (it would hold the write lock this transaction waits for).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..models.capture import RateLimit


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends (when not allowed: when to come back)


def client_bucket(scope: str, address: str | None) -> str:
    """The counter a client address uses: IPv6 clients count per /64 (one subscriber)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return f"{scope}:{address or 'unknown'}"[:200]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return f"{scope}:{ip.ipv4_mapped}"
        return f"{scope}:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"{scope}:{ip}"


def window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, UTC)


def hit(bucket: str, *, limit: int, window_seconds: int,
        now: datetime | None = None) -> Decision:
    """Count one request of ``bucket``; allowed while the window's count stays within limit.

    Uses the real clock (not the test clock): limits protect the service from real traffic.
    """
    now = now or utcnow()
    start = window_start(now, window_seconds)
    database = current_app.extensions["crm_db"]
    with database.unit_of_work(write=True) as session:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        insert = dialect.insert(RateLimit).values(bucket=bucket, window_start=start, count=1)
        same_window = RateLimit.window_start >= insert.excluded.window_start
        upsert = insert.on_conflict_do_update(
            index_elements=[RateLimit.bucket],
            set_={"count": case((same_window, RateLimit.count + 1), else_=1),
                  "window_start": case((same_window, RateLimit.window_start),
                                       else_=insert.excluded.window_start)},
        ).returning(RateLimit.count, RateLimit.window_start)
        count, counted_from = session.execute(upsert).one()
        if count == 1:  # a new window for this client: sweep the counters nobody uses now
            session.execute(delete(RateLimit).where(
                RateLimit.window_start < start - timedelta(seconds=window_seconds)))
    if counted_from.tzinfo is None:
        counted_from = counted_from.replace(tzinfo=UTC)
    ends = counted_from + timedelta(seconds=window_seconds)
    retry_after = max(1, math.ceil((ends - now).total_seconds()))
    return Decision(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)
