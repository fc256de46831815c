"""A clinician's medication plan, the patient facts it is checked against, and what comes back.

Nothing here reads the clock or the store: dates are given, patient facts are passed in.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nervecare.medications._knowledge import PatientCondition, Severity
from nervecare.medications.renal import cockcroft_gault
from nervecare.recovery.models import SurgicalProcedure

__all__ = [
    "DoseChange",
    "MedicationPlan",
    "PatientFacts",
    "PlanFinding",
    "PlanItem",
    "ScheduleDay",
    "SideEffectQuestion",
    "StoppedMedicine",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)

#: A plan starts within this century, and reaches its target within ten years (the longest
#: course too): beyond these no schedule is clinically meaningful, and building one would run
#: past the calendar or out of memory (issue 16: 1e-300 mg steps to 100,000 mg).
EARLIEST_START = dt.date(2000, 1, 1)
LATEST_START = dt.date(2100, 12, 31)
MAX_TITRATION_DAYS = 3650


class PlanItem(BaseModel):
    """One medicine in a plan: where it starts, where it should end up, and how fast."""

    model_config = _FROZEN

    drug: str = Field(min_length=2, max_length=64)
    indication: str | None = Field(default=None, description="Label indication key; None: first.")
    start_on: dt.date
    start_daily_mg: float = Field(gt=0, le=100_000)
    target_daily_mg: float = Field(gt=0, le=100_000)
    step_mg: float | None = Field(default=None, gt=0, le=100_000)
    step_every_days: int | None = Field(default=None, ge=1, le=90)
    times_per_day: int | None = Field(default=None, ge=1, le=6)
    course_days: int | None = Field(default=None, ge=1, le=3650)
    loading_days: int | None = Field(
        default=None,
        ge=1,
        le=14,
        description="A higher starting dose held for these days, then the lower target "
        "(methocarbamol: 6 g a day for 48-72 hours, then about 4 g).",
    )
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _reachable(self) -> PlanItem:
        if not EARLIEST_START <= self.start_on <= LATEST_START:
            raise ValueError(
                f"start_on must be between {EARLIEST_START.isoformat()} and "
                f"{LATEST_START.isoformat()}"
            )
        if self.loading_days is not None:
            if self.target_daily_mg >= self.start_daily_mg:
                raise ValueError("a loading dose is a starting dose above the target")
            return self
        if self.target_daily_mg < self.start_daily_mg:
            raise ValueError(
                "target dose is below the starting dose (a taper is not a titration; a "
                "loading dose needs loading_days)"
            )
        if self.target_daily_mg > self.start_daily_mg:
            if self.step_mg is None or self.step_every_days is None:
                raise ValueError("a target above the start needs step_mg and step_every_days")
            steps = math.ceil((self.target_daily_mg - self.start_daily_mg) / self.step_mg)
            if steps * self.step_every_days + 1 > MAX_TITRATION_DAYS:
                raise ValueError(
                    f"this titration would take more than {MAX_TITRATION_DAYS} days: "
                    "use larger steps or a lower target"
                )
        return self

    @property
    def drug_key(self) -> str:
        return self.drug.strip().lower()


class MedicationPlan(BaseModel):
    model_config = _FROZEN

    items: tuple[PlanItem, ...] = Field(min_length=1)
    prescriber: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _one_item_per_drug(self) -> MedicationPlan:
        keys = [item.drug_key for item in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError("each drug may appear only once in a plan")
        return self


class StoppedMedicine(BaseModel):
    """A medicine the patient stopped recently: some labels need a gap before the next one.

    (An MAOI stopped less than 14 days before duloxetine, a tricyclic or cyclobenzaprine starts
    still counts as taken with it.)
    """

    model_config = _FROZEN

    name: str = Field(min_length=2, max_length=64, description="Generic name, any case.")
    stopped_on: dt.date


class PatientFacts(BaseModel):
    """What the checks need to know about the patient; unknown facts stay None and are reported."""

    model_config = _FROZEN

    age_years: int | None = Field(default=None, ge=18, le=120)
    sex: Literal["female", "male"] | None = None
    weight_kg: float | None = Field(default=None, ge=20, le=350)
    serum_creatinine_mg_dl: float | None = Field(default=None, ge=0.1, le=20)
    crcl_ml_min: float | None = Field(
        default=None,
        ge=0,
        le=300,
        description="Measured or clinician-entered; wins over the estimate.",
    )
    conditions: frozenset[PatientCondition] = frozenset()
    other_medicines: tuple[str, ...] = Field(default=(), description="Generic names, any case.")
    stopped_medicines: tuple[StoppedMedicine, ...] = Field(
        default=(), description="Stopped recently; checked against the labels' washout periods."
    )
    procedure: SurgicalProcedure | None = None
    surgery_on: dt.date | None = None

    def creatinine_clearance(self) -> float | None:
        """Entered clearance, else Cockcroft-Gault when every input is known, else None."""
        if self.crcl_ml_min is not None:
            return self.crcl_ml_min
        if (
            self.age_years is None
            or self.sex is None
            or self.weight_kg is None
            or self.serum_creatinine_mg_dl is None
        ):
            return None
        return cockcroft_gault(
            age_years=self.age_years,
            weight_kg=self.weight_kg,
            serum_creatinine_mg_dl=self.serum_creatinine_mg_dl,
            sex=self.sex,
        )


class PlanFinding(BaseModel):
    """One thing a clinician must see before the plan goes out: how serious, why, on what source."""

    model_config = _FROZEN

    code: str
    severity: Severity
    drug: str | None
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)


DoseChange = Literal["start", "increase", "decrease", "same"]


class ScheduleDay(BaseModel):
    model_config = _FROZEN

    day: int = Field(ge=1)
    on: dt.date
    drug: str
    daily_mg: float
    times_per_day: int
    dose_mg: float
    change: DoseChange


class SideEffectQuestion(BaseModel):
    model_config = _FROZEN

    drug: str
    key: str
    question: str
    urgent: bool
    #: What to do when the answer is yes (from the source that marks it urgent), if it says.
    if_yes: str | None = None
    sources: tuple[str, ...]
