"""Process data coming from outside (start variables, message payloads, form data).

Keys become Python names in scripts and conditions, and a key named ``typename`` anywhere
inside would be mistaken for a serialized object by the engine's state serializer, so both
are checked at the door with a clear 422.
"""

from __future__ import annotations

import re

from .. import engine
from ..errors import Invalid

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def check_variables(variables, field: str = "variables") -> dict:
    """The data as a dict, or Invalid naming the bad keys."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise Invalid(f"{field} must be a JSON object", fields={field: ["not an object"]})
    errors = {}
    for key in variables:
        if not isinstance(key, str) or not NAME.fullmatch(key):
            errors[str(key)] = ["a variable name is letters, digits and _, starting with a letter"]
    if errors:
        raise Invalid(f"bad {field} names", fields={field: errors})
    try:
        engine.check_storable(variables, field)
    except engine.NotStorable as exc:
        raise Invalid(f"{field}: {exc}", fields={field: [str(exc)]}) from exc
    return dict(variables)
