"""The pipeline's stages, every stage change, products and price lists, quotes, contracts,
service tickets and satisfaction surveys: stages 3 to 5 of a deal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import Base

MONEY = Numeric(14, 2)
PERCENT = Numeric(5, 2)

QUOTE_STATUSES = ("pending_approval", "discount_rejected", "ready", "sent", "accepted",
                  "rejected", "revise", "superseded", "withdrawn")
OPEN_QUOTE_STATUSES = ("pending_approval", "ready", "sent")
CONTRACT_STATUSES = ("in_approval", "rejected", "approved", "signed", "withdrawn")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_STATUSES = ("open", "in_progress", "resolved", "closed")
APPROVER_ROLES = ("sales_director", "legal_director", "finance_director")


class PipelineStage(Base):
    """A column of the kanban board (configuration: ``PUT /api/pipeline/stages``)."""

    __tablename__ = "pipeline_stages"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]
    probability: Mapped[Decimal] = mapped_column(PERCENT)
    is_won: Mapped[bool] = mapped_column(default=False)
    is_lost: Mapped[bool] = mapped_column(default=False)


class StageChange(Base):
    """A card moved (or created in) a stage: the history stage-duration reports read."""

    __tablename__ = "opportunity_stage_changes"
    __table_args__ = (  # the reports: time in stage (LEAD over a deal's changes), first wins
        Index("ix_stage_changes_opportunity_at", "opportunity_id", "changed_at", "id"),
        Index("ix_stage_changes_to_opportunity_at", "to_stage", "opportunity_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(index=True)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    product_line: Mapped[str] = mapped_column(String(40))  # the discount policy's input
    list_price: Mapped[Decimal] = mapped_column(MONEY)
    tax_rate: Mapped[Decimal] = mapped_column(PERCENT)  # percent, e.g. 13.00 (VAT)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PriceList(Base):
    """Prices for one customer tier over a period; products not listed sell at list price."""

    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    items: Mapped[list[PriceListItem]] = relationship(
        back_populates="price_list", cascade="all, delete-orphan", order_by="PriceListItem.id")


class PriceListItem(Base):
    __tablename__ = "price_list_items"
    __table_args__ = (UniqueConstraint("price_list_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    price: Mapped[Decimal] = mapped_column(MONEY)

    price_list: Mapped[PriceList] = relationship(back_populates="items")


class Quote(Base):
    """One version of an opportunity's quote, its totals computed by ``services/pricing.py``."""

    __tablename__ = "quotes"
    __table_args__ = (UniqueConstraint("opportunity_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"))
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discount_total: Mapped[Decimal] = mapped_column(MONEY)
    net_total: Mapped[Decimal] = mapped_column(MONEY)
    tax_total: Mapped[Decimal] = mapped_column(MONEY)
    grand_total: Mapped[Decimal] = mapped_column(MONEY)
    special_discount: Mapped[bool] = mapped_column(default=False)
    # the discount policy's verdict per line: the maximum allowed and the rule that said so
    policy: Mapped[list] = mapped_column(JSON, default=list)
    valid_until: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None]
    document_id: Mapped[int | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteLine.position")


class QuoteLine(Base):
    """A line as quoted: product details are copied, so later catalogue edits change nothing."""

    __tablename__ = "quote_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    code: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    product_line: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    discount_pct: Mapped[Decimal] = mapped_column(PERCENT)
    max_discount_pct: Mapped[Decimal | None] = mapped_column(PERCENT)
    gross: Mapped[Decimal] = mapped_column(MONEY)
    discount: Mapped[Decimal] = mapped_column(MONEY)
    net: Mapped[Decimal] = mapped_column(MONEY)
    tax_rate: Mapped[Decimal] = mapped_column(PERCENT)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)

    quote: Mapped[Quote] = relationship(back_populates="lines")


class Contract(Base):
    """A contract in approval, approved, signed (the deal won) or withdrawn."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    owner: Mapped[str | None] = mapped_column(String(80), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    special_discount: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(default=0)  # approval rounds started
    approvers: Mapped[list[str]] = mapped_column(JSON, default=list)  # this round's roles
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    instance_id: Mapped[int | None]
    document_id: Mapped[int | None]
    signed_document_id: Mapped[int | None]
    signed_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Ticket(Base):
    """A service ticket: a customer's problem after the sale."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="open")
    assignee: Mapped[str | None] = mapped_column(String(80), index=True)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Survey(Base):
    """A satisfaction survey sent after a won deal; answered once through a signed link."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    instance_id: Mapped[int | None]
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(10), default="zh-CN")
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
