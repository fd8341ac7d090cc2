"""Human tasks: the inbox, the audit trail and the source of cycle-time reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import Base


class HumanTask(Base):
    """One user (or manual) task an instance offered to people; never deleted."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_status_due", "status", "due_at"),
        Index("ix_human_tasks_assignee_status", "assignee", "status"),
        # the reports: approvals and first calls by element, process nodes by version, the
        # event log's "who did this step"
        Index("ix_human_tasks_key_element_completed", "process_key", "element_id",
              "completed_at"),
        Index("ix_human_tasks_instance_element_completed", "instance_id", "element_id",
              "completed_at"),
        Index("ix_human_tasks_definition_status_completed", "definition_id", "status",
              "completed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the engine's task id
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10), default="user")  # user | manual
    lane: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|completed|cancelled
    due_at: Mapped[datetime | None]
    form_key: Mapped[str | None] = mapped_column(String(200))
    form_id: Mapped[int | None] = mapped_column(ForeignKey("form_definitions.id"))
    documentation: Mapped[str | None] = mapped_column(Text)
    loop: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))
    # the last transfer of the task to another holder of its role: by whom, when, why
    delegated_by: Mapped[str | None] = mapped_column(String(80))
    delegated_at: Mapped[datetime | None]
    delegation_note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
    # when the "due soon" / "overdue" notices went out (each is sent once per task)
    due_soon_notified_at: Mapped[datetime | None]
    overdue_notified_at: Mapped[datetime | None]

    groups: Mapped[list[HumanTaskGroup]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HumanTaskGroup.group_name")

    @property
    def candidate_groups(self) -> list[str]:
        return [g.group_name for g in self.groups]


class HumanTaskGroup(Base):
    """A candidate group of a task (a row each, so 'my groups' tasks' is an indexed query)."""

    __tablename__ = "human_task_groups"

    task_id: Mapped[str] = mapped_column(
        ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True)
    group_name: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)
