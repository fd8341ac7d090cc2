"""What the page areas share: paging, running a service call so a refusal leaves nothing
behind, where a form post returns to, and the server's messages in the page's language.

Nothing here holds a rule of the CRM: the services decide; these helpers only read the request
and shape the answer the same way on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, request, url_for
from marshmallow import Schema, ValidationError

from .. import db
from ..errors import Conflict, Forbidden, Invalid
from ..models.task import HumanTask
from ..pages.public_forms import submitted_data
from ..pages.texts import translate_error
from ..services import pipeline
from .i18n import label, language, t
from .refusals import refused_as
from .session import safe_next

MAX_PAGE = 100_000  # beyond a database's integers a page number is an error, not a page


def page_number() -> int:
    """?page=N, from 1 to MAX_PAGE; nonsense reads as the first page."""
    try:
        return min(max(1, int(request.args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        return 1


def page_url(number: int, endpoint: str | None = None) -> str:
    """This page's address at page ``number``, keeping its other (non-blank) query arguments:
    the pager's links (web/_components.html). ``endpoint``: the page's own, for a page drawn
    in answer to a form post."""
    kept = {name: value for name, value in request.args.items() if name != "page" and value}
    return url_for(endpoint or request.endpoint, **(request.view_args or {}), **kept,
                   page=number)


def attempt(action: Callable[..., Any], *args, **kwargs) -> Any:
    """Run a service call in a savepoint: a refused action (409, 403, 422) leaves nothing
    behind, although the page still answers 200 or a redirect (which commits)."""
    with db.session().begin_nested():
        return action(*args, **kwargs)


def attempt_and_say(action: Callable[..., Any], *args, done: str, refused: str) -> bool:
    """``attempt`` a one-button action and flash how it went: the text ``done``, or the text
    key ``refused`` with the service's reason when it refused (409, 403)."""
    try:
        attempt(action, *args)
    except (Conflict, Forbidden) as refusal:
        flash(refused_as(refused, refusal.message), "error")
        return False
    flash(done, "success")
    return True


def form_body(schema: Schema, names: tuple[str, ...]) -> dict:
    """The posted fields ``names`` (blank ones left out), loaded with the API's own schema,
    so a page accepts and refuses exactly what the API does; Invalid (422, per field) when
    the schema refuses them."""
    sent = {name: request.form[name].strip() for name in names
            if request.form.get(name, "").strip()}
    try:
        return schema.load(sent)
    except ValidationError as exc:
        raise Invalid(t("form.errors"), fields=exc.normalized_messages()) from exc


def posted_values(form: dict | None) -> dict:
    """The posted HTML form as the form definition's data: its own fields only (the CSRF
    token, ``next`` and the like are not data)."""
    if form is None:
        return {}
    known = {spec["name"] for spec in form.get("fields", [])}
    return {name: value for name, value in submitted_data(form).items() if name in known}


def back_to(default: str) -> str:
    """Where a form post returns to: its ``next`` field when it is a path on this site."""
    return safe_next(request.form.get("next"), default)


def field_messages(fields: dict | None) -> dict[str, list[str]]:
    """A refusal's per-field messages (a message or a list of them per field) in the page's
    language."""
    lang = language()
    return {name: [translate_error(str(m), lang) for m in
                   (messages if isinstance(messages, list) else [messages])]
            for name, messages in (fields or {}).items()}


def task_title(task: HumanTask, form: dict | None) -> str:
    """A task's title as the inbox shows it: the form's title in the page's language, else the
    BPMN task's name."""
    return label(form.get("title"), task.name) if form else task.name


def task_label(task: HumanTask) -> str:
    """``task_title`` with the task's own form: what a list of tasks calls each one."""
    from ..services import tasks

    return task_title(task, tasks.form_of(task))


def stage_names(rows: list | None = None) -> dict[str, str]:
    """Each pipeline stage's name in the page's language (stages carry both); ``rows``: the
    stages when the page has read them already."""
    chinese = language() == "zh-CN"
    return {row.key: row.name_zh if chinese else row.name_en
            for row in (pipeline.stages() if rows is None else rows)}
