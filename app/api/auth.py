"""Bearer-token authentication and role checks for the API."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from ..errors import Forbidden, Unauthorized
from ..models.user import User
from ..services import users


def current_user() -> User:
    return g.user


def authenticate() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>' (POST /api/auth/token)")
    return users.user_for_token(token.strip())


def login_required(*roles: str):
    """Require a valid token; with roles, require one of them (admins pass every check)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = authenticate()
            if roles and not user.has_role(*roles, "admin"):
                raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
            g.user = user
            return view(*args, **kwargs)

        return wrapper

    return decorate
