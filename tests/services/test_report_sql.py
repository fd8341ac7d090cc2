"""The report engine's SQL pieces on both databases: percentiles, durations, months."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import literal, select, union_all

from app import db
from app.services.reports.sql import month_of, percentiles, seconds_between


def values(rows):
    return union_all(*[select(literal(key).label("k"), literal(value).label("v"))
                       for key, value in rows])


@pytest.mark.parametrize("numbers, median, p90", [
    ([1, 2, 3, 4], 2.5, 3.7),          # ranks 1.5 and 2.7 (0-based): 2 + .5, 3 + .7
    ([10], 10.0, 10.0),
    ([5, 1, 3], 3.0, 4.6),             # sorted 1 3 5: rank 1, rank 1.8: 3 + .8 x 2
    ([7, 7, 7, 7, 7, 7, 7, 7, 7, 107], 7.0, 17.0),  # rank 8.1: 7 + .1 x 100
])
def test_percentiles_interpolate_between_the_closest_ranks(work, numbers, median, p90):
    with work():
        found = percentiles(select(values([("a", float(n)) for n in numbers]).subquery()),
                            ["k"], "v")
    assert found[("a",)]["count"] == len(numbers)
    assert found[("a",)][0.5] == pytest.approx(median)
    assert found[("a",)][0.9] == pytest.approx(p90)


def test_percentiles_are_per_group_and_skip_nulls(work):
    rows = [("a", 1.0), ("a", 3.0), ("b", 10.0), ("b", None), ("b", 30.0), ("b", 20.0)]
    with work():
        found = percentiles(select(values(rows).subquery()), ["k"], "v", points=(0.5,))
    assert found == {("a",): {"count": 2, 0.5: 2.0}, ("b",): {"count": 3, 0.5: 20.0}}


def test_seconds_between_and_month_of(work):
    start = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    end = datetime(2026, 2, 1, 1, 30, tzinfo=UTC)
    from app.models.customer import Account

    with work() as session:
        session.add(Account(name="A", name_normalized="a", created_at=start, updated_at=end))
        session.flush()
        seconds, month = session.execute(select(
            seconds_between(Account.created_at, Account.updated_at),
            month_of(Account.updated_at))).one()
    assert seconds == pytest.approx(9000, abs=0.01) and month == "2026-02"
    assert db is not None
