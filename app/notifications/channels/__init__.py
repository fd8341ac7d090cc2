"""The channels an outbox message can leave by. Each ``send`` raises on failure and returns a
line for the delivery record on success; none of them touches the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask


class DeliveryError(Exception):
    """The channel refused or could not take the message (retried later)."""


@dataclass(frozen=True)
class Outgoing:
    """What the outbox hands a channel: a copy, so sending needs no open session."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    payload: dict = field(default_factory=dict)


def configured(channel: str, config) -> bool:
    from . import email, sms, webhook

    return {"email": email.configured, "sms": sms.configured,
            "webhook": webhook.configured}[channel](config)


def send(message: Outgoing, app: Flask) -> str:
    from . import email, sms, webhook

    senders = {"email": email.send, "sms": sms.send, "webhook": webhook.send}
    if message.channel not in senders:
        raise DeliveryError(f"unknown channel {message.channel!r}")
    return senders[message.channel](message, app)
