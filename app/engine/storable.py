"""What process data may hold: values the state can be saved with and read back.

A script can bind anything (``d.keys()``, ``range(3)``, ``timezone.utc``, ``float('nan')``)
and a handler can return anything; saving such data fails, or worse, saves and then never
restores (a dict with a ``typename`` key reads back as a serialized object). Each source of
data is checked as it writes, so the step that wrote it fails with a clear message and the
instance goes to status error instead of becoming impossible to save.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal

PLAIN = (str, int, bool, type(None), Decimal, date, datetime, timedelta)
MAX_DEPTH = 50


class NotStorable(ValueError):
    """Data that cannot be saved as process data; the message names where it is."""


def check_storable(value, path: str = "data", depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise NotStorable(f"{path} is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotStorable(f"{path} is {value}, which cannot be saved")
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise NotStorable(f"{path} holds a NUL character")
        return
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotStorable(f"{path} is {value}, which cannot be saved")
        return
    if isinstance(value, PLAIN):
        return
    if isinstance(value, dict):
        if "typename" in value:
            raise NotStorable(f"{path} has a key named 'typename', which the engine reserves")
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotStorable(f"{path} has a key {key!r} that is not a string")
            check_storable(item, f"{path}.{key}", depth + 1)
        return
    if isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            check_storable(item, f"{path}[{index}]", depth + 1)
        return
    raise NotStorable(f"{path} is a {type(value).__name__}, which process data cannot hold "
                      "(use numbers, text, Decimal, dates, lists and dicts)")
