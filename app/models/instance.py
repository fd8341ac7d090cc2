"""Process instances and the record of every element they passed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from . import Base
from .definition import ProcessDefinition

STATUSES = ("running", "waiting", "completed", "cancelled", "error")
OPEN_STATUSES = ("running", "waiting", "error")


class ProcessInstance(Base):
    """One run of a process definition version. The spec is not stored here (see engine)."""

    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_process_instances_key_status", "process_key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = deferred(mapped_column(Text, nullable=False))  # engine JSON
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_element: Mapped[str | None] = mapped_column(String(200))
    started_by: Mapped[str | None] = mapped_column(String(80), index=True)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    lock_version: Mapped[int] = mapped_column(default=1)

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock_version}


class InstanceEvent(Base):
    """Every element an instance completed, in order: the path shown on the diagram."""

    __tablename__ = "instance_events"
    __table_args__ = (  # the reports: the event log in order, a period's events
        Index("ix_instance_events_instance_at", "instance_id", "at", "id"),
        Index("ix_instance_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime]
