"""Report benchmark: a realistic history, then the time of every report, on SQLite and on
PostgreSQL.

The generator (seeded, so every run builds the same history) writes 100,000 leads with their
events and follow-up instances, 20,000 opportunities with stage changes, quotes, documents and
contracts, and 1,000,000 human-task rows with their instance events, in batches through the
models' tables. Then each report of app/services/reports/ runs as an admin would ask for it
(all time, and the last quarter) and its time is printed.

    .venv/bin/python bench/report_bench.py [--leads 100000] [--opportunities 20000]
        [--tasks 1000000] [--db sqlite,postgres] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402

from app import create_app  # noqa: E402
from app.models.customer import Account, Opportunity  # noqa: E402
from app.models.deal import Contract, Quote, StageChange  # noqa: E402
from app.models.definition import ProcessDefinition  # noqa: E402
from app.models.document import Document  # noqa: E402
from app.models.instance import InstanceEvent, ProcessInstance  # noqa: E402
from app.models.lead import Lead, LeadEvent  # noqa: E402
from app.models.task import HumanTask  # noqa: E402

PG_DB = "crm_report_bench"
BATCH = 5000
START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 690
REPS = {"alice": "shanghai_a", "bob": "shanghai_a", "carol": "product_experts",
        "dave": "product_experts"}
CHANNELS = ("web_form", "api", "webhook:dingtalk", "webhook:wecom", "trade_show")
PRODUCTS = ("crm_solution", "erp", "analytics", "other")
CAMPAIGNS = ("spring_expo", "website", "partner", None)
STAGES = ("initial_contact", "solution_demo", "business_negotiation")


def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        path = workdir / "reports.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DB}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"


class Writer:
    """Batched inserts of plain dicts, one transaction per batch."""

    def __init__(self, engine):
        self.engine = engine
        self.pending: dict = {}
        self.counts: dict[str, int] = {}

    def add(self, table, row: dict) -> None:
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()  # every table, in the order they were first used: parents first

    def flush(self) -> None:
        for name in list(self.pending):
            rows = self.pending.get(name) or []
            if rows:
                with self.engine.begin() as connection:
                    connection.execute(insert(name), rows)
                self.counts[name.name] = self.counts.get(name.name, 0) + len(rows)
                self.pending[name] = []


def generate(app, leads: int, opportunities: int, tasks: int, seed: int = 7) -> dict:
    """The history; returns how many rows each table got."""
    rng = random.Random(seed)
    engine = app.extensions["crm_db"].engine
    with engine.connect() as connection:
        definitions = {row.key: row.id for row in connection.execute(
            select(ProcessDefinition.key, ProcessDefinition.id))}
    out = Writer(engine)
    lead_t, event_t = Lead.__table__, LeadEvent.__table__
    inst_t, task_t = ProcessInstance.__table__, HumanTask.__table__
    ievent_t = InstanceEvent.__table__
    tasks_per_lead = max(1, tasks // leads)
    converted = set(rng.sample(range(1, leads + 1), min(opportunities, leads)))
    called_at: dict[int, datetime] = {}
    instance_id = 0
    for lead_id in range(1, leads + 1):
        created = START + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        owner = rng.choice(list(REPS))
        assigned = created + timedelta(minutes=rng.randrange(1, 120))
        called = assigned + timedelta(minutes=rng.randrange(10, 60 * 40))
        intent = "high" if lead_id in converted else rng.choice(("nurture", "invalid",
                                                                 "nurture", "high"))
        if lead_id in converted:
            called_at[lead_id] = called
        out.add(lead_t, {
            "id": lead_id, "status": "converted" if lead_id in converted else "contacted",
            "name": f"Lead {lead_id}", "company": f"Company {lead_id}",
            "source": rng.choice(CHANNELS), "product_interest": rng.choice(PRODUCTS),
            "campaign": rng.choice(CAMPAIGNS), "custom": {}, "routing": {}, "owner": owner,
            "team": REPS[owner], "created_at": created, "updated_at": called,
            "assigned_at": assigned})
        for kind, at, data in (("created", created, {}), ("assigned", assigned,
                                                           {"owner": owner}),
                               ("called", called, {"intent": intent})):
            out.add(event_t, {"lead_id": lead_id, "kind": kind, "at": at, "data": data,
                              "by": owner if kind == "called" else None})
        instance_id += 1
        out.add(inst_t, {"id": instance_id, "definition_id": definitions["lead_followup"],
                         "process_key": "lead_followup", "business_key": f"lead:{lead_id}",
                         "status": "completed", "state": "{}", "variables": {},
                         "started_at": assigned, "updated_at": called, "ended_at": called})
        moment = assigned
        for number in range(tasks_per_lead):
            element = "first_call" if number == 0 else "recontact"
            claimed = moment + timedelta(minutes=rng.randrange(5, 60 * 30))
            done = claimed + timedelta(minutes=rng.randrange(2, 90))
            out.add(task_t, {
                "id": str(uuid.UUID(int=rng.getrandbits(128))), "instance_id": instance_id,
                "process_key": "lead_followup", "definition_id": definitions["lead_followup"],
                "element_id": element, "name": element.replace("_", " ").title(),
                "kind": "user", "assignee": owner, "status": "completed",
                "due_at": moment + timedelta(hours=24), "loop": {}, "created_at": moment,
                "claimed_at": claimed, "completed_at": done, "completed_by": owner})
            out.add(ievent_t, {"instance_id": instance_id, "element_id": element,
                               "name": element, "kind": "UserTask", "at": done})
            moment = done + timedelta(days=rng.randrange(1, 30))
    out.flush()
    _deals(out, rng, called_at, definitions, instance_id)
    out.flush()
    with engine.begin() as connection:  # the converted leads point at their deals
        connection.execute(update(Lead).values(opportunity_id=select(Opportunity.id).where(
            Opportunity.lead_id == Lead.id).scalar_subquery()).where(
            Lead.status == "converted"))
    return out.counts


def _deals(out: Writer, rng: random.Random, called_at: dict[int, datetime],
           definitions: dict, instance_id: int) -> None:
    """A deal for each converted lead, opened within two weeks of the lead's first call."""
    account_t, opp_t = Account.__table__, Opportunity.__table__
    change_t, quote_t = StageChange.__table__, Quote.__table__
    doc_t, contract_t = Document.__table__, Contract.__table__
    task_t, inst_t = HumanTask.__table__, ProcessInstance.__table__
    for number, lead_id in enumerate(sorted(called_at), start=1):
        owner = rng.choice(list(REPS))
        opened = called_at[lead_id] + timedelta(minutes=rng.randrange(60, 14 * 24 * 60))
        amount = Decimal(rng.randrange(10_000, 500_000)).quantize(Decimal("0.01"))
        out.add(account_t, {"id": number, "name": f"Company {lead_id}",
                            "name_normalized": f"company {lead_id}", "owner": owner,
                            "team": REPS[owner], "tier": "standard", "created_at": opened,
                            "updated_at": opened})
        reached = rng.choices((1, 2, 3), weights=(3, 3, 4))[0]
        outcome = rng.choices(("won", "lost", None), weights=(4, 3, 3))[0] if reached == 3 \
            else rng.choices(("lost", None), weights=(1, 1))[0]
        stage, moment, previous = STAGES[0], opened, None
        changes = []
        for stage in STAGES[:reached]:
            changes.append((previous, stage, moment))
            previous, moment = stage, moment + timedelta(days=rng.randrange(2, 40))
        if outcome:
            changes.append((previous, outcome, moment))
            stage = outcome
        out.add(opp_t, {
            "id": number, "account_id": number, "lead_id": lead_id, "name": f"Deal {number}",
            "amount": amount, "currency": "CNY", "stage": stage, "owner": owner,
            "team": REPS[owner], "products_of_interest": [], "kind": "new",
            "expected_close_date": (opened + timedelta(days=rng.randrange(30, 240))).date(),
            "stage_changed_at": changes[-1][2], "closed_at": moment if outcome else None,
            "created_at": opened, "updated_at": moment})
        for before, after, at in changes:
            out.add(change_t, {"opportunity_id": number, "from_stage": before,
                               "to_stage": after, "changed_by": owner, "changed_at": at})
        if reached == 3:
            quoted = changes[2][2] + timedelta(hours=rng.randrange(1, 72))
            out.add(quote_t, {
                "id": number, "opportunity_id": number, "version": 1, "status": "sent",
                "currency": "CNY", "subtotal": amount, "discount_total": Decimal("0.00"),
                "net_total": amount, "tax_total": Decimal("0.00"), "grand_total": amount,
                "special_discount": False, "policy": [], "created_at": quoted,
                "updated_at": quoted})
            out.add(doc_t, {"kind": "quote", "record_type": "quote", "record_id": number,
                            "opportunity_id": number, "account_id": number,
                            "title": f"Q-{number}", "pdf_status": "none", "pdf_attempts": 0,
                            "created_at": quoted + timedelta(minutes=rng.randrange(1, 600))})
        if outcome == "won":
            instance_id += 1
            asked = moment - timedelta(days=3)
            out.add(inst_t, {"id": instance_id,
                             "definition_id": definitions["contract_approval"],
                             "process_key": "contract_approval",
                             "business_key": f"contract:{number}", "status": "completed",
                             "state": "{}", "variables": {}, "started_at": asked,
                             "updated_at": moment, "ended_at": moment})
            out.add(contract_t, {
                "id": number, "number": f"HT{asked.year}-{number:05d}",
                "opportunity_id": number, "account_id": number, "owner": owner,
                "amount": amount, "currency": "CNY", "special_discount": False,
                "status": "signed", "round": 1, "approvers": ["sales_director"],
                "instance_id": instance_id, "signed_at": moment, "created_at": asked,
                "updated_at": moment})
            done = asked + timedelta(hours=rng.randrange(1, 60))
            out.add(task_t, {
                "id": str(uuid.UUID(int=rng.getrandbits(128))), "instance_id": instance_id,
                "process_key": "contract_approval",
                "definition_id": definitions["contract_approval"],
                "element_id": "sales_director_approval", "name": "Approve",
                "kind": "user", "assignee": "sam", "status": "completed", "loop": {},
                "created_at": asked, "claimed_at": done, "completed_at": done,
                "completed_by": "sam", "data": {"decision": "approve"}})


