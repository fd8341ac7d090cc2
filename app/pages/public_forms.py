"""Public lead forms: ``/forms/<form_key>``, no login, embeddable in other sites' pages.

``GET`` renders the deployed form (its JSON says ``"public"``) in English or Chinese;
``POST`` creates the lead: a thank-you page, or JSON when the request is or wants JSON.
Limits: submissions per client address (``CRM_FORM_RATE_LIMIT`` per
``CRM_FORM_RATE_WINDOW`` seconds, 429 with Retry-After), ``CRM_CAPTURE_MAX_BYTES`` of body
(413), and a honeypot field bots fill in (answered like a success, nothing recorded).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from ..api.errors import HTTP_CODES, error_response
from ..errors import Invalid, NotFound
from ..services import lead_capture, rate_limits
from ..services.forms import HONEYPOT, LANGUAGES
from .texts import TEXTS, translate_error

bp = Blueprint("public_forms", __name__)


def language() -> str:
    """?lang=en|zh-CN, else the browser's first English or Chinese preference, else en."""
    asked = (request.args.get("lang") or "").strip()
    if asked in LANGUAGES:
        return asked
    if asked.lower().startswith("zh"):
        return "zh-CN"
    if asked:
        return "en"
    for tag, _quality in request.accept_languages:
        if tag.lower().startswith("zh"):
            return "zh-CN"
        if tag.lower().startswith("en"):
            return "en"
    return "en"


def label(value, lang: str, fallback: str = "") -> str:
    if isinstance(value, dict):
        return value.get(lang) or value.get("en") or next(iter(value.values()), fallback)
    return value if isinstance(value, str) else fallback


def wants_json() -> bool:
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def page_fields(form: dict, lang: str) -> list[dict]:
    """The form's fields with labels in ``lang``, as the template draws them."""
    shown = []
    for spec in form["fields"]:
        shown.append({**spec, "label": label(spec.get("label"), lang, spec["name"]),
                      "help": label(spec.get("help"), lang) if spec.get("help") else "",
                      "choices": [{"value": c["value"],
                                   "label": label(c.get("label"), lang, str(c["value"]))}
                                  for c in spec.get("choices", [])]})
    return shown


def render_form(form: dict, lang: str, *, values: dict | None = None,
                errors: dict | None = None, status: int = 200,
                action_url: str | None = None, switch_url: str | None = None):
    """The form page; it posts to ``action_url`` (by default the public form's own)."""
    text = TEXTS[lang]
    other_lang = "zh-CN" if lang == "en" else "en"
    errors = {name: [translate_error(m, lang) for m in
                     (messages if isinstance(messages, list) else [str(messages)])]
              for name, messages in (errors or {}).items()}
    known = {spec["name"] for spec in form["fields"]}
    html = render_template(
        "public_form.html", lang=lang, text=text, form_key=form["key"],
        title=label(form.get("title"), lang, form["key"]),
        description=label(form.get("description"), lang) if form.get("description") else "",
        fields=page_fields(form, lang), values=values or {}, errors=errors,
        other_errors={k: v for k, v in errors.items() if k not in known},
        honeypot=HONEYPOT, other_lang=other_lang,
        action_url=action_url or url_for("public_forms.submit", form_key=form["key"], lang=lang),
        switch_url=switch_url or url_for("public_forms.show", form_key=form["key"],
                                         lang=other_lang))
    return html, status


def thanks(form: dict, lang: str):
    message = label(form["public"].get("thanks"), lang) or TEXTS[lang]["thanks"]
    if wants_json():
        return jsonify({"status": "received", "message": message}), 201
    return render_template("public_form_thanks.html", lang=lang, text=TEXTS[lang],
                           title=label(form.get("title"), lang, form["key"]),
                           message=message), 200


def submitted_data(form: dict) -> dict:
    """The body as the form's fields: JSON as sent; an HTML post's blank fields left out."""
    if request.is_json:
        data = request.get_json()
        if not isinstance(data, dict):
            raise Invalid("send a JSON object of the form's fields",
                          fields={"_schema": ["not a JSON object"]})
        return data
    lists = {spec["name"] for spec in form["fields"] if spec.get("type") == "multichoice"}
    data = {}
    for name in request.form:
        values = [v for v in request.form.getlist(name) if v.strip() != ""]
        if name in lists:
            data[name] = values
        elif values:
            data[name] = values[-1]
    return data


@bp.get("/forms/<form_key>")
def show(form_key: str):
    form = lead_capture.public_form(form_key)
    lang = language()
    defaults = {spec["name"]: spec["default"] for spec in form["fields"] if "default" in spec}
    return render_form(form, lang, values=defaults)


@bp.post("/forms/<form_key>")
def submit(form_key: str):
    config = current_app.config
    # first, before this request's own transaction touches the database (see rate_limits)
    decision = rate_limits.hit(rate_limits.client_bucket("forms", request.remote_addr),
                               limit=config["FORM_RATE_LIMIT"],
                               window_seconds=config["FORM_RATE_WINDOW_SECONDS"])
    lang = language()
    if not decision.allowed:
        return too_many(lang, decision.retry_after)
    request.max_content_length = config["CAPTURE_MAX_BYTES"]
    form = lead_capture.public_form(form_key)
    data = submitted_data(form)
    try:
        lead_capture.submit_form(form, data,
                                 idempotency_key=request.headers.get("Idempotency-Key"))
    except Invalid as invalid:
        if wants_json():
            raise
        return render_form(form, lang, values=data, errors=invalid.fields, status=422)
    return thanks(form, lang)


def too_many(lang: str, retry_after: int):
    minutes = max(1, -(-retry_after // 60))
    message = TEXTS[lang]["too_many"].format(minutes=minutes)
    if wants_json():
        response = jsonify({"error": "too_many_requests", "message": message, "fields": {},
                            "retry_after": retry_after})
    else:
        response = current_app.make_response(render_template(
            "public_form_message.html", lang=lang, text=TEXTS[lang],
            title=TEXTS[lang]["too_many_title"], message=message))
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response


def _message_page(status: int, title_key: str, message_key: str):
    lang = language()
    text = TEXTS[lang]
    if wants_json():
        return error_response(status, HTTP_CODES[status], text[message_key])
    return render_template("public_form_message.html", lang=lang, text=text,
                           title=text[title_key], message=text[message_key]), status


@bp.errorhandler(NotFound)
def not_found(_error):
    return _message_page(404, "not_found_title", "not_found")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    return _message_page(413, "too_large_title", "too_large")


@bp.after_request
def headers(response):
    """Embeddable anywhere CRM_FORM_FRAME_ANCESTORS allows; no scripts, posts to us only."""
    ancestors = current_app.config["FORM_FRAME_ANCESTORS"].strip() or "'none'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        f"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers.pop("X-Frame-Options", None)
    if request.method == "POST":
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept-Language")
    return response
