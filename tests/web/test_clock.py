"""Routes take the time from the app's clock, so a test can move it (never the wall clock)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from nervecare.store.clock import utc_now
from nervecare.web.deps import get_clock

MOMENT = dt.datetime(2031, 5, 4, 12, tzinfo=dt.UTC)


def _request(**state: Any) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(**state)))


def test_a_clock_set_on_the_app_is_the_routes_clock() -> None:
    assert get_clock(_request(clock=lambda: MOMENT))() == MOMENT


def test_without_one_the_routes_use_the_utc_wall_clock() -> None:
    assert get_clock(_request()) is utc_now
