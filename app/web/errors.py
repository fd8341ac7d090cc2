"""Errors on pages are pages: a message in the person's language, never a stack trace.

The API's handlers (app/api/errors.py) answer JSON; for a page request they hand over to
``page_error``. A page that is not signed in sends the browser to the sign-in page instead.
Scripts calling the JSON API get JSON and show its message themselves (static/js/app.js).
"""

from __future__ import annotations

from flask import Flask, redirect, render_template, request, url_for

from . import i18n

TITLES = {400: "error.400", 401: "error.401", 403: "error.403", 404: "error.404",
          409: "error.409", 413: "error.413", 422: "error.422", 429: "error.429"}


def is_page_request() -> bool:
    blueprint = request.blueprint or ""
    if blueprint.startswith("web"):
        return True
    if blueprint or request.path.startswith("/api"):
        return False
    return "text/html" in request.headers.get("Accept", "")  # an unknown URL in a browser


def page_error(status: int, message: str, fields: dict | None = None):
    from .refusals import in_page_language
    from .views import field_messages

    message, fields = in_page_language(message), field_messages(fields)
    if status == 401:  # back to the page after signing in (for a post: the page it came from)
        from .session import here

        return redirect(url_for("web.login", next=here()))
    if request.headers.get("HX-Request"):  # htmx swaps this in place of the target
        return render_template("web/message.html", kind="error", message=message,
                               fields=fields or {}), status
    title = i18n.t(TITLES.get(status, "error.500"))
    return render_template("web/error.html", status=status, title=title, message=message,
                           fields=fields or {}), status


def page_words(message: str, fields: dict) -> tuple[str, dict]:
    """A refusal's message and field messages in the page's language, for the pages' scripts
    (the API adds them as ``shown`` and ``shown_fields`` beside its own English)."""
    from .refusals import in_page_language
    from .views import field_messages

    return in_page_language(message), field_messages(fields)


def register(app: Flask) -> None:
    app.extensions["crm_page_errors"] = (is_page_request, page_error)
    app.extensions["crm_page_words"] = page_words
