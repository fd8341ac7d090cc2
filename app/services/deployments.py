"""Deploying BPMN, DMN and form files: validate everything, then version what changed.

A deployment is all-or-nothing. Its files are merged over what is deployed already (a BPMN
file replaces the stored file that defined the same process ids, a DMN file the same
decision id, a form file the same form key), every affected process is checked and parsed
against that merged set, and only then is anything written. A process gets a new version
when the content hash of its bundle (its BPMN file, the files of the processes it calls,
the decisions and forms it uses) changed; deploying identical content creates nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from .. import db, engine
from ..errors import BadRequest, DeploymentRejected
from ..models.definition import (
    DecisionDefinition,
    Deployment,
    FormDefinition,
    ProcessDefinition,
    StoredFile,
)
from ..models.user import ROLES, User
from . import clock, definitions, schedules
from .forms import FormDefinitionError, parse_form

KINDS = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}
MAX_FILES = 200


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def kind_of(filename: str) -> str | None:
    name = filename.lower()
    if name.endswith(".bpmn20.xml"):
        return "bpmn"
    return KINDS.get(Path(name).suffix)


@dataclass
class Bundle:
    """The merged view: files of this deployment over those deployed before."""

    bpmn: dict[str, engine.SourceFile] = field(default_factory=dict)  # by file name
    dmn: dict[str, engine.SourceFile] = field(default_factory=dict)
    forms: dict[str, tuple[str, bytes, dict]] = field(default_factory=dict)  # key -> (name,..)
    new_names: set[str] = field(default_factory=set)


@dataclass
class Checked:
    """What validating a deployment found: the merged bundle, its analysis, the processes it
    changes, the forms it brings, and every problem (empty when it may be deployed)."""

    bundle: Bundle
    analysis: engine.Analysis
    affected: set[str]
    new_forms: dict
    problems: list[dict]


def deploy(files: list[tuple[str, bytes]], *, by: User | None = None,
           source: str = "api") -> dict:
    """Validate and store files; returns what was created and what was unchanged."""
    db.serialize("deployments")  # two deployments of one key must not both take version N+1
    checked = check(files)
    if checked.problems:
        raise DeploymentRejected(f"{len(checked.problems)} problem(s): nothing was deployed",
                                 problems=checked.problems)
    return store(checked.bundle, checked.analysis, checked.affected, checked.new_forms, by=by,
                 source=source)


def validate(files: list[tuple[str, bytes]]) -> list[dict]:
    """The problems deploying these files would meet, storing nothing (a dry run).

    The very checks ``deploy`` runs, so that an editor's Validate button and its Deploy
    button can never disagree; problems in the files are the answer, not an error.
    """
    return check(files).problems


def check(files: list[tuple[str, bytes]]) -> Checked:
    """Read, merge over what is deployed, analyse and parse: everything but storing."""
    if not files:
        raise BadRequest("no files: send one or more .bpmn, .dmn or form .json files",
                         fields={"files": ["required"]})
    if len(files) > MAX_FILES:
        raise BadRequest(f"at most {MAX_FILES} files per deployment")
    new, new_forms, broken_forms, problems = read_files(files)
    bundle = merged_bundle(new, new_forms)
    # a broken form file is reported once, as itself, not again at every task that uses it
    analysis = engine.analyse(list(bundle.bpmn.values()), list(bundle.dmn.values()),
                              form_keys=set(bundle.forms) | broken_forms,
                              known_groups=set(ROLES))
    affected = affected_processes(analysis, bundle)
    concerned = bundle.new_names | {analysis.processes[k].file for k in affected} | {None}
    problems += [p for p in analysis.problems if p.file in concerned]
    problems += parse_problems(analysis, affected, concerned, {p.file for p in problems})
    return Checked(bundle, analysis, affected, new_forms,
                   unique([p.as_dict() for p in problems]))


def read_files(files: list[tuple[str, bytes]]) -> tuple[dict, dict, set, list]:
    """Sort the sent files by kind and read the forms; what cannot be used is a problem.

    Returns (files by kind, forms by key, keys of the broken form files, problems).
    """
    problems: list[engine.Problem] = []
    names = [name for name, _ in files]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(engine.Problem(name, None, "the same file name is sent twice"))
    new = {"bpmn": [], "dmn": [], "form": []}
    for name, content in files:
        kind = kind_of(name)
        if not name or "\x00" in name or len(name) > 255:
            problems.append(engine.Problem(name.replace("\x00", ""), None, "a file without a "
                                           "name (or with a name over 255 characters): its "
                                           "name (.bpmn, .dmn or .json) tells what it is"))
        elif kind is None:
            problems.append(engine.Problem(name, None, "unknown file type: expected .bpmn, "
                                           ".bpmn20.xml, .dmn or .json (a form)"))
        elif not content.strip():
            problems.append(engine.Problem(name, None, "the file is empty"))
        else:
            new[kind].append((name, content))
    new_forms, broken = {}, set()
    for name, content in new["form"]:
        try:
            form = parse_form(content, name)
        except FormDefinitionError as exc:
            problems.append(engine.Problem(name, None, str(exc)))
            broken.add(intended_form_key(name, content))
            continue
        if form["key"] in new_forms:
            problems.append(engine.Problem(name, None, f"form key {form['key']!r} is also "
                                           f"defined in {new_forms[form['key']][0]}"))
        new_forms[form["key"]] = (name, content, form)
    return new, new_forms, broken, problems


def intended_form_key(name: str, content: bytes) -> str:
    """The key a form file meant to define, read as far as it can be."""
    try:
        key = json.loads(content).get("key")
    except (ValueError, AttributeError):
        key = None
    return key if isinstance(key, str) and key else Path(name).name.removesuffix(".json")


def parse_problems(analysis: engine.Analysis, affected: set[str], concerned: set,
                   bad_files: set) -> list[engine.Problem]:
    """Parse every affected process whose files are clean so far.

    A problem in one file must not hide the problems of the others: the processes that do
    not depend on a file with problems are still parsed (which finds what only the parser
    sees, such as unreachable elements), the others are not (their parse would only repeat
    the problems already found).
    """
    decision_files = {d: info.file for d, info in analysis.decisions.items()}
    parsable = []
    for key in sorted(affected):
        files, decisions, _forms = closure(analysis, key)
        if not (files | {decision_files.get(d) for d in decisions}) & bad_files:
            parsable.append(key)
    checked = len(analysis.problems)
    specs = engine.parse_specs(analysis, parsable, skip_files=bad_files - {None})
    problems = [p for p in analysis.problems[checked:] if p.file in concerned]
    missing = sorted(set(parsable) - set(specs))
    if missing and not problems:
        problems.append(engine.Problem(None, None, f"could not parse {missing}"))
    return problems


def unique(problems: list[dict]) -> list[dict]:
    """The same problem found twice (by two checks) is reported once."""
    seen, result = set(), []
    for problem in problems:
        key = tuple(problem.values())
        if key not in seen:
            seen.add(key)
            result.append(problem)
    return result


def merged_bundle(new: dict, new_forms: dict) -> Bundle:
    """Stored latest files, replaced by the new ones that define the same things.

    A stored BPMN file drops out only when every process whose latest version it holds is
    defined again by a new file; if only some are, it stays and the analysis reports the
    process id defined twice (one file per process id, or old files would resurface). A
    stored file never drops out merely because a new file has its name: it is renamed in
    the bundle instead, so that what it still defines (a process renamed away from it, a
    decision now in another file) is neither lost nor overwritten.
    """
    bundle = Bundle()
    new_bpmn = [engine.SourceFile(n, c) for n, c in new["bpmn"]]
    new_dmn = [engine.SourceFile(n, c) for n, c in new["dmn"]]
    # only what the new files define; their problems are found by the full analysis later
    fresh = engine.analyse(new_bpmn, new_dmn, form_keys=set(), known_groups=set(), check=False)
    bundle.new_names = {source.name for source in new_bpmn + new_dmn}
    taken = set(bundle.new_names)
    keys_by_hash: dict[str, set[str]] = {}
    for definition in definitions.latest_processes():
        keys_by_hash.setdefault(definition.bpmn_hash, set()).add(definition.key)
    stored = definitions.file_contents(list(keys_by_hash))
    for file_hash, keys in sorted(keys_by_hash.items(), key=lambda i: stored[i[0]].name):
        if not keys <= set(fresh.processes):
            name = unique_name(stored[file_hash].name, file_hash, taken)
            bundle.bpmn[name] = engine.SourceFile(name, stored[file_hash].content)
    for decision in sorted(definitions.latest_decisions().values(), key=lambda d: d.file.name):
        if decision.decision_id not in fresh.decisions:
            name = unique_name(decision.file.name, decision.file_hash, taken)
            bundle.dmn[name] = engine.SourceFile(name, decision.file.content)
    for form in definitions.latest_forms().values():
        bundle.forms[form.key] = (form.file.name, form.file.content,
                                  definitions.form_by_hash(form.file_hash))
    for source in new_bpmn:  # after the stored ones: a process id defined twice is
        bundle.bpmn[source.name] = source  # reported on the new file
    for source in new_dmn:
        bundle.dmn[source.name] = source
    bundle.forms.update(new_forms)
    return bundle


def unique_name(name: str, file_hash: str, taken: set[str]) -> str:
    """The stored file's name, or, if a new or another stored file has it, a distinct one."""
    if name in taken:
        name = f"{name} (deployed {file_hash[:8]})"
    taken.add(name)
    return name


