"""Settings, read from the environment once at start-up (12-factor style)."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def from_environment() -> dict:
    """The app's configuration; every key may be overridden by create_app(test_config)."""
    instance = Path(os.environ.get("CRM_INSTANCE_DIR", ROOT / "instance"))
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'crm.sqlite3'}"),
        # without SECRET_KEY, create_app takes the one kept in the instance folder
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "INSTANCE_DIR": str(instance),
        "PROCESS_DIRS": os.environ.get("CRM_PROCESS_DIRS",
                                       f"{ROOT / 'bpmn'}{os.pathsep}{ROOT / 'dmn'}"),
        "DEPLOY_ON_START": _flag("CRM_DEPLOY_ON_START", True),
        "DEMO": _flag("CRM_DEMO", False),
        "TEST_CLOCK": _flag("CRM_TEST_CLOCK", False),
        "TOKEN_TTL_HOURS": int(os.environ.get("CRM_TOKEN_TTL_HOURS", "12")),
        # a page session lasts this long after sign-in (real time), then asks to sign in again
        "WEB_SESSION_HOURS": float(os.environ.get("CRM_WEB_SESSION_HOURS", "12")),
        "SCHEDULER_INTERVAL_SECONDS": float(os.environ.get("CRM_SCHEDULER_INTERVAL", "5")),
        # how long a scheduler may hold a claimed timer before another one takes it over
        "SCHEDULER_LEASE_SECONDS": float(os.environ.get("CRM_SCHEDULER_LEASE", "60")),
        "TIMER_MAX_ATTEMPTS": int(os.environ.get("CRM_TIMER_MAX_ATTEMPTS", "3")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("CRM_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        "SQL_ECHO": _flag("CRM_SQL_ECHO", False),
        # werkzeug's method string; tests use a cheap one (hashing dominates their set-up)
        "PASSWORD_HASH_METHOD": os.environ.get("CRM_PASSWORD_HASH_METHOD", "scrypt"),
        **notification_settings(),
        "LEAD_CLAIM_LIMIT": int(os.environ.get("CRM_LEAD_CLAIM_LIMIT", "10")),  # a day a rep
        "LEAD_RECONTACT_DAYS": int(os.environ.get("CRM_LEAD_RECONTACT_DAYS", "30")),
        **capture_settings(),
        **deal_settings(),
    }


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def notification_settings() -> dict:
    """Channels are off until configured: no SMTP_HOST, no email; no SMS_PROVIDER, no SMS."""
    return {
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_TLS": os.environ.get("SMTP_TLS", "starttls").strip().lower(),  # starttls|ssl|none
        "SMTP_FROM": os.environ.get("SMTP_FROM", ""),
        "SMS_PROVIDER": os.environ.get("SMS_PROVIDER", "").strip().lower(),  # local | http
        "SMS_HTTP_URL": os.environ.get("SMS_HTTP_URL", ""),
        "SMS_HTTP_TEMPLATE": os.environ.get("SMS_HTTP_TEMPLATE",
                                            '{"phone": "{phone}", "text": "{text}"}'),
        "SMS_HTTP_HEADERS": os.environ.get("SMS_HTTP_HEADERS", ""),  # a JSON object
        "WEBHOOK_URLS": _list("WEBHOOK_URLS"),
        "WEBHOOK_SECRET": os.environ.get("WEBHOOK_SECRET", ""),
        # automatic task notices (task_assigned, ...) that also go to the webhooks
        "WEBHOOK_EVENTS": _list("CRM_WEBHOOK_EVENTS"),
        # the language of webhook messages and of mail to bare addresses; users have their own
        "NOTIFY_LANGUAGE": os.environ.get("CRM_NOTIFY_LANGUAGE", "en"),
        "NOTIFY_TIMEZONE": os.environ.get("CRM_NOTIFY_TIMEZONE", "UTC"),  # times in messages
        "NOTIFY_TIMEOUT_SECONDS": float(os.environ.get("CRM_NOTIFY_TIMEOUT", "10")),
        "DUE_SOON_HOURS": float(os.environ.get("CRM_DUE_SOON_HOURS", "4")),
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("CRM_OUTBOX_MAX_ATTEMPTS", "5")),
    }


def capture_settings() -> dict:
    """Lead capture: de-duplication, the public forms' limits, the webhook sources' secrets."""
    return {
        # a lead matching an open lead active, or a contact created, this many days back merges
        "LEAD_DEDUP_DAYS": float(os.environ.get("CRM_LEAD_DEDUP_DAYS", "30")),
        # the largest body the capture endpoints read (forms, webhooks, POST /api/leads)
        "CAPTURE_MAX_BYTES": int(os.environ.get("CRM_CAPTURE_MAX_BYTES", "32768")),
        # public form submissions per client address per window
        "FORM_RATE_LIMIT": int(os.environ.get("CRM_FORM_RATE_LIMIT", "10")),
        "FORM_RATE_WINDOW_SECONDS": int(os.environ.get("CRM_FORM_RATE_WINDOW", "600")),
        # who may frame the public forms (CSP frame-ancestors): "*" or a list of origins
        "FORM_FRAME_ANCESTORS": os.environ.get("CRM_FORM_FRAME_ANCESTORS", "*"),
        # reverse proxies in front of the service whose X-Forwarded-For is trusted
        "TRUSTED_PROXIES": int(os.environ.get("CRM_TRUSTED_PROXIES", "0")),
        "LEAD_SOURCES_DIR": os.environ.get(
            "CRM_LEAD_SOURCES_DIR", str(Path(__file__).parent / "integrations" / "lead_sources")),
        # each webhook source names the variable holding its secret (CRM_WEBHOOK_SECRET_<NAME>)
        **{name: value for name, value in os.environ.items()
           if name.startswith("CRM_WEBHOOK_SECRET_")},
    }

