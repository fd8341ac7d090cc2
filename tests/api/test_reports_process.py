"""Process reports through the API: cycle times, per-node waiting and working times, the event
log. The history is written by hand with exact times, so every figure is computed here in the
comments; one test drives a real process to check the event log against the engine's rows."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.models.customer import Account, Opportunity
from app.models.deal import Quote, StageChange
from app.models.definition import Deployment, ProcessDefinition, StoredFile
from app.models.document import Document
from app.models.instance import InstanceEvent, ProcessInstance
from app.models.lead import Lead
from app.models.task import HumanTask

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # the test clock, set by the fixture


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def seconds(n: float) -> datetime:
    return T0 + timedelta(seconds=n)


class History:
    """Rows written by hand in one unit of work."""

    def __init__(self, session):
        self.session = session
        self.definitions: dict[tuple[str, int], ProcessDefinition] = {}

    def add(self, row):
        self.session.add(row)
        self.session.flush()
        return row

    def definition(self, key: str, version: int = 1) -> ProcessDefinition:
        if (key, version) not in self.definitions:
            digest = f"{key}-{version}".ljust(64, "0")
            self.add(StoredFile(hash=digest, name=f"{key}.bpmn", kind="bpmn", size=1,
                                content=b"<bpmn/>", created_at=T0))
            deployment = self.add(Deployment(created_at=T0, files=[]))
            self.definitions[(key, version)] = self.add(ProcessDefinition(
                key=key, version=version, name=key, deployment_id=deployment.id,
                bpmn_hash=digest, bundle_hash=digest, bundle={}, created_at=T0))
        return self.definitions[(key, version)]

    def instance(self, key: str, version: int = 1, business_key: str | None = None) -> int:
        definition = self.definition(key, version)
        return self.add(ProcessInstance(
            definition_id=definition.id, process_key=key, business_key=business_key,
            status="running", state="{}", variables={}, started_at=T0, updated_at=T0)).id

    def task(self, instance_id: int, element_id: str, *, created: datetime,
             completed: datetime | None = None, claimed: datetime | None = None,
             by: str | None = None, assignee: str | None = None, status: str | None = None,
             due: datetime | None = None) -> HumanTask:
        instance = self.session.get(ProcessInstance, instance_id)
        return self.add(HumanTask(
            id=str(uuid.uuid4()), instance_id=instance_id, process_key=instance.process_key,
            definition_id=instance.definition_id, element_id=element_id, name=element_id,
            assignee=assignee or by,
            status=status or ("completed" if completed else "open"), due_at=due,
            created_at=created, claimed_at=claimed or (completed if by else None),
            completed_at=completed, completed_by=by))

    def event(self, instance_id: int, element_id: str, at: datetime, kind: str = "UserTask"):
        return self.add(InstanceEvent(instance_id=instance_id, element_id=element_id,
                                      name=element_id.replace("_", " ").title(), kind=kind,
                                      at=at))

    def opportunity(self, owner: str, team: str, lead_id: int | None,
                    stages: list[tuple[str, float]]) -> int:
        account = self.add(Account(name=owner, name_normalized=owner, created_at=T0,
                                   updated_at=T0))
        opportunity = self.add(Opportunity(account_id=account.id, name=f"{owner}'s deal",
                                           owner=owner, team=team, lead_id=lead_id,
                                           stage=stages[-1][0], created_at=T0, updated_at=T0))
        for stage, at in stages:
            self.add(StageChange(opportunity_id=opportunity.id, to_stage=stage,
                                 changed_at=hours(at)))
        return opportunity.id

    def lead(self, source: str, product: str) -> int:
        return self.add(Lead(name="lead", source=source, product_interest=product,
                             created_at=T0, updated_at=T0)).id

    def quote(self, opportunity_id: int, *documents: float) -> None:
        zero = Decimal("0")
        quote = self.add(Quote(opportunity_id=opportunity_id, version=1, status="sent",
                               currency="CNY", subtotal=zero, discount_total=zero,
                               net_total=zero, tax_total=zero, grand_total=zero,
                               created_at=T0, updated_at=T0))
        for at in documents:
            self.add(Document(kind="quote", record_type="quote", record_id=quote.id,
                              title="quote", created_at=hours(at)))


@pytest.fixture
def history(api, work):
    """Deals, approvals, first calls, quotes and two versions of an onboarding process."""
    assert api.as_("admin").post("/api/admin/clock",
                                 json={"set": NOW.isoformat()}).status_code == 200
    with work() as session:
        h = History(session)
        web, api_lead = h.lead("web_form", "crm_solution"), h.lead("api", "erp")
        # stage history (hours after T0); "won" and C's "solution_demo" are never left
        alices = h.opportunity("alice", "shanghai_a", web, [
            ("initial_contact", 0), ("solution_demo", 10), ("business_negotiation", 30),
            ("won", 70)])
        bobs = h.opportunity("bob", "shanghai_a", api_lead, [
            ("initial_contact", 0), ("solution_demo", 20), ("lost", 50)])
        carols = h.opportunity("carol", "product_experts", None, [
            ("solution_demo", 30), ("initial_contact", 0)])  # inserted out of time order

        # approvals: hours from created (T0) to completed
        contract = h.instance("contract_approval")
        h.task(contract, "sales_director_approval", created=T0, completed=hours(2), by="sam")
        h.task(contract, "sales_director_approval", created=T0, completed=hours(8), by="sam")
        h.task(contract, "legal_director_approval", created=T0, completed=hours(10), by="lena")
        h.task(contract, "sales_director_approval", created=T0, due=hours(72))  # open
        h.task(contract, "legal_director_approval", created=T0, completed=hours(1),
               status="cancelled", assignee="lena")
        quote = h.instance("quote")
        h.task(quote, "director_discount", created=T0, completed=hours(4), by="sam")
        h.task(quote, "finance_discount", created=T0, completed=hours(1), by="fiona")
        h.task(quote, "customer_decision", created=T0, completed=hours(3), by="alice")

        # quotes: hours from created (T0) to the first quote document
        h.quote(alices, 3, 10)  # alice's (web form): 3 h; the later document does not count
        h.quote(bobs, 5)  # bob's: 5 h
        h.quote(carols)  # no document yet: not counted

        # first calls (created, completed...) with NOW = 2026-03-20 12:00
        follow = h.instance("lead_followup")
        day = timedelta(days=1)
        h.task(follow, "first_call", created=T0 + 8 * day, completed=T0 + 8 * day
               + timedelta(hours=2), by="alice")  # F1 within
        h.task(follow, "first_call", created=T0 + 8 * day, completed=T0 + 8 * day
               + timedelta(hours=30), by="alice")  # F2 late
        h.task(follow, "first_call", created=T0 + 9 * day, completed=T0 + 9 * day
               + timedelta(hours=23), by="bob")  # F3 within
        h.task(follow, "first_call", created=T0 + 10 * day, assignee="bob",
               due=T0 + 11 * day)  # F4 open and past 24 h: late
        h.task(follow, "first_call", created=NOW - timedelta(hours=2), assignee="alice",
               due=NOW + timedelta(hours=22))  # F5 open, 24 h not over: not counted
        h.task(follow, "first_call", created=T0 + 10 * day, completed=T0 + 10 * day
               + timedelta(hours=2), status="cancelled", assignee="carol")  # F6 not counted
        h.task(follow, "first_call", created=T0 + 11 * day, completed=T0 + 11 * day
               + timedelta(hours=48), status="cancelled", assignee="carol")  # F7 late
        h.task(follow, "first_call", created=T0 + 17 * day, assignee="bob",
               due=T0 + 18 * day)  # F8 open since 2026-03-19 09:00: late

        # onboarding v1 and v2 (seconds after T0); events of I1 written out of order
        i1 = h.instance("onboarding", 1, business_key="deal-1")
        i2 = h.instance("onboarding", 1, business_key="deal-2")
        i3 = h.instance("onboarding", 2, business_key="deal-3")
        h.event(i3, "start", seconds(0), "StartEvent")
        h.event(i3, "review", seconds(90))
        h.event(i3, "end", seconds(100), "EndEvent")
        h.event(i1, "end", seconds(400), "EndEvent")
        h.event(i1, "kickoff", seconds(360))
        h.event(i1, "start", seconds(0), "StartEvent")
        h.event(i2, "start", seconds(10), "StartEvent")
        h.event(i2, "kickoff", seconds(120))
        h.task(i1, "kickoff", created=seconds(0), claimed=seconds(60), completed=seconds(360),
               by="alice")  # waits 60 s, works 300 s
        h.task(i2, "kickoff", created=seconds(0), completed=seconds(120),
               by="bob")  # no claim: waits 120 s, works 0 s
        h.task(i3, "review", created=seconds(0), claimed=seconds(30), completed=seconds(90),
               by="alice")  # waits 30 s, works 60 s

        # a rework loop: the same element done by bob, then by alice
        rework = h.instance("rework", business_key="r-1")
        h.event(rework, "start", seconds(0), "StartEvent")
        h.task(rework, "check", created=seconds(0), completed=seconds(50), by="bob")
        h.event(rework, "check", seconds(50))
        h.task(rework, "check", created=seconds(50), completed=seconds(80), by="alice")
        h.event(rework, "check", seconds(80))
    return {"I1": i1, "I2": i2, "I3": i3, "rework": rework}


def get(api, user: str, path: str, expect: int = 200):
    response = api.as_(user).get(path)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def by(rows: list[dict], *keys: str) -> dict:
    return {tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]: row
            for row in rows}


def figures(row: dict, unit: str = "hours") -> tuple:
    return (row["count"], row[f"median_{unit}"], row[f"p90_{unit}"])


def parse_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# -- cycle times --------------------------------------------------------------------------------

def test_stage_times_run_from_a_change_into_the_stage_to_the_next_change(api, history):
    report = get(api, "mia", "/api/reports/cycle-times").json
    stages = by(report["stages"], "stage")
    assert list(stages) == ["initial_contact", "solution_demo", "business_negotiation", "won",
                            "lost"]
    # initial contact left after 10 (alice), 20 (bob), 30 h (carol): median 20,
    # p90 at rank 1.8: 20 + .8 x 10 = 28
    assert figures(stages["initial_contact"]) == (3, 20.0, 28.0)
    # demo: alice 20, bob 30 (carol's not left): median 25, p90 20 + .9 x 10 = 29
    assert figures(stages["solution_demo"]) == (2, 25.0, 29.0)
    assert figures(stages["business_negotiation"]) == (1, 40.0, 40.0)
    assert figures(stages["won"]) == figures(stages["lost"]) == (0, None, None)
    assert "LEAD" in report["definitions"]["stages"]


def test_stage_times_are_filtered_by_when_the_stage_was_left_and_by_the_deal(api, history):
    # left on 2026-03-03: bob's initial (05:00, 20 h), carol's initial (15:00, 30 h),
    # alice's demo (15:00, 20 h)
    stages = by(get(api, "mia", "/api/reports/cycle-times?from=2026-03-03&to=2026-03-03")
                .json["stages"], "stage")
    assert figures(stages["initial_contact"]) == (2, 25.0, 29.0)
    assert figures(stages["solution_demo"]) == (1, 20.0, 20.0)
    assert stages["business_negotiation"]["count"] == 0
    # channel and product: the lead behind the deal (alice's)
    for query in ("channel=web_form", "product=crm_solution"):
        stages = by(get(api, "mia", f"/api/reports/cycle-times?{query}").json["stages"],
                    "stage")
        assert [stages[s]["median_hours"] for s in ("initial_contact", "solution_demo",
                                                    "business_negotiation")] == [10, 20, 40]
    stages = by(get(api, "mia", "/api/reports/cycle-times?team=product_experts")
                .json["stages"], "stage")
    assert figures(stages["initial_contact"]) == (1, 30.0, 30.0)
    assert stages["solution_demo"]["count"] == 0


def test_approval_durations_per_step_and_per_role(api, history):
    report = get(api, "sam", "/api/reports/cycle-times").json
    steps = by(report["approvals"], "process_key", "element_id")
    # contract, sales director: 2 and 8 h: median 5, p90 2 + .9 x 6 = 7.4
    assert steps[("contract_approval", "sales_director_approval")]["role"] == "sales_director"
    assert figures(steps[("contract_approval", "sales_director_approval")]) == (2, 5.0, 7.4)
    # legal: 10 h (the cancelled and the open tasks do not count)
    assert figures(steps[("contract_approval", "legal_director_approval")]) == (1, 10.0, 10.0)
    assert figures(steps[("contract_approval", "finance_director_approval")]) == (0, None, None)
    assert figures(steps[("quote", "director_discount")]) == (1, 4.0, 4.0)
    assert steps[("quote", "finance_discount")]["role"] == "finance_director"
    assert figures(steps[("quote", "finance_discount")]) == (1, 1.0, 1.0)
    roles = by(report["approval_roles"], "role")
    # the sales director: 2, 4, 8 h: median 4, p90 at rank 1.8: 4 + .8 x 4 = 7.2
    assert figures(roles["sales_director"]) == (3, 4.0, 7.2)
    assert figures(roles["legal_director"]) == (1, 10.0, 10.0)
    assert figures(roles["finance_director"]) == (1, 1.0, 1.0)


def test_quote_turnaround_is_from_the_quote_to_its_first_document(api, history):
    [row] = get(api, "mia", "/api/reports/cycle-times").json["quote_turnaround"]
    assert figures(row) == (2, 4.0, 4.8)  # 3 and 5 h: median 4, p90 3 + .9 x 2
    [row] = get(api, "mia", "/api/reports/cycle-times?channel=web_form").json[
        "quote_turnaround"]
    assert figures(row) == (1, 3.0, 3.0)
    [row] = get(api, "mia", "/api/reports/cycle-times?to=2026-03-02").json["quote_turnaround"]
    assert figures(row) == (2, 4.0, 4.8)  # both first documents on 2026-03-02
    [row] = get(api, "mia", "/api/reports/cycle-times?from=2026-03-03").json["quote_turnaround"]
    assert row["count"] == 0


def test_first_call_sla_counts_completed_calls_and_those_past_24h(api, history):
    # counted: F1, F2, F3 (completed), F4, F8 (open past 24 h), F7 (cancelled after 48 h);
    # not: F5 (open for 2 h), F6 (cancelled after 2 h). Within 24 h: F1 and F3: 2 of 6
    report = get(api, "mia", "/api/reports/cycle-times").json
    assert report["first_call_sla"] == [{"total": 6, "within_24h": 2, "rate": 0.3333}]
    # created 2026-03-10 to 2026-03-11: F1, F2, F3 (F4 on the 12th)
    assert get(api, "mia", "/api/reports/cycle-times?from=2026-03-10&to=2026-03-11").json[
        "first_call_sla"] == [{"total": 3, "within_24h": 2, "rate": 0.6667}]
    assert get(api, "mia", "/api/reports/cycle-times?team=product_experts").json[
        "first_call_sla"] == [{"total": 1, "within_24h": 0, "rate": 0.0}]  # carol's F7
    assert get(api, "mia", "/api/reports/cycle-times?owner=bob").json[
        "first_call_sla"] == [{"total": 3, "within_24h": 1, "rate": 0.3333}]  # F3, F4, F8


def test_overdue_tasks_now_per_process_element_and_assignee(api, history):
    report = get(api, "sam", "/api/reports/cycle-times?from=2026-01-01&to=2026-01-02").json
    assert report["overdue_now"] == [  # the period does not apply: it is now
        {"process_key": "contract_approval", "element_id": "sales_director_approval",
         "name": "sales_director_approval", "assignee": None, "count": 1,
         "oldest_due": "2026-03-05T09:00:00+00:00"},
        {"process_key": "lead_followup", "element_id": "first_call", "name": "first_call",
         "assignee": "bob", "count": 2, "oldest_due": "2026-03-13T09:00:00+00:00"}]
    assert report["now"].startswith("2026-03-20T12:00")


def test_a_rep_sees_only_their_own_figures(api, history):
    report = get(api, "alice", "/api/reports/cycle-times").json
    assert report["filters"]["scope"] == ["alice"]
    stages = by(report["stages"], "stage")
    assert [stages[s]["count"] for s in stages] == [1, 1, 1, 0, 0]  # her deal only
    assert all(row["count"] == 0 for row in report["approvals"])  # she approves nothing
    assert figures(report["quote_turnaround"][0]) == (1, 3.0, 3.0)
    assert report["first_call_sla"] == [{"total": 2, "within_24h": 1, "rate": 0.5}]
    assert report["overdue_now"] == []
    mine = get(api, "alice", "/api/reports/cycle-times?owner=me").json
    assert mine["filters"]["owner"] == "alice"
    assert {k: v for k, v in mine.items() if k not in ("now", "filters")} == {
        k: v for k, v in report.items() if k not in ("now", "filters")}
    assert get(api, "alice", "/api/reports/cycle-times?owner=bob", 403).json[
        "error"] == "forbidden"
    assert get(api, "alice", "/api/reports/process-nodes?process_key=onboarding&owner=bob",
               403)
    assert get(api, "alice", "/api/reports/events.csv?owner=bob", 403)


def test_readers_only_and_a_sane_period(api, history):
    for path in ("/api/reports/cycle-times", "/api/reports/process-nodes?process_key=quote",
                 "/api/reports/events.csv"):
        get(api, "lena", path, 403)
        assert api.get(path).status_code == 401
        response = get(api, "mia", f"{path}{'&' if '?' in path else '?'}from=2026-03-05"
                                   "&to=2026-03-04", 422)
        assert response.json["fields"] == {"to": ["before from"]}


def test_cycle_times_as_csv_hold_the_json_figures(api, history):
    report = get(api, "mia", "/api/reports/cycle-times").json
    response = get(api, "mia", "/api/reports/cycle-times?format=csv")
    assert response.mimetype == "text/csv"
    assert 'filename="cycle-times.csv"' in response.headers["Content-Disposition"]
    rows = parse_csv(response)
    sections = ("stages", "approvals", "approval_roles", "quote_turnaround", "first_call_sla",
                "overdue_now")
    assert len(rows) == sum(len(report[s]) for s in sections)
    for row in rows:
        assert row["section"] in sections
    for section in sections:
        from_csv = [row for row in rows if row["section"] == section]
        expected = [{key: "" if value is None else str(value) for key, value in item.items()}
                    for item in report[section]]
        assert [{key: row[key] for key in item} for row, item in
                zip(from_csv, expected, strict=True)] == expected


# -- process nodes -----------------------------------------------------------------------------

def test_process_nodes_per_version_in_the_order_elements_first_appeared(api, history):
    report = get(api, "ana", "/api/reports/process-nodes?process_key=onboarding").json
    assert report["process_key"] == "onboarding"
    assert [(n["version"], n["element_id"], n["passed"], n["tasks"])
            for n in report["nodes"]] == [
        (1, "start", 2, 0), (1, "kickoff", 2, 2), (1, "end", 1, 0),
        (2, "start", 1, 0), (2, "review", 1, 1), (2, "end", 1, 0)]
    nodes = by(report["nodes"], "version", "element_id")
    kickoff = nodes[(1, "kickoff")]
    assert kickoff["name"] == "Kickoff" and kickoff["kind"] == "UserTask"
    # waiting 60 and 120 s: median 90, p90 60 + .9 x 60 = 114;
    # working 300 and 0 s: median 150, p90 0 + .9 x 300 = 270
    assert (kickoff["waiting_median_seconds"], kickoff["waiting_p90_seconds"]) == (90.0, 114.0)
    assert (kickoff["working_median_seconds"], kickoff["working_p90_seconds"]) == (150.0, 270.0)
    review = nodes[(2, "review")]
    assert (review["waiting_median_seconds"], review["working_p90_seconds"]) == (30.0, 60.0)
    assert nodes[(1, "start")]["waiting_median_seconds"] is None


def test_process_nodes_filters_and_scope(api, history):
    # a rep: the instances she worked on (I1, I3) and her own tasks
    nodes = get(api, "alice", "/api/reports/process-nodes?process_key=onboarding").json["nodes"]
    assert [(n["version"], n["element_id"], n["passed"], n["tasks"]) for n in nodes] == [
        (1, "start", 1, 0), (1, "kickoff", 1, 1), (1, "end", 1, 0),
        (2, "start", 1, 0), (2, "review", 1, 1), (2, "end", 1, 0)]
    kickoff = by(nodes, "version", "element_id")[(1, "kickoff")]
    assert (kickoff["waiting_median_seconds"], kickoff["working_median_seconds"]) == (60, 300)
    # nothing happened on 2026-03-03
    assert get(api, "mia", "/api/reports/process-nodes?process_key=onboarding&from=2026-03-03"
               ).json["nodes"] == []
    # the CSV holds the same rows
    json_nodes = get(api, "mia", "/api/reports/process-nodes?process_key=onboarding").json[
        "nodes"]
    rows = parse_csv(get(api, "mia", "/api/reports/process-nodes?process_key=onboarding"
                                     "&format=csv"))
    assert rows == [{k: "" if v is None else str(v) for k, v in n.items()} for n in json_nodes]


def test_process_nodes_needs_a_known_process_key(api, history):
    response = get(api, "mia", "/api/reports/process-nodes", 422)
    assert "process_key" in response.json["fields"]
    response = get(api, "mia", "/api/reports/process-nodes?process_key=nope", 404)
    assert "nope" in response.json["message"]


# -- the event log ----------------------------------------------------------------------------

COLUMNS = ["case:concept:name", "concept:name", "time:timestamp", "org:resource",
           "lifecycle:transition", "process_key", "process_version", "element_id",
           "business_key"]


def test_the_event_log_is_xes_style_csv_ordered_by_case_then_time(api, history):
    response = get(api, "ana", "/api/reports/events.csv?process_key=onboarding")
    assert response.mimetype == "text/csv" and response.is_streamed
    assert 'filename="events.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = parse_csv(response)
    i1, i2, i3 = (str(history[k]) for k in ("I1", "I2", "I3"))
    assert [(r["case:concept:name"], r["element_id"], r["org:resource"]) for r in rows] == [
        (i1, "start", "system"), (i1, "kickoff", "alice"), (i1, "end", "system"),
        (i2, "start", "system"), (i2, "kickoff", "bob"),
        (i3, "start", "system"), (i3, "review", "alice"), (i3, "end", "system")]
    assert rows[1] == {
        "case:concept:name": i1, "concept:name": "Kickoff",
        "time:timestamp": "2026-03-02T09:06:00+00:00", "org:resource": "alice",
        "lifecycle:transition": "complete", "process_key": "onboarding",
        "process_version": "1", "element_id": "kickoff", "business_key": "deal-1"}
    assert [r["process_version"] for r in rows] == ["1"] * 5 + ["2"] * 3


def test_the_event_log_matches_each_round_of_a_loop_to_its_own_completion(api, history):
    rows = parse_csv(get(api, "ana", "/api/reports/events.csv?process_key=rework"))
    assert [(r["element_id"], r["org:resource"], r["time:timestamp"]) for r in rows] == [
        ("start", "system", "2026-03-02T09:00:00+00:00"),
        ("check", "bob", "2026-03-02T09:00:50+00:00"),
        ("check", "alice", "2026-03-02T09:01:20+00:00")]


def test_the_event_log_filters_scope_and_process(api, history):
    everything = parse_csv(get(api, "ana", "/api/reports/events.csv"))
    assert len(everything) == 8 + 3  # onboarding and rework (the other cases have no events)
    cases = [int(r["case:concept:name"]) for r in everything]
    assert cases == sorted(cases)
    # bob worked on I2 and the rework: whole cases, others' steps included
    rows = parse_csv(get(api, "mia", "/api/reports/events.csv?owner=bob"))
    assert {r["case:concept:name"] for r in rows} == {str(history["I2"]),
                                                      str(history["rework"])}
    assert len(rows) == 2 + 3
    # events at or after 09:01:00 on 2026-03-02 only by day: a day filter keeps them all
    assert len(parse_csv(get(api, "ana", "/api/reports/events.csv?from=2026-03-02&to="
                                         "2026-03-02"))) == 11
    assert parse_csv(get(api, "ana", "/api/reports/events.csv?from=2026-03-03")) == []
    get(api, "ana", "/api/reports/events.csv?process_key=nope", 404)


def test_the_event_log_and_nodes_of_a_process_run_by_the_engine(api, app):
    """A real run: the approval is rejected, revised and approved; each step's resource is
    the person who completed that round's task."""
    api.deploy("bpmn/approval.bpmn", "forms/approval.json")
    started = api.as_("alice").start("approval", variables={"requester": "alice"})
    [review] = started["active_tasks"]
    api.advance_clock("PT2H")
    assert api.as_("sam").post(f"/api/tasks/{review['id']}/claim").status_code == 200
    api.advance_clock("PT1H")
    api.as_("sam").complete(review["id"], {"approved": False, "comment": "too much"})
    [revise] = api.as_("alice").get("/api/tasks?assignee=me").json["items"]
    api.as_("alice").complete(revise["id"], {})
    [review] = api.as_("sam").get("/api/tasks").json["items"]
    api.as_("sam").complete(review["id"], {"approved": True})

    rows = parse_csv(get(api, "mia", "/api/reports/events.csv?process_key=approval"))
    steps = [(r["element_id"], r["org:resource"]) for r in rows]
    assert steps[0] == ("start", "system") and steps[-1] == ("end", "system")
    assert [s for s in steps if s[1] != "system"] == [("review", "sam"), ("revise", "alice"),
                                                      ("review", "sam")]
    times = [datetime.fromisoformat(r["time:timestamp"]) for r in rows]
    assert times == sorted(times) and all(t.utcoffset() == timedelta(0) for t in times)

    nodes = by(get(api, "ana", "/api/reports/process-nodes?process_key=approval").json["nodes"],
               "element_id")
    assert nodes["review"]["passed"] == 1 and nodes["review"]["tasks"] == 2
    # mia's people are in the case (alice revised), sam's approvals are not hers to count
    mias = by(get(api, "mia", "/api/reports/process-nodes?process_key=approval").json["nodes"],
              "element_id")
    assert (mias["review"]["passed"], mias["review"]["tasks"]) == (1, 0)
    assert nodes["revise"]["tasks"] == 1
    # the first review waited 2 h for its claim and took 1 h; the second was done at once
    assert nodes["review"]["waiting_p90_seconds"] == pytest.approx(0.9 * 7200, abs=30)
    assert nodes["review"]["working_p90_seconds"] == pytest.approx(0.9 * 3600, abs=30)
