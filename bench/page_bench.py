"""Page benchmark: the server-rendered pages on a realistic volume, on SQLite and PostgreSQL.

For each database this builds a fresh schema with the demo users and teams, then a seeded
history through the models' tables (leads with their events, customers with contacts, open and
closed opportunities with their stage changes, finished follow-up instances with their tasks,
and one customer of alice's with a long timeline) and, through the services, what a running
system has open: alice's lead follow-ups (a real first-call task each, with its timers and
notices) and contracts waiting for sam's approval. Then each page is asked for by the person
who works in it, with the Flask test client signed in through POST /login: once to warm up,
then ``--repeat`` times, and the p50 / p95 latency, the response size and the number of SQL
statements per request (counted on the engine) are printed. Every response must be a 200.

    .venv/bin/python bench/page_bench.py [--scale 1] [--repeat 20] [--db sqlite,postgres]

At --scale 1: 2,000 leads, 500 customers (one with a timeline of 50 interactions), 1,000
open and 500 closed opportunities, 300 open tasks for alice, 40 contracts in approval and
2,000 finished follow-up instances. A statement count that grows with --scale is an N+1.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.models.customer import Account, Contact, Interaction, Opportunity  # noqa: E402
from app.models.deal import StageChange  # noqa: E402
from app.models.definition import ProcessDefinition  # noqa: E402
from app.models.instance import InstanceEvent, ProcessInstance  # noqa: E402
from app.models.lead import Lead, LeadEvent  # noqa: E402
from app.models.task import HumanTask  # noqa: E402

PG_ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"
PG_DB = "page_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
BATCH = 2000
REPS = {"alice": "shanghai_a", "bob": "shanghai_a", "carol": "product_experts",
        "dave": "product_experts"}
CHANNELS = ("web_form", "api", "webhook:dingtalk", "webhook:wecom", "trade_show")
PRODUCTS = ("crm_solution", "erp", "analytics", "other")
OPEN_STAGES = ("initial_contact", "solution_demo", "business_negotiation")
REGIONS = ("east_china", "north_china", "south_china")
INDUSTRIES = ("manufacturing", "retail", "finance", "technology")
KINDS = ("call", "email", "meeting", "note")


# -- the data ---------------------------------------------------------------------------------

class Writer:
    """Batched inserts of plain dicts, parents first (tables flushed in first-use order)."""

    def __init__(self, engine):
        self.engine = engine
        self.pending: dict = {}
        self.counts: Counter = Counter()

    def add(self, table, row: dict) -> None:
        """Every row of a table must name the same columns (one executemany a batch)."""
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.pending.items():
            if rows:
                with self.engine.begin() as connection:
                    connection.execute(insert(table), rows)
                self.counts[table.name] += len(rows)
        self.pending = {table: [] for table in self.pending}


def sizes(scale: float) -> dict[str, int]:
    def n(full: int, least: int = 5) -> int:
        return max(least, round(full * scale))
    return {"leads": n(2000, 40), "accounts": n(500, 10), "open_deals": n(1000, 20),
            "closed_deals": n(500, 10), "alice_tasks": n(300, 10), "approvals": n(40, 3),
            "finished": n(2000, 20), "interactions": n(50, 10)}


def generate(app, size: dict[str, int], seed: int = 11) -> dict:
    """The history in bulk, then alice's follow-ups and the contracts through the services.
    Returns the ids the pages are asked about, and the row counts."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    engine = app.extensions["crm_db"].engine
    with engine.connect() as connection:
        definitions = dict(connection.execute(  # the latest version of each process
            select(ProcessDefinition.key, func.max(ProcessDefinition.id))
            .group_by(ProcessDefinition.key)).all())
    out = Writer(engine)

    def ago(days_max: float, days_min: float = 0) -> datetime:
        return now - timedelta(minutes=rng.randrange(int(days_min * 1440),
                                                     int(days_max * 1440) + 1))

    # customers (1 = alice's big customer), a contact each
    big = 1
    for account_id in range(1, size["accounts"] + 1):
        owner = "alice" if account_id == big else rng.choice(list(REPS))
        created = ago(300, 100)
        name = f"Customer {account_id:05d} Co., Ltd."
        out.add(Account.__table__, {
            "id": account_id, "name": name, "name_normalized": name.lower(), "owner": owner,
            "team": REPS[owner], "tier": "standard", "industry": rng.choice(INDUSTRIES),
            "region": rng.choice(REGIONS), "created_by": owner, "created_at": created,
            "updated_at": created})
        for number in range(3 if account_id == big else 1):
            out.add(Contact.__table__, {
                "account_id": account_id, "name": f"Contact {account_id}-{number}",
                "title": "Purchasing", "phone": f"138{account_id:04d}{number:04d}",
                "email": f"c{account_id}.{number}@example.com", "created_at": created,
                "updated_at": created})
    # leads: alice's first ones are assigned (their follow-ups are started below); a tenth
    # in the pool; some converted into the customers
    alice_assigned: list[int] = []
    for lead_id in range(1, size["leads"] + 1):
        created = ago(180)
        if len(alice_assigned) < size["alice_tasks"] and lead_id % 2 == 1:
            owner, status = "alice", "assigned"
            created = ago(2)
            alice_assigned.append(lead_id)
        elif lead_id % 10 == 0:
            owner, status = None, "pool"
        else:
            owner = rng.choice(list(REPS))
            status = rng.choice(("contacted", "qualified", "nurture", "closed", "contacted"))
        account_id = None
        if lead_id == 2:
            owner, status, account_id = "alice", "converted", big
        elif status == "qualified" and rng.random() < 0.5:
            status, account_id = "converted", rng.randrange(2, size["accounts"] + 1)
        assigned = created + timedelta(minutes=rng.randrange(1, 60)) if owner else None
        out.add(Lead.__table__, {
            "id": lead_id, "status": status, "name": f"Lead {lead_id}",
            "company": f"Company {lead_id}", "phone": f"139{lead_id:08d}",
            "source": rng.choice(CHANNELS), "product_interest": rng.choice(PRODUCTS),
            "region": rng.choice(REGIONS), "industry": rng.choice(INDUSTRIES), "custom": {},
            "routing": {"team": REPS.get(owner)} if owner else {}, "owner": owner,
            "team": REPS.get(owner), "created_at": created, "updated_at": assigned or created,
            "assigned_at": assigned, "account_id": account_id})
        out.add(LeadEvent.__table__, {"lead_id": lead_id, "kind": "created", "by": None,
                                      "at": created, "data": {}})
        if owner:
            out.add(LeadEvent.__table__, {"lead_id": lead_id, "kind": "assigned", "by": None,
                                          "at": assigned, "data": {"owner": owner}})
        if status not in ("assigned", "pool"):
            out.add(LeadEvent.__table__, {"lead_id": lead_id, "kind": "called", "by": owner,
                                          "at": assigned + timedelta(hours=5),
                                          "data": {"intent": "high"}})
    # opportunities: open over the stages, and closed ones; the big customer has five
    for number, deal_id in enumerate(range(1, size["open_deals"] + size["closed_deals"] + 1)):
        account_id = big if deal_id <= 5 else rng.randrange(1, size["accounts"] + 1)
        owner = "alice" if deal_id <= 5 + size["approvals"] else rng.choice(list(REPS))
        opened = ago(200, 5)
        reached = rng.randrange(1, 4)
        outcome = None if number < size["open_deals"] else rng.choice(("won", "lost"))
        changes, previous, moment = [], None, opened
        for stage in OPEN_STAGES[:reached]:
            changes.append((previous, stage, moment))
            previous, moment = stage, moment + timedelta(days=rng.randrange(1, 10))
        if outcome:
            changes.append((previous, outcome, min(moment, now)))
        amount = Decimal(rng.randrange(5_000, 120_000))
        out.add(Opportunity.__table__, {
            "id": deal_id, "account_id": account_id, "name": f"Deal {deal_id}",
            "amount": amount, "currency": "CNY", "stage": changes[-1][1], "owner": owner,
            "team": REPS[owner], "products_of_interest": [rng.choice(PRODUCTS)],
            "kind": "new", "expected_close_date": (now + timedelta(
                days=rng.randrange(-30, 150))).date(),
            "stage_changed_at": changes[-1][2], "closed_at": changes[-1][2] if outcome
            else None, "created_by": owner, "created_at": opened, "updated_at": changes[-1][2]})
        for before, after, at in changes:
            out.add(StageChange.__table__, {"opportunity_id": deal_id, "from_stage": before,
                                            "to_stage": after, "changed_by": owner,
                                            "changed_at": at})
    # the big customer's interactions; a few for the others
    for number in range(size["interactions"]):
        at = ago(120)
        kind = KINDS[number % len(KINDS)]
        out.add(Interaction.__table__, {
            "kind": kind, "account_id": big, "subject": f"{kind} #{number}",
            "body": "Talked about the rollout plan and the next steps.\nSecond line.",
            "data": {"outcome": "reached", "duration_minutes": 12} if kind == "call" else {},
            "occurred_at": at, "by": "alice", "created_at": at, "updated_at": at})
    for account_id in range(2, size["accounts"] + 1, 3):
        at = ago(120)
        out.add(Interaction.__table__, {
            "kind": "note", "account_id": account_id, "subject": "Visit", "body": None,
            "data": {}, "occurred_at": at, "by": None, "created_at": at, "updated_at": at})
    out.flush()
    # finished follow-ups of the older leads (lead 2, the big customer's, is one of them)
    task_t, event_t = HumanTask.__table__, InstanceEvent.__table__
    finished_leads = [2] + [lead for lead in range(3, size["leads"] + 1)
                            if lead not in set(alice_assigned)][:size["finished"] - 1]
    for instance_id, lead_id in enumerate(finished_leads, start=1):
        started = ago(170, 3)
        owner = "alice" if lead_id == 2 else rng.choice(list(REPS))
        done = started + timedelta(hours=rng.randrange(1, 30))
        out.add(ProcessInstance.__table__, {
            "id": instance_id, "definition_id": definitions["lead_followup"],
            "process_key": "lead_followup", "business_key": f"lead:{lead_id}",
            "status": "completed", "state": "{}",
            "variables": {"lead_id": lead_id, "owner": owner, "manager": "mia",
                          "intent": "high"},
            "started_at": started, "updated_at": done, "ended_at": done})
        out.add(task_t, {
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "instance_id": instance_id,
            "process_key": "lead_followup", "definition_id": definitions["lead_followup"],
            "element_id": "first_call", "name": "First call", "kind": "user",
            "assignee": owner, "status": "completed", "due_at": started + timedelta(hours=24),
            "loop": {}, "created_at": started, "claimed_at": done, "completed_at": done,
            "completed_by": owner, "data": {"intent": "high", "notes": "ok"}})
        for element, name, kind, at in (
                ("start", None, "StartEvent", started), ("first_call", "First call",
                                                         "UserTask", done),
                ("record_call", "Record the call", "ServiceTask", done),
                ("end", None, "EndEvent", done)):
            out.add(event_t, {"instance_id": instance_id, "element_id": element,
                              "name": name, "kind": kind, "at": at})
    out.flush()
    if engine.dialect.name == "postgresql":  # the services insert next: the sequences go on
        with engine.begin() as connection:
            for table in (Account, Contact, Lead, LeadEvent, Opportunity, StageChange,
                          Interaction, ProcessInstance, InstanceEvent):
                name = table.__tablename__
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {name}), 1))"))
    return {"counts": dict(out.counts), **_live(app, alice_assigned, size, rng), "big": big,
            "lead": alice_assigned[0]}


