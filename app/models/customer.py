"""Customers (accounts), their contacts, opportunities, and the interactions with them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import Base

INTERACTION_KINDS = ("call", "email", "meeting", "note")
CUSTOMER_TIERS = ("standard", "key", "strategic")
OPPORTUNITY_KINDS = ("new", "repurchase", "renewal", "cross_sell")


class Account(Base):
    """A customer: the company a deal is with."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_normalized: Mapped[str] = mapped_column(String(200), index=True)
    industry: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(40))
    company_size: Mapped[int | None]
    owner: Mapped[str | None] = mapped_column(String(80), index=True)
    team: Mapped[str | None] = mapped_column(String(80))
    # the customer tier price lists and the discount policy are kept per (CUSTOMER_TIERS)
    tier: Mapped[str] = mapped_column(String(20), default="standard", server_default="standard")
    source_lead_id: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(index=True)  # new customers in a period
    updated_at: Mapped[datetime]

    contacts: Mapped[list[Contact]] = relationship(back_populates="account",
                                                   order_by="Contact.id")


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_normalized: Mapped[str | None] = mapped_column(String(40), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_normalized: Mapped[str | None] = mapped_column(String(254), index=True)
    source_lead_id: Mapped[int | None]
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    account: Mapped[Account] = relationship(back_populates="contacts")


class Opportunity(Base):
    """A possible deal with a customer: a card on the pipeline board."""

    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    lead_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    stage: Mapped[str] = mapped_column(String(40), default="initial_contact", index=True)
    # None: the stage's default probability; a number: the owner's own estimate (percent)
    probability: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    expected_close_date: Mapped[date | None]
    owner: Mapped[str | None] = mapped_column(String(80), index=True)
    team: Mapped[str | None] = mapped_column(String(80), index=True)
    products_of_interest: Mapped[list[str]] = mapped_column(JSON, default=list,
                                                          server_default=text("'[]'"))
    # new (from a lead or by hand), repurchase, renewal, cross_sell (after-sales)
    kind: Mapped[str] = mapped_column(String(20), default="new", server_default="new")
    parent_id: Mapped[int | None]  # the won deal a repurchase or renewal came from
    lost_reason: Mapped[str | None] = mapped_column(Text)
    stage_changed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # when it reached a won or lost stage
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Interaction(Base):
    """A call, email, meeting or note with a customer (or a lead not yet converted)."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
