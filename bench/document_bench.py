"""Document benchmark: how long filling a template and converting it to PDF take.

Fills the shipped quote template with sample data of 2, 20 and 200 lines (docxtpl, in
process) and converts the 2- and 200-line documents with LibreOffice, printing medians.
The machine is shared: compare the rows of one run, not runs.

    .venv/bin/python bench/document_bench.py [--renders 20] [--conversions 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.documents import model, pdf, render  # noqa: E402


def with_lines(count: int) -> dict:
    data = model.sample("quote")
    first = data["lines"][0]
    data["lines"] = [{**first, "position": n + 1} for n in range(count)]
    return data


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--conversions", type=int, default=3)
    args = parser.parse_args()
    template = (ROOT / "templates" / "quote.docx").read_bytes()
    documents = {}
    for lines in (2, 20, 200):
        data = with_lines(lines)
        seconds, documents[lines] = timed(lambda d=data: render.render_docx(template, d),
                                          args.renders)
        print(f"fill the quote template, {lines:>3} lines: {seconds * 1000:7.1f} ms "
              f"(median of {args.renders}), {len(documents[lines]) / 1024:.0f} KB")
    seconds, _ = timed(lambda: render.placeholders(template), args.renders)
    print(f"read the template's placeholders (upload check): {seconds * 1000:.1f} ms")
    if not pdf.available():
        print("LibreOffice is not installed: no PDF figures")
        return
    for lines in (2, 200):
        seconds, result = timed(lambda n=lines: pdf.to_pdf(documents[n]), args.conversions)
        print(f"convert to PDF, {lines:>3} lines: {seconds:6.2f} s "
              f"(median of {args.conversions}), {len(result) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
