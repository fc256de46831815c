"""Engines and session factories, made on demand for one database URL.

SQLite is made to behave like a careful server: foreign keys enforced, write-ahead logging so a
reader never blocks the writer, a busy timeout instead of an immediate "database is locked", and
every transaction started with BEGIN IMMEDIATE. The last one matters because every transaction in
nervecare writes (even a read writes its audit entry): a deferred transaction that reads first and
writes later fails at once with SQLITE_BUSY if another writer got in between, whereas an immediate
one waits its turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["SessionFactory", "create_store_engine", "make_session_factory", "normalise_url"]

SessionFactory = sessionmaker[Session]

_SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str | URL) -> URL:
    """Read `postgresql://` and `postgres://` as psycopg 3, the only PostgreSQL driver we ship."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
                # FULL: a committed check-in survives a power cut too; with WAL, NORMAL would
                # only promise that across application crashes.
                cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_store_engine(url: str | URL, **engine_options: Any) -> Engine:
    """An engine for the store; creates the folder of a SQLite file when it is missing."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **engine_options)
        _prepare_sqlite(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **engine_options)


def make_session_factory(engine: Engine) -> SessionFactory:
    """Sessions that keep loaded values after commit, so a service can return them."""
    return sessionmaker(engine, expire_on_commit=False)
