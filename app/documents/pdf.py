"""PDF from .docx with LibreOffice (``soffice --headless --convert-to pdf``).

One conversion at a time per worker process (LibreOffice is heavy, and two instances sharing
a profile corrupt it), each with a profile directory of its own, killed after a time limit.
Callers run it outside any database transaction: a conversion takes seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

_one_at_a_time = threading.Lock()
CANDIDATES = ("soffice", "libreoffice")


class ConversionFailed(RuntimeError):
    """LibreOffice is missing, timed out or produced no PDF; the message says which."""


def converter() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    configured = os.environ.get("CRM_SOFFICE")
    if configured:
        return configured if shutil.which(configured) else None
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def available() -> bool:
    return converter() is not None


def to_pdf(docx: bytes, *, timeout: float = 120.0) -> bytes:
    """The PDF of the document; ConversionFailed naming the reason otherwise."""
    program = converter()
    if program is None:
        raise ConversionFailed("LibreOffice (soffice) is not installed")
    with _one_at_a_time, tempfile.TemporaryDirectory(prefix="crm-pdf-") as work:
        folder = Path(work)
        source = folder / "document.docx"
        source.write_bytes(docx)
        command = [program, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
                   "--norestore", "--nologo", "--convert-to", "pdf", "--outdir",
                   str(folder), str(source)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice starts helpers: end them all
            process.communicate()
            raise ConversionFailed(f"LibreOffice took longer than {timeout:.0f} s") from None
        target = folder / "document.pdf"
        if process.returncode != 0 or not target.exists():
            detail = (err or out).decode("utf-8", "replace").strip()[-300:]
            raise ConversionFailed(f"LibreOffice failed (exit {process.returncode}): {detail}")
        content = target.read_bytes()
    if not content.startswith(b"%PDF-"):
        raise ConversionFailed("LibreOffice wrote something that is not a PDF")
    return content
