"""The timeline service: its source registry, notices once per notice, one query per source."""

from datetime import UTC, datetime, timedelta

import pytest
from diagrams import wait_a_day
from sqlalchemy import event, select

from app.models.customer import Account, Interaction
from app.models.lead import Lead, LeadEvent, LeadTouch
from app.models.notification import Notification
from app.models.user import User
from app.services import customers, timeline


def person(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


@pytest.fixture
def acme(work) -> int:
    with work():
        return customers.new_account("Acme", owner="alice", created_by="alice").id


def add_lead(session, account_id: int, *, touches: int = 1, events: int = 1) -> int:
    now = datetime.now(UTC)
    lead = Lead(name="Wang", owner="alice", status="converted", account_id=account_id,
                created_at=now, updated_at=now)
    session.add(lead)
    session.flush()
    session.add_all([LeadTouch(lead_id=lead.id, source="api", at=now) for _ in range(touches)])
    session.add_all([LeadEvent(lead_id=lead.id, kind="assigned", at=now)
                     for _ in range(events)])
    session.add(Interaction(kind="call", lead_id=lead.id, account_id=account_id, subject="Hi",
                            data={}, occurred_at=now, by="alice", created_at=now,
                            updated_at=now))
    return lead.id


def waiting_instance(api, business_key: str) -> int:
    api.deploy_text(wait_a_day(), expect=None)
    return api.as_("alice").start("wait_a_day", business_key=business_key)["id"]


def test_a_registered_source_adds_its_items_to_the_timeline(work, acme):
    seen = {}

    @timeline.source("test_quotes")
    def quotes(account, lead_ids, instance_ids):
        seen.update(account=account.id, lead_ids=lead_ids, instance_ids=instance_ids)
        return [timeline.TimelineItem("quote.sent", datetime.now(UTC) + timedelta(days=1),
                                      "alice", "Quote Q-1 sent", {"total": "10.00"},
                                      {"type": "quote", "id": 1})]

    try:
        assert "test_quotes" in timeline.sources()
        with work() as session:
            page = timeline.timeline(acme, person(session, "alice"))
        assert [i.kind for i in page.items] == ["quote.sent", "customer.created"]
        assert seen == {"account": acme, "lead_ids": [], "instance_ids": []}
        with pytest.raises(ValueError, match="test_quotes"):
            timeline.register_source("test_quotes", lambda *args: [])
    finally:
        timeline.unregister_source("test_quotes")
    assert "test_quotes" not in timeline.sources()


def test_business_key_providers_bring_their_instances(api, work, acme):
    instance = waiting_instance(api, f"opportunity:{acme}")
    with work() as session:
        assert timeline.collect(session.get(Account, acme))[0].kind == (
            "customer.created")

    @timeline.business_keys("test_opportunities")
    def opportunity_keys(account, lead_ids):
        return [f"opportunity:{account.id}"]

    @timeline.source("test_instances")
    def instances(account, lead_ids, instance_ids):
        return [timeline.TimelineItem("test.instance", account.created_at, None, "", {
            "ids": instance_ids})]

    try:
        with work() as session:
            items = timeline.collect(session.get(Account, acme))
        assert next(i for i in items if i.kind == "test.instance").data == {"ids": [instance]}
    finally:
        timeline.unregister_business_keys("test_opportunities")
        timeline.unregister_source("test_instances")


def test_a_notice_to_many_people_shows_once_with_its_recipients(api, work, acme):
    with work() as session:
        lead = add_lead(session, acme)
    instance = waiting_instance(api, f"lead:{lead}")
    sent = datetime(2030, 1, 1, 9, tzinfo=UTC)
    with work() as session:
        for username, at in (("alice", sent), ("bob", sent), ("mia", sent),
                             ("alice", sent + timedelta(hours=1))):
            session.add(Notification(user_id=person(session, username).id, template="message",
                                     title="Visit planned", body="Tomorrow 10:00",
                                     instance_id=instance, created_at=at))
        notices = [i for i in timeline.collect(session.get(Account, acme))
                   if i.kind.startswith("notification")]
    assert [(n.at, n.data["recipients"]) for n in notices] == [
        (sent + timedelta(hours=1), ["alice"]), (sent, ["alice", "bob", "mia"])]
    assert notices[1].title == "Visit planned" and notices[1].data["body"] == "Tomorrow 10:00"


def test_each_source_reads_with_one_query_however_many_rows(app, api, work, acme):
    def queries_for_timeline() -> int:
        statements = []

        def count(*_args):
            statements.append(1)

        engine = app.extensions["crm_db"].engine
        with work() as session:
            account = session.get(Account, acme)
            event.listen(engine, "before_cursor_execute", count)
            try:
                timeline.collect(account)
            finally:
                event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    with work() as session:
        lead = add_lead(session, acme)
    waiting_instance(api, f"lead:{lead}")
    few = queries_for_timeline()
    with work() as session:
        for _ in range(5):
            lead = add_lead(session, acme, touches=3, events=4)
    for number in range(3):
        waiting_instance(api, f"lead:{lead}" if number else f"account:{acme}")
    assert queries_for_timeline() == few
    # leads, instances, one per business-key provider beyond the leads' own, then one per
    # source that has rows to look for (customer: none)
    providers = len(timeline.business_key_providers()) - 1
    assert few == 2 + providers + len(timeline.sources()) - 1


def test_same_time_items_keep_source_then_row_order_newest_first(work, acme):
    with work() as session:
        lead = add_lead(session, acme, touches=2, events=2)
        kinds = [(i.kind, i.ref["id"]) for i in timeline.collect(
            session.get(Account, acme)) if i.kind.startswith(("lead", "interaction"))]
    # touch, touch, event, event, call were written at one time, in that order of sources
    assert [k for k, _ in kinds] == ["interaction.call", "lead.assigned", "lead.assigned",
                                     "lead.touch", "lead.touch"]
    assert {ref for kind, ref in kinds if kind.startswith("lead")} == {lead}
