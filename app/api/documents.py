"""Documents: the files of quotes and contracts, for those who may see them."""

from __future__ import annotations

import io

from flask import request, send_file
from flask_smorest import Blueprint

from ..errors import Invalid
from ..services import document_store, documents
from .auth import current_user, login_required

blp = Blueprint("documents", __name__, url_prefix="/api",
                description="Document files of quotes and contracts")
FORMATS = ("docx", "pdf", "png", "jpeg")


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
    file = document_store.file_of(document, fmt)
    response = send_file(io.BytesIO(document_store.read(file)), mimetype=file.mime_type,
                         as_attachment=True, download_name=file.filename)
    response.headers["X-Content-SHA256"] = file.sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response
