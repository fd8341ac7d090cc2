"""Fixtures: a fresh app and database per test, people with tokens, deployable diagrams.

The database is SQLite in a temporary folder unless DATABASE_URL names a PostgreSQL one
(CI runs the suite on both). The schema is built once per session through the Alembic
migrations; each test then gets a copy (SQLite) or emptied tables (PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sample_leads import capture_lead
from sqlalchemy import create_engine, text
from units import unit_of_work

from app import create_app
from app.migrate import upgrade
from app.models import Base

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """A migrated, empty database: a file to copy (SQLite) or the schema itself (PostgreSQL)."""
    if ON_POSTGRES:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


def reseed(connection) -> None:
    """Put back the rows the migrations seed (a fresh database has them; TRUNCATE took them)."""
    from app.models.deal import PipelineStage
    from app.services.pipeline import DEFAULT_STAGES

    connection.execute(PipelineStage.__table__.insert(), [
        {"key": key, "name_en": en, "name_zh": zh, "position": n, "probability": p,
         "is_won": key == "won", "is_lost": key == "lost"}
        for n, (key, en, zh, p) in enumerate(DEFAULT_STAGES)])


@pytest.fixture
def database_url(template_database, tmp_path):
    if ON_POSTGRES:
        engine = create_engine(POSTGRES_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            reseed(connection)
        engine.dispose()
        return POSTGRES_URL
    path = tmp_path / "crm.sqlite3"
    shutil.copyfile(template_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "TEST_CLOCK": True,
        "DEPLOY_ON_START": False,
        "INSTANCE_DIR": str(tmp_path),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "PDF_ENABLED": False,  # LibreOffice takes seconds: the document tests turn it on
    })
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        from app.services import teams, users

        users.ensure_demo_users()
        teams.ensure_demo_teams()
    yield app
    app.extensions["crm_db"].dispose()


@pytest.fixture
def work(app):
    """``with work() as session:`` a unit of work of its own, in the app context."""
    return lambda: unit_of_work(app)


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    """Tokens for the demo people: ``auth.headers('alice')``."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.client.post("/api/auth/token",
                                        json={"username": username, "password": "demo"})
            assert response.status_code == 200, response.json
            self.tokens[username] = response.json["token"]
        return self.tokens[username]

    def headers(self, username: str) -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"}


@pytest.fixture
def auth(client):
    return Auth(client)


