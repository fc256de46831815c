"""Storage fixtures (defined in tests/store/fixtures.py so the CLI and demo tests can use them)."""

from __future__ import annotations

from tests.store.fixtures import clock, database_url, store

__all__ = ["clock", "database_url", "store"]
