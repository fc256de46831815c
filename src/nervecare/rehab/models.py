"""What the rehabilitation core reads (feedback, sessions) and returns (programme, decision)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from nervecare.rehab._library import Decision, Exercise, Restriction, Track

__all__ = [
    "AdherenceLine",
    "AdherenceSummary",
    "ExerciseFeedback",
    "Programme",
    "ProgressionDecision",
    "SessionRecord",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class ExerciseFeedback(BaseModel):
    """How an exercise session went, in the patient's words turned into two facts."""

    model_config = _FROZEN

    on: dt.date
    exercise: str
    symptoms_further_down_leg: bool = False
    pain_raised_hours: float | None = Field(default=None, ge=0, le=72)


class SessionRecord(BaseModel):
    model_config = _FROZEN

    on: dt.date
    exercise: str
    done: bool = True


class Programme(BaseModel):
    """The exercises for this patient now: allowed by the phase and by their current level."""

    model_config = _FROZEN

    procedure_family: str
    weeks_since_surgery: float
    phase: str
    phase_basis: str
    level: dict[Track, int]
    exercises: tuple[Exercise, ...]
    adjuncts: tuple[Exercise, ...]
    restrictions: tuple[Restriction, ...]
    sources: tuple[str, ...]


class ProgressionDecision(BaseModel):
    model_config = _FROZEN

    decision: Decision
    rule: str
    reason: str
    sources: tuple[str, ...]
    level: dict[Track, int] = Field(description="The level to use from now on.")


class AdherenceLine(BaseModel):
    model_config = _FROZEN

    exercise: str
    planned: int
    done: int

    @property
    def percent(self) -> float | None:
        return (
            None
            if self.planned == 0
            else round(100 * min(self.done, self.planned) / self.planned, 1)
        )


class AdherenceSummary(BaseModel):
    model_config = _FROZEN

    from_date: dt.date
    to_date: dt.date
    lines: tuple[AdherenceLine, ...]

    @property
    def percent(self) -> float | None:
        planned = sum(line.planned for line in self.lines)
        done = sum(min(line.done, line.planned) for line in self.lines)
        return None if planned == 0 else round(100 * done / planned, 1)
