"""Reading deployed definitions: processes (by key and version), decisions, forms, specs."""

from __future__ import annotations

from sqlalchemy import func, select

from .. import db, engine
from ..errors import NotFound
from ..models.definition import (
    DecisionDefinition,
    Deployment,
    FormDefinition,
    ProcessDefinition,
    StoredFile,
)
from ..models.user import User
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


def approval_form_ids() -> set[int]:
    """The form versions whose tasks are approvals (``"approval": true``), so that a query
    can pick approvals out in SQL rather than task by task."""
    rows = db.session().execute(select(FormDefinition.id, FormDefinition.file_hash))
    return {form_id for form_id, file_hash in rows if form_by_hash(file_hash).get("approval")}


def form_by_id(form_id: int | None) -> dict | None:
    """A stored form version; its file is looked up once per unit of work (a list of tasks
    asks for the same few forms again and again)."""
    if form_id is None:
        return None
    hashes = db.session().info.setdefault("form_hash_by_id", {})
    if form_id not in hashes:
        row = db.session().get(FormDefinition, form_id)
        hashes[form_id] = row.file_hash if row else None
    return form_by_hash(hashes[form_id]) if hashes[form_id] else None


_forms: dict[str, dict] = {}


def form_by_hash(file_hash: str) -> dict:
    """A form definition by content hash (content-addressed, so cached for good)."""
    if file_hash not in _forms:
        stored = file_contents([file_hash])[file_hash]
        _forms[file_hash] = parse_form(stored.content, stored.name)  # a key from the file name
    return _forms[file_hash]


# -- for the analyst workspace: what is deployed, and the files to edit ---------------------

def deployed_by(rows: list) -> dict[int, tuple]:
    """{deployment id: (deployed at, username or None)} for definition rows: who made each
    version matters when a table changes under people's feet."""
    ids = {row.deployment_id for row in rows}
    if not ids:
        return {}
    stmt = (select(Deployment.id, Deployment.created_at, User.username)
            .outerjoin(User, User.id == Deployment.created_by)
            .where(Deployment.id.in_(ids)))
    return {row.id: (row.created_at, row.username) for row in db.session().execute(stmt)}


def _with_versions(rows: list, key_of) -> list[dict]:
    """Rows of every version, grouped by key, newest first within a key, keys in order."""
    who = deployed_by(rows)
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        at, by = who.get(row.deployment_id, (row.created_at, None))
        grouped.setdefault(key_of(row), []).append({"version": row.version, "row": row,
                                                    "deployed_at": at, "deployed_by": by})
    result = []
    for key in sorted(grouped):
        versions_of_key = sorted(grouped[key], key=lambda v: v["version"], reverse=True)
        result.append({"key": key, "latest": versions_of_key[0]["row"],
                       "versions": versions_of_key})
    return result


def _catalogue(model, key_column, hash_column) -> list[dict]:
    """Every key of a kind of definition: its latest version, every version with when and by
    whom, and the name of the file it came from (the name the editor deploys it under)."""
    rows = list(db.session().scalars(select(model).order_by(key_column, model.version)))
    entries = _with_versions(rows, lambda row: getattr(row, key_column.key))
    hashes = {getattr(entry["latest"], hash_column.key): entry for entry in entries}
    names = dict(db.session().execute(select(StoredFile.hash, StoredFile.name)
                                      .where(StoredFile.hash.in_(hashes))).all())
    for file_hash, entry in hashes.items():
        entry["file"] = names.get(file_hash, entry["key"])
    return entries


def _versions_of(model, key_column, key: str, missing: str) -> list[dict]:
    """The versions of one key, newest first, with when and by whom (404 ``missing``)."""
    rows = list(db.session().scalars(select(model).where(key_column == key)))
    if not rows:
        raise NotFound(missing)
    return _with_versions(rows, lambda row: key)[0]["versions"]


def process_catalogue() -> list[dict]:
    return _catalogue(ProcessDefinition, ProcessDefinition.key, ProcessDefinition.bpmn_hash)


def decision_catalogue() -> list[dict]:
    return _catalogue(DecisionDefinition, DecisionDefinition.decision_id,
                      DecisionDefinition.file_hash)


def form_catalogue() -> list[dict]:
    return _catalogue(FormDefinition, FormDefinition.key, FormDefinition.file_hash)


def process_versions(key: str) -> list[dict]:
    return _versions_of(ProcessDefinition, ProcessDefinition.key, key,
                        f"no process with key {key!r} is deployed")


def decision_versions(decision_id: str) -> list[dict]:
    return _versions_of(DecisionDefinition, DecisionDefinition.decision_id, decision_id,
                        f"no decision with id {decision_id!r} is deployed")


def form_versions(key: str) -> list[dict]:
    return _versions_of(FormDefinition, FormDefinition.key, key,
                        f"no form with key {key!r} is deployed")


def decision_xml(decision_id: str, version: int | None = None) -> tuple[str, bytes]:
    """(file name, DMN file) a decision version was deployed from (the latest by default)."""
    row = decision(decision_id) if version is None else decision_version(decision_id, version)
    return row.file.name, row.file.content


def decision_table(decision_id: str) -> dict:
    """The latest version's table as a tester needs it: its inputs (label, expression,
    type) and outputs (name, label, type), read from the deployed file."""
    row = decision(decision_id)
    analysis = engine.Analysis()
    engine.read_xml([engine.SourceFile(row.file.name, row.file.content)], analysis)
    root = analysis.trees.get(row.file.name)
    table = None
    if root is not None:
        table = next((t for d in root.iter("{*}decision") if d.get("id") == decision_id
                      for t in d.iter("{*}decisionTable")), None)
    inputs, outputs = [], []
    for column in table.iterfind("{*}input") if table is not None else ():
        expression = column.find("{*}inputExpression")
        text = expression.find("{*}text") if expression is not None else None
        inputs.append({"id": column.get("id"), "label": column.get("label") or "",
                       "expression": (text.text or "").strip() if text is not None else "",
                       "type": (expression.get("typeRef") if expression is not None
                                else None) or "string"})
    for column in table.iterfind("{*}output") if table is not None else ():
        outputs.append({"id": column.get("id"), "name": column.get("name") or "",
                        "label": column.get("label") or "",
                        "type": column.get("typeRef") or "string"})
    return {"decision_id": decision_id, "name": row.name, "version": row.version,
            "file": row.file.name, "inputs": inputs, "outputs": outputs}


def latest_form(key: str) -> FormDefinition:
    """The latest version of a form definition (404 if the key was never deployed)."""
    row = db.session().scalar(select(FormDefinition).where(FormDefinition.key == key)
                              .order_by(FormDefinition.version.desc()).limit(1))
    if row is None:
        raise NotFound(f"no form with key {key!r} is deployed")
    return row


def form_file(key: str) -> tuple[str, bytes]:
    """(file name, JSON file) of a form's latest version, byte for byte, to edit."""
    row = latest_form(key)
    return row.file.name, row.file.content
