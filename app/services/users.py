"""Users, passwords and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from .. import db
from ..clock import utcnow
from ..errors import Conflict, Invalid, Unauthorized
from ..models.user import ROLES, ApiToken, User
from . import clock

DEMO_USERS = (
    ("alice", "Alice Wang", ["sales"]),
    ("bob", "Bob Li", ["sales"]),
    ("carol", "Carol Sun", ["sales"]),
    ("dave", "Dave Zhao", ["sales"]),
    ("sam", "Sam Zhang", ["sales_director"]),
    ("lena", "Lena Chen", ["legal_director"]),
    ("fiona", "Fiona Zhou", ["finance_director"]),
    ("mia", "Mia Liu", ["manager"]),
    ("ana", "Ana Wu", ["analyst"]),
    ("admin", "Administrator", ["admin"]),
)
DEMO_PASSWORD = "demo"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(username: str, password: str, roles: list[str], *, display_name: str = "",
           email: str | None = None, phone: str | None = None, language: str = "en") -> User:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid(f"unknown roles {unknown}; roles are {', '.join(ROLES)}",
                      fields={"roles": [f"unknown: {', '.join(unknown)}"]})
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        raise Invalid("a username is letters, digits, '.' and '_'",
                      fields={"username": ["invalid"]})
    if len(password) < 4:
        raise Invalid("the password is too short", fields={"password": ["at least 4 characters"]})
    session = db.session()
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists")
    user = User(username=username, display_name=display_name or username, email=email,
                phone=phone, password_hash=generate_password_hash(
                    password, method=current_app.config["PASSWORD_HASH_METHOD"]), roles=list(roles),
                language=language, active=True, created_at=clock.now())
    session.add(user)
    session.flush()
    return user


def ensure_demo_users() -> list[str]:
    """Create the demo users that are missing (password 'demo'); returns the names created."""
    session = db.session()
    existing = set(session.scalars(select(User.username)))
    created = []
    for username, name, roles in DEMO_USERS:
        if username not in existing:
            create(username, DEMO_PASSWORD, roles, display_name=name,
                   email=f"{username}@example.com")
            created.append(username)
    return created


def issue_token(username: str, password: str) -> str:
    """A new bearer token for valid credentials; the same error for any bad input."""
    user = db.session().scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        raise Unauthorized("wrong username or password")
    token = secrets.token_urlsafe(32)
    now = utcnow()  # real time: moving the test clock must not expire everybody's token
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    db.session().add(ApiToken(user_id=user.id, token_hash=_hash_token(token), created_at=now,
                              expires_at=now + ttl, scopes=[]))
    return token


def user_for_token(token: str) -> User:
    """The active user a bearer token belongs to; Unauthorized if none."""
    row = db.session().scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == _hash_token(token)))
    now = utcnow()
    if (row is None or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= now)
            or not row.user.active):
        raise Unauthorized("the token is invalid or has expired")
    return row.user


def find(username: str) -> User | None:
    return db.session().scalar(select(User).where(User.username == username))


def usernames_with_any_role(roles: list[str]) -> list[str]:
    users = db.session().scalars(select(User).where(User.active.is_(True)))
    return sorted(u.username for u in users if u.has_role(*roles))
