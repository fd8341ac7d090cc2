"""SQL pieces both databases run: seconds between two timestamps, the month of a timestamp,
amounts as exact cents, and percentiles (median, p90) by group with window functions, since
SQLite has no ``percentile_cont``."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import BigInteger, Integer, case, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, Select
from sqlalchemy.types import Float, String


def cents(column) -> ColumnElement:
    """An amount (NULL: 0) as integer cents, exact on both databases."""
    return cast(func.round(func.coalesce(column, 0) * 100), BigInteger)


def weighted_cents(amount, probability) -> ColumnElement:
    """``amount x probability / 100`` in integer cents, rounded half-up per row as
    ``pipeline.weighted`` rounds it (amounts are never negative)."""
    hundredths = cast(func.round(probability * 100), BigInteger)
    return (cents(amount) * hundredths + 5000) // 10000


class seconds_between(FunctionElement):  # noqa: N801 (an SQL function's name)
    """``end - start`` in seconds (a float); NULL when either is NULL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"((julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)})) * 86400.0)")


@compiles(seconds_between, "postgresql")
def _seconds_postgres(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
            f"{compiler.process(start, **kw)}))::float8")


class month_of(FunctionElement):  # noqa: N801
    """``YYYY-MM`` of a UTC timestamp or a date."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(list(element.clauses)[0], **kw)})"


@compiles(month_of, "postgresql")
def _month_postgres(element, compiler, **kw):
    return f"to_char({compiler.process(list(element.clauses)[0], **kw)}, 'YYYY-MM')"


def percentiles(source: Select, keys: list[str], value: str,
                points: tuple[float, ...] = (0.5, 0.9)) -> dict[tuple, dict]:
    """``{group key: {"count": n, 0.5: median, 0.9: p90}}`` of ``value`` over the rows of
    ``source`` grouped by the ``keys`` columns; NULL values are left out. Linear
    interpolation between the closest ranks, as ``percentile_cont`` does.

    The ranks are found in SQL (row_number over each group) with integer arithmetic, so both
    databases pick the same rows; only the final interpolation, one per group, is Python.
    """
    sub = source.subquery()
    group = [sub.c[name] for name in keys]
    ranked = select(*group, sub.c[value].label("v"),
                    func.row_number().over(partition_by=group, order_by=sub.c[value])
                    .label("rn"),
                    func.count().over(partition_by=group).label("n")
                    ).where(sub.c[value].is_not(None)).subquery()
    columns: list[ColumnElement] = [func.max(ranked.c.n).label("n")]
    fractions = [Fraction(p).limit_denominator(1000) for p in points]
    for index, fraction in enumerate(fractions):
        numerator, denominator = fraction.numerator, fraction.denominator
        position = (ranked.c.n - 1) * numerator  # the 0-based rank times the denominator
        low = (position // literal(denominator, Integer)) + 1
        high = low + case((position % denominator > 0, 1), else_=0)
        columns += [func.min(case((ranked.c.rn == low, ranked.c.v))).label(f"lo{index}"),
                    func.min(case((ranked.c.rn == high, ranked.c.v))).label(f"hi{index}")]
    statement = select(*[ranked.c[name] for name in keys], *columns).group_by(
        *[ranked.c[name] for name in keys])
    from ... import db

    found: dict[tuple, dict] = {}
    for row in db.session().execute(statement):
        mapping = row._mapping
        key = tuple(mapping[name] for name in keys)
        count = mapping["n"]
        figures: dict = {"count": count}
        for index, (point, fraction) in enumerate(zip(points, fractions, strict=True)):
            low, high = mapping[f"lo{index}"], mapping[f"hi{index}"]
            remainder = Fraction((count - 1) * fraction.numerator % fraction.denominator,
                                 fraction.denominator)
            figures[point] = (None if low is None else
                              float(low) + (float(high) - float(low)) * float(remainder))
        found[key] = figures
    return found
