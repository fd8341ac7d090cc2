"""SMS through a provider: ``SMS_PROVIDER=local`` records messages in the process (development,
demos, tests), ``http`` posts them to a gateway, unset turns SMS off.

A real gateway (Aliyun, Tencent Cloud, Twilio behind a small relay...) differs in URL, body and
headers only, so one ``HttpSmsProvider`` configured with a JSON template covers them, and a new
provider is a class with a ``send(phone, text)`` method.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from flask import Flask

from . import DeliveryError, Outgoing
from .http_post import post_json


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send one message; return a line for the delivery record, raise DeliveryError."""


@dataclass(frozen=True)
class RecordedSms:
    phone: str
    text: str
    at: datetime


class LocalSmsProvider:
    """Records messages in a list instead of sending them (``app.extensions['crm_sms_sent']``)."""

    _lock = threading.Lock()

    def __init__(self, sent: list[RecordedSms]):
        self.sent = sent

    def send(self, phone: str, text: str) -> str:
        with self._lock:
            self.sent.append(RecordedSms(phone, text, datetime.now(UTC)))
            return f"recorded locally (#{len(self.sent)})"


class HttpSmsProvider:
    """POSTs ``template`` (JSON text; ``{phone}`` and ``{text}`` in its strings) to ``url``."""

    def __init__(self, url: str, template: str, headers: dict | None = None,
                 timeout: float = 10):
        if not url:
            raise DeliveryError("SMS_PROVIDER is http but SMS_HTTP_URL is not set")
        try:
            self.template = json.loads(template)
        except ValueError as exc:
            raise DeliveryError(f"SMS_HTTP_TEMPLATE is not JSON: {exc}") from exc
        self.url, self.headers, self.timeout = url, headers or {}, timeout

    def body(self, phone: str, text: str):
        """The template with the placeholders filled in its strings (so quotes stay JSON)."""

        def fill(value):
            if isinstance(value, str):
                return value.replace("{phone}", phone).replace("{text}", text)
            if isinstance(value, list):
                return [fill(v) for v in value]
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            return value

        return fill(self.template)

    def send(self, phone: str, text: str) -> str:
        answer = post_json(self.url, self.body(phone, text), headers=self.headers,
                           timeout=self.timeout)
        return f"accepted by the SMS gateway: {answer[:200]}"


def configured(config) -> bool:
    return config.get("SMS_PROVIDER") in ("local", "http")


def provider(app: Flask) -> SmsProvider:
    config = app.config
    kind = config.get("SMS_PROVIDER")
    if kind == "local":
        return LocalSmsProvider(app.extensions.setdefault("crm_sms_sent", []))
    if kind == "http":
        try:
            headers = json.loads(config.get("SMS_HTTP_HEADERS") or "{}")
        except ValueError as exc:
            raise DeliveryError(f"SMS_HTTP_HEADERS is not a JSON object: {exc}") from exc
        return HttpSmsProvider(config.get("SMS_HTTP_URL", ""), config["SMS_HTTP_TEMPLATE"],
                               headers, config["NOTIFY_TIMEOUT_SECONDS"])
    raise DeliveryError("SMS is off: SMS_PROVIDER is not set")


def send(message: Outgoing, app: Flask) -> str:
    return provider(app).send(message.recipient, message.body)


def recorded(app: Flask) -> list[RecordedSms]:
    """What the local provider recorded in this app (for tests and the development log)."""
    return list(app.extensions.get("crm_sms_sent", []))
