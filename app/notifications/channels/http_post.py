"""A small JSON POST over the standard library, shared by the webhook and HTTP SMS channels."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from . import DeliveryError


def post_json(url: str, body, *, headers: dict | None = None, timeout: float = 10) -> str:
    """POST ``body`` as JSON; the response text, or DeliveryError for a non-2xx / no answer."""
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read(64 * 1024).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        text = exc.read(2000).decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {exc.code} from {redact(url)}: {text}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{redact(url)}: {reason}") from exc


def redact(url: str) -> str:
    """The URL without its query (robot URLs carry their access token there)."""
    return url.split("?", 1)[0]
