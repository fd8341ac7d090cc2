"""The outbox: send the messages that committed units of work queued, and retry failures.

Each message is claimed in a short unit of work (``FOR UPDATE SKIP LOCKED`` plus a
conditional UPDATE on PostgreSQL, the write lock on SQLite), sent with no transaction open
(a slow SMTP server holds no lock), and its result recorded in another unit of work: a
``DeliveryAttempt`` for every try, then sent, or another try 1, 2, 4... minutes later, or
failed after CRM_OUTBOX_MAX_ATTEMPTS. A scheduler killed mid-send leaves a claim that expires
after ``LEASE``; the message is then sent again (at least once, never lost).

Unlike most services this one opens its own units of work: it runs from the scheduler tick,
after the commits that queued the messages, and must never send inside a transaction.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from .. import db
from ..models.notification import DeliveryAttempt, OutboxMessage
from ..notifications import channels
from . import clock

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # far longer than a send may take (CRM_NOTIFY_TIMEOUT)
RETRY_AFTER = timedelta(minutes=1)  # doubled after each failed attempt
MAX_RETRY_AFTER = timedelta(hours=1)


def deliver_pending(limit: int = 50) -> int:
    """Send up to ``limit`` due messages, one at a time; returns how many were sent.

    Needs an app context and no open unit of work (the scheduler tick calls it).
    """
    app = current_app._get_current_object()
    database = app.extensions["crm_db"]
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    sent = 0
    for _ in range(limit):
        with database.unit_of_work():
            message = claim_next(worker)
        if message is None:
            break
        try:
            detail, ok = channels.send(message, app), True
        except Exception as exc:  # whatever a channel does, it is recorded, never raised
            detail, ok = f"{exc.__class__.__name__}: {exc}", False
            log.warning("%s message %s to %s failed: %s", message.channel, message.id,
                        message.recipient.split("?")[0], detail)
        with database.unit_of_work():
            record(message.id, worker, ok=ok, detail=detail)
        sent += ok
    return sent


def claim_next(worker: str) -> channels.Outgoing | None:
    """Claim the oldest due message for ``worker``; a copy of it, or None if none is due."""
    session = db.session()
    now = clock.now()
    claimable = (OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                 or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
    stmt = (select(OutboxMessage).where(*claimable)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    row = session.scalar(stmt.execution_options(populate_existing=True))
    if row is None:
        return None
    won = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row.id, *claimable)
        .values(claimed_by=worker, claimed_until=now + LEASE)
        .execution_options(synchronize_session=False)).rowcount
    if not won:  # another worker got there between our read and our write
        return None
    return channels.Outgoing(id=row.id, channel=row.channel, recipient=row.recipient,
                             subject=row.subject, body=row.body, payload=dict(row.payload))


def record(message_id: int, worker: str, *, ok: bool, detail: str) -> None:
    """Write down one try: sent, or when to try again (or that we gave up)."""
    session = db.session()
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    if row is None:
        return
    now = clock.now()
    session.add(DeliveryAttempt(outbox_id=row.id, at=now, ok=ok, detail=detail[:4000]))
    row.attempts += 1
    if row.claimed_by == worker:
        row.claimed_by = row.claimed_until = None
    if ok:
        row.status, row.sent_at, row.last_error = "sent", now, None
        return
    row.last_error = detail[:4000]
    if row.status != "pending":
        return  # another worker took the expired claim over and settled it
    if row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        row.status = "failed"
        log.error("%s message %s gave up after %s attempts: %s", row.channel, row.id,
                  row.attempts, detail)
    else:
        row.next_attempt_at = now + min(RETRY_AFTER * 2 ** (row.attempts - 1), MAX_RETRY_AFTER)
