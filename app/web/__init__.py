"""The pages people work in: server-rendered Jinja with htmx/Alpine sprinkles.

Pages call the same services as the JSON API (no second copy of any rule); the little
JavaScript they have calls the JSON API itself, signed in by the page session. Every module in
``app/web/pages`` with a blueprint ``bp`` is a page area; its ``NAV`` entry (if any) puts it in
the menu for the roles it names. Texts live in ``app/web/texts`` (English and Chinese).
"""

from __future__ import annotations

import importlib
import pkgutil

from flask import Flask, request

from . import csrf, errors, formatting, i18n, session, views

NAV: list[dict] = []  # {"endpoint", "text", "roles", "order"} from the page modules


def init_web(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.register_blueprint(session.bp)
    from . import pages

    NAV.clear()
    for module_info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{pages.__name__}.{module_info.name}")
        if hasattr(module, "bp"):
            app.register_blueprint(module.bp)
        NAV.extend(getattr(module, "NAV", []))
    NAV.sort(key=lambda entry: entry.get("order", 100))
    csrf.protect(app)
    errors.register(app)
    formatting.register(app)
    # globals, not only context: imported macros (web/macros.html) see them too
    app.jinja_env.globals.update(t=i18n.t, label=i18n.label, csrf_token=csrf.token,
                                 page_url=views.page_url, here=session.here,
                                 term=i18n.term, task_label=views.task_label)
    app.context_processor(_page_context)
    app.after_request(_page_headers)


def _page_headers(response):
    """Signed-in pages are never framed (a hidden Approve button under a decoy) nor sniffed."""
    if (request.blueprint or "").startswith("web"):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _page_context() -> dict:
    user = session.current_user()
    return {
        "lang": i18n.language(),
        "languages": i18n.LANGUAGES,
        "me": user,
        "nav": [entry for entry in NAV if user is not None and session.may_see(user, entry)],
        "unread_count": session.unread_count,
    }
