"""The JSON API's input and output shapes, apart from the store's and the core's models."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nervecare.triage.levels import Level

__all__ = ["CheckInOut", "MeOut", "PatientOut", "PointOut", "SideEffectOut"]


class SideEffectOut(BaseModel):
    """A side-effect answer stored with the check-in (never part of the triage)."""

    model_config = ConfigDict(frozen=True)

    drug: str
    key: str
    answer: bool
    words: str
    needs_prompt_attention: bool = Field(
        description="A yes to a side effect the cited source says needs prompt medical attention."
    )
    if_yes: str | None = Field(description="The source's instruction to the patient, if any.")
    sources: tuple[str, ...]


class CheckInOut(BaseModel):
    """A stored check-in and its triage result (contract v2 result under `triage`).

    When `triage.status` is "needs_confirmation", `triage.confirm` holds the questions the notes
    raised: show them before the result and post the answers to `/checkins/{id}/answers`.
    """

    model_config = ConfigDict(frozen=True)

    id: int
    patient_id: int
    recorded_at: dt.datetime
    days_since_surgery: int
    leg_pain: int
    back_pain: int | None
    level: Level
    triage: dict[str, Any]
    created: bool = Field(description="False when this was a repeat of a stored submission.")
    side_effects: tuple[SideEffectOut, ...] = Field(
        default=(), description="Side-effect answers stored with this check-in."
    )


class PointOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    days_since_surgery: int
    recorded_on: dt.date | None
    leg_pain: int
    back_pain: int | None
    triage_level: Level | None


class PatientOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    reference: str
    display_name: str
    team: str
    is_synthetic: bool
    surgery_date: dt.date
    procedure: str
    trajectory: str
    trajectory_reasons: tuple[str, ...]
    open_red_flags: tuple[str, ...]
    points: tuple[PointOut, ...]


class MeOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    username: str
    display_name: str
    patient_id: int | None
    teams: tuple[str, ...]


class AnswersIn(BaseModel):
    """The patient's answers to the questions a check-in's notes raised, by question key.

    The key of a question is its `field`, or `field=value` for bladder, bowel and wound items.
    "yes" or "not_sure" counts as the sign; "no" keeps the level and is recorded.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    answers: dict[str, Literal["yes", "no", "not_sure"]] = Field(min_length=1, max_length=40)
