"""Document templates managed like process files: versioned by content, checked on upload,
the shipped ones (templates/*.docx) deployed at start-up. A rendered document records the
version it used, so an upload changes only the documents made after it."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from .. import db
from ..documents import render
from ..documents.model import KINDS
from ..errors import BadRequest, Invalid, NotFound
from ..models.document import DocumentTemplate
from ..models.user import User
from . import clock, document_store

KEY = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
MAX_BYTES = 5 * 1024 * 1024


def latest(key: str) -> DocumentTemplate:
    template = db.session().scalar(select(DocumentTemplate).where(DocumentTemplate.key == key)
                                   .order_by(DocumentTemplate.version.desc()).limit(1))
    if template is None:
        raise NotFound(f"no document template {key!r} is deployed")
    return template


def versions(key: str) -> list[DocumentTemplate]:
    rows = list(db.session().scalars(select(DocumentTemplate).where(
        DocumentTemplate.key == key).order_by(DocumentTemplate.version)))
    if not rows:
        raise NotFound(f"no document template {key!r} is deployed")
    return rows


def all_latest() -> list[DocumentTemplate]:
    newest = select(DocumentTemplate.key, func.max(DocumentTemplate.version).label("v")
                    ).group_by(DocumentTemplate.key).subquery()
    return list(db.session().scalars(select(DocumentTemplate).join(
        newest, (newest.c.key == DocumentTemplate.key) & (newest.c.v == DocumentTemplate.version)
    ).order_by(DocumentTemplate.key)))


def content_of(template: DocumentTemplate) -> bytes:
    return document_store.read_blob(template.sha256, f"template {template.key} "
                                                     f"v{template.version}")


def upload(key: str, kind: str | None, content: bytes, filename: str, *,
           user: User | None) -> tuple[DocumentTemplate, bool]:
    """(the version, created): a new version when the content changed, else the latest one.
    A file that is not a .docx, does not parse, or names placeholders the kind's data model
    lacks is refused with the reasons (400, the unknown placeholders listed)."""
    if not KEY.match(key or ""):
        raise Invalid("key: lower-case letters, digits and _, starting with a letter",
                      fields={"key": ["a slug such as quote or contract_en"]})
    known = _known_kind(key)
    kind = kind or known or (key if key in KINDS else None)
    if kind not in KINDS:
        raise Invalid(f"kind is one of {', '.join(KINDS)}", fields={"kind": ["unknown kind"]})
    if known is not None and kind != known:
        raise Invalid(f"template {key!r} is a {known} template",
                      fields={"kind": [f"must stay {known}"]})
    if not content:
        raise Invalid("the file is empty", fields={"file": ["empty"]})
    if len(content) > MAX_BYTES:
        raise Invalid(f"a template is at most {MAX_BYTES // (1024 * 1024)} MB",
                      fields={"file": ["too large"]})
    try:
        used = render.check(kind, content)
    except render.TemplateProblem as problem:
        raise BadRequest(str(problem), fields={"file": [str(problem)]},
                         unknown_placeholders=problem.unknown) from None
    db.serialize(f"document-template:{key}")
    stored = document_store.put(content)
    session = db.session()
    current = session.scalar(select(DocumentTemplate).where(DocumentTemplate.key == key)
                             .order_by(DocumentTemplate.version.desc()).limit(1))
    if current is not None and current.sha256 == stored.sha256:
        return current, False
    template = DocumentTemplate(
        key=key, kind=kind, version=(current.version + 1) if current else 1,
        sha256=stored.sha256, size=stored.size, filename=(filename or f"{key}.docx")[:255],
        placeholders=sorted(used), created_by=user.username if user else None,
        created_at=clock.now())
    session.add(template)
    session.flush()
    return template, True


def _known_kind(key: str) -> str | None:
    return db.session().scalar(select(DocumentTemplate.kind).where(
        DocumentTemplate.key == key).limit(1))


def deploy_directory(folder: Path) -> list[tuple[str, int, bool]]:
    """The shipped templates (``<key>.docx``, the key naming its kind): (key, version,
    created) each; unchanged files create nothing."""
    deployed = []
    for path in sorted(folder.glob("*.docx")):
        template, created = upload(path.stem, None, path.read_bytes(), path.name, user=None)
        deployed.append((template.key, template.version, created))
    return deployed
