"""The database: engine set-up, and the unit of work every entry point runs in.

An entry point (a request, a scheduler job, a CLI command) opens one unit of work, calls
services, and commits once at the end. Services reach the open session with ``session()``;
outside a unit of work that raises, which keeps commits out of the lower layers.

SQLite serializes writers itself, but a plain ``BEGIN`` upgrades to a write lock only at the
first write, and two readers upgrading at once make one fail with "database is locked".
Units of work that intend to write start with ``BEGIN IMMEDIATE`` instead, so concurrent
writers queue (busy_timeout) rather than fail. On PostgreSQL, instances are locked row by row
with ``SELECT ... FOR UPDATE`` (see services/locking.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

_current: ContextVar[Session | None] = ContextVar("crm_session", default=None)
_write_intent: ContextVar[bool] = ContextVar("crm_write_intent", default=True)


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30,
                                                             "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def utc_sessions(connection, _record):
        """SQL that formats or truncates timestamps (the reports' months) answers as on
        SQLite, whatever the server's or the client's (PGTZ) time zone."""
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        connection.commit()

    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str, echo: bool = False):
        self.url = url
        self.engine = make_engine(url, echo)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        work = self.begin(write)
        try:
            yield work.session
        except BaseException:
            work.finish(success=False)
            raise
        work.finish(success=True)

    def begin(self, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.factory, write)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """An open session registered as the current one until ``finish``."""

    def __init__(self, factory: sessionmaker, write: bool):
        self.intent_token = _write_intent.set(write)
        self.session = factory()
        self.session_token = _current.set(self.session)

    def finish(self, success: bool) -> None:
        try:
            if success:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
            _current.reset(self.session_token)
            _write_intent.reset(self.intent_token)


def serialize(name: str) -> None:
    """Hold a database-wide lock named ``name`` until the unit of work ends.

    For work that reads, then writes, rows no one could lock beforehand (the next version
    number of a process key). PostgreSQL: a transaction-scoped advisory lock. SQLite: the
    unit of work already holds the database's write lock (BEGIN IMMEDIATE).
    """
    current = session()
    if current.get_bind().dialect.name == "postgresql":
        current.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def session() -> Session:
    """The session of the unit of work in progress."""
    current = _current.get()
    if current is None:
        raise RuntimeError("no unit of work is open: open one at the entry point")
    return current


def locked(model, row_id, label: str):
    """The row, read afresh and locked until the unit of work ends (``SELECT ... FOR
    UPDATE``; SQLite's writer lock already serializes); NotFound naming ``label`` if absent."""
    from sqlalchemy import select

    from .errors import NotFound

    row = session().scalar(select(model).where(model.id == row_id).with_for_update()
                           .execution_options(populate_existing=True))
    if row is None:
        raise NotFound(f"{label} {row_id} does not exist")
    return row
