"""Database fixtures, shared by the storage, CLI and demo tests: a fresh database per test, on
SQLite and (when configured) PostgreSQL.

PostgreSQL tests need NERVECARE_TEST_DATABASE_URL, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test; each test gets its own database created
through that server and dropped afterwards, so tests never share state.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nervecare.store.engine import normalise_url
from nervecare.store.service import Store, open_store
from tests.store.factories import TickingClock

__all__ = ["clock", "database_url", "postgres_only", "store"]

TEST_DATABASE_ENV = "NERVECARE_TEST_DATABASE_URL"


def postgres_admin_url() -> str:
    url = os.environ.get(TEST_DATABASE_ENV)
    if not url:
        pytest.skip(
            f"{TEST_DATABASE_ENV} is not set: PostgreSQL storage tests skipped "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    return url


def create_postgres_database() -> tuple[str, Callable[[], None]]:
    """A new, empty database on the test server, and the function that drops it."""
    admin_url = normalise_url(postgres_admin_url())
    name = f"nervecare_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """The URL of an empty database of each kind, gone after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    url, drop = create_postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


def postgres_only(database_url: str) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only")
