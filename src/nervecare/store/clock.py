"""Time is passed in: services take a clock so tests are deterministic."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "utc_now"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: an aware UTC instant."""
    return datetime.now(UTC)