class Api:
    """The JSON API as a person uses it: ``api.as_('alice').post('/api/...', json=...)``."""

    def __init__(self, client, auth: Auth, username: str | None = None):
        self.client, self.auth, self.username = client, auth, username

    def as_(self, username: str) -> Api:
        return Api(self.client, self.auth, username)

    def _headers(self) -> dict:
        return self.auth.headers(self.username) if self.username else {}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self._headers(), **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers=self._headers(), **kwargs)

    def patch(self, path: str, **kwargs):
        return self.client.patch(path, headers=self._headers(), **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(path, headers=self._headers(), **kwargs)

    def deploy(self, *names: str, expect: int = 201):
        """Deploy fixture files (tests/fixtures/...) by relative path, as the analyst."""
        files = [((FIXTURES / name).open("rb"), Path(name).name) for name in names]
        response = self.client.post("/api/deployments", data={"files": files},
                                    headers=self.auth.headers("ana"),
                                    content_type="multipart/form-data")
        assert response.status_code == expect, response.json
        return response

    def deploy_text(self, files: dict[str, str | bytes], expect: int | None = 201):
        """Deploy in-memory files {name: content}, as the analyst."""
        import io

        payload = [(io.BytesIO(c.encode() if isinstance(c, str) else c), n)
                   for n, c in files.items()]
        response = self.client.post("/api/deployments", data={"files": payload},
                                    headers=self.auth.headers("ana"),
                                    content_type="multipart/form-data")
        if expect is not None:
            assert response.status_code == expect, response.json
        return response

    def start(self, process_key: str, expect: int = 201, **body):
        response = self.post("/api/process-instances", json={"process_key": process_key, **body})
        assert response.status_code == expect, response.json
        return response.json

    def instance(self, instance_id: int) -> dict:
        response = self.get(f"/api/process-instances/{instance_id}")
        assert response.status_code == 200, response.json
        return response.json

    def complete(self, task_id: str, data: dict | None = None, expect: int = 200):
        response = self.post(f"/api/tasks/{task_id}/complete", json={"data": data or {}})
        assert response.status_code == expect, response.json
        return response.json

    def advance_clock(self, duration: str):
        response = self.as_("admin").post("/api/admin/clock", json={"advance": duration})
        assert response.status_code == 200, response.json
        return response.json

    def tick(self, app) -> int:
        from app.scheduler import tick

        return tick(app)


@pytest.fixture
def api(client, auth):
    return Api(client, auth)


# -- notifications: real local servers and the helpers that drive the outbox -----------------

@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on a local port; the app sends its email there."""
    from local_servers import SmtpServer

    server = SmtpServer().start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none",
                      SMTP_FROM="crm@example.com")
    yield server
    server.stop()


@pytest.fixture
def http_server():
    """A local HTTP server recording the JSON it receives (webhooks, SMS gateway)."""
    from local_servers import HttpServer

    server = HttpServer().start()
    yield server
    server.stop()


class Notices:
    """Drive and inspect notifications: ``notices.deliver()``, ``notices.outbox()``..."""

    def __init__(self, app):
        self.app = app
        self.db = app.extensions["crm_db"]

    def deliver(self) -> int:
        from app.services import outbox

        with self.app.app_context():
            return outbox.deliver_pending()

    def check_due(self) -> int:
        from app.services import notifications

        with self.app.app_context(), self.db.unit_of_work():
            return notifications.check_due_tasks()

    def outbox(self, channel: str | None = None) -> list[dict]:
        from sqlalchemy import select

        from app.models.notification import OutboxMessage

        with self.app.app_context(), self.db.unit_of_work(write=False) as session:
            stmt = select(OutboxMessage).order_by(OutboxMessage.id)
            if channel:
                stmt = stmt.where(OutboxMessage.channel == channel)
            return [{c.name: getattr(row, c.name) for c in OutboxMessage.__table__.columns}
                    for row in session.scalars(stmt)]

    def attempts(self, outbox_id: int) -> list[dict]:
        from sqlalchemy import select

        from app.models.notification import DeliveryAttempt

        with self.app.app_context(), self.db.unit_of_work(write=False) as session:
            rows = session.scalars(select(DeliveryAttempt).where(
                DeliveryAttempt.outbox_id == outbox_id).order_by(DeliveryAttempt.id))
            return [{"at": r.at, "ok": r.ok, "detail": r.detail} for r in rows]

    def inbox(self, username: str) -> list[dict]:
        from sqlalchemy import select

        from app.models.notification import Notification
        from app.models.user import User

        with self.app.app_context(), self.db.unit_of_work(write=False) as session:
            rows = session.scalars(select(Notification).join(User, User.id == Notification.user_id)
                                   .where(User.username == username).order_by(Notification.id))
            return [{"template": r.template, "title": r.title, "body": r.body,
                     "task_id": r.task_id, "instance_id": r.instance_id} for r in rows]

    def set_user(self, username: str, **values) -> None:
        from app.services import users

        with self.app.app_context(), self.db.unit_of_work():
            user = users.find(username)
            for name, value in values.items():
                setattr(user, name, value)

    def notify(self, *args, **kwargs) -> int:
        """Call the Python API in a unit of work of its own; returns the inbox rows made."""
        from app.services import notifications

        with self.app.app_context(), self.db.unit_of_work():
            return len(notifications.notify(*args, **kwargs))


@pytest.fixture
def notices(app):
    return Notices(app)


@pytest.fixture
def shipped(app):
    """The shipped processes, decisions, forms and document templates, deployed as `crm
    init-db` deploys them."""
    from app.services import deployments, doc_templates

    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        result = deployments.deploy_directories([ROOT / "bpmn", ROOT / "dmn"])
        doc_templates.deploy_directory(ROOT / "templates")
    assert result["warnings"] == []
    return result


@pytest.fixture
def alices_lead(api, shipped) -> dict:
    """alice's lead (the routing table's), with its First call in her inbox."""
    lead = capture_lead(api)
    assert lead["owner"] == "alice", lead
    return lead


@pytest.fixture
def acme_deal(api, app, shipped) -> dict:
    """alice's opportunity "ACME CRM roll-out" with her customer ACME Robotics, the shipped
    processes deployed and the demo catalogue loaded (as the approvals' stories need)."""
    from app.services import catalog

    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        catalog.seed_demo_catalog(session)
    customer = api.as_("alice").post("/api/customers", json={"name": "ACME Robotics"}).json
    response = api.as_("alice").post("/api/opportunities", json={
        "customer_id": customer["id"], "name": "ACME CRM roll-out"})
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def consulting(api, work) -> str:
    """The demo catalogue and a tax-free consulting day at 10,000.00 (services: the policy
    allows a standard customer 10 % off without approval), so that amounts come out round:
    ten days at 20 % off is the article's 80,000.00 quote with a special discount."""
    from app.services import catalog

    with work() as session:
        catalog.seed_demo_catalog(session)
    response = api.as_("admin").post("/api/products", json={
        "code": "CONSULT", "name_en": "Consulting day", "name_zh": "咨询（天）", "unit": "day",
        "product_line": "services", "list_price": "10000.00", "tax_rate": "0"})
    assert response.status_code == 201, response.json
    return "CONSULT"
