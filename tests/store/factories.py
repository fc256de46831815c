"""Small builders for storage tests: a ticking clock, patients and triaged check-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nervecare.checkin import CheckIn, parse_checkin
from nervecare.recovery.models import Baseline, Surgery
from nervecare.store.schemas import NewPatient
from nervecare.triage import TriageResult, triage_checkin

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SURGERY_DAY = dt.date(2026, 2, 2)


class TickingClock:
    """A clock that starts at a fixed instant and moves on one second per reading."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        current = self.now
        self.now += dt.timedelta(seconds=1)
        return current

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def new_patient(reference: str = "P-001", **overrides: Any) -> NewPatient:
    fields: dict[str, Any] = {
        "team": "Spinal team A",
        "reference": reference,
        "display_name": "Alex Example",
        "birth_year": 1970,
        "surgery": Surgery(
            date=SURGERY_DAY, procedure="discectomy", spinal_levels=("L5-S1",), side="left"
        ),
        "baseline": Baseline(leg_pain=8, back_pain=5, function_odi=48),
    }
    fields.update(overrides)
    return NewPatient(**fields)


def checkin(**fields: Any) -> CheckIn:
    document: dict[str, Any] = {"schema_version": "1", "days_since_surgery": 28, "leg_pain": 4}
    document.update(fields)
    return parse_checkin(document)


def triaged(value: CheckIn) -> TriageResult:
    return triage_checkin(value)
