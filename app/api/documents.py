"""Documents: the files of quotes and contracts, for those who may see them."""

from __future__ import annotations

import io

from flask import request, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..errors import Conflict, Invalid
from ..services import document_store, documents
from .auth import current_user, login_required

blp = Blueprint("documents", __name__, url_prefix="/api",
                description="Document files of quotes and contracts")
FORMATS = ("docx", "pdf", "png", "jpeg")


class DocumentFileSchema(Schema):
    format = fields.String()
    mime_type = fields.String()
    filename = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()


class DocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    record_type = fields.String()
    record_id = fields.Integer()
    opportunity_id = fields.Integer(allow_none=True)
    customer_id = fields.Integer(attribute="account_id", allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    title = fields.String()
    language = fields.String(allow_none=True)
    template_key = fields.String(allow_none=True)
    template_version = fields.Integer(allow_none=True)
    pdf_status = fields.String()
    pdf_attempts = fields.Integer()
    pdf_error = fields.String(allow_none=True)
    files = fields.List(fields.Nested(DocumentFileSchema))
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()


class DocumentArgs(Schema):
    record_type = fields.String(required=True, metadata={"description": "quote or contract"})
    record_id = fields.Integer(required=True)


@blp.get("/documents")
@login_required()
@blp.arguments(DocumentArgs, location="query")
@blp.response(200, DocumentSchema(many=True))
def of_record(args):
    """The documents of a quote or contract (``?record_type=quote&record_id=7``)."""
    return documents.of_record(args["record_type"], args["record_id"], current_user())


@blp.get("/documents/<int:document_id>/info")
@login_required()
@blp.response(200, DocumentSchema)
def info(document_id: int):
    """What the document is, its files and the state of its PDF."""
    return documents.get(document_id, current_user())


@blp.post("/documents/<int:document_id>/pdf")
@login_required("sales", "manager", "analyst")
@blp.response(200, DocumentSchema)
def retry_pdf(document_id: int):
    """Make the PDF again (after a failure, or once LibreOffice is installed); the scheduler
    does it within seconds."""
    return documents.retry_pdf(document_id, current_user())


@blp.get("/documents/<int:document_id>")
@login_required()
@blp.response(200, description="the file")
def download(document_id: int):
    """The document's file: ``?format=pdf|docx`` (a scan: pdf, png or jpeg); by default its
    first file. 404 for documents of records the user does not see."""
    fmt = request.args.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise Invalid(f"format is one of {', '.join(FORMATS)}", fields={"format": ["unknown"]})
    document = documents.get(document_id, current_user())
    if fmt == "pdf" and document.pdf_status == "pending":
        raise Conflict(f"the PDF of document {document_id} is being made; try again in a "
                       "few seconds", pdf_status="pending")
    if fmt == "pdf" and document.pdf_status in ("failed", "unavailable", "none"):
        reason = {"failed": f"it failed: {document.pdf_error}",
                  "unavailable": "LibreOffice is not installed on this server",
                  "none": "PDFs are turned off (CRM_PDF=0)"}[document.pdf_status]
        if document.kind != "signed_contract":
            raise Conflict(f"document {document_id} has no PDF: {reason}",
                           pdf_status=document.pdf_status)
    file = document_store.file_of(document, fmt)
    response = send_file(io.BytesIO(document_store.read(file)), mimetype=file.mime_type,
                         as_attachment=True, download_name=file.filename)
    response.headers["X-Content-SHA256"] = file.sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response
