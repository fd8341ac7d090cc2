"""Message templates: ``templates/<key>.json`` holds a subject, a body and an SMS text per
language, rendered with Jinja2's sandbox.

The sandbox matters because the values come from process data that users typed; undefined
names and None render as nothing (a diagram that forgets a variable still gets its message out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import ChainableUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from ..errors import Invalid

FOLDER = Path(__file__).resolve().parent / "templates"
DEFAULT_LANGUAGE = "en"
PARTS = ("subject", "body", "sms")

_env = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False,
                            finalize=lambda value: "" if value is None else value)


class UnknownTemplate(Invalid):
    def __init__(self, key: str):
        super().__init__(f"unknown template {key!r} (templates: {', '.join(keys())})",
                         fields={"template": ["unknown"]})


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms: str


@cache
def keys() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in FOLDER.glob("*.json")))


@cache
def _load(key: str) -> dict:
    if key not in keys():
        raise UnknownTemplate(key)
    return json.loads((FOLDER / f"{key}.json").read_text(encoding="utf-8"))


def require(key: str) -> None:
    """Raise UnknownTemplate unless ``key`` names a template."""
    _load(key)


def language_of(template: dict, language: str | None) -> dict:
    """The variant for a language: exact ('zh-CN'), then by its first part ('zh'), then en."""
    language = (language or DEFAULT_LANGUAGE).strip()
    if language in template:
        return template[language]
    prefix = language.split("-")[0].lower()
    for name, variant in template.items():
        if name.split("-")[0].lower() == prefix:
            return variant
    return template[DEFAULT_LANGUAGE]


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """Compiling costs a third of a task completion; the texts never change at run time."""
    return _env.from_string(source)


def render(key: str, language: str | None, context: dict) -> Rendered:
    variant = language_of(_load(key), language)
    texts = {}
    for part in PARTS:
        source = variant.get(part) or ("{{ subject_text }}" if part == "sms" else "")
        try:
            texts[part] = _compiled(source).render(
                {**context, "subject_text": texts.get("subject", "")}).strip()
        except TemplateError as exc:  # a broken shipped template is a bug: say which
            raise Invalid(f"template {key!r} ({part}) cannot be rendered: {exc}") from exc
    return Rendered(texts["subject"], texts["body"], texts["sms"])
