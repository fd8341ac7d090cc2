"""Inbound lead webhooks: one mapping file per source (``app/integrations/lead_sources``).

A source file names the setting that holds its secret, the header that carries the signature
(HMAC-SHA256 of the raw body, hex, ``sha256=<hex>``), the payload path of the event id (the
idempotency key), and where each lead field is in the payload (dotted paths; a number picks a
list item)::

    {"secret_setting": "CRM_WEBHOOK_SECRET_DINGTALK", "event_id": "msgId",
     "fields": {"name": "senderNick", "phone": "content.phone"},
     "custom": {"conversation": "conversationId"}, "constants": {"campaign": "dingtalk-bot"}}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path

from flask import current_app

from ..errors import BadRequest, Invalid, NotFound, Unauthorized
from . import lead_capture

log = logging.getLogger(__name__)

SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
SOURCE_KEYS = {"description", "secret_setting", "signature_header", "event_id", "fields",
               "custom", "constants"}
SECRET_PREFIX = "CRM_WEBHOOK_SECRET_"
MAPPABLE = set(lead_capture.LEAD_FIELDS) - {"custom"}
STRING_FIELDS = MAPPABLE - {"company_size", "budget"}
PATH = re.compile(r"[^.\s]+(\.[^.\s]+)*")
MISSING = object()


class SourceFileError(ValueError):
    """A source mapping file that cannot be used; the message names the file and the key."""


def source_dir() -> Path:
    return Path(current_app.config["LEAD_SOURCES_DIR"])


def load_source(name: str) -> dict:
    """The checked mapping of a source; NotFound for a name with no file."""
    if not SOURCE_NAME.fullmatch(name or ""):
        raise NotFound(f"no lead source {name!r}")
    path = source_dir() / f"{name}.json"
    if not path.is_file():
        raise NotFound(f"no lead source {name!r}")
    return parse_source(path.read_bytes(), path.name)


def parse_source(content: bytes, filename: str) -> dict:
    """Read and check a source file (also run by the tests on every shipped file)."""
    try:
        source = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFileError(f"{filename}: not valid JSON: {exc}") from exc
    if not isinstance(source, dict):
        raise SourceFileError(f"{filename}: a source file holds one JSON object")
    unknown = set(source) - SOURCE_KEYS
    if unknown:
        raise SourceFileError(f"{filename}: unknown keys {sorted(unknown)}")
    setting = source.get("secret_setting")
    if not isinstance(setting, str) or not re.fullmatch(SECRET_PREFIX + r"[A-Z0-9_]+", setting):
        raise SourceFileError(f"{filename}: 'secret_setting' names an environment variable "
                              f"{SECRET_PREFIX}<NAME>")
    if not isinstance(source.setdefault("signature_header", "X-Signature"), str):
        raise SourceFileError(f"{filename}: 'signature_header' is a header name")
    for key in ("event_id",):
        if key in source and not _is_path(source[key]):
            raise SourceFileError(f"{filename}: '{key}' is a dotted payload path")
    mapping = source.get("fields")
    if not isinstance(mapping, dict) or "name" not in mapping:
        raise SourceFileError(f"{filename}: 'fields' maps lead fields to payload paths and "
                              "needs at least 'name'")
    for where in ("fields", "custom"):
        for field, path in source.setdefault(where, {}).items():
            if where == "fields" and field not in MAPPABLE:
                raise SourceFileError(f"{filename}: fields: {field!r} is not a lead field "
                                      f"({', '.join(sorted(MAPPABLE))})")
            if not _is_path(path):
                raise SourceFileError(f"{filename}: {where}.{field}: {path!r} is not a dotted "
                                      "payload path")
    constants = source.setdefault("constants", {})
    if not isinstance(constants, dict) or set(constants) - MAPPABLE:
        raise SourceFileError(f"{filename}: 'constants' sets lead fields "
                              f"({', '.join(sorted(MAPPABLE))})")
    return source


def _is_path(value) -> bool:
    return isinstance(value, str) and bool(PATH.fullmatch(value))


def lookup(payload, path: str):
    """The value at a dotted path (``content.phone``, ``items.0.value``), or MISSING."""
    value = payload
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def verify(source: dict, name: str, body: bytes, signature: str | None) -> None:
    """Unauthorized unless ``signature`` is the HMAC-SHA256 of ``body`` with the secret."""
    secret = current_app.config.get(source["secret_setting"])
    if not secret:
        log.warning("lead source %r refused a delivery: %s is not set", name,
                    source["secret_setting"])
        raise NotFound(f"lead source {name!r} is not enabled (its secret is not set)")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = (signature or "").strip()
    if given.lower().startswith("sha256="):
        given = given[len("sha256="):]
    if not given or not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise Unauthorized(f"bad signature: send {source['signature_header']}: sha256=<hex "
                           "HMAC-SHA256 of the raw body with the source's secret>")


def map_payload(source: dict, payload: dict) -> tuple[dict, dict[str, str]]:
    """(lead data, lead field -> the payload path it came from)."""
    data = dict(source["constants"])
    paths = {name: f"constant {value!r}" for name, value in data.items()}
    for field, path in source["fields"].items():
        value = lookup(payload, path)
        if value is MISSING:
            paths.setdefault(field, f"payload path {path!r} (missing)")
            continue
        if field in STRING_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a phone sent as a number
        data[field] = value
        paths[field] = f"payload path {path!r}"
    custom = {}
    for field, path in source["custom"].items():
        value = lookup(payload, path)
        if value is not MISSING and value is not None:
            custom[field] = value
    if custom:
        data["custom"] = custom
        paths["custom"] = "payload paths " + ", ".join(repr(p) for p in source["custom"].values())
    return data, paths


def receive(name: str, body: bytes, headers: Mapping[str, str]) -> lead_capture.Captured:
    """A webhook delivery from source ``name``: verified, mapped, captured."""
    source = load_source(name)
    verify(source, name, body, headers.get(source["signature_header"]))
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    key = lead_capture.check_idempotency_key(headers.get("Idempotency-Key"))
    if "event_id" in source:
        event_id = lookup(payload, source["event_id"])
        if event_id is MISSING or not isinstance(event_id, str | int) or event_id == "":
            raise Invalid(f"the payload has no event id at {source['event_id']!r}",
                          fields={"event_id": [f"missing at payload path "
                                               f"{source['event_id']!r}"]})
        key = str(event_id)
        if len(key) > 100:
            raise Invalid("the event id is longer than 100 characters",
                          fields={"event_id": ["at most 100 characters"]})
    data, paths = map_payload(source, payload)
    values = lead_capture.validate_lead(data, paths=paths)
    return lead_capture.capture(values, source=f"webhook:{name}", idempotency_key=key,
                                raw=payload)
