"""CSRF protection for everything a signed-in page session can change.

The token lives in the session; forms send it as ``csrf_token``, scripts and htmx as the
``X-CSRF-Token`` header. Bearer-token API calls carry no cookie and need none.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request
from flask import session as cookie

from ..errors import DomainError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
HEADER = "X-CSRF-Token"


class CsrfFailed(DomainError):
    status = 400
    code = "csrf_failed"


def token() -> str:
    if "csrf" not in cookie:
        cookie["csrf"] = secrets.token_urlsafe(32)
    return cookie["csrf"]


def check() -> None:
    sent = request.headers.get(HEADER) or request.form.get("csrf_token") or ""
    expected = cookie.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        raise CsrfFailed("this page has expired (security token missing or stale): reload the "
                         "page and try again")


def protect(app: Flask) -> None:
    @app.before_request
    def check_page_posts():
        if request.method in SAFE_METHODS or not (request.blueprint or "").startswith("web"):
            return
        check()  # sign-in too: another site must not sign a browser in to its own account
