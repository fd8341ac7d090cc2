"""Signing in to the pages: a signed session cookie naming the person, checked per request."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask import session as cookie

from .. import db
from ..clock import utcnow
from ..errors import BadRequest, Forbidden, Unauthorized
from ..models.user import User
from ..services import notifications, users
from . import csrf, i18n

bp = Blueprint("web", __name__)


def current_user() -> User | None:
    """The signed-in person, or None: a session past its lifetime, one from before the person
    signed out (an old copy of the cookie) or of a deactivated account counts as none."""
    if "web_user" not in g:
        user_id = cookie.get("uid")
        user = db.session().get(User, user_id) if user_id else None
        if user is not None and not _still_valid(user):
            cookie.clear()
            user = None
        g.web_user = user
    return g.web_user


def _still_valid(user: User) -> bool:
    lifetime = timedelta(hours=current_app.config["WEB_SESSION_HOURS"])
    issued = cookie.get("issued", 0)
    return (user.active and not user.api_client
            and cookie.get("epoch") == (user.session_epoch or 0)
            and utcnow().timestamp() - issued < lifetime.total_seconds())


def may_see(user: User, entry: dict) -> bool:
    roles = entry.get("roles") or ()
    return not roles or user.has_role(*roles, "admin")


def unread_count() -> int:
    user = current_user()
    return notifications.unread_count(user) if user is not None else 0


def page(*roles: str):
    """A page for signed-in people (with roles: holders of one of them, or admins)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                raise Unauthorized("sign in to see this page")
            if roles and not user.has_role(*roles, "admin"):
                raise Forbidden(i18n.t("error.needs_role", roles=", ".join(roles)))
            return view(*args, **kwargs)

        return wrapper

    return decorate


def signed_in_user() -> User:
    """For views behind ``page``: the person, never None."""
    user = current_user()
    if user is None:
        raise Unauthorized("sign in to see this page")
    return user


def here() -> str:
    """Where a person is, to come back to (the language switch): a page answered to a form
    post (a 422) comes back as the page the form was on, not as the post's address."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return url_for("web.home")
    return (referrer.path or url_for("web.home")) + (f"?{referrer.query}" if referrer.query
                                                      else "")


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: a login link must not send people elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.get("/")
def home():
    if current_user() is None:
        return redirect(url_for("web.login"))
    return redirect(url_for("web_inbox.index"))


@bp.get("/login")
def login():
    if current_user() is not None:
        return redirect(safe_next(request.args.get("next"), url_for("web.home")))
    return render_template("web/login.html", next=request.args.get("next", ""), error=None)


@bp.post("/login")
def login_submit():
    username = request.form.get("username", "").strip()
    try:
        user = users.check_credentials(username, request.form.get("password", ""))
    except Unauthorized:
        return render_template("web/login.html", next=request.form.get("next", ""),
                               username=username, error=i18n.t("login.wrong")), 401
    language = cookie.get("lang")
    cookie.clear()  # a new session (and CSRF token) on every sign-in: no fixation
    cookie["uid"] = user.id
    cookie["epoch"] = user.session_epoch or 0
    cookie["issued"] = utcnow().timestamp()  # real time, as for tokens
    csrf.token()
    if language:
        cookie["lang"] = language
    return redirect(safe_next(request.form.get("next"), url_for("web.home")))


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        users.end_page_sessions(user)
    cookie.clear()
    return redirect(url_for("web.login"))


@bp.post("/language")
def choose_language():
    language = request.form.get("language", "")
    if language not in i18n.LANGUAGES:
        raise BadRequest(f"language: choose one of {', '.join(i18n.LANGUAGES)}",
                         fields={"language": [f"one of {', '.join(i18n.LANGUAGES)}"]})
    cookie["lang"] = language
    user = current_user()
    if user is not None:
        users.choose_language(user, language)
    return redirect(safe_next(request.form.get("next"), url_for("web.home")))