def _live(app, alice_leads: list[int], size: dict, rng: random.Random) -> dict:
    """Through the services: a follow-up (first-call task) per assigned lead of alice's and
    contracts of hers in approval (a sales-director step first)."""
    from app.models.user import User
    from app.services import contracts, leads

    db = app.extensions["crm_db"]
    with app.app_context(), app.test_request_context():
        with db.unit_of_work() as session:
            for lead_id in alice_leads:
                leads.start_followup(session.get(Lead, lead_id))
        with db.unit_of_work() as session:
            alice = session.scalar(select(User).where(User.username == "alice"))
            contract_ids = []
            for deal_id in range(6, 6 + size["approvals"]):
                opportunity = session.get(Opportunity, deal_id)
                if opportunity.stage in ("won", "lost"):
                    continue
                amount = str(rng.choice((18_000, 36_000, 80_000)))
                contract_ids.append(contracts.create(deal_id, alice, {"amount": amount}).id)
        with db.unit_of_work() as session:
            task = session.scalar(select(HumanTask).where(
                HumanTask.assignee == "alice", HumanTask.status == "open").limit(1))
            approval = session.scalar(select(HumanTask).where(
                HumanTask.process_key == "contract_approval", HumanTask.status == "open")
                .order_by(HumanTask.created_at).limit(1))
            running = session.scalar(select(ProcessInstance.id).where(
                ProcessInstance.process_key == "lead_followup",
                ProcessInstance.status != "completed").limit(1))
    return {"task": task.id, "approval": approval.id if approval else None,
            "instance": running, "contracts": len(contract_ids)}


