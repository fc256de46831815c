"""Every run-time setting in one typed class, read from `NERVECARE_*` environment variables.

Built on demand by `get_settings()` (cached), never at import time, so a test can point the
application at another database by setting the variable and clearing the cache.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nervecare.store.throttle import RateLimits

__all__ = [
    "DEFAULT_SECRET_KEY",
    "Settings",
    "UnsafeSettingsError",
    "default_database_url",
    "get_settings",
]

_APP_NAME = "nervecare"

#: Good enough for a demo on one's own computer, never for real patients.
DEFAULT_SECRET_KEY = "nervecare-demo-secret-key-change-me"  # noqa: S105 - refused in production


class UnsafeSettingsError(ValueError):
    """A setting that must not be used with real patients."""


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

    # ---------------------------------------------------------------- web application
    environment: Literal["development", "demo", "production"] = Field(
        default="development",
        description=(
            "production refuses unsafe values (the default secret key, cookies without Secure); "
            "demo and development allow them on one's own computer."
        ),
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET_KEY,
        min_length=16,
        description="Signs the sign-in form's anti-forgery token (32+ characters in production).",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description=(
            "Send cookies only over HTTPS. Default: yes in production, no in demo/development "
            "(served over plain http://127.0.0.1)."
        ),
    )
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    signin_failures_per_pair: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins for one name from one address before each retry waits.",
    )
    signin_failures_per_address: int = Field(
        default=100, ge=1, description="Failed sign-ins from one address, over all names."
    )
    signin_window_minutes: int = Field(
        default=15, ge=1, description="Counts reset after this long without a failure."
    )
    signin_first_wait_seconds: int = Field(
        default=60, ge=1, description="The first wait after the limit; it doubles each failure."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description=(
            "Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed "
            '(JSON list, e.g. ["127.0.0.1"]); from any other peer they are ignored.'
        ),
    )
    emergency_number: str = Field(
        default="999",
        description="The emergency number patients are told to call (e.g. 999, 112, 911).",
    )
    default_language: Literal["en", "es"] = "en"
    max_body_bytes: int = Field(
        default=1_000_000, ge=10_000, description="Larger request bodies are refused (413)."
    )
    preload_notes_reader: bool = Field(
        default=False,
        description="Load the notes reader when the web app starts, not at the first note.",
    )

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
                raise UnsafeSettingsError(
                    "NERVECARE_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production (python -c 'import secrets; print(secrets.token_urlsafe())')"
                )
            if self.cookie_secure is False:
                raise UnsafeSettingsError("cookies must be Secure in production (HTTPS only)")
        return self

    @property
    def signin_limits(self) -> RateLimits:
        """The sign-in throttle these settings ask for."""
        return RateLimits(
            per_pair=self.signin_failures_per_pair,
            per_address=self.signin_failures_per_address,
            window=dt.timedelta(minutes=self.signin_window_minutes),
            first_wait=dt.timedelta(seconds=self.signin_first_wait_seconds),
        )

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"


@cache
def get_settings() -> Settings:
    """The settings of this process; `get_settings.cache_clear()` re-reads the environment."""
    return Settings()
