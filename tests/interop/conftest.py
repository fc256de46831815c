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
from tests.interop.validator import FhirValidator, ensure_validator
from tests.store.fixtures import clock, create_postgres_database, database_url, store

__all__ = [
    "clock",
    "database_url",
    "demo_store",
    "fhir_validator",
    "other_store",
    "sqlite_demo",
    "sqlite_other",
    "store",
]

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
    """The store with a small synthetic cohort: every trajectory class, red flags, medication
    and exercise (six patients keep the PostgreSQL runs quick)."""
    load_demo(store.sessions, patients=6, clock=lambda: TODAY)
    return store


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite demo store per module, for tests that only read it (and export from it)."""
    opened = open_store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}")
    load_demo(opened.sessions, patients=6, clock=lambda: TODAY)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_other(tmp_path: Path) -> Iterator[Store]:
    """An empty SQLite store, for refusals that must leave it empty."""
    opened = open_store(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def fhir_validator() -> FhirValidator:
    """The independent FHIR R4 validator (see tests/interop/validator.py)."""
    return ensure_validator()
