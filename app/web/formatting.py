"""How pages show money, times, durations and process data (Jinja filters)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from flask import Flask, current_app

from ..services.notifications import time_zone
from . import i18n


def money(value, currency: str = "CNY") -> str:
    if value in (None, ""):
        return "—"
    amount = Decimal(str(value))
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€"}.get(currency or "CNY", f"{currency} ")
    return f"{symbol}{amount:,.2f}"


def local_time(value, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time in the site's time zone (CRM_NOTIFY_TIMEZONE)."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = time_zone(current_app.config.get("NOTIFY_TIMEZONE"))
    return value.astimezone(zone).strftime(pattern)


def duration(seconds) -> str:
    """3 d 4 h, 2 h 5 min, 40 min: how long something waited."""
    if seconds in (None, ""):
        return "—"
    minutes = int(float(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    unit = {key: i18n.t(f"unit.{key}") for key in ("d", "h", "min")}
    if days:
        return f"{days} {unit['d']} {hours} {unit['h']}"
    if hours:
        return f"{hours} {unit['h']} {minutes} {unit['min']}"
    return f"{minutes} {unit['min']}"


def plain(value) -> str:
    """A process variable as a reader reads it: yes / no rather than Python's True / False,
    a dash for nothing, a list as its items, a record as JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return i18n.t("common.yes" if value else "common.no")
    if isinstance(value, list | tuple) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(plain(v) for v in value) or "—"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def register(app: Flask) -> None:
    app.add_template_filter(plain)
    app.add_template_filter(money)
    app.add_template_filter(local_time)
    app.add_template_filter(duration)
