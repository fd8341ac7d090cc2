"""Leads, the teams they are routed to, and every touch that arrived for them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import Base

LEAD_STATUSES = ("new", "pool", "assigned", "contacted", "qualified", "nurture", "closed",
                 "converted")
OPEN_LEAD_STATUSES = ("new", "pool", "assigned", "contacted", "qualified", "nurture")
# The codes of the lead_assignment table's inputs (a contract other parts rely on).
REGIONS = ("east_china", "north_china", "south_china", "central_china", "west_china", "overseas")
INDUSTRIES = ("manufacturing", "retail", "finance", "technology", "services", "other")
PRODUCT_INTERESTS = ("crm_solution", "erp", "analytics", "other")


class Team(Base):
    """A sales team that leads are routed to (the DMN names it by ``key``)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    lead_username: Mapped[str | None] = mapped_column(String(80))  # the fallback inside a team
    manager_username: Mapped[str | None] = mapped_column(String(80), index=True)
    # round-robin: the position of the member who got the last lead (persisted: fair across
    # restarts and workers, advanced under a row lock)
    rr_position: Mapped[int] = mapped_column(default=-1)
    created_at: Mapped[datetime]

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="TeamMember.position")


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    position: Mapped[int] = mapped_column(default=0)  # the round-robin order
    weight: Mapped[int] = mapped_column(default=1)  # weighted strategy
    current_weight: Mapped[int] = mapped_column(default=0)  # smooth weighted round-robin state
    daily_cap: Mapped[int | None]  # max new leads a day; None: no cap
    on_leave: Mapped[bool] = mapped_column(default=False)

    team: Mapped[Team] = relationship(back_populates="members")


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("source", "idempotency_key"),
        Index("ix_leads_owner_status", "owner", "status"),
        Index("ix_leads_team_status", "team", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_normalized: Mapped[str | None] = mapped_column(String(40), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_normalized: Mapped[str | None] = mapped_column(String(254), index=True)
    region: Mapped[str | None] = mapped_column(String(40))
    industry: Mapped[str | None] = mapped_column(String(40))
    company_size: Mapped[int | None]  # employees
    budget: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    product_interest: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(80), default="api")  # api|web_form|webhook:<s>
    campaign: Mapped[str | None] = mapped_column(String(200))
    custom: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(80))
    team: Mapped[str | None] = mapped_column(String(80))
    routing: Mapped[dict] = mapped_column(JSON, default=dict)  # why this owner: see routing.py
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    claimed_from_pool_at: Mapped[datetime | None]
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))

    touches: Mapped[list[LeadTouch]] = relationship(
        cascade="all, delete-orphan", order_by="LeadTouch.id", lazy="selectin")


class LeadTouch(Base):
    """Something that arrived for a lead: its first capture, and every duplicate merged in."""

    __tablename__ = "lead_touches"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(80))
    campaign: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]


class LeadEvent(Base):
    """What happened to a lead (created, routed, assigned, claimed, returned, closed...): the
    lead's own history, shown on the customer timeline."""

    __tablename__ = "lead_events"
    __table_args__ = (  # the reports: calls and assignments in a period, first ones per lead
        Index("ix_lead_events_kind_at", "kind", "at"),
        Index("ix_lead_events_lead_kind_at", "lead_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    by: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]
