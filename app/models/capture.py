"""Lead capture bookkeeping: delivery keys already answered, and rate-limit counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from . import Base


class CaptureKey(Base):
    """A delivery already handled (an ``Idempotency-Key`` or a webhook's event id), and the lead
    it created or was merged into: a repeated delivery returns that lead."""

    __tablename__ = "lead_capture_keys"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(200))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    merged: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class RateLimit(Base):
    """A fixed-window counter per client (``bucket``), shared by every worker."""

    __tablename__ = "rate_limits"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(default=0)