def affected_processes(analysis: engine.Analysis, bundle: Bundle) -> set[str]:
    """Processes in new files, plus every process that uses something that changed."""
    affected = {k for k, p in analysis.processes.items() if p.file in bundle.new_names}
    changed_decisions = {d for d, info in analysis.decisions.items()
                         if info.file in bundle.new_names}
    latest = {d.key: d for d in definitions.latest_processes()}
    changed_forms = {key for key, (_, content, _) in bundle.forms.items()
                     if any(d.bundle.get("forms", {}).get(key) not in (None, sha256(content))
                            for d in latest.values())}
    growing = True
    while growing:
        growing = False
        for key, info in analysis.processes.items():
            if key in affected:
                continue
            if (info.decisions & changed_decisions or info.forms & changed_forms
                    or info.called_processes & affected):
                affected.add(key)
                growing = True
    return affected


def closure(analysis: engine.Analysis, key: str) -> tuple[set[str], set[str], set[str]]:
    """(BPMN files, decision ids, form keys) a process needs, following call activities."""
    files, decisions, forms, seen, todo = set(), set(), set(), set(), [key]
    while todo:
        current = todo.pop()
        if current in seen or current not in analysis.processes:
            continue
        seen.add(current)
        info = analysis.processes[current]
        files.add(info.file)
        decisions |= info.decisions
        forms |= info.forms
        todo.extend(info.called_processes)
    return files, decisions, forms


