"""English and Chinese on every page: the person's choice, else their browser's language."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from flask import g, has_request_context, request
from flask import session as cookie

LANGUAGES = ("en", "zh-CN")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every text module merged: {language: {key: text}}; a key defined twice is a bug."""
    from . import texts

    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for info in pkgutil.iter_modules(texts.__path__):
        module = importlib.import_module(f"{texts.__name__}.{info.name}")
        for lang, entries in module.TEXTS.items():
            clash = set(entries) & set(merged[lang])
            if clash:
                raise RuntimeError(f"texts defined twice ({info.name}): {sorted(clash)}")
            merged[lang].update(entries)
    return merged


def from_browser() -> str:
    best = request.accept_languages.best_match(["en", "zh-CN", "zh", "zh-Hans", "zh-SG"],
                                               default="en")
    return "zh-CN" if best.startswith("zh") else "en"


def language() -> str:
    if not has_request_context():
        return "en"
    if "language" not in g:
        from .session import current_user

        user = current_user()
        if user is not None and user.language_chosen and user.language in LANGUAGES:
            g.language = user.language
        elif cookie.get("lang") in LANGUAGES:
            g.language = cookie["lang"]
        else:
            g.language = from_browser()
    return g.language


def t(key: str, **values) -> str:
    """The text for ``key`` in the page's language (English if untranslated, else the key)."""
    texts = catalogue()
    text = texts[language()].get(key) or texts["en"].get(key) or key
    return text.format(**values) if values else text


def term(prefix: str, value) -> str:
    """A stored code (a region, an industry) in the page's language, or as it is when it has
    no text: ``term("customers.region.", "east_china")`` is 华东 on a Chinese page."""
    if value in (None, ""):
        return "—"
    texts = catalogue()
    key = f"{prefix}{value}"
    return texts[language()].get(key) or texts["en"].get(key) or str(value)


def label(value, fallback: str = "") -> str:
    """A bilingual value from a definition ({"en": ..., "zh-CN": ...}) or a plain string."""
    from ..pages.public_forms import label as in_language

    return in_language(value, language(), fallback) or fallback
