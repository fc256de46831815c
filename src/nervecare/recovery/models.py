"""What the recovery trajectory reads (a patient's history) and what it returns.

These models are the contract between the pure clinical core (trajectory, care plan) and the
shell (store, CLI, reports): the store builds a `PatientHistory` from its rows, and shows a
`Trajectory` and `Suggestion`s. Nothing here reads the clock: "today" is always passed in.

Scales, lower is better for all three: leg and back pain on the 0-10 numeric rating scale (worst
in the last 24 hours, as the check-in asks), function on the Oswestry Disability Index (0-100).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nervecare.triage.levels import Level

__all__ = [
    "CLASSIFICATION_CONCERN",
    "Baseline",
    "Classification",
    "DrugClass",
    "ExerciseStage",
    "ExerciseSummary",
    "ExpectedBand",
    "FigureUsed",
    "HistoryPoint",
    "MeasureChange",
    "MedicationTrial",
    "Outcome",
    "PatientHistory",
    "ProcedureDone",
    "ProcedureFamily",
    "ProcedureKind",
    "Side",
    "Surgery",
    "SurgicalProcedure",
    "Trajectory",
    "Trend",
]

PainScore = Annotated[int, Field(ge=0, le=10)]
OdiScore = Annotated[int, Field(ge=0, le=100)]

#: The check-in contract's procedure names.
SurgicalProcedure = Literal["discectomy", "laminectomy", "fusion", "other"]
#: Expected recovery differs mainly between decompression alone and fusion.
ProcedureFamily = Literal["decompression", "fusion"]
Side = Literal["left", "right", "both", "central", "unknown"]

DrugClass = Literal[
    "gabapentinoid",
    "snri",
    "tricyclic",
    "nsaid",
    "muscle_relaxant",
    "paracetamol",
    "opioid",
    "oral_corticosteroid",
    "benzodiazepine",
    "topical",
    "other",
]
Outcome = Literal["helped", "no_benefit", "not_tolerated", "unknown"]
ProcedureKind = Literal[
    "epidural_steroid_injection",
    "nerve_root_block",
    "radiofrequency_ablation",
    "mri_with_contrast",
    "mri",
    "flexion_extension_radiographs",
    "ct",
    "nerve_conduction_study",
    "revision_surgery",
    "spinal_cord_stimulation",
    "pain_clinic_referral",
    "physiotherapy_referral",
    "psychological_support",
    "other",
]
ExerciseStage = Literal["none", "gentle_movement", "nerve_gliding", "core_stabilisation"]

#: Trajectory classes. `insufficient_data` is honest, not a fifth clinical class.
Classification = Literal["on_track", "slow", "plateau", "worsening", "insufficient_data"]

#: How much a class asks for a clinician's attention (higher = sooner); for ranking patients.
#: Not enough data is worth a look (someone should be checking in), but less than a stall.
CLASSIFICATION_CONCERN: dict[Classification, int] = {
    "on_track": 0,
    "insufficient_data": 1,
    "slow": 2,
    "plateau": 3,
    "worsening": 4,
}

_FROZEN = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------- inputs


class Surgery(BaseModel):
    """The index operation the recovery is measured from."""

    model_config = _FROZEN

    date: dt.date
    procedure: SurgicalProcedure
    spinal_levels: tuple[str, ...] = Field(default=(), description="E.g. ('L4-L5',).")
    side: Side = "unknown"

    @property
    def family(self) -> ProcedureFamily:
        """Fusion recovers on its own curve; everything else is counted as decompression."""
        return "fusion" if self.procedure == "fusion" else "decompression"


class Baseline(BaseModel):
    """Scores before surgery (the reference for change); ODI is optional."""

    model_config = _FROZEN

    leg_pain: PainScore
    back_pain: PainScore | None = None
    function_odi: OdiScore | None = None
    recorded_on: dt.date | None = None


class HistoryPoint(BaseModel):
    """One stored check-in, reduced to what trajectory and care plan need."""

    model_config = _FROZEN

    days_since_surgery: Annotated[int, Field(ge=0, le=3650)]
    recorded_on: dt.date | None = None
    leg_pain: PainScore
    back_pain: PainScore | None = None
    function_odi: OdiScore | None = None
    pain_relieved_by_medication: Literal["yes", "partly", "no", "not_taking"] | None = None
    triage_level: Level | None = None
    red_flags: tuple[str, ...] = Field(
        default=(), description="Triage reason codes at urgent or emergency level."
    )


class MedicationTrial(BaseModel):
    """One course of a pain medicine, as recorded by the care team."""

    model_config = _FROZEN

    drug: str = Field(min_length=1)
    drug_class: DrugClass
    started_on: dt.date
    stopped_on: dt.date | None = None
    dose_note: str = ""
    outcome: Outcome = "unknown"

    @model_validator(mode="after")
    def _stops_after_start(self) -> MedicationTrial:
        if self.stopped_on is not None and self.stopped_on < self.started_on:
            raise ValueError("stopped_on is before started_on")
        return self

    def days_taken(self, *, on: dt.date) -> int:
        """Length of the trial so far (or in all, once stopped)."""
        end = self.stopped_on if self.stopped_on is not None and self.stopped_on < on else on
        return max(0, (end - self.started_on).days)


class ProcedureDone(BaseModel):
    """An investigation, injection or referral already done, so it is not suggested again."""

    model_config = _FROZEN

    kind: ProcedureKind
    performed_on: dt.date
    outcome: Outcome = "unknown"
    note: str = ""


class ExerciseSummary(BaseModel):
    """Where the patient is in rehabilitation (from the rehab module or the clinician)."""

    model_config = _FROZEN

    stage: ExerciseStage = "none"
    started_on: dt.date | None = None
    supervised: bool = False


class PatientHistory(BaseModel):
    """Everything the pure core needs about one patient; built by the store, never by I/O here."""

    model_config = _FROZEN

    patient_id: str | None = None
    surgery: Surgery
    baseline: Baseline | None = None
    points: tuple[HistoryPoint, ...] = ()
    medications: tuple[MedicationTrial, ...] = ()
    procedures_done: tuple[ProcedureDone, ...] = ()
    exercise: ExerciseSummary | None = None
    open_red_flags: tuple[str, ...] = Field(
        default=(), description="Red-flag reason codes not yet resolved by a clinician."
    )

    @field_validator("points")
    @classmethod
    def _in_time_order(cls, points: tuple[HistoryPoint, ...]) -> tuple[HistoryPoint, ...]:
        """Stored order is not guaranteed; the analysis needs time order (stable for ties)."""
        return tuple(sorted(points, key=lambda point: point.days_since_surgery))


# ---------------------------------------------------------------------------------- results


class FigureUsed(BaseModel):
    """One published figure the result relied on, so a clinician can check it."""

    model_config = _FROZEN

    key: str = Field(description="Key of the figure in the recovery data file.")
    value: float | None
    unit: str
    sources: tuple[str, ...]


class MeasureChange(BaseModel):
    """Change of one measure from baseline; positive improvement means better (lower score)."""

    model_config = _FROZEN

    measure: Literal["leg_pain", "back_pain", "function_odi"]
    baseline: float
    current: float = Field(description="Smoothed current value (median of the recent window).")
    improvement_points: float
    improvement_percent: float | None = Field(description="None when the baseline is 0.")
    mcid_points: float | None
    mcid_percent: float | None
    meets_mcid: bool | None = Field(description="None when no MCID applies (e.g. no baseline).")


class Trend(BaseModel):
    """A noise-robust slope of leg pain over the recent window (Theil-Sen)."""

    model_config = _FROZEN

    slope_per_week: float = Field(description="NRS points per week; negative = improving.")
    window_days: int
    points: int
    first_day: int
    last_day: int


class ExpectedBand(BaseModel):
    """The expected-recovery band that applies at this time after this kind of surgery."""

    model_config = _FROZEN

    procedure_family: ProcedureFamily
    weeks_since_surgery: float
    from_week: float = Field(description="The band row applies from this week on.")
    judged: bool = Field(description="False in the early phase: only worsening is judged.")
    min_improvement_points: float | None = None
    min_improvement_percent: float | None = None
    leg_pain_upper: float | None = Field(
        default=None, description="For this patient's baseline: above this, below the band."
    )
    typical: str | None = Field(default=None, description="Published typical course, if any.")
    sources: tuple[str, ...]


class Trajectory(BaseModel):
    """Where one patient's recovery stands on a given day, and on what figures."""

    model_config = _FROZEN

    classification: Classification
    as_of: dt.date
    days_since_surgery: int
    procedure_family: ProcedureFamily
    points_used: int
    leg_pain: MeasureChange | None = None
    back_pain: MeasureChange | None = None
    function: MeasureChange | None = None
    trend: Trend | None = None
    expected: ExpectedBand | None = None
    reasons: tuple[str, ...] = Field(description="Why this class, in clinician language.")
    figures_used: tuple[FigureUsed, ...] = ()
    data_version: str = ""

    @property
    def concern(self) -> int:
        """Rank for ordering patients by need of attention (see `CLASSIFICATION_CONCERN`)."""
        return CLASSIFICATION_CONCERN[self.classification]
