"""Renders the shipped templates with their sample data to PDF and writes the first page of
each as docs/quote.png and docs/contract.png (the pictures in README.md).

Needs LibreOffice (soffice) and poppler-utils (pdftoppm):
``.venv/bin/python tools/render_samples.py``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.documents import model, pdf, render  # noqa: E402


def main() -> None:
    for kind in model.KINDS:
        template = (ROOT / "templates" / f"{kind}.docx").read_bytes()
        document = render.render_docx(template, model.sample(kind, "zh-CN"))
        with tempfile.TemporaryDirectory() as work:
            source = Path(work) / f"{kind}.pdf"
            source.write_bytes(pdf.to_pdf(document))
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1",
                            "-singlefile", str(source), str(ROOT / "docs" / kind)], check=True)
        print(f"wrote docs/{kind}.png")


if __name__ == "__main__":
    main()
