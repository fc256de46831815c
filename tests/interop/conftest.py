"""Interop fixtures: the shared database fixtures, a second empty database of the same kind for
round trips, and a small stored demo cohort."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from nervecare.demo.load import load_demo
from nervecare.store.service import Store, open_store
from tests.store.fixtures import clock, create_postgres_database, database_url, store

__all__ = ["clock", "database_url", "demo_store", "other_store", "store"]

#: The day the demo cohort is generated for, and the export assesses on.
TODAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def other_store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """A second, empty database of the same kind as `database_url`."""
    if make_url(database_url).get_backend_name() == "postgresql":
        url, drop = create_postgres_database()
    else:
        url, drop = f"sqlite:///{tmp_path / 'other.sqlite3'}", (lambda: None)
    opened = open_store(url)
    try:
        yield opened
    finally:
        opened.close()
        drop()


@pytest.fixture
def demo_store(store: Store) -> Store:
    """The store with a small synthetic cohort (one patient per trajectory class and more)."""
    load_demo(store.sessions, patients=10, clock=lambda: TODAY)
    return store
