"""Every error leaves the API as ``{"error": code, "message": text, "fields": {...}}``."""

from __future__ import annotations

import logging

from flask import current_app, g, jsonify
from werkzeug.exceptions import HTTPException

from ..errors import DomainError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
    500: "internal_error", 503: "unavailable",
}


def error_response(status: int, code: str, message: str, fields: dict | None = None,
                   extra: dict | None = None):
    pages = current_app.extensions.get("crm_page_errors")
    if pages is not None and pages[0]():  # a page, not the API: answer with a page
        return pages[1](status, message, fields)
    body = {**(extra or {}), "error": code, "message": message, "fields": fields or {}}
    words = current_app.extensions.get("crm_page_words")
    if words is not None and g.get("page_session"):  # a page's script: the reader's language
        body["shown"], body["shown_fields"] = words(message, fields or {})
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="crm"'
    return response


def from_domain(error: DomainError):
    return error_response(error.status, error.code, error.message, error.fields,
                          error.details)


def from_http(error: HTTPException):
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors") or {}
    fields: dict = {}
    for location, value in messages.items() if isinstance(messages, dict) else []:
        if isinstance(value, dict):
            fields.update(value)  # webargs nests errors under json / query / form / files
        else:
            fields[location] = value
    status = error.code or 500
    message = data.get("message") or error.description or error.name
    if status == 422 and fields:
        message = "the request has invalid fields: " + ", ".join(sorted(map(str, fields)))
    return error_response(status, HTTP_CODES.get(status, error.name.lower().replace(" ", "_")),
                          message, fields)


def from_unexpected(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return error_response(500, "internal_error",
                          "something went wrong on our side; it has been logged")


def register(app) -> None:
    app.register_error_handler(DomainError, from_domain)
    app.register_error_handler(HTTPException, from_http)
    app.register_error_handler(Exception, from_unexpected)
