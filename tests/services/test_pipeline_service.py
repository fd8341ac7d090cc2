"""The pipeline service: probabilities, moves and their history, new deals, converted leads."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import Invalid, NotFound
from app.models.customer import Account, Opportunity
from app.models.deal import StageChange
from app.models.lead import Lead, Team, TeamMember
from app.services import clock, customers, leads, pipeline


@pytest.fixture
def acme(work) -> int:
    with work():
        return customers.new_account("Acme", owner="alice", created_by="alice").id


def new_deal(session, account_id: int, **fields) -> Opportunity:
    return pipeline.new_opportunity(session.get(Account, account_id),
                                    **{"name": "CRM rollout", "owner": "alice", "by": "alice",
                                       **fields})


def changes(session, opportunity_id: int) -> list[tuple]:
    return [(c.from_stage, c.to_stage, c.changed_by, c.reason) for c in session.scalars(
        select(StageChange).where(StageChange.opportunity_id == opportunity_id)
        .order_by(StageChange.id))]


def test_a_new_deal_records_its_first_stage_change_and_takes_its_owners_team(work, acme):
    with work() as session:
        deal = new_deal(session, acme, amount="1200.5", expected_close_date=None)
        assert (deal.stage, deal.team, deal.kind, deal.currency) == (
            "initial_contact", "shanghai_a", "new", "CNY")
        assert deal.amount == Decimal("1200.50") and deal.probability is None
        assert deal.stage_changed_at == deal.created_at and deal.closed_at is None
        assert changes(session, deal.id) == [(None, "initial_contact", "alice", None)]
        # a rep in two teams: no team (their managers still see the deal through its owner)
        session.add(TeamMember(team_id=session.scalar(select(Team.id).where(
            Team.key == "product_experts")), username="alice", position=9))
        session.flush()
        assert new_deal(session, acme).team is None
        assert new_deal(session, acme, owner="carol", team="shanghai_a").team == "shanghai_a"


def test_new_deals_refuse_what_they_cannot_be(work, acme):
    with work() as session:
        with pytest.raises(Invalid) as lost:
            new_deal(session, acme, stage="lost")
        assert lost.value.fields == {"stage": ["a lost stage"]}
        with pytest.raises(Invalid) as unknown:
            new_deal(session, acme, stage="nope")
        assert unknown.value.fields == {"stage": ["unknown stage 'nope'"]}
        assert "initial_contact, solution_demo" in unknown.value.message
        for bad, field in (({"kind": "upsell"}, "kind"), ({"currency": "cny"}, "currency"),
                           ({"amount": 1.005}, "amount"), ({"amount": True}, "amount"),
                           ({"probability": "100.01"}, "probability"), ({"name": " "}, "name"),
                           ({"products_of_interest": ["NOPE"]}, "products_of_interest"),
                           ({"stage": "won", "probability": 50}, "probability")):
            with pytest.raises(Invalid) as refused:
                new_deal(session, acme, **bad)
            assert list(refused.value.fields) == [field], bad
        won = new_deal(session, acme, stage="won", amount=10)
        assert won.closed_at == won.created_at  # won at once: closed at once


def test_the_probability_is_the_override_or_the_stages_default_won_100_lost_0(work, acme):
    with work() as session:
        deal = new_deal(session, acme, amount="80000")
        assert pipeline.probability_of(deal) == Decimal("10.00")
        deal.probability = Decimal("45")
        assert pipeline.probability_of(deal) == Decimal("45.00")
        # 80000.00 x 45 / 100 = 36000.00
        assert pipeline.weighted_amount(deal) == Decimal("36000.00")
        deal.stage = "won"
        assert pipeline.probability_of(deal) == Decimal("100.00")
        deal.stage = "lost"
        assert pipeline.probability_of(deal) == Decimal("0.00")


def test_weighted_amounts_are_rounded_half_up_to_cents():
    # 0.05 x 10 / 100 = 0.005 -> 0.01; 33333.33 x 30 / 100 = 9999.999 -> 10000.00
    assert pipeline.weighted(Decimal("0.05"), Decimal("10")) == Decimal("0.01")
    assert pipeline.weighted(Decimal("33333.33"), Decimal("30")) == Decimal("10000.00")
    assert pipeline.weighted(None, Decimal("60")) == Decimal("0.00")
    assert pipeline.money("99.1") == Decimal("99.10") and pipeline.money(None) is None
    assert pipeline.money(99.1) == Decimal("99.10")  # through its text, not its binary value


def test_moving_records_who_and_when_closes_and_reopens(work, acme):
    with work() as session:
        deal = new_deal(session, acme, amount="1000", probability="20")
        assert pipeline.move(deal, "initial_contact", by="bob") is None  # there already
        change = pipeline.move(deal, "solution_demo", by="alice", reason="demo booked")
        assert (change.from_stage, change.to_stage, change.changed_by, change.reason) == (
            "initial_contact", "solution_demo", "alice", "demo booked")
        assert change.changed_at == deal.stage_changed_at <= clock.now()
        assert deal.probability is None  # the override was for the old stage
        with pytest.raises(Invalid) as no_reason:
            pipeline.move(deal, "lost", by="alice", reason="  ")
        assert no_reason.value.fields == {"reason": ["required when lost"]}
        assert deal.stage == "solution_demo"
        pipeline.move(deal, "lost", by="mia", reason="no budget")
        assert (deal.lost_reason, deal.closed_at) == ("no budget", deal.stage_changed_at)
        pipeline.move(deal, "business_negotiation", by="mia")
        assert (deal.lost_reason, deal.closed_at) == (None, None)
        pipeline.move(deal, "won", by="alice")
        assert deal.closed_at is not None
        deal_id = deal.id
    with work() as session:
        assert changes(session, deal_id) == [
            (None, "initial_contact", "alice", None),
            ("initial_contact", "solution_demo", "alice", "demo booked"),
            ("solution_demo", "lost", "mia", "no budget"),
            ("lost", "business_negotiation", "mia", None),
            ("business_negotiation", "won", "alice", None)]


def test_the_time_of_each_change_follows_the_clock(work, acme, api):
    with work() as session:
        deal_id = new_deal(session, acme).id
    api.advance_clock("P2D")
    with work() as session:
        deal = pipeline.locked_opportunity(deal_id)
        pipeline.move(deal, "solution_demo", by="alice")
    with work() as session:
        deal = session.get(Opportunity, deal_id)
        first, second = pipeline.history(deal)
        assert second.changed_at - first.changed_at >= timedelta(days=2)
        assert deal.stage_changed_at == second.changed_at
        assert pipeline.days_in_stage(deal) == 0


def test_stages_in_order_and_lookups(work):
    with work():
        assert [s.key for s in pipeline.stages()] == [
            "initial_contact", "solution_demo", "business_negotiation", "won", "lost"]
        assert pipeline.stage("won").is_won and pipeline.won_stage().key == "won"
        with pytest.raises(NotFound):
            pipeline.locked_opportunity(999)


def test_a_converted_lead_gets_its_opportunity_with_the_initial_stage_change(work):
    with work() as session:
        now = datetime.now(UTC)
        lead = Lead(name="Wang Wei", company="Globex", phone="13800138000", owner="carol",
                    team="product_experts", status="qualified", product_interest="crm_solution",
                    budget=Decimal("80000"), source="api", created_at=now, updated_at=now)
        session.add(lead)
        session.flush()
        leads.convert(lead, by="carol")
        deal = session.get(Opportunity, lead.opportunity_id)
        assert (deal.name, deal.amount, deal.owner, deal.team, deal.lead_id) == (
            "Globex: crm_solution", Decimal("80000.00"), "carol", "product_experts", lead.id)
        assert deal.contact_id == lead.contact_id
        assert changes(session, deal.id) == [(None, "initial_contact", "carol", None)]