class LazyDeployment:
    """The Deployment row, added when the first version is created: deploying identical
    content (every start-up deploys bpmn/ again) writes nothing at all."""

    def __init__(self, **values):
        self.values, self.row = values, None

    @property
    def id(self) -> int:
        if self.row is None:
            self.row = Deployment(**self.values, files=[])
            db.session().add(self.row)
            db.session().flush()
        return self.row.id


def store(bundle: Bundle, analysis: engine.Analysis, affected: set[str], new_forms: dict, *,
          by: User | None, source: str) -> dict:
    session = db.session()
    now = clock.now()
    deployment = LazyDeployment(created_at=now, created_by=by.id if by else None,
                                source=source)
    hashes: dict[str, str] = {}

    def keep(name: str, content: bytes, kind: str) -> str:
        file_hash = sha256(content)
        if file_hash not in hashes.values() and session.get(StoredFile, file_hash) is None:
            session.add(StoredFile(hash=file_hash, name=name, kind=kind, size=len(content),
                                   content=content, created_at=now))
            session.flush()
        hashes[name] = file_hash
        return file_hash

    result = {"processes": [], "decisions": [], "forms": [], "warnings": []}
    for key, (name, content, _form) in sorted(bundle.forms.items()):
        file_hash = keep(name, content, "form")
        if key in new_forms:
            result["forms"].append(_new_version(FormDefinition, FormDefinition.key, key,
                                                file_hash, deployment, now))
    decision_hashes = {}
    for decision_id, info in sorted(analysis.decisions.items()):
        file_hash = keep(info.file, bundle.dmn[info.file].content, "dmn")
        decision_hashes[decision_id] = file_hash
        if info.file in bundle.new_names:
            result["decisions"].append(_new_version(
                DecisionDefinition, DecisionDefinition.decision_id, decision_id, file_hash,
                deployment, now, name=info.name))
    for name, source_file in bundle.bpmn.items():
        keep(name, source_file.content, "bpmn")
    for key in sorted(affected):
        info = analysis.processes[key]
        files, decisions, forms = closure(analysis, key)
        content = {
            "bpmn": sorted(hashes[f] for f in files),
            "dmn": sorted({decision_hashes[d] for d in decisions}),
            "forms": {f: sha256(bundle.forms[f][1]) for f in sorted(forms)},
        }
        bundle_hash = sha256(json.dumps({"own": hashes[info.file], **content},
                                        sort_keys=True).encode())
        version = _new_process_version(key, info, hashes[info.file], content, bundle_hash,
                                       deployment, now)
        if version["status"] == "created":
            schedules.sync(key, info.start_timers)  # timer start events of the new version
        result["processes"].append(version)
        result["warnings"] += [w.as_dict() for w in info.warnings]
    if deployment.row is not None:
        deployment.row.files = [{"name": n, "hash": h, "kind": kind_of(n)}
                                for n, h in sorted(hashes.items()) if n in bundle.new_names
                                or n in {v[0] for v in new_forms.values()}]
    result.update(id=deployment.row.id if deployment.row else None,
                  created_at=now.isoformat(), source=source)
    return result