# -- the pages --------------------------------------------------------------------------------

def pages(ids: dict) -> list[tuple[str, str, str]]:
    """(person, path, label): each page as the person who works in it asks for it."""
    shown = {f"/tasks/{ids['task']}": "/tasks/<alice's>",
             f"/approvals/{ids['approval']}": "/approvals/<oldest>"}
    return [(person, path, f"{shown.get(path, path)} ({person})") for person, path in [
        ("alice", "/inbox"),
        ("mia", "/inbox"),
        ("alice", f"/tasks/{ids['task']}"),
        ("alice", "/notifications"),
        ("alice", "/leads"),
        ("mia", "/leads"),
        ("sam", "/leads"),
        ("alice", "/leads/pool"),
        ("alice", f"/leads/{ids['lead']}"),
        ("alice", "/customers"),
        ("alice", f"/customers/{ids['big']}"),
        ("alice", "/pipeline"),
        ("mia", "/pipeline"),
        ("sam", "/pipeline"),
        ("alice", "/opportunities/6"),
        ("sam", "/approvals"),
        ("mia", "/approvals"),
        ("sam", f"/approvals/{ids['approval']}"),
        ("mia", "/instances"),
        ("ana", "/instances"),
        ("mia", f"/instances/{ids['instance']}"),
        ("ana", "/dashboards"),
        ("mia", "/dashboards"),
        ("alice", "/dashboards"),
        ("ana", "/workspace"),
    ]]


