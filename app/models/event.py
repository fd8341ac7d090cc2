"""What instances wait for: timers (with due times) and messages / signals (by name)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from . import Base


class Timer(Base):
    """A waiting timer event; the scheduler queries these, never the instances."""

    __tablename__ = "timers"
    __table_args__ = (UniqueConstraint("instance_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]  # after a failed try: not before this
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class EventWait(Base):
    """An instance waiting for a named message or signal (routing is our job, not Spiff's)."""

    __tablename__ = "event_waits"
    __table_args__ = (UniqueConstraint("instance_id", "task_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # message | signal
    name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime]


class ProcessSchedule(Base):
    """A timer start event of the latest version of a process: when to start the next instance.

    Instance timers live in the workflow state; a start timer has no instance yet, so its due
    time, the turns left (``R3/...``) and the claim live here.
    """

    __tablename__ = "process_schedules"
    __table_args__ = (UniqueConstraint("process_key", "element_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # timeDate | timeDuration | timeCycle
    expression: Mapped[str] = mapped_column(String(200))
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    remaining: Mapped[int | None]  # turns left; None: for ever
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]  # after a failed start: not before this
    last_error: Mapped[str | None] = mapped_column(Text)
    last_instance_id: Mapped[int | None]
    updated_at: Mapped[datetime]
