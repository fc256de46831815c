"""Which levels alert the care team: one definition, used by the store, alerts, web and reports."""

from __future__ import annotations

import pytest

from nervecare.triage import LEVELS, alerts_team


@pytest.mark.parametrize(
    ("level", "alerts"),
    [("self_care", False), ("routine", False), ("urgent", True), ("emergency", True)],
)
def test_urgent_and_emergency_alert_the_team_and_nothing_below(level: str, alerts: bool) -> None:
    assert alerts_team(level) is alerts


@pytest.mark.parametrize("unreadable", [None, "", "EMERGENCY", 3, "critical"])
def test_what_is_not_a_level_is_not_taken_for_one(unreadable: object) -> None:
    """A value read from stored JSON that is not a level is no alert level (it is caught where
    the record is read, never silently promoted here)."""
    assert not alerts_team(unreadable)


def test_every_level_is_either_alerting_or_not() -> None:
    assert [level for level in LEVELS if alerts_team(level)] == ["urgent", "emergency"]
