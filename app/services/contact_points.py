"""Phone numbers and email addresses: the checks and the normal forms duplicates are found by.

Phones normalise to ``+<country code><number>``: a Chinese mobile (11 digits starting
1[3-9], with or without +86 / 0086 / 86) becomes ``+861xxxxxxxxxx``; a Chinese landline,
domestic (``010-6552 9988``, ``0571 8888 1234``) or with +86 (``+86 10 6552 9988``, also
``+86 (0)10 ...``), becomes ``+86<area code><number>``; any other number must be written
internationally (``+`` or ``00`` and 8 to 15 digits). Spaces, dashes, dots and brackets are
ignored. Emails normalise to lower case without surrounding space.
"""

from __future__ import annotations

import re

CN_MOBILE = re.compile(r"1[3-9]\d{9}")
CN_LANDLINE = re.compile(r"(10|2\d|[3-9]\d{2})[2-9]\d{6,7}")  # area code without its 0
INTERNATIONAL = re.compile(r"\+[1-9]\d{7,14}")
SEPARATORS = re.compile(r"[\s\-.()\u00a0]")
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def normalize_phone(value: str | None) -> str | None:
    """The phone number as ``+<digits>``, or None when it is empty or not a valid number."""
    if value is None:
        return None
    number = SEPARATORS.sub("", str(value).strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    if CN_MOBILE.fullmatch(number):
        return "+86" + number
    if number.startswith("86") and CN_MOBILE.fullmatch(number[2:]):
        return "+" + number
    if number.startswith("0") and CN_LANDLINE.fullmatch(number[1:]):
        return "+86" + number[1:]
    if number.startswith("+86"):
        national = number[3:].removeprefix("0")
        china = CN_MOBILE.fullmatch(national) or CN_LANDLINE.fullmatch(national)
        return "+86" + national if china else None
    return number if INTERNATIONAL.fullmatch(number) else None


def valid_phone(value: str | None) -> bool:
    return normalize_phone(value) is not None


def normalize_email(value: str | None) -> str | None:
    """The address in lower case, or None when it is empty or not an address."""
    if value is None:
        return None
    address = str(value).strip().lower()
    return address if len(address) <= 254 and EMAIL.fullmatch(address) else None


def valid_email(value: str | None) -> bool:
    return normalize_email(value) is not None
