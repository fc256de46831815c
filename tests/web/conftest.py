"""Web fixtures: the app on a fresh database (SQLite, and PostgreSQL where marked), two teams."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nervecare.settings import Settings
from nervecare.store.service import Store, open_store
from tests.store.fixtures import clock, database_url, store
from tests.web.helpers import Seeded, seed_team

__all__ = ["app_store", "client", "clock", "database_url", "seeded", "sqlite_url", "store"]


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """Two seeded teams built once (migrations, Argon2 hashes and triage take a while)."""
    path = tmp_path_factory.mktemp("web-template") / "web.sqlite3"
    opened = open_store(f"sqlite:///{path}")
    try:
        seeded = {"a": seed_team(opened, suffix="a"), "b": seed_team(opened, suffix="b")}
    finally:
        opened.close()
    return path, seeded


@pytest.fixture
def sqlite_url(tmp_path: Path, _seeded_template: tuple[Path, Seeded]) -> str:
    """A fresh copy of the seeded database for this test alone."""
    template, _ = _seeded_template
    copy = tmp_path / "web.sqlite3"
    shutil.copyfile(template, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def seeded(_seeded_template: tuple[Path, Seeded]) -> Seeded:
    return _seeded_template[1]


@pytest.fixture
def app_store(sqlite_url: str) -> Iterator[Store]:
    opened = open_store(sqlite_url)
    try:
        yield opened
    finally:
        opened.close()


def make_client(url: str, **overrides: object) -> TestClient:
    from nervecare.web import create_app  # noqa: PLC0415

    values: dict[str, object] = {"environment": "development", **overrides}
    settings = Settings(database_url=url, **values)  # type: ignore[arg-type]
    return TestClient(create_app(settings), base_url="http://testserver")


@pytest.fixture
def client(sqlite_url: str, seeded: Seeded) -> Iterator[TestClient]:
    with make_client(sqlite_url) as test_client:
        yield test_client
