"""People who sign in, their roles, and their API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import Base

ROLES = ("sales", "sales_director", "legal_director", "finance_director", "manager",
         "analyst", "admin")
SUPERVISOR_ROLES = {"manager", "admin"}  # see and act on every task and instance


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10), default="en")
    # set once the person picks a language on the pages; until then they follow the browser
    language_chosen: Mapped[bool] = mapped_column(default=False, server_default=false())
    # page session cookies carry the epoch they were issued in; signing out raises it, so a
    # copied cookie stops working (the cookie itself cannot be revoked: it is the session)
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True)
    # a machine calling the API with scoped tokens; it has no password and cannot sign in
    api_client: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user",
                                                  cascade="all, delete-orphan")

    def has_role(self, *roles: str) -> bool:
        return bool(set(self.roles or ()) & set(roles))

    @property
    def is_supervisor(self) -> bool:
        return self.has_role(*SUPERVISOR_ROLES)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="login")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
