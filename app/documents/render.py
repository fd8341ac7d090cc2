"""Filling a .docx template with docxtpl, and reading which placeholders a template uses.

Templates are uploaded by analysts, so they are rendered in Jinja's sandbox (no attribute
tricks reach Python internals) with XML escaping on, and checked on upload against the data
model of their kind (app/documents/model.py): a misspelt ``{{ custmer.name }}`` is refused
then, naming it, instead of rendering as an empty space in a customer's contract.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

from docx import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from .model import allowed_paths

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JINJA_GLOBALS = {"loop", "range", "lipsum", "dict", "cycler", "joiner", "namespace"}


class TemplateProblem(ValueError):
    """The file is not a template we can use; ``unknown`` lists misspelt placeholders."""

    def __init__(self, message: str, unknown: list[str] | None = None):
        super().__init__(message)
        self.unknown = unknown or []


def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True)


def render_docx(template: bytes, context: dict) -> bytes:
    """The filled document's bytes."""
    document = DocxTemplate(BytesIO(template))
    try:
        document.render(context, jinja_env=environment(), autoescape=True)
    except TemplateError as exc:
        raise TemplateProblem(f"the template cannot be filled: {exc}") from exc
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _jinja_source(template: bytes) -> str:
    """The Jinja text of the body, headers and footers, as docxtpl sees it."""
    if not zipfile.is_zipfile(BytesIO(template)):
        raise TemplateProblem("the file is not a .docx (not a zip package)")
    try:
        word = WordDocument(BytesIO(template))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise TemplateProblem(f"the file is not a Word document: {exc}") from exc
    helper = DocxTemplate(BytesIO(template))
    xml = helper.patch_xml(helper.xml_to_string(word._element.body))
    for rel in word.part.rels.values():
        if rel.reltype in (helper.HEADER_URI, helper.FOOTER_URI) and rel.target_part.blob:
            xml += helper.patch_xml(helper.xml_to_string(parse_xml(rel.target_part.blob)))
    return xml


def placeholders(template: bytes) -> set[str]:
    """The data paths the template names: ``customer.name``, ``lines[].total``..."""
    try:
        tree = environment().parse(_jinja_source(template))
    except TemplateError as exc:
        raise TemplateProblem(f"the template's placeholders do not parse: {exc}") from exc
    found: set[str] = set()
    _collect(tree, {}, found)
    return found


def unknown_placeholders(kind: str, template: bytes) -> list[str]:
    allowed = allowed_paths(kind)
    return sorted(p for p in placeholders(template)
                  if p not in allowed and p.split(".")[0] not in JINJA_GLOBALS)


def check(kind: str, template: bytes) -> set[str]:
    """The template's placeholders, if it is a .docx whose every placeholder exists in the
    data model of ``kind`` and which renders the sample data; TemplateProblem otherwise."""
    from .model import sample

    unknown = unknown_placeholders(kind, template)
    if unknown:
        raise TemplateProblem(f"unknown placeholders for a {kind} template: "
                              f"{', '.join(unknown)}", unknown)
    render_docx(template, sample(kind))
    return placeholders(template)


def _path(node: nodes.Node, scope: dict[str, str]) -> str | None:
    """``a.b.c`` for a chain of names, attributes and constant subscripts; None otherwise."""
    if isinstance(node, nodes.Name):
        return scope.get(node.name, node.name)
    if isinstance(node, nodes.Getattr):
        inner = _path(node.node, scope)
        return f"{inner}.{node.attr}" if inner else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(
            node.arg.value, str):
        inner = _path(node.node, scope)
        return f"{inner}.{node.arg.value}" if inner else None
    return None


def _collect(node: nodes.Node, scope: dict[str, str], found: set[str]) -> None:
    if isinstance(node, nodes.For):
        _collect(node.iter, scope, found)
        inner = dict(scope)
        source = _path(node.iter, scope)
        targets = [node.target] if isinstance(node.target, nodes.Name) else list(
            node.target.find_all(nodes.Name))
        for target in targets:
            inner[target.name] = f"{source}[]" if source else target.name
        for child in (*node.body, *node.else_):
            _collect(child, inner, found)
        if node.test is not None:
            _collect(node.test, inner, found)
        return
    if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
        path = _path(node, scope)
        if path is not None:
            if not (isinstance(node, nodes.Name) and node.ctx == "store"):
                found.add(path)
            return
    for child in node.iter_child_nodes():
        _collect(child, scope, found)
