"""What every report shares: its filters, who may see which figures, and its shape (named
sections of rows and the definitions used), written out as JSON or CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement

from ... import db
from ...errors import Forbidden, Invalid
from ...models.customer import Opportunity
from ...models.lead import Lead
from ...models.user import User
from .. import visibility
from ..lead_capture import json_safe

READERS = ("sales", "manager", "analyst", "sales_director", "admin")


@dataclass(frozen=True)
class Filters:
    """``from`` / ``to`` are dates (inclusive, UTC); ``owners`` is None for everybody, else the
    usernames whose figures may be counted (a rep: themself; a manager: their teams)."""

    date_from: date | None = None
    date_to: date | None = None
    team: str | None = None
    owner: str | None = None
    channel: str | None = None
    product: str | None = None
    owners: frozenset[str] | None = None

    @property
    def start(self) -> datetime | None:
        return datetime.combine(self.date_from, time(), tzinfo=UTC) if self.date_from else None

    @property
    def end(self) -> datetime | None:
        """The first moment after the period (``to`` is included)."""
        return (datetime.combine(self.date_to + timedelta(days=1), time(), tzinfo=UTC)
                if self.date_to else None)

    def as_dict(self) -> dict:
        return {"from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None,
                "team": self.team, "owner": self.owner, "channel": self.channel,
                "product": self.product,
                "scope": "all" if self.owners is None else sorted(self.owners)}


def filters_for(user: User, args: dict) -> Filters:
    """The request's filters, narrowed to what the user may see: reps their own figures,
    managers their teams', analysts, the sales director and admins everything."""
    if not user.has_role(*READERS):
        raise Forbidden("reports are for sales, managers, analysts, the sales director and "
                        "admins")
    date_from, date_to = args.get("date_from"), args.get("date_to")
    if date_from and date_to and date_to < date_from:
        raise Invalid("to is before from", fields={"to": ["before from"]})
    owner = args.get("owner")
    if owner == "me":
        owner = user.username
    owners = None
    if not visibility.sees_everything(user):
        owners = frozenset(visibility.managed_people(user)[1])  # a rep: themself
        if owner is not None and owner not in owners:
            raise Forbidden(f"you may not see {owner}'s figures")
    return Filters(date_from=date_from, date_to=date_to, team=args.get("team"), owner=owner,
                   channel=args.get("channel"), product=args.get("product"), owners=owners)


@dataclass
class Report:
    """A report: ``sections`` of rows (each a list of dicts with the same keys), the
    ``definitions`` of its figures, and the filters it was computed with."""

    name: str
    filters: Filters
    definitions: dict[str, str]
    sections: dict[str, list[dict]] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"report": self.name, "filters": self.filters.as_dict(),
                "definitions": self.definitions, **self.extra,
                **{name: [_jsonable(row) for row in rows]
                   for name, rows in self.sections.items()}}

    def as_csv(self) -> str:
        """One table: a ``section`` column first when the report has several sections."""
        out = io.StringIO()
        several = len(self.sections) > 1
        columns: list[str] = ["section"] if several else []
        for rows in self.sections.values():
            for row in rows:
                for key in row:
                    if key not in columns:
                        columns.append(key)
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        for name, rows in self.sections.items():
            for row in rows:
                writer.writerow({**({"section": name} if several else {}),
                                 **{k: _cell(v) for k, v in _jsonable(row).items()}})
        return out.getvalue()


def _jsonable(row: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else json_safe(v) for k, v in row.items()}


def _cell(value) -> str:
    return "" if value is None else str(value)


def rate(part: int | float, whole: int | float) -> float | None:
    """``part / whole`` rounded to 4 places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


# -- conditions and rows every report shares ------------------------------------------------

HOUR = 3600.0


def in_period(column, f: Filters) -> list:
    """``start <= column < end`` for the bounds given (the end is the day after ``to``)."""
    return ([column >= f.start] if f.start is not None else []) + (
        [column < f.end] if f.end is not None else [])


def for_person(column, f: Filters) -> list:
    """The ``owner`` filter and the reader's scope, on the column naming whose figure it is."""
    return ([column == f.owner] if f.owner else []) + (
        [column.in_(sorted(f.owners))] if f.owners is not None else [])


def from_lead(f: Filters, lead_id) -> list[ColumnElement[bool]]:
    """channel / product of a record that came from a lead (``lead_id``); none: no match."""
    if not (f.channel or f.product):
        return []
    source = aliased(Lead)  # never correlated with a Lead of the enclosing query
    wanted = [source.id == lead_id]
    if f.channel:
        wanted.append(source.source == f.channel)
    if f.product:
        wanted.append(source.product_interest == f.product)
    return [exists().where(*wanted)]


def deal_filters(f: Filters) -> list[ColumnElement[bool]]:
    """Deal-based figures: team and owner on the opportunity, channel and product on its
    lead."""
    found = [Opportunity.team == f.team] if f.team else []
    return [*found, *for_person(Opportunity.owner, f), *from_lead(f, Opportunity.lead_id)]


def fetch_rows(statement) -> list[dict]:
    return [dict(row._mapping) for row in db.session().execute(statement)]
