"""Reading deployed definitions: processes (by key and version), decisions, forms, specs."""

from __future__ import annotations

from sqlalchemy import func, select

from .. import db, engine
from ..errors import NotFound
from ..models.definition import (
    DecisionDefinition,
    FormDefinition,
    ProcessDefinition,
    StoredFile,
)
from .forms import parse_form


def _latest_ids(model, key_column):
    return (select(func.max(model.id)).group_by(key_column)).scalar_subquery()


def latest_processes() -> list[ProcessDefinition]:
    """The newest version of every process key, ordered by key."""
    stmt = (select(ProcessDefinition)
            .where(ProcessDefinition.id.in_(_latest_ids(ProcessDefinition,
                                                        ProcessDefinition.key)))
            .order_by(ProcessDefinition.key))
    return list(db.session().scalars(stmt))


def versions(key: str) -> list[ProcessDefinition]:
    rows = list(db.session().scalars(select(ProcessDefinition)
                                     .where(ProcessDefinition.key == key)
                                     .order_by(ProcessDefinition.version)))
    if not rows:
        raise NotFound(f"no process with key {key!r} is deployed")
    return rows


def process(key: str, version: int | None = None) -> ProcessDefinition:
    """A given version of a process, or its latest."""
    stmt = select(ProcessDefinition).where(ProcessDefinition.key == key)
    if version is not None:
        stmt = stmt.where(ProcessDefinition.version == version)
    row = db.session().scalar(stmt.order_by(ProcessDefinition.version.desc()).limit(1))
    if row is None:
        which = f" version {version}" if version is not None else ""
        raise NotFound(f"no process with key {key!r}{which} is deployed")
    return row


def bpmn_xml(key: str, version: int | None = None) -> bytes:
    """The BPMN file a version was deployed from, byte for byte (the latest by default)."""
    definition = process(key, version)
    return file_contents([definition.bpmn_hash])[definition.bpmn_hash].content


def latest_decisions() -> dict[str, DecisionDefinition]:
    stmt = select(DecisionDefinition).where(DecisionDefinition.id.in_(
        _latest_ids(DecisionDefinition, DecisionDefinition.decision_id)))
    return {d.decision_id: d for d in db.session().scalars(stmt)}


def decision(decision_id: str) -> DecisionDefinition:
    row = db.session().scalar(select(DecisionDefinition)
                              .where(DecisionDefinition.decision_id == decision_id)
                              .order_by(DecisionDefinition.version.desc()).limit(1))
    if row is None:
        raise NotFound(f"no decision with id {decision_id!r} is deployed")
    return row


def decision_version(decision_id: str, version: int) -> DecisionDefinition:
    row = db.session().scalar(select(DecisionDefinition).where(
        DecisionDefinition.decision_id == decision_id, DecisionDefinition.version == version))
    if row is None:
        raise NotFound(f"decision {decision_id!r} has no version {version}")
    return row


def latest_forms() -> dict[str, FormDefinition]:
    stmt = select(FormDefinition).where(FormDefinition.id.in_(
        _latest_ids(FormDefinition, FormDefinition.key)))
    return {f.key: f for f in db.session().scalars(stmt)}


def file_contents(hashes: list[str]) -> dict[str, StoredFile]:
    if not hashes:
        return {}
    rows = db.session().scalars(select(StoredFile).where(StoredFile.hash.in_(hashes)))
    return {row.hash: row for row in rows}


def source_files(hashes: list[str]) -> list[engine.SourceFile]:
    """The stored files, named uniquely: two versions of 'deal.bpmn' may share a bundle
    (a process renamed away from the file) and the parser keeps files by name."""
    stored = file_contents(hashes)
    files, seen = [], set()
    for file_hash in hashes:
        name = stored[file_hash].name
        if name in seen:
            name = f"{name} (deployed {file_hash[:8]})"
        seen.add(name)
        files.append(engine.SourceFile(name, stored[file_hash].content))
    return files


def specs(definition: ProcessDefinition):
    """The parsed spec of a definition version (parsed once per process, then cached)."""
    bundle = definition.bundle

    def load():
        return source_files(bundle["bpmn"]), source_files(bundle["dmn"])

    return engine.cached_specs(definition.key, definition.bundle_hash, load)


def form(definition: ProcessDefinition, form_key: str | None) -> tuple[int | None, dict | None]:
    """(form definition id, form) that a task of this definition version shows."""
    if not form_key:
        return None, None
    file_hash = definition.bundle.get("forms", {}).get(form_key)
    if file_hash is None:
        return None, None
    row = db.session().scalar(select(FormDefinition)
                              .where(FormDefinition.key == form_key,
                                     FormDefinition.file_hash == file_hash).limit(1))
    return (row.id if row else None), form_by_hash(file_hash)


def form_by_id(form_id: int | None) -> dict | None:
    if form_id is None:
        return None
    row = db.session().get(FormDefinition, form_id)
    return form_by_hash(row.file_hash) if row else None


_forms: dict[str, dict] = {}


def form_by_hash(file_hash: str) -> dict:
    """A form definition by content hash (content-addressed, so cached for good)."""
    if file_hash not in _forms:
        stored = file_contents([file_hash])[file_hash]
        _forms[file_hash] = parse_form(stored.content, stored.name)  # a key from the file name
    return _forms[file_hash]
