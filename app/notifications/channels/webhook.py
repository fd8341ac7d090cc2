"""Outbound webhooks in the DingTalk / WeCom group-robot format.

Both robots take ``{"msgtype": "text", "text": {"content": ...}}`` and answer HTTP 200 with
``{"errcode": 0}``; a non-zero errcode (bad signature, missing keyword) is a failed delivery.
With ``WEBHOOK_SECRET`` the URL is signed the DingTalk way: ``timestamp`` (ms) and ``sign`` =
base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")) as query parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

from . import DeliveryError, Outgoing
from .http_post import post_json


def configured(config) -> bool:
    return bool(config.get("WEBHOOK_URLS"))


def payload(subject: str, body: str) -> dict:
    content = f"{subject}\n{body}".strip() if body else subject
    return {"msgtype": "text", "text": {"content": content}}


def signature(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    query = urllib.parse.urlencode({"timestamp": timestamp_ms,
                                    "sign": signature(secret, timestamp_ms)})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def send(message: Outgoing, app) -> str:
    config = app.config
    secret = config.get("WEBHOOK_SECRET")
    url = signed_url(message.recipient, secret) if secret else message.recipient
    answer = post_json(url, message.payload or payload(message.subject, message.body),
                       timeout=config["NOTIFY_TIMEOUT_SECONDS"])
    try:
        result = json.loads(answer) if answer.strip() else {}
    except ValueError:
        result = {}
    if isinstance(result, dict) and result.get("errcode") not in (None, 0):
        raise DeliveryError(f"the webhook answered errcode {result.get('errcode')}: "
                            f"{result.get('errmsg', '')}")
    return f"accepted: {answer[:200]}" if answer else "accepted"
