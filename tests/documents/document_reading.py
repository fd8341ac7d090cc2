"""Reading documents back: the text of a .docx (python-docx) and of a PDF (pdftotext)."""

import io
import subprocess

from docx import Document as WordDocument


def docx_text(content: bytes) -> str:
    """Every paragraph of the body, its tables and the headers, one per line."""
    document = WordDocument(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        for table in section.header.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content,
                          capture_output=True, check=True).stdout.decode("utf-8")


def download(client, api, document_id: int, fmt: str, user: str = "alice"):
    return client.get(f"/api/documents/{document_id}?format={fmt}",
                      headers=api.auth.headers(user))
