"""Where the store lives and how its connections behave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest
from sqlalchemy import text

from nervecare.settings import get_settings
from nervecare.store.engine import create_store_engine, normalise_url


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("NERVECARE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_default_store_is_sqlite_in_the_user_data_folder():
    """Without configuration, the store is one SQLite file in the user's data folder."""
    url = get_settings().database_url
    folder = Path(platformdirs.user_data_dir("nervecare", appauthor=False))
    assert url == f"sqlite:///{folder / 'nervecare.sqlite3'}"


@pytest.mark.usefixtures("fresh_settings")
def test_environment_variable_chooses_the_database(monkeypatch: pytest.MonkeyPatch):
    """NERVECARE_DATABASE_URL points nervecare at another database."""
    monkeypatch.setenv("NERVECARE_DATABASE_URL", "postgresql://u@db.example/nc")
    assert get_settings().database_url == "postgresql://u@db.example/nc"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_postgresql_urls_use_psycopg(scheme: str):
    """Any spelling of a PostgreSQL URL is read with psycopg 3."""
    assert normalise_url(f"{scheme}://u@h/db").drivername == "postgresql+psycopg"


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path):
    """SQLite is set up to refuse orphans and to let readers run beside the writer."""
    engine = create_store_engine(f"sqlite:///{tmp_path / 'sub' / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
