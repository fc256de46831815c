"""What the store hands back: plain pydantic values, never live ORM rows.

Inputs reuse the clinical core's own models (`Surgery`, `Baseline`, `MedicationTrial`, ...), so a
value means the same thing in the core and in the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nervecare.recovery.models import Baseline, Classification, Surgery
from nervecare.triage.levels import Level

__all__ = ["NewPatient", "PatientRecord", "RankedPatient", "StoredCheckIn"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class NewPatient(BaseModel):
    """A patient to register, with the operation their recovery is measured from."""

    model_config = _FROZEN

    team: str = Field(min_length=1, max_length=200)
    reference: str | None = Field(default=None, min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    surgery: Surgery
    baseline: Baseline | None = None
    is_synthetic: bool = False


class PatientRecord(BaseModel):
    model_config = _FROZEN

    id: int
    reference: str
    display_name: str
    team: str
    birth_year: int | None
    is_synthetic: bool
    surgery: Surgery
    baseline: Baseline | None
    created_at: dt.datetime


class StoredCheckIn(BaseModel):
    """A check-in as stored; `created` is False when it had been stored before (same client id)."""

    model_config = _FROZEN

    id: int
    patient_id: int
    client_id: str | None
    recorded_at: dt.datetime
    days_since_surgery: int
    leg_pain: int
    back_pain: int | None
    level: Level
    ruleset_version: str
    triage: dict[str, Any]
    created: bool


class RankedPatient(BaseModel):
    """One line of the "who needs attention first" list, with the reasons for its place."""

    model_config = _FROZEN

    patient_id: int
    reference: str
    display_name: str
    open_alarms: int
    last_level: Level | None
    last_recorded_at: dt.datetime | None
    last_leg_pain: int | None
    trajectory: Classification | None
    reasons: tuple[str, ...]
