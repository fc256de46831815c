"""Every run-time setting in one typed class, read from `NERVECARE_*` environment variables.

Built on demand by `get_settings()` (cached), never at import time, so a test can point the
application at another database by setting the variable and clearing the cache.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_database_url", "get_settings"]

_APP_NAME = "nervecare"


def default_database_url() -> str:
    """An SQLite file in the user's data folder: one command, no server, nothing to set up."""
    folder = Path(platformdirs.user_data_dir(_APP_NAME, appauthor=False))
    return f"sqlite:///{folder / 'nervecare.sqlite3'}"


class Settings(BaseSettings):
    """nervecare's configuration. Unknown `NERVECARE_*` variables are ignored, not refused."""

    model_config = SettingsConfigDict(env_prefix="NERVECARE_", extra="ignore", frozen=True)

    database_url: str = Field(
        default_factory=default_database_url,
        description=(
            "SQLAlchemy URL of the store: sqlite:///path/file.sqlite3 or "
            "postgresql+psycopg://user@host/db (postgresql:// is read as psycopg)."
        ),
    )


@cache
def get_settings() -> Settings:
    """The settings of this process; `get_settings.cache_clear()` re-reads the environment."""
    return Settings()
