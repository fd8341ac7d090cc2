"""The request's unit of work, for the rare view that must end it early."""

from __future__ import annotations

from flask import g


def finish_unit_of_work() -> None:
    """Commit what the request did so far and go on without a transaction: for slow work
    that needs no database (a PDF conversion), so no locks or snapshot are held through it."""
    work = g.pop("unit_of_work", None)
    if work is not None:
        work.finish(success=True)
