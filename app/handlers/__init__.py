"""Service-task handlers: the Python a BPMN service task calls by name.

A diagram names its handler (``camunda:topic="documents.render_quote"`` or a ``handler``
property); deployment refuses a diagram that names one not registered here. A handler is a
plain function of a ``HandlerContext`` returning a dict merged into the process data. Handlers
never commit: the unit of work that ran the engine does.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class HandlerContext:
    """What a handler may see: the task's data and properties, the instance, the session."""

    data: dict
    properties: dict
    element_id: str
    now: datetime
    instance: Any = None
    session: Any = None
    extra: dict = field(default_factory=dict)


Handler = Callable[[HandlerContext], dict | None]
# Checks a service task's properties at deployment; returns the problems found.
PropertyCheck = Callable[[dict], list[str]]

# Checks a submitted task form's values beyond its fields' types (rules across fields, or
# against the database); returns the problems per field name.
FormCheck = Callable[[dict], dict[str, list[str]]]

_registry: dict[str, Handler] = {}
_checks: dict[str, PropertyCheck] = {}
_form_checks: dict[str, FormCheck] = {}


def handler(name: str, check: PropertyCheck | None = None) -> Callable[[Handler], Handler]:
    """Register a function under the name diagrams use for it (and, optionally, a check of
    the properties a diagram gives it, so that a mistake is refused at deployment)."""

    def register(func: Handler) -> Handler:
        if name in _registry and _registry[name] is not func:
            raise ValueError(f"handler {name!r} is registered twice")
        _registry[name] = func
        if check is not None:
            _checks[name] = check
        return func

    return register


def check_properties(name: str, properties: dict) -> list[str]:
    """What is wrong with these service-task properties for this handler (deployment)."""
    load_all()
    check = _checks.get(name)
    return check(properties) if check else []


def form_check(form_key: str) -> Callable[[FormCheck], FormCheck]:
    """Register a check of the values submitted with the form ``form_key``, so that what the
    process's next service task would refuse is refused at submission (422), not later."""

    def register(func: FormCheck) -> FormCheck:
        _form_checks[form_key] = func
        return func

    return register


def check_form(form_key: str, values: dict) -> dict[str, list[str]]:
    load_all()
    check = _form_checks.get(form_key)
    return check(values) if check else {}


def get_handler(name: str) -> Handler | None:
    load_all()
    return _registry.get(name)


def registered_names() -> set[str]:
    load_all()
    return set(_registry)


_loaded = False


def load_all() -> None:
    """Import every module of this package once, so their @handler decorators run."""
    global _loaded
    if _loaded:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _loaded = True