def deal_settings() -> dict:
    """After-sales timing and the address customers' survey links point at."""
    return {
        # the satisfaction survey goes out this many days after delivery and onboarding
        "SURVEY_DELAY_DAYS": int(os.environ.get("CRM_SURVEY_DELAY_DAYS", "30")),
        # a survey link works this long; then the process stops waiting for the answer
        "SURVEY_VALID_DAYS": int(os.environ.get("CRM_SURVEY_VALID_DAYS", "30")),
        # a renewal opportunity opens this many days before a contract's end date
        "RENEWAL_NOTICE_DAYS": int(os.environ.get("CRM_RENEWAL_NOTICE_DAYS", "60")),
        # where document files are kept (by content hash); empty: <instance dir>/documents
        "DOCUMENTS_DIR": os.environ.get("CRM_DOCUMENTS_DIR", ""),
        **document_settings(),
        # the service's address as customers reach it, for links in mail (surveys)
        "PUBLIC_BASE_URL": os.environ.get("CRM_PUBLIC_BASE_URL", "http://localhost:5000"),
    }


def document_settings() -> dict:
    """The company the quotes and contracts are from, their language, and the PDF converter."""
    env = os.environ.get
    return {
        "DOCUMENT_TEMPLATE_DIR": env("CRM_DOCUMENT_TEMPLATE_DIR", str(ROOT / "templates")),
        "DOCUMENT_LANGUAGE": env("CRM_DOCUMENT_LANGUAGE", "zh-CN"),  # zh-CN | en: dates
        "PDF_ENABLED": _flag("CRM_PDF", True),  # make a PDF of every document (LibreOffice)
        "PDF_TIMEOUT_SECONDS": float(env("CRM_PDF_TIMEOUT", "120")),
        "PDF_MAX_ATTEMPTS": int(env("CRM_PDF_MAX_ATTEMPTS", "3")),
        "COMPANY_NAME": env("CRM_COMPANY_NAME", "兰亭软件有限公司"),
        "COMPANY_NAME_EN": env("CRM_COMPANY_NAME_EN", "Lanting Software Co., Ltd."),
        "COMPANY_ADDRESS": env("CRM_COMPANY_ADDRESS", "上海市徐汇区漕溪北路 18 号"),
        "COMPANY_PHONE": env("CRM_COMPANY_PHONE", "+86 21 5555 0100"),
        "COMPANY_EMAIL": env("CRM_COMPANY_EMAIL", "sales@lanting.example"),
        "COMPANY_WEBSITE": env("CRM_COMPANY_WEBSITE", "www.lanting.example"),
        "COMPANY_BANK": env("CRM_COMPANY_BANK", ""),
        "COMPANY_TAX_ID": env("CRM_COMPANY_TAX_ID", ""),
        # empty: the payment terms of app/documents/model.py
        "QUOTE_PAYMENT_TERMS": env("CRM_QUOTE_PAYMENT_TERMS", ""),
        "CONTRACT_PAYMENT_TERMS": env("CRM_CONTRACT_PAYMENT_TERMS", ""),
    }


def instance_secret(instance: Path) -> str:
    """The installation's own secret, made once and kept in ``<instance>/secret_key`` (0600):
    every worker on this host signs sessions and survey links alike, and they outlive
    restarts. Several hosts need one SECRET_KEY of their own choosing."""
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made by an earlier start or by another worker starting now
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    for _ in range(50):  # another worker may be between creating the file and writing it
        secret = path.read_text().strip()
        if secret:
            return secret
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it, or set SECRET_KEY")


def check(settings: dict) -> None:
    """Refuse to start with settings that would only fail later, inside a workflow step."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zone = (settings.get("NOTIFY_TIMEZONE") or "UTC").strip()
    if zone.upper() != "UTC":
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"CRM_NOTIFY_TIMEZONE={zone!r} is not a time zone; use a name "
                             "such as Asia/Shanghai or UTC") from exc
    if settings.get("SMTP_TLS", "starttls") not in ("starttls", "ssl", "none"):
        raise ValueError(f"SMTP_TLS={settings.get('SMTP_TLS')!r}: use starttls, ssl or none")
    for name, variable in (("FORM_RATE_LIMIT", "CRM_FORM_RATE_LIMIT"),
                           ("FORM_RATE_WINDOW_SECONDS", "CRM_FORM_RATE_WINDOW"),
                           ("CAPTURE_MAX_BYTES", "CRM_CAPTURE_MAX_BYTES")):
        if name in settings and settings[name] < 1:
            raise ValueError(f"{variable}={settings[name]!r}: it must be at least 1")
    if settings.get("DOCUMENT_LANGUAGE", "zh-CN") not in ("zh-CN", "en"):
        raise ValueError(f"CRM_DOCUMENT_LANGUAGE={settings.get('DOCUMENT_LANGUAGE')!r}: use "
                         "zh-CN or en")