class StatementCounter:
    """Every statement the engine sends, for the request in progress."""

    def __init__(self, engine):
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        self.statements.append(statement)

    def most_repeated(self) -> tuple[int, str]:
        if not self.statements:
            return 0, ""
        statement, count = Counter(self.statements).most_common(1)[0]
        return count, re.sub(r"\s+", " ", statement)


def signed_in(app, username: str):
    """A browser's sign-in: the login page (which hands out the CSRF token), then its form."""
    client = app.test_client()
    client.get("/login", headers={"Accept": "text/html"})
    with client.session_transaction() as session:
        token = session.get("csrf", "")
    response = client.post("/login", data={"username": username, "password": "demo",
                                           "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"signing in as {username} gave {response.status_code}")
    return client


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_pages(app, ids: dict, repeat: int) -> list[dict]:
    counter = StatementCounter(app.extensions["crm_db"].engine)
    clients: dict = {}
    results = []
    for username, path, label in pages(ids):
        client = clients.get(username) or clients.setdefault(username,
                                                             signed_in(app, username))
        times = []
        for attempt in range(repeat + 1):  # the first one warms up (templates, caches)
            counter.statements.clear()
            started = time.perf_counter()
            response = client.get(path, headers={"Accept": "text/html"})
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                break
            if attempt:
                times.append(elapsed)
        if response.status_code != 200:
            results.append({"page": label, "status": response.status_code})
            continue
        repeated, statement = counter.most_repeated()
        results.append({"page": label, "status": 200, "p50": percentile(times, 0.5),
                        "p95": percentile(times, 0.95), "size": len(response.data),
                        "statements": len(counter.statements), "repeated": repeated,
                        "statement": statement})
    return results


# -- the run ----------------------------------------------------------------------------------

def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'pages.sqlite3'}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DB}")
    return PG_URL


def drop_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def run(kind: str, scale: float, repeat: int, failed: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="page_bench_") as workdir:
        url = database_url(kind, Path(workdir))
        app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": workdir, "DEMO": True,
                          "SECRET_KEY": "bench", "PDF_ENABLED": False})
        logging.getLogger("alembic").setLevel(logging.WARNING)
        from app.cli import init_database

        try:
            with app.app_context(), contextlib.redirect_stdout(io.StringIO()):
                init_database(app, demo=True)  # the demo users and teams, and bpmn/, dmn/
            size = sizes(scale)
            started = time.perf_counter()
            ids = generate(app, size)
            if kind == "postgres":  # what autovacuum does soon after a bulk load
                with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
                    session.execute(text("ANALYZE"))
            print(f"\n{kind}, scale {scale}: built in {time.perf_counter() - started:.0f} s: "
                  + ", ".join(f"{name} {count:,}" for name, count in
                              sorted(ids["counts"].items()))
                  + f"; alice's follow-ups {size['alice_tasks']}, contracts in approval "
                  f"{ids['contracts']}")
            print(f"  {'page':<42} {'p50 ms':>8} {'p95 ms':>8} {'KB':>7} {'SQL':>5}  "
                  "most repeated statement")
            for row in time_pages(app, ids, repeat):
                if row["status"] != 200:
                    failed.append(f"{kind}: GET {row['page']} answered {row['status']}")
                    print(f"  {row['page']:<42} FAILED: {row['status']}")
                    continue
                print(f"  {row['page']:<42} {row['p50'] * 1000:8.1f} {row['p95'] * 1000:8.1f} "
                      f"{row['size'] / 1024:7.1f} {row['statements']:5d}  "
                      + (f"{row['repeated']}x {row['statement'][:100]}"
                         if row["repeated"] > 1 else ""))
        finally:
            app.extensions["crm_db"].dispose()
            if kind == "postgres":
                drop_postgres()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="the data volume; 1: 2,000 leads, 300 open tasks for alice...")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()
    failed: list[str] = []  # every page is still timed; a page that is not a 200 fails the run
    for kind in args.db.split(","):
        run(kind, args.scale, args.repeat, failed)
    if failed:
        raise SystemExit("pages that did not answer 200 (see the log above):\n  "
                         + "\n  ".join(failed))


if __name__ == "__main__":
    main()
