"""The ``notify`` service task: tell people something from a process.

Properties (``camunda:properties``):

- ``recipients``: comma-separated; ``user:alice`` or ``alice``, ``role:manager``,
  ``email:x@example.com``, ``phone:+8613800138000``, ``assignee`` (the open tasks'
  assignees, or their candidate groups), ``starter``; ``${owner}`` or a bare variable name
  (``owner``) stands for the username(s) a process variable holds;
- ``template``: a template key (``task_overdue``, ``approval_requested``, ``message``...);
- ``channels`` (optional): a subset of ``inapp,email,sms,webhook``.

Every other property is template data beside the task data (``subject`` and ``body`` for the
``message`` template). Delivery happens after the step commits; a channel that fails later
never fails this step. An unknown template or an unset recipient variable does.
"""

from __future__ import annotations

import re

from ..models.notification import CHANNELS
from ..notifications import templates
from ..services import notifications
from ..services.recipients import KEYWORDS
from . import HandlerContext, handler

OWN_PROPERTIES = {"handler", "recipients", "template", "channels"}
VARIABLE = re.compile(r"^\$\{\s*([A-Za-z_][\w.]*)\s*\}$")
NAME = re.compile(r"^[A-Za-z_]\w*$")


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _lookup(data: dict, path: str):
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


USERNAME = re.compile(r"^[A-Za-z0-9_.]+$")


def _values(value, name: str) -> list[str]:
    """The usernames a variable holds. Only usernames: a variable may hold what somebody
    typed, and must not be able to add a role or an outside address to the recipients."""
    if isinstance(value, str) and value.strip():
        names = _split(value)
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        names = [v.strip() for v in value if v.strip()]
    else:
        raise ValueError(f"recipients: variable {name!r} holds {value!r}, not a username")
    bad = [n for n in names if not USERNAME.match(n)]
    if bad:
        raise ValueError(f"recipients: variable {name!r} holds {bad!r}, not usernames")
    return [f"user:{n}" for n in names]


def expand_recipients(text: str | None, data: dict) -> list[str]:
    """``"${owner}, role:manager"`` with owner='alice' -> ``["alice", "role:manager"]``."""
    expanded = []
    for entry in _split(text):
        match = VARIABLE.match(entry)
        if match:
            name = match.group(1)
            value = _lookup(data, name)
            if value is None:
                raise ValueError(f"recipients: variable {name!r} is not set")
            expanded.extend(_values(value, name))
        elif entry not in KEYWORDS and NAME.match(entry) and isinstance(
                data.get(entry), str | list | tuple):
            expanded.extend(_values(data[entry], entry))
        else:
            expanded.append(entry)
    return expanded


def check_notify(properties: dict) -> list[str]:
    """Deployment: the template must exist and somebody must be named."""
    problems = []
    template = (properties.get("template") or "").strip()
    known = templates.keys()
    if not template:
        problems.append("the notify task needs a 'template' property")
    elif template not in known:
        problems.append(f"the notify task names template {template!r}, which does not exist "
                        f"(templates: {', '.join(known)})")
    if not _split(properties.get("recipients")):
        problems.append("the notify task needs a 'recipients' property")
    unknown = set(_split(properties.get("channels"))) - set(CHANNELS)
    if unknown:
        problems.append(f"unknown channels {sorted(unknown)}; channels are "
                        f"{', '.join(sorted(CHANNELS))}")
    return problems


@handler("notify", check=check_notify)
def notify(ctx: HandlerContext) -> dict:
    """Queue the notification in this step's unit of work; returns nothing for the process."""
    template = (ctx.properties.get("template") or "").strip()
    if not template:
        raise ValueError("the notify task needs a 'template' property")
    recipients = expand_recipients(ctx.properties.get("recipients"), ctx.data)
    if not recipients:
        raise ValueError("the notify task needs a 'recipients' property")
    extra = {k: v for k, v in ctx.properties.items() if k not in OWN_PROPERTIES}
    channels = _split(ctx.properties.get("channels")) or None
    notifications.notify(recipients, template, {**ctx.data, **extra}, instance=ctx.instance,
                         channels=channels, store_data=False)
    return {}
