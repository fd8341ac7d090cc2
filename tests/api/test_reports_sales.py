"""The sales reports (funnel, forecast, leaderboard, attribution) over a small history built by
hand: every figure below is worked out in the comments from the rows of ``history``.

The history (UTC; "period" is 2026-01-01 .. 2026-02-28 unless a test says otherwise):

    lead  owner  team             source           product       created      calls (first by)
    L0    alice  shanghai_a       web_form         crm_solution  2025-12-20   12-21 high
    L1    alice  shanghai_a       web_form (spring) crm_solution 01-05 09:00  01-05 12:00 high
    L2    alice  shanghai_a       web_form         crm_solution  01-10 08:00  01-10 14:00 nurture,
                                                                              01-15 high
    L3    bob    shanghai_a       webhook:dingtalk (spring) erp  01-20 10:00  01-21 10:00 high
    L4    bob    shanghai_a       web_form         erp           02-01 10:00  02-01 13:00 invalid
    L5    carol  product_experts  api              crm_solution  02-03 08:00  02-03 17:00 high
    L6    dave   product_experts  api              analytics     02-15 08:00  -
    L7    carol  product_experts  web_form         crm_solution  02-20 08:00  02-20 09:30 high
    L9    zoe    -                api              -             01-12 08:00  -

    first assignment: L1 01-05 10:00, L2 01-10 08:00 (a reassignment on 01-12 comes after the
    first call), L3 01-20 10:00, L4 02-01 10:00, L5 dispatched+assigned 02-03 09:00,
    L7 02-20 09:00; so first responses: L1 2h, L2 6h, L3 24h, L4 3h, L5 8h, L7 0.5h.

    deal  lead  customer (created)  owner  team      amount        stage changes
    O0    L0    A0 (2025-12-22)     alice  sh_a      40000.00 CNY  ic 12-22, won 01-15
    O1    L1    A1 (01-06)          alice  sh_a     100000.00 CNY  ic 01-06, sd 01-10, bn 01-20,
                                                                   won 02-10 10:00
    O2    L2    A2 (01-16)          alice  sh_a      50000.00 CNY  ic 01-16, sd 01-25, bn 03-05;
                                                                   closes 2026-03-15
    O3    L3    A3 (01-22)          bob    sh_a      80000.00 CNY  ic 01-22, won 02-20 10:00
    O5    L5    A5 (02-05)          carol  experts   20000.00 USD  ic 02-05, lost 02-25
    O7    L7    A7 (02-21)          carol  experts   10000.05 CNY  ic 02-21, sd 02-22; 50 %
                                                                   override; closes 2026-04-10
    O8    -     A8 (01-02)          bob    sh_a       5000.00 USD  ic 01-02, won 01-28
    O9    -     A8                  dave   experts    7000.00 CNY  ic 02-02; closes 2026-03-31
    O10   -     A8                  alice  sh_a       1234.55 CNY  ic 02-03; no close date

    quotes with a rendered document: O1, O2, O3 (O5 has a quote without one);
    contracts: O1 approved, O3 signed, O5 rejected.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.models.customer import Account, Opportunity
from app.models.deal import Contract, Quote, StageChange
from app.models.document import Document
from app.models.lead import Lead, LeadEvent

PERIOD = "from=2026-01-01&to=2026-02-28"


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def add_lead(session, name, *, owner, team, source, product, created, campaign=None,
             events=()) -> Lead:
    lead = Lead(name=name, owner=owner, team=team, source=source, product_interest=product,
                campaign=campaign, status="assigned", created_at=created, updated_at=created)
    session.add(lead)
    session.flush()
    for kind, when, by, data in events:
        session.add(LeadEvent(lead_id=lead.id, kind=kind, by=by, data=data, at=when))
    return lead


def add_account(session, name, *, owner, team, created, lead=None) -> Account:
    account = Account(name=name, name_normalized=name.lower(), owner=owner, team=team,
                      source_lead_id=lead.id if lead else None, created_at=created,
                      updated_at=created)
    session.add(account)
    session.flush()
    return account


def add_deal(session, account, *, lead=None, owner, team, amount, moves, currency="CNY",
             probability=None, closes=None) -> Opportunity:
    deal = Opportunity(account_id=account.id, lead_id=lead.id if lead else None,
                       name=f"{account.name} deal", amount=Decimal(amount), currency=currency,
                       stage=moves[-1][0], probability=probability, expected_close_date=closes,
                       owner=owner, team=team, created_at=moves[0][1], updated_at=moves[-1][1])
    session.add(deal)
    session.flush()
    previous = None
    for stage, when in moves:
        session.add(StageChange(opportunity_id=deal.id, from_stage=previous, to_stage=stage,
                                changed_at=when))
        previous = stage
    if lead is not None:
        lead.opportunity_id, lead.account_id, lead.status = deal.id, account.id, "converted"
    return deal


def add_quote(session, deal, *, rendered: bool) -> None:
    when = deal.created_at
    quote = Quote(opportunity_id=deal.id, version=1, status="sent", currency=deal.currency,
                  subtotal=deal.amount, discount_total=Decimal("0"), net_total=deal.amount,
                  tax_total=Decimal("0"), grand_total=deal.amount, created_at=when,
                  updated_at=when)
    session.add(quote)
    session.flush()
    if rendered:
        session.add(Document(kind="quote", record_type="quote", record_id=quote.id,
                             opportunity_id=deal.id, title=f"Quote {quote.id}",
                             created_at=when))


def add_contract(session, deal, status: str) -> None:
    session.add(Contract(number=f"C-{deal.id}", opportunity_id=deal.id,
                         account_id=deal.account_id, owner=deal.owner, amount=deal.amount,
                         currency=deal.currency, status=status, created_at=deal.created_at,
                         updated_at=deal.created_at))


def called(when, by, intent):
    return ("called", when, by, {"intent": intent})


def assigned(when, kind="assigned", by=None):
    return (kind, when, by, {})


@pytest.fixture
def history(work):
    with work() as session:
        sh, ex = "shanghai_a", "product_experts"
        l0 = add_lead(session, "L0", owner="alice", team=sh, source="web_form",
                      product="crm_solution", created=at(12, 20, 9, year=2025),
                      events=[assigned(at(12, 20, 9, year=2025)),
                              called(at(12, 21, 9, year=2025), "alice", "high")])
        l1 = add_lead(session, "L1", owner="alice", team=sh, source="web_form",
                      product="crm_solution", created=at(1, 5, 9), campaign="spring",
                      events=[assigned(at(1, 5, 10)), called(at(1, 5, 12), "alice", "high")])
        l2 = add_lead(session, "L2", owner="alice", team=sh, source="web_form",
                      product="crm_solution", created=at(1, 10, 8),
                      events=[assigned(at(1, 10, 8)), called(at(1, 10, 14), "alice", "nurture"),
                              assigned(at(1, 12, 9), "reassigned", "mia"),
                              called(at(1, 15, 10), "alice", "high")])
        l3 = add_lead(session, "L3", owner="bob", team=sh, source="webhook:dingtalk",
                      product="erp", created=at(1, 20, 10), campaign="spring",
                      events=[assigned(at(1, 20, 10)), called(at(1, 21, 10), "bob", "high")])
        add_lead(session, "L4", owner="bob", team=sh, source="web_form", product="erp",
                 created=at(2, 1, 10),
                 events=[assigned(at(2, 1, 10)), called(at(2, 1, 13), "bob", "invalid"),
                         ("closed", at(2, 1, 13), "bob", {"reason": "no budget"})])
        l5 = add_lead(session, "L5", owner="carol", team=ex, source="api",
                      product="crm_solution", created=at(2, 3, 8),
                      events=[assigned(at(2, 3, 9), "dispatched", "mia"), assigned(at(2, 3, 9)),
                              called(at(2, 3, 17), "carol", "high")])
        add_lead(session, "L6", owner="dave", team=ex, source="api", product="analytics",
                 created=at(2, 15, 8), events=[assigned(at(2, 15, 8))])
        l7 = add_lead(session, "L7", owner="carol", team=ex, source="web_form",
                      product="crm_solution", created=at(2, 20, 8),
                      events=[assigned(at(2, 20, 9)), called(at(2, 20, 9, 30), "carol", "high")])
        add_lead(session, "L9", owner="zoe", team=None, source="api", product=None,
                 created=at(1, 12, 8))

        a0 = add_account(session, "A0", owner="alice", team=sh, created=at(12, 22, year=2025),
                         lead=l0)
        a1 = add_account(session, "A1", owner="alice", team=sh, created=at(1, 6), lead=l1)
        a2 = add_account(session, "A2", owner="alice", team=sh, created=at(1, 16), lead=l2)
        a3 = add_account(session, "A3", owner="bob", team=sh, created=at(1, 22), lead=l3)
        a5 = add_account(session, "A5", owner="carol", team=ex, created=at(2, 5), lead=l5)
        a7 = add_account(session, "A7", owner="carol", team=ex, created=at(2, 21), lead=l7)
        a8 = add_account(session, "A8", owner="bob", team=sh, created=at(1, 2))

        add_deal(session, a0, lead=l0, owner="alice", team=sh, amount="40000.00",
                 moves=[("initial_contact", at(12, 22, 10, year=2025)),
                        ("won", at(1, 15, 10))])
        o1 = add_deal(session, a1, lead=l1, owner="alice", team=sh, amount="100000.00",
                      moves=[("initial_contact", at(1, 6, 10)), ("solution_demo", at(1, 10, 10)),
                             ("business_negotiation", at(1, 20, 10)), ("won", at(2, 10, 10))])
        o2 = add_deal(session, a2, lead=l2, owner="alice", team=sh, amount="50000.00",
                      closes=datetime(2026, 3, 15).date(),
                      moves=[("initial_contact", at(1, 16, 10)),
                             ("solution_demo", at(1, 25, 10)),
                             ("business_negotiation", at(3, 5, 10))])
        o3 = add_deal(session, a3, lead=l3, owner="bob", team=sh, amount="80000.00",
                      moves=[("initial_contact", at(1, 22, 10)), ("won", at(2, 20, 10))])
        o5 = add_deal(session, a5, lead=l5, owner="carol", team=ex, amount="20000.00",
                      currency="USD",
                      moves=[("initial_contact", at(2, 5, 10)), ("lost", at(2, 25, 10))])
        add_deal(session, a7, lead=l7, owner="carol", team=ex, amount="10000.05",
                 probability=Decimal("50.00"), closes=datetime(2026, 4, 10).date(),
                 moves=[("initial_contact", at(2, 21, 10)), ("solution_demo", at(2, 22, 10))])
        add_deal(session, a8, owner="bob", team=sh, amount="5000.00", currency="USD",
                 moves=[("initial_contact", at(1, 2, 10)), ("won", at(1, 28, 12))])
        add_deal(session, a8, owner="dave", team=ex, amount="7000.00",
                 closes=datetime(2026, 3, 31).date(),
                 moves=[("initial_contact", at(2, 2, 10))])
        add_deal(session, a8, owner="alice", team=sh, amount="1234.55",
                 moves=[("initial_contact", at(2, 3, 10))])

        for deal in (o1, o2, o3):
            add_quote(session, deal, rendered=True)
        add_quote(session, o5, rendered=False)
        add_contract(session, o1, "approved")
        add_contract(session, o3, "signed")
        add_contract(session, o5, "rejected")


def report(api, who: str, path: str, expect: int = 200) -> dict:
    response = api.as_(who).get(path)
    assert response.status_code == expect, response.json
    return response.json


def table(rows: list[dict], *columns: str) -> list[tuple]:
    return [tuple(row[c] for c in columns) for row in rows]


# -- the funnel --------------------------------------------------------------------------------

STEP = ("step", "count", "rate_from_previous", "rate_overall")


def test_funnel_follows_the_periods_leads_through_every_step_they_reached(api, history):
    body = report(api, "sam", f"/api/reports/funnel?{PERIOD}")
    # cohort L1-L7 and L9 (L0 was created in December); qualified: L1 L2 L3 L5 L7;
    # converted: L1 L2 L3 L5 L7; quoted with a document: O1 O2 O3 (O5's quote has none);
    # approved or signed contract: O1 O3 (O5's was rejected); won: O1 O3
    assert table(body["steps"], *STEP) == [
        ("lead", 8, None, 1.0),
        ("qualified", 5, 0.625, 0.625),
        ("opportunity", 5, 1.0, 0.625),
        ("quote_sent", 3, 0.6, 0.375),
        ("contract_approved", 2, 0.6667, 0.25),
        ("won", 2, 1.0, 0.25),
    ]
    assert set(body["definitions"]) >= {"cohort", "qualified", "quote_sent", "won", "filters"}
    assert body["filters"]["from"] == "2026-01-01" and body["filters"]["scope"] == "all"


def test_funnel_filters_on_the_lead(api, history):
    # web_form: L1 L2 L4 L7; qualified L1 L2 L7; converted the same; quoted O1 O2; contract
    # and won O1
    body = report(api, "sam", f"/api/reports/funnel?{PERIOD}&channel=web_form")
    assert [row["count"] for row in body["steps"]] == [4, 3, 3, 2, 1, 1]
    # product_experts: L5 L6 L7; qualified and converted L5 L7; nothing further
    body = report(api, "sam", f"/api/reports/funnel?{PERIOD}&team=product_experts")
    assert [row["count"] for row in body["steps"]] == [3, 2, 2, 0, 0, 0]
    # without dates every lead counts: L0 too (qualified, converted, won; no quote)
    body = report(api, "sam", "/api/reports/funnel")
    assert [row["count"] for row in body["steps"]] == [9, 6, 6, 3, 2, 3]


def test_a_rep_sees_their_own_funnel_and_a_manager_their_teams(api, history):
    # alice: L1 L2, both qualified, converted and quoted; O1 approved and won
    body = report(api, "alice", f"/api/reports/funnel?{PERIOD}")
    assert table(body["steps"], *STEP) == [
        ("lead", 2, None, 1.0), ("qualified", 2, 1.0, 1.0), ("opportunity", 2, 1.0, 1.0),
        ("quote_sent", 2, 1.0, 1.0), ("contract_approved", 1, 0.5, 0.5), ("won", 1, 1.0, 0.5)]
    assert body["filters"]["scope"] == ["alice"]
    report(api, "alice", f"/api/reports/funnel?{PERIOD}&owner=bob", expect=403)
    assert report(api, "alice", f"/api/reports/funnel?{PERIOD}&owner=me")["steps"][0][
        "count"] == 2
    # mia manages both teams: every lead but zoe's L9 (7); 5 qualified = 5/7
    body = report(api, "mia", f"/api/reports/funnel?{PERIOD}")
    assert table(body["steps"], "count", "rate_overall") == [
        (7, 1.0), (5, 0.7143), (5, 0.7143), (3, 0.4286), (2, 0.2857), (2, 0.2857)]
    report(api, "mia", f"/api/reports/funnel?{PERIOD}&owner=zoe", expect=403)


# -- the forecast ------------------------------------------------------------------------------

def test_forecast_weighs_open_deals_and_counts_won_ones_by_month(api, history):
    body = report(api, "ana", "/api/reports/forecast?from=2026-01-01&to=2026-04-30")
    # open deals expected to close in the period: March O2 (50000 x 60 % = 30000.00) and O9
    # (7000 x 10 % = 700.00); April O7 (10000.05 x its own 50 % = 5000.025 -> 5000.03);
    # O10 has no close date, so it is left out when dates are given
    assert table(body["pipeline"], "month", "currency", "count", "amount", "weighted") == [
        ("2026-03", "CNY", 2, "57000.00", "30700.00"),
        ("2026-04", "CNY", 1, "10000.05", "5000.03"),
    ]
    # first won changes in the period: O0 01-15, O8 01-28 (USD), O1 02-10, O3 02-20
    assert table(body["won"], "month", "currency", "count", "amount") == [
        ("2026-01", "CNY", 1, "40000.00"), ("2026-01", "USD", 1, "5000.00"),
        ("2026-02", "CNY", 2, "180000.00")]
    # reached in the period (O0's initial contact was in December): initial_contact O1 O2 O3
    # O5 O7 O8 O9 O10 (won: O1 O3 O8); solution_demo O1 O2 O7 (O1); business_negotiation O1
    # O2 (O1, O2's move on 03-05 is in the period); won O0 O8 O1 O3; lost O5
    assert table(body["win_rates"], "stage", "reached", "won", "win_rate",
                 "configured_probability") == [
        ("initial_contact", 8, 3, 0.375, "10.00"),
        ("solution_demo", 3, 1, 0.3333, "30.00"),
        ("business_negotiation", 2, 1, 0.5, "60.00"),
        ("won", 4, 4, 1.0, "100.00"),
        ("lost", 1, 0, 0.0, "0.00"),
    ]


def test_forecast_without_dates_and_filtered_by_the_deals_lead(api, history):
    body = report(api, "ana", "/api/reports/forecast")
    # every open deal: O10 1234.55 x 10 % = 123.455 -> 123.46 under no_date, last
    assert table(body["pipeline"], "month", "count", "amount", "weighted") == [
        ("2026-03", 2, "57000.00", "30700.00"), ("2026-04", 1, "10000.05", "5000.03"),
        ("no_date", 1, "1234.55", "123.46")]
    # the board's forecast (Python, per deal) weighs the same open deals to the same cent
    board = report(api, "ana", "/api/forecast")["totals"]["CNY"]
    assert Decimal(str(board["weighted"])) == Decimal("35823.49")  # 30700.00+5000.03+123.46
    # all time, initial_contact has O0 too: 9 reached, 4 won
    assert table(body["win_rates"], "stage", "reached", "won", "win_rate")[0] == (
        "initial_contact", 9, 4, 0.4444)
    # web_form deals are those of L0 L1 L2 L7: O8 (no lead) and O3 (dingtalk) drop out
    body = report(api, "ana", "/api/reports/forecast?from=2026-01-01&to=2026-04-30"
                              "&channel=web_form")
    assert table(body["pipeline"], "month", "count", "weighted") == [
        ("2026-03", 1, "30000.00"), ("2026-04", 1, "5000.03")]
    assert table(body["won"], "month", "currency", "amount") == [
        ("2026-01", "CNY", "40000.00"), ("2026-02", "CNY", "100000.00")]
    # alice owns O0 O1 O2 O10
    body = report(api, "alice", "/api/reports/forecast?from=2026-02-01&to=2026-04-30")
    assert table(body["pipeline"], "month", "amount") == [("2026-03", "50000.00")]
    assert table(body["won"], "month", "amount") == [("2026-02", "100000.00")]
    assert table(body["win_rates"], "stage", "reached", "won")[:3] == [
        ("initial_contact", 1, 0), ("solution_demo", 0, 0), ("business_negotiation", 1, 0)]


# -- the leaderboard ---------------------------------------------------------------------------

PERSON = ("person", "deals_won", "new_customers", "leads_handled", "first_responses",
          "median_first_response_hours")
TEAM = ("team", *PERSON[1:])


def test_leaderboard_ranks_people_and_teams_over_the_period(api, history):
    body = report(api, "sam", f"/api/reports/leaderboard?{PERIOD}")
    # won in the period: alice O0 O1, bob O3 O8; customers created: alice A1 A2, bob A3 A8,
    # carol A5 A7 (A0 was December's); calls: alice L1 L2, bob L3 L4, carol L5 L7;
    # first responses: alice 2h 6h -> 4.0, bob 24h 3h -> 13.5, carol 8h 0.5h -> 4.25
    assert table(body["people"], *PERSON) == [
        ("alice", 2, 2, 2, 2, 4.0), ("bob", 2, 2, 2, 2, 13.5), ("carol", 0, 2, 2, 2, 4.25)]
    assert table(body["people_won"], "person", "currency", "deals_won", "won_amount") == [
        ("alice", "CNY", 2, "140000.00"), ("bob", "CNY", 1, "80000.00"),
        ("bob", "USD", 1, "5000.00")]
    # shanghai_a's first responses 2 3 6 24 -> 4.5
    assert table(body["teams"], *TEAM) == [
        ("shanghai_a", 4, 4, 4, 4, 4.5), ("product_experts", 0, 2, 2, 2, 4.25)]
    assert table(body["teams_won"], "team", "currency", "deals_won", "won_amount") == [
        ("shanghai_a", "CNY", 3, "220000.00"), ("shanghai_a", "USD", 1, "5000.00")]


def test_leaderboard_filters_and_scope(api, history):
    # web_form: won O0 O1 (alice; O3 came from dingtalk, O8 from no lead); customers from
    # web_form leads A1 A2 (alice) A7 (carol); calls on web_form leads: alice L1 L2, bob L4,
    # carol L7
    body = report(api, "sam", f"/api/reports/leaderboard?{PERIOD}&channel=web_form")
    assert table(body["people"], *PERSON) == [
        ("alice", 2, 2, 2, 2, 4.0), ("carol", 0, 1, 1, 1, 0.5), ("bob", 0, 0, 1, 1, 3.0)]
    # alice sees her own figures only, her team row made of them
    body = report(api, "alice", f"/api/reports/leaderboard?{PERIOD}")
    assert table(body["people"], *PERSON) == [("alice", 2, 2, 2, 2, 4.0)]
    assert table(body["teams"], *TEAM) == [("shanghai_a", 2, 2, 2, 2, 4.0)]
    assert table(body["teams_won"], "team", "won_amount") == [("shanghai_a", "140000.00")]
    report(api, "alice", f"/api/reports/leaderboard?{PERIOD}&owner=bob", expect=403)
    # February, as the manager of both teams: won O1 (alice) and O3 (bob); customers A5 A7
    # (carol); calls and first calls: L4 (bob, 3h), L5 and L7 (carol, 8h and 0.5h)
    body = report(api, "mia", "/api/reports/leaderboard?from=2026-02-01&to=2026-02-28")
    assert table(body["people"], *PERSON) == [
        ("alice", 1, 0, 0, 0, None), ("bob", 1, 0, 1, 1, 3.0), ("carol", 0, 2, 2, 2, 4.25)]


# -- attribution -------------------------------------------------------------------------------

GROUP = ("leads", "won", "conversion_rate", "median_cycle_days")


def test_attribution_by_channel(api, history):
    body = report(api, "sam", f"/api/reports/attribution?{PERIOD}&by=channel")
    # api: L5 L6 L9, none won; web_form: L1 L2 L4 L7, L1 won after 36 days 1 hour
    # (01-05 09:00 -> 02-10 10:00); dingtalk: L3 won after 31 days
    assert body["by"] == "channel"
    assert table(body["groups"], "channel", *GROUP) == [
        ("api", 3, 0, 0.0, None),
        ("web_form", 4, 1, 0.25, 36.0417),
        ("webhook:dingtalk", 1, 1, 1.0, 31.0),
    ]
    assert table(body["won_amounts"], "channel", "currency", "won", "won_amount") == [
        ("web_form", "CNY", 1, "100000.00"), ("webhook:dingtalk", "CNY", 1, "80000.00")]


@pytest.mark.parametrize("by, rows", [
    # shanghai_a: L1-L4, won L1 L3: median of 36.0417 and 31 days; L9 has no team
    ("team", [("product_experts", 3, 0, 0.0, None), ("shanghai_a", 4, 2, 0.5, 33.5208),
              (None, 1, 0, 0.0, None)]),
    ("product", [("analytics", 1, 0, 0.0, None), ("crm_solution", 4, 1, 0.25, 36.0417),
                 ("erp", 2, 1, 0.5, 31.0), (None, 1, 0, 0.0, None)]),
    ("campaign", [("spring", 2, 2, 1.0, 33.5208), (None, 6, 0, 0.0, None)]),
])
def test_attribution_by_team_product_and_campaign(api, history, by, rows):
    body = report(api, "sam", f"/api/reports/attribution?{PERIOD}&by={by}")
    assert table(body["groups"], by, *GROUP) == rows


def test_attribution_refuses_an_unknown_grouping(api, history):
    body = report(api, "sam", f"/api/reports/attribution?{PERIOD}&by=weather", expect=422)
    assert "by" in body["fields"]


# -- access, arguments and CSV -----------------------------------------------------------------

@pytest.mark.parametrize("path", ["funnel", "forecast", "leaderboard", "attribution"])
def test_who_may_read_and_which_dates(api, history, path):
    report(api, "lena", f"/api/reports/{path}", expect=403)  # a legal director
    body = report(api, "sam", f"/api/reports/{path}?from=2026-03-01&to=2026-02-01", expect=422)
    assert "to" in body["fields"]
    assert api.get(f"/api/reports/{path}").status_code == 401
    report(api, "admin", f"/api/reports/{path}?{PERIOD}")


@pytest.mark.parametrize("path", ["funnel", "forecast?from=2026-01-01&to=2026-04-30",
                                  f"leaderboard?{PERIOD}",
                                  f"attribution?{PERIOD}&by=team"])
def test_the_csv_export_holds_the_json_figures(api, history, path):
    body = report(api, "sam", f"/api/reports/{path}")
    sep = "&" if "?" in path else "?"
    response = api.as_("sam").get(f"/api/reports/{path}{sep}format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    sections = [name for name in ("steps", "pipeline", "won", "win_rates", "people",
                                  "people_won", "teams", "teams_won", "groups", "won_amounts")
                if name in body]
    several = len(sections) > 1
    expected = [{**({"section": name} if several else {}),
                 **{key: "" if value is None else str(value) for key, value in row.items()}}
                for name in sections for row in body[name]]
    columns = list(rows[0])
    assert rows == [{column: row.get(column, "") for column in columns} for row in expected]
    assert {key for row in expected for key in row} == set(columns)
