"""Where document bytes live: a directory (CRM_DOCUMENTS_DIR, by default the instance
directory's ``documents``), one file per content hash, written atomically.

Rows (app/models/document.py) name the hash; the bytes are written before the row's
transaction commits. A rolled-back transaction leaves an unreferenced file behind, which is
harmless (the same content reuses it) and cheaper than a second phase.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from .. import db
from ..errors import Invalid, NotFound
from ..models.document import Document, DocumentFile
from . import clock

# what we accept from people, recognised by the bytes themselves, not by the name they give
MAGIC = ((b"%PDF-", "pdf", "application/pdf"),
         (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
         (b"\xff\xd8\xff", "jpeg", "image/jpeg"))
MIME_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


def root() -> Path:
    configured = current_app.config.get("DOCUMENTS_DIR") or ""
    if configured:
        return Path(configured)
    return Path(current_app.config["INSTANCE_DIR"]) / "documents"


def path_of(sha256: str) -> Path:
    return root() / sha256[:2] / sha256[2:4] / sha256


def put(content: bytes) -> Stored:
    """Store the bytes under their SHA-256 (once: the same content is the same file)."""
    digest = hashlib.sha256(content).hexdigest()
    target = path_of(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return Stored(digest, len(content))


def read(file: DocumentFile) -> bytes:
    return read_blob(file.sha256, f"the {file.format} file of document {file.document_id}")


def read_blob(sha256: str, label: str) -> bytes:
    """The stored bytes, checked against their hash; NotFound naming ``label`` when they are
    missing or damaged (a restored backup without its document directory, a failing disk)."""
    try:
        content = path_of(sha256).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{label} is missing from the document store") from None
    if hashlib.sha256(content).hexdigest() != sha256:
        raise NotFound(f"{label} is damaged in the document store")
    return content


def sniff(content: bytes, field: str = "file") -> tuple[str, str]:
    """(format, mime type) of an uploaded scan: a PDF, PNG or JPEG, by its first bytes."""
    for magic, kind, mime in MAGIC:
        if content.startswith(magic):
            return kind, mime
    raise Invalid("the file is not a PDF, PNG or JPEG", fields={field: ["PDF, PNG or JPEG"]})


def add_file(document: Document, fmt: str, content: bytes, filename: str) -> DocumentFile:
    stored = put(content)
    file = DocumentFile(format=fmt, mime_type=MIME_TYPES[fmt], filename=filename[:255],
                        size=stored.size, sha256=stored.sha256, created_at=clock.now())
    document.files.append(file)
    db.session().flush()
    return file


def file_of(document: Document, fmt: str | None) -> DocumentFile:
    """The asked format, or the document's first file; NotFound naming the formats there are."""
    if not document.files:
        raise NotFound(f"document {document.id} has no file yet")
    if fmt is None:
        return document.files[0]
    for file in document.files:
        if file.format == fmt:
            return file
    there = ", ".join(f.format for f in document.files)
    raise NotFound(f"document {document.id} has no {fmt} file (it has: {there})")
