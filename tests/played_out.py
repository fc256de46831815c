"""A check-in's final level once a truthful patient has answered its questions (triage contract
v2), played out as shared/tools/score_triage.py plays it."""

from __future__ import annotations

from collections.abc import Sequence

from nervecare.triage import Level, TriageResult, level_rank

__all__ = ["played_out", "raised_or_asked", "reach"]


def played_out(result: TriageResult, acceptable: Sequence[str]) -> Level:
    """With no real sign (self care acceptable) the patient answers no to every question; with a
    real one, yes to the questions up to the highest acceptable level."""
    if "self_care" in acceptable:
        return result.level
    highest = max(level_rank(level) for level in acceptable)  # type: ignore[arg-type]
    asked = [q.level for q in result.confirm if level_rank(q.level) <= highest]
    return max([result.level, *asked], key=level_rank)


def raised_or_asked(result: TriageResult, level: Level) -> bool:
    """The result is at least `level`, or asks about a sign that would make it so."""
    return level_rank(result.level) >= level_rank(level) or any(
        level_rank(q.level) >= level_rank(level) for q in result.confirm
    )


def reach(result: TriageResult) -> Level:
    """The level once the patient says yes to every question: what the notes noticed."""
    return max([result.level, *(q.level for q in result.confirm)], key=level_rank)
