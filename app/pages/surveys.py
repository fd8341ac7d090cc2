"""The satisfaction survey a customer answers through the link we mailed: ``/surveys/<token>``,
no login. The token is signed (services/after_sales.py); each link takes one answer.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from ..api.errors import error_response
from ..errors import Conflict, Gone, Invalid, NotFound
from ..models.customer import Account, Opportunity
from ..services import after_sales, clock
from .public_forms import language, render_form, submitted_data, wants_json
from .texts import TEXTS

bp = Blueprint("surveys", __name__)


def survey_form(lang: str, deal: str, customer: str) -> dict:
    text = TEXTS[lang]
    return {"key": "satisfaction_survey", "title": {lang: text["survey_title"]},
            "description": {lang: text["survey_intro"].format(deal=deal, customer=customer)},
            "fields": [
                {"name": "score", "type": "choice", "required": True,
                 "label": {lang: text["survey_score"]},
                 "choices": [{"value": str(n), "label": {lang: "★" * n + f" {n}"}}
                             for n in range(5, 0, -1)]},
                {"name": "comment", "type": "text", "max_length": 4000,
                 "label": {lang: text["survey_comment"]}}]}


def _form_for(token: str, lang: str) -> dict:
    from .. import db

    survey = after_sales.survey_for_token(token)
    session = db.session()
    deal = session.get(Opportunity, survey.opportunity_id)
    customer = session.get(Account, survey.account_id)
    return survey_form(lang, deal.name if deal else "", customer.name if customer else "")


def _message(status: int, key: str, lang: str):
    text = TEXTS[lang]
    if wants_json():
        codes = {200: "ok", 404: "not_found", 409: "conflict", 410: "gone"}
        if status == 200:
            return jsonify({"status": "received", "message": text[key]}), 201
        return error_response(status, codes[status], text[key])
    return render_template("public_form_message.html", lang=lang, text=text,
                           title=text[f"{key}_title"], message=text[key]), status


@bp.get("/surveys/<token>")
def show(token: str):
    lang = language()
    try:
        survey = after_sales.survey_for_token(token)
    except NotFound:
        return _message(404, "survey_invalid", lang)
    if survey.answered_at is not None:
        return _message(409, "survey_answered", lang)
    if clock.now() >= survey.expires_at:
        return _message(410, "survey_expired", lang)
    return _render(token, lang)


def _render(token: str, lang: str, *, values=None, errors=None, status=200):
    return render_form(_form_for(token, lang), lang, values=values, errors=errors,
                       status=status, action_url=f"/surveys/{token}?lang={lang}",
                       switch_url=f"/surveys/{token}?lang={'zh-CN' if lang == 'en' else 'en'}")


@bp.post("/surveys/<token>")
def answer(token: str):
    lang = language()
    data = {}
    try:
        data = submitted_data(_form_for(token, lang))
        after_sales.answer(token, data.get("score"), data.get("comment"))
    except NotFound:
        return _message(404, "survey_invalid", lang)
    except Conflict:
        return _message(409, "survey_answered", lang)
    except Gone:
        return _message(410, "survey_expired", lang)
    except Invalid as invalid:
        if wants_json():
            raise
        return _render(token, lang, values=data, errors=invalid.fields, status=422)
    return _message(200, "survey_thanks", lang)


@bp.after_request
def headers(response):
    """Nothing to frame, nothing to cache: the page belongs to one customer."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
