"""Notifications: the in-app inbox, the outbox of messages to send, and who wants what.

``notifications.instance_id`` and ``task_id`` are plain indexed columns, not foreign keys: a
foreign key check takes a KEY SHARE lock on the instance row, which would wait for a request
holding that instance's ``FOR UPDATE`` lock while the due-task check holds the task row that
request wants to update (a deadlock). Instances and tasks are never deleted, so nothing dangles.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import Base

CHANNELS = ("inapp", "email", "sms", "webhook")
OUTBOX_CHANNELS = ("email", "sms", "webhook")
OUTBOX_STATUSES = ("pending", "sent", "failed")


class Notification(Base):
    """One entry of a user's in-app inbox."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    template: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    instance_id: Mapped[int | None] = mapped_column(index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message to send on a channel once the transaction that queued it has committed.

    The scheduler claims due rows (``claimed_by`` / ``claimed_until``), sends them outside any
    transaction, and records the result: sent, or another try ``next_attempt_at`` later.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms | webhook
    recipient: Mapped[str] = mapped_column(String(500))  # address, phone number or URL
    subject: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    template: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"))

    notification: Mapped[Notification | None] = relationship()


class DeliveryAttempt(Base):
    """One try at sending an outbox message, whatever came of it."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime]
    ok: Mapped[bool]
    detail: Mapped[str] = mapped_column(Text, default="")


class NotificationPreference(Base):
    """A user's choice for one channel; no row means the channel's default."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)  # inapp|email|sms
    enabled: Mapped[bool]