def _next_version(model, key_column, key) -> int:
    current = db.session().scalar(select(func.max(model.version)).where(key_column == key))
    return (current or 0) + 1


def _new_version(model, key_column, key, file_hash, deployment, now, **extra) -> dict:
    session = db.session()
    latest = session.scalar(select(model).where(key_column == key)
                            .order_by(model.version.desc()).limit(1))
    label = "decision_id" if model is DecisionDefinition else "key"
    if latest is not None and latest.file_hash == file_hash:
        return {label: key, "version": latest.version, "status": "unchanged"}
    row = model(version=_next_version(model, key_column, key), deployment_id=deployment.id,
                file_hash=file_hash, created_at=now, **{key_column.key: key}, **extra)
    session.add(row)
    session.flush()
    return {label: key, "version": row.version, "status": "created"}


def _new_process_version(key, info, bpmn_hash, content, bundle_hash, deployment, now) -> dict:
    session = db.session()
    latest = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                            .order_by(ProcessDefinition.version.desc()).limit(1))
    if latest is not None and latest.bundle_hash == bundle_hash:
        return {"key": key, "name": latest.name, "version": latest.version,
                "status": "unchanged"}
    row = ProcessDefinition(
        key=key, version=(latest.version + 1) if latest else 1, name=info.name,
        deployment_id=deployment.id, bpmn_hash=bpmn_hash, bundle_hash=bundle_hash,
        bundle=content, start_messages=sorted(info.start_messages), created_at=now)
    session.add(row)
    session.flush()
    return {"key": key, "name": row.name, "version": row.version, "status": "created"}


def deploy_directories(paths: list[Path], *, by: User | None = None,
                       source: str = "startup") -> dict:
    """Deploy every .bpmn/.dmn/form file under the given folders (start-up, ``crm deploy``)."""
    files = []
    for path in paths:
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*")
                                                          if p.is_file())
        for file in candidates:
            if kind_of(file.name) is not None:
                files.append((file.name, file.read_bytes()))
    if not files:
        return {"processes": [], "decisions": [], "forms": [], "warnings": []}
    return deploy(files, by=by, source=source)
