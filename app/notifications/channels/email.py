"""Email over SMTP: STARTTLS (port 587), implicit TLS (465) or plain, with optional login.

``EmailMessage`` encodes non-ASCII subjects and bodies (RFC 2047 headers, UTF-8 body), so a
Chinese subject arrives readable in any mail client.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from . import DeliveryError, Outgoing

TLS_MODES = ("starttls", "ssl", "none")


def configured(config) -> bool:
    return bool(config.get("SMTP_HOST"))


def sender(config) -> str:
    return config.get("SMTP_FROM") or config.get("SMTP_USER") or "crm@localhost"


def build(message: Outgoing, config) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender(config)
    mail["To"] = message.recipient
    mail["Subject"] = " ".join(message.subject.split())  # a multi-line task name: one line
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=f"crm-outbox-{message.id}")
    mail.set_content(message.body or message.subject)
    return mail


def _connect(config) -> smtplib.SMTP:
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    timeout = config["NOTIFY_TIMEOUT_SECONDS"]
    mode = config.get("SMTP_TLS", "starttls")
    if mode not in TLS_MODES:
        raise DeliveryError(f"SMTP_TLS is {mode!r}; use one of {', '.join(TLS_MODES)}")
    if mode == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout,
                                context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if mode == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def send(message: Outgoing, app) -> str:
    config = app.config
    if not configured(config):
        raise DeliveryError("email is off: SMTP_HOST is not set")
    try:
        with _connect(config) as smtp:
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
            refused = smtp.send_message(build(message, config))
    except (smtplib.SMTPException, OSError, ValueError) as exc:  # ValueError: a bad header
        raise DeliveryError(f"SMTP {config['SMTP_HOST']}:{config['SMTP_PORT']}: "
                            f"{exc.__class__.__name__}: {exc}") from exc
    if refused:
        raise DeliveryError(f"the SMTP server refused {', '.join(refused)}")
    return f"accepted by {config['SMTP_HOST']}:{config['SMTP_PORT']}"