def run_reports(app, repeat: int) -> list[tuple[str, float]]:
    from app.models.user import User
    from app.services.reports import process, sales
    from app.services.reports.common import filters_for

    figures = []
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        quarter = {"date_from": date(2026, 8, 1), "date_to": date(2026, 10, 31)}
        cases = [
            ("funnel", lambda f: sales.funnel(f)),
            ("forecast", lambda f: sales.forecast(f)),
            ("leaderboard", lambda f: sales.leaderboard(f)),
            ("attribution by channel", lambda f: sales.attribution(f, "channel")),
            ("attribution by product", lambda f: sales.attribution(f, "product")),
            ("cycle-times", lambda f: process.cycle_times(f)),
            ("process-nodes lead_followup", lambda f: process.process_nodes(
                f, "lead_followup")),
        ]
        for label, report in cases:
            for period, args in (("all time", {}), ("a quarter", quarter)):
                f = filters_for(admin, args)
                times = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    report(f)
                    times.append(time.perf_counter() - start)
                figures.append((f"{label}, {period}", statistics.median(times)))
        f = filters_for(admin, {})
        start = time.perf_counter()
        rows = sum(chunk.count("\n") for chunk in process.event_log(f, "lead_followup")) - 1
        figures.append((f"events.csv lead_followup, all time ({rows:,} lines)",
                        time.perf_counter() - start))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--opportunities", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workdir = ROOT / "bench" / "out"
    workdir.mkdir(parents=True, exist_ok=True)
    for kind in args.db.split(","):
        url = database_url(kind, workdir)
        app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(workdir), "DEMO": True,
                          "SECRET_KEY": "bench", "PDF_ENABLED": False})
        from app.cli import init_database

        with app.app_context():
            init_database(app, demo=True)
        start = time.perf_counter()
        counts = generate(app, args.leads, args.opportunities, args.tasks)
        print(f"\n{kind}: generated in {time.perf_counter() - start:.0f} s: " + ", ".join(
            f"{name} {count:,}" for name, count in sorted(counts.items())))
        for label, seconds in run_reports(app, args.repeat):
            print(f"  {label:<55} {seconds * 1000:9.1f} ms")
        app.extensions["crm_db"].dispose()


if __name__ == "__main__":
    main()
