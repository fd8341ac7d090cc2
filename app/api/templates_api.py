"""Document templates: versions of the .docx quote and contract templates, uploaded and
previewed by analysts (like process files)."""

from __future__ import annotations

import io

from flask import request, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..documents import model, pdf, render
from ..errors import Conflict, Invalid, NotFound
from ..services import doc_templates
from .auth import current_user, login_required
from .units import finish_unit_of_work

blp = Blueprint("document_templates", __name__, url_prefix="/api/templates",
                description="Document templates (.docx) for quotes and contracts")


class TemplateSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    kind = fields.String()
    version = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    filename = fields.String()
    placeholders = fields.List(fields.String())
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()


class TemplateList(Schema):
    items = fields.List(fields.Nested(TemplateSchema))
    data_models = fields.Dict(metadata={"description": "the placeholders each kind offers"})


def _data_models() -> dict:
    return {kind: sorted(model.allowed_paths(kind)) for kind in model.KINDS}


@blp.get("")
@login_required()
@blp.response(200, TemplateList)
def listing():
    """The latest version of every template, and the placeholders each kind may use."""
    return {"items": doc_templates.all_latest(), "data_models": _data_models()}


@blp.get("/<key>")
@login_required()
@blp.response(200, TemplateSchema(many=True))
def versions(key: str):
    """Every version of the template, oldest first."""
    return doc_templates.versions(key)


@blp.get("/<key>/file")
@login_required()
@blp.response(200, description="the .docx")
def download(key: str):
    """The template's .docx (``?version=``, by default the latest), to edit in Word or
    LibreOffice and upload again."""
    wanted = request.args.get("version")
    chosen = doc_templates.latest(key)
    if wanted is not None:
        if not wanted.isdigit():
            raise Invalid("version is a number", fields={"version": ["a number"]})
        chosen = next((t for t in doc_templates.versions(key) if t.version == int(wanted)),
                      None)
        if chosen is None:
            raise NotFound(f"template {key!r} has no version {wanted}")
    return send_file(io.BytesIO(doc_templates.content_of(chosen)), mimetype=render.DOCX_MIME,
                     as_attachment=True, download_name=f"{chosen.key}-v{chosen.version}.docx")


@blp.post("")
@login_required("analyst")
@blp.response(201, TemplateSchema)
@blp.alt_response(200, schema=TemplateSchema, description="the same content: no new version")
def upload():
    """Upload a new version (multipart: ``file``, ``key``, and ``kind`` for a new key). It
    must be a .docx whose every placeholder exists in the kind's data model: 400 lists the
    unknown ones. Documents made before keep pointing at the version they used."""
    file = request.files.get("file")
    if file is None:
        raise Invalid("send the .docx as the multipart field 'file'",
                      fields={"file": ["required"]})
    key = (request.form.get("key") or "").strip() or (file.filename or "").rsplit(
        ".", 1)[0].strip().lower()
    template, created = doc_templates.upload(key, request.form.get("kind") or None, file.read(),
                                             file.filename or "", user=current_user())
    return template, (201 if created else 200)


@blp.post("/<key>/preview")
@login_required("analyst", "manager", "sales")
@blp.response(200, description="the filled sample document")
def preview(key: str):
    """The latest version filled with sample data: ``?format=docx`` (default) or ``pdf``
    (LibreOffice), ``?language=zh-CN|en``."""
    fmt = request.args.get("format", "docx")
    language = request.args.get("language", "zh-CN")
    if fmt not in ("docx", "pdf"):
        raise Invalid("format is docx or pdf", fields={"format": ["docx or pdf"]})
    if language not in model.LANGUAGES:
        raise Invalid("language is zh-CN or en", fields={"language": ["zh-CN or en"]})
    template = doc_templates.latest(key)
    content = render.render_docx(doc_templates.content_of(template),
                                 model.sample(template.kind, language))
    name = f"{template.key}-v{template.version}-preview"
    if fmt == "docx":
        return send_file(io.BytesIO(content), mimetype=render.DOCX_MIME, as_attachment=True,
                         download_name=f"{name}.docx")
    finish_unit_of_work()  # the conversion takes seconds: no transaction stays open for it
    try:
        result = pdf.to_pdf(content)
    except pdf.ConversionFailed as failure:
        raise Conflict(f"no PDF preview: {failure}") from None
    return send_file(io.BytesIO(result), mimetype="application/pdf", as_attachment=False,
                     download_name=f"{name}.pdf")
