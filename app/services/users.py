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
from ..errors import Conflict, Invalid, NotFound, Unauthorized
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


def check_credentials(username: str, password: str) -> User:
    """The person a username and password belong to; the same error for any bad input."""
    user = db.session().scalar(select(User).where(User.username == username))
    if (user is None or not user.active or user.api_client
            or not check_password_hash(user.password_hash, password)):
        raise Unauthorized("wrong username or password")
    return user


def issue_token(username: str, password: str) -> str:
    """A new bearer token for valid credentials; the same error for any bad input."""
    user = check_credentials(username, password)
    token = secrets.token_urlsafe(32)
    now = utcnow()  # real time: moving the test clock must not expire everybody's token
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    db.session().add(ApiToken(user_id=user.id, token_hash=_hash_token(token), created_at=now,
                              expires_at=now + ttl, scopes=[]))
    return token


def user_for_token(token: str) -> User:
    """The active user a bearer token belongs to; Unauthorized if none."""
    return token_for(token).user


def token_for(token: str) -> ApiToken:
    """The valid token row (its user and scopes) of a bearer token; Unauthorized if none."""
    row = db.session().scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == _hash_token(token)))
    now = utcnow()
    if (row is None or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= now)
            or not row.user.active):
        raise Unauthorized("the token is invalid or has expired")
    return row


def find(username: str) -> User | None:
    return db.session().scalar(select(User).where(User.username == username))


def is_active_rep(username: str | None) -> bool:
    """Whether leads and deals can be given to this user (an active sales rep or manager)."""
    person = find(username) if username else None
    return person is not None and person.active and person.has_role("sales", "manager")


def usernames_with_any_role(roles: list[str]) -> list[str]:
    return [user.username for user in active_with_any_role(roles)]


def active_with_any_role(roles: list[str]) -> list[User]:
    """The active people holding one of the roles, by username (one query)."""
    users = db.session().scalars(select(User).where(User.active.is_(True))
                                 .order_by(User.username))
    return [user for user in users if user.has_role(*roles)]


# -- API clients: machines that call the API with a scoped, non-expiring token ---------------

SCOPES = ("leads:write",)
NO_PASSWORD = "!"  # in place of a password hash: no password ever matches it


def is_api_client(user: User) -> bool:
    return user.api_client


def create_client(name: str, scopes: list[str], *, display_name: str = "") -> tuple[User, str]:
    """An API client (a user with no roles who cannot sign in) and its first token, returned
    once: only its hash is stored."""
    if not name or not name.replace("_", "").replace(".", "").isalnum():
        raise Invalid("a client name is letters, digits, '.' and '_'",
                      fields={"name": ["invalid"]})
    _check_scopes(scopes)
    session = db.session()
    if session.scalar(select(User).where(User.username == name)) is not None:
        raise Conflict(f"user {name!r} exists")
    user = User(username=name, display_name=display_name or f"API client {name}",
                password_hash=NO_PASSWORD, api_client=True, roles=[], language="en", active=True,
                created_at=clock.now())
    session.add(user)
    session.flush()
    return user, issue_client_token(name, scopes)


def issue_client_token(name: str, scopes: list[str]) -> str:
    """Another non-expiring token for an API client (to rotate: issue, switch, revoke)."""
    _check_scopes(scopes)
    user = find(name)
    if user is None or not is_api_client(user):
        raise NotFound(f"no API client {name!r}")
    token = secrets.token_urlsafe(32)
    db.session().add(ApiToken(user_id=user.id, token_hash=_hash_token(token), name="client",
                              scopes=sorted(set(scopes)), created_at=utcnow(),
                              expires_at=None))
    return token


def revoke_client_tokens(name: str) -> int:
    """Revoke every token of an API client; returns how many were valid."""
    user = find(name)
    if user is None or not is_api_client(user):
        raise NotFound(f"no API client {name!r}")
    revoked = 0
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            revoked += 1
    return revoked


def _check_scopes(scopes: list[str]) -> None:
    unknown = sorted(set(scopes) - set(SCOPES))
    if not scopes or unknown:
        raise Invalid(f"scopes are {', '.join(SCOPES)}; unknown: {', '.join(unknown) or '-'}",
                      fields={"scopes": [f"choose from {', '.join(SCOPES)}"]})


def end_page_sessions(user: User) -> None:
    """Sign the person out of every browser: older page session cookies no longer count."""
    user.session_epoch = (user.session_epoch or 0) + 1


def choose_language(user: User, language: str) -> None:
    """The person's language from now on: on the pages and in what they are sent."""
    user.language = language
    user.language_chosen = True
