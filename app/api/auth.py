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
    if not header:
        user = _page_session_user()
        if user is not None:
            return user
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>' (POST /api/auth/token)")
    row = users.token_for(token.strip())
    g.token_scopes = list(row.scopes or [])
    return row.user


def login_required(*roles: str, scopes: tuple[str, ...] | list[str] = ()):
    """Require a valid token; with roles, require one of them (admins pass every check).

    With ``scopes``, a token carrying one of them passes too, whatever its user's roles (API
    clients). A token that has scopes is limited to them: endpoints that accept none of its
    scopes refuse it (403), so a lead-capture client cannot start processes.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = authenticate()
            granted = set(g.token_scopes)
            if granted and not granted & set(scopes):
                raise Forbidden(f"this token is limited to the scopes {', '.join(sorted(granted))}")
            if roles and not granted and not user.has_role(*roles, "admin"):
                needs = f"one of the roles: {', '.join(roles)}"
                if scopes:
                    needs += f", or a token with the scope {' or '.join(scopes)}"
                raise Forbidden(f"this needs {needs}")
            g.user = user
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _page_session_user() -> User | None:
    """The pages' scripts call the API signed in by their session (and its CSRF token)."""
    from ..web import csrf
    from ..web.session import current_user

    user = current_user()
    if user is not None:
        g.token_scopes = []
        g.page_session = True  # errors carry the page's words too (api/errors.py)
        if request.method not in csrf.SAFE_METHODS:
            csrf.check()
    return user
