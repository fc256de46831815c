"""Triage levels and their order, as defined by shared/contracts/triage-result.schema.json."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["ALERTING_LEVELS", "LEVELS", "Level", "alerts_team", "highest", "level_rank"]

Level = Literal["emergency", "urgent", "routine", "self_care"]

#: Least to most urgent; the position is the rank.
LEVELS: tuple[Level, ...] = ("self_care", "routine", "urgent", "emergency")

_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
assert set(_RANK) == set(get_args(Level))


def level_rank(level: Level) -> int:
    """Position of a level from 0 (self_care) to 3 (emergency), for comparing levels."""
    return _RANK[level]


def highest(levels: list[Level] | tuple[Level, ...], default: Level = "self_care") -> Level:
    """The most urgent of the given levels; `default` when there are none."""
    return max(levels, key=level_rank, default=default)


#: The levels at which the care team is alerted (same day or at once); below them the check-in
#: waits for the team's routine review. One definition for the store, alerts, web and reports.
ALERTING_LEVELS: frozenset[str] = frozenset({"urgent", "emergency"})


def alerts_team(level: object) -> bool:
    """Does a check-in (or a reason) at this level alert the care team? Anything that is not a
    level (a missing or unreadable value) is not, so callers check levels they read from JSON."""
    return level in ALERTING_LEVELS
