"""A synthetic demo cohort: deterministic for a seed, marked synthetic everywhere it shows.

Pure: given a seed and "today", it returns patients and their check-in documents. The recovery
shapes are chosen to land in each trajectory class (on track, slow, plateau, worsening, too
little data); a few patients also report red flags, some of them already reviewed. None of these
people exist.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nervecare.recovery.models import (
    Baseline,
    Classification,
    MedicationTrial,
    Surgery,
    SurgicalProcedure,
)
from nervecare.store.schemas import NewPatient

__all__ = [
    "DEMO_TEAM",
    "DemoCheckIn",
    "DemoExercise",
    "DemoPatient",
    "generate_cohort",
]

DEMO_TEAM = "Demo spinal team (SYNTHETIC)"

#: Intended classes and how many of each in a cohort of 36 (scaled for other sizes).
_MIX: tuple[tuple[Classification, int], ...] = (
    ("on_track", 13),
    ("slow", 6),
    ("plateau", 8),
    ("worsening", 6),
    ("insufficient_data", 3),
)

#: Red-flag reports (as check-in fields) and whether a clinician has already reviewed them.
_RED_FLAGS: tuple[tuple[dict[str, Any], bool], ...] = (
    ({"saddle_numbness": "new", "bladder": ["difficulty_starting"]}, False),
    ({"temperature_c": 38.7, "wound": ["redness", "drainage", "warmth"]}, False),
    ({"calf_pain_or_swelling": True}, True),
    ({"foot_drop": "new", "leg_weakness": "worsening"}, False),
    ({"headache_when_upright": True}, True),
    ({"temperature_c": 38.4, "wound": ["pus"]}, True),
)


@dataclass(frozen=True)
class DemoCheckIn:
    document: dict[str, Any]
    reviewed: bool = False


@dataclass(frozen=True)
class DemoExercise:
    performed_on: dt.date
    stage: str
    exercise: str
    minutes: int
    supervised: bool


@dataclass(frozen=True)
class DemoPatient:
    new: NewPatient
    intended: Classification
    checkins: tuple[DemoCheckIn, ...]
    medications: tuple[MedicationTrial, ...] = ()
    exercise: tuple[DemoExercise, ...] = field(default=())


# A pain curve gives the noiseless leg pain on a day since surgery, from the baseline.
PainCurve = Callable[[int, int], float]


def _on_track(baseline: int, day: int) -> float:
    return 1.5 + (baseline - 1.5) * math.exp(-day / 12)


def _slow(baseline: int, day: int) -> float:
    # Weeks 2-6 after decompression: barely better than before surgery.
    return baseline - 0.6 - day / 60


def _plateau(baseline: int, day: int) -> float:
    return max(baseline - 1.4, baseline - day / 10)


def _worsening(baseline: int, day: int, *, turn: int) -> float:
    if day <= turn:
        return _on_track(baseline, day)
    return _on_track(baseline, turn) + (day - turn) * 4.0 / 28


def _clamp(value: float) -> int:
    return max(0, min(10, round(value)))


def _surgery_days_ago(rng: random.Random, intended: Classification) -> int:
    if intended == "slow":
        return rng.randint(26, 38)
    if intended == "insufficient_data":
        return rng.choice((rng.randint(2, 4), rng.randint(60, 90)))
    return rng.randint(70, 180)


def _curve(rng: random.Random, intended: Classification, days_ago: int) -> PainCurve:
    if intended == "worsening":
        turn = days_ago - rng.randint(30, 40)
        return lambda baseline, day: _worsening(baseline, day, turn=turn)
    return {
        "on_track": _on_track,
        "slow": _slow,
        "plateau": _plateau,
        "insufficient_data": _on_track,
    }[intended]


def _procedure(rng: random.Random, intended: Classification) -> SurgicalProcedure:
    if intended == "slow":
        return "discectomy"  # the early "slow" band exists for decompression
    return rng.choice(("discectomy", "discectomy", "discectomy", "laminectomy", "fusion"))


def _checkins(
    rng: random.Random,
    *,
    curve: PainCurve,
    baseline: Baseline,
    surgery_day: dt.date,
    today: dt.date,
    procedure: SurgicalProcedure,
    red_flag: tuple[dict[str, Any], bool] | None,
    stopped: bool,
) -> tuple[DemoCheckIn, ...]:
    days_ago = (today - surgery_day).days
    # A patient long after surgery with too little data has stopped checking in weeks ago.
    last_day = days_ago - rng.randint(25, 40) if days_ago > 45 and stopped else days_ago
    days: list[int] = []
    day = rng.randint(1, 2)
    while day <= last_day:
        days.append(day)
        day += rng.randint(2, 4)
    flag_at = None
    if red_flag is not None and days:
        # Unreviewed red flags are recent; reviewed ones lie further back.
        flag_at = len(days) - 1 if not red_flag[1] else max(0, len(days) // 3)
    made: list[DemoCheckIn] = []
    previous = baseline.leg_pain
    for index, day in enumerate(days):
        expected = curve(baseline.leg_pain, day)
        # Day-to-day noise; never below the curve at low pain, where one good day would
        # become the "best level" every later day is compared with.
        noise = rng.choice((-1, 0, 0, 0, 1)) if expected >= 4 else rng.choice((0, 0, 0, 1))
        leg = _clamp(expected + noise)
        back = _clamp(leg * 0.6 + rng.choice((0, 1)))
        change = "same" if leg == previous else ("better" if leg < previous else "worse")
        minute = rng.randint(7 * 60, 21 * 60)
        recorded = dt.datetime.combine(surgery_day + dt.timedelta(days=day), dt.time(), dt.UTC)
        document: dict[str, Any] = {
            "schema_version": "1",
            "recorded_at": (recorded + dt.timedelta(minutes=minute)).isoformat(),
            "days_since_surgery": day,
            "procedure": procedure,
            "leg_pain": leg,
            "back_pain": back,
            "leg_pain_change": change,
            "pain_relieved_by_medication": rng.choice(("yes", "partly", "partly", "not_taking")),
        }
        if index % 3 == 0 and baseline.function_odi is not None:
            ratio = leg / max(1, baseline.leg_pain)
            document["function_odi"] = max(0, min(100, round(baseline.function_odi * ratio)))
        reviewed = False
        if index == flag_at and red_flag is not None:
            document.update(red_flag[0])
            reviewed = red_flag[1]
        made.append(DemoCheckIn(document=document, reviewed=reviewed))
        previous = leg
    return tuple(made)


def _medications(
    rng: random.Random, intended: Classification, surgery_day: dt.date
) -> tuple[MedicationTrial, ...]:
    if intended in ("on_track", "insufficient_data"):
        return ()
    start = surgery_day + dt.timedelta(days=rng.randint(14, 28))
    trials = [
        MedicationTrial(
            drug="pregabalin",
            drug_class="gabapentinoid",
            started_on=start,
            stopped_on=start + dt.timedelta(days=35) if intended == "plateau" else None,
            dose_note="75 mg twice a day (synthetic)",
            outcome="no_benefit" if intended == "plateau" else "unknown",
        )
    ]
    return tuple(trials)


def _exercise(rng: random.Random, surgery_day: dt.date, today: dt.date) -> tuple[DemoExercise, ...]:
    sessions = []
    day = surgery_day + dt.timedelta(days=rng.randint(7, 14))
    while day <= today:
        weeks = (day - surgery_day).days / 7
        stage = (
            "gentle_movement"
            if weeks < 4
            else ("nerve_gliding" if weeks < 8 else "core_stabilisation")
        )
        sessions.append(
            DemoExercise(
                performed_on=day,
                stage=stage,
                exercise=stage.replace("_", " "),
                minutes=rng.choice((10, 15, 20)),
                supervised=weeks >= 6 and rng.random() < 0.3,
            )
        )
        day += dt.timedelta(days=rng.randint(5, 9))
    return tuple(sessions)


def _intended_classes(count: int) -> list[Classification]:
    total = sum(n for _, n in _MIX)
    classes: list[Classification] = []
    for name, share in _MIX:
        classes += [name] * max(1, round(share * count / total))
    return classes[:count] if count >= len(_MIX) else classes


def generate_cohort(*, seed: int, today: dt.date, patients: int = 36) -> tuple[DemoPatient, ...]:
    """`patients` synthetic patients (at least one per trajectory class), the same for a seed."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    cohort = []
    for number, intended in enumerate(_intended_classes(patients), start=1):
        days_ago = _surgery_days_ago(rng, intended)
        surgery_day = today - dt.timedelta(days=days_ago)
        procedure = _procedure(rng, intended)
        side = rng.choice(("left", "right", "left", "right", "both"))
        baseline = Baseline(
            leg_pain=rng.randint(7, 9),
            back_pain=rng.randint(3, 7),
            function_odi=rng.randint(35, 65),
            recorded_on=surgery_day - dt.timedelta(days=rng.randint(3, 20)),
        )
        red_flag = _RED_FLAGS[(number // 5) % len(_RED_FLAGS)] if number % 5 == 0 else None
        levels = rng.choice((("L4-L5",), ("L5-S1",), ("L4-L5", "L5-S1"), ("L3-L4",)))
        cohort.append(
            DemoPatient(
                new=NewPatient(
                    team=DEMO_TEAM,
                    reference=f"DEMO-{number:03d}",
                    display_name=f"Synthetic Patient {number:02d}",
                    birth_year=rng.randint(1945, 1998),
                    surgery=Surgery(
                        date=surgery_day, procedure=procedure, spinal_levels=levels, side=side
                    ),
                    baseline=baseline,
                    is_synthetic=True,
                ),
                intended=intended,
                checkins=_checkins(
                    rng,
                    curve=_curve(rng, intended, days_ago),
                    baseline=baseline,
                    surgery_day=surgery_day,
                    today=today,
                    procedure=procedure,
                    red_flag=red_flag,
                    stopped=intended == "insufficient_data",
                ),
                medications=_medications(rng, intended, surgery_day),
                exercise=_exercise(rng, surgery_day, today),
            )
        )
    return tuple(cohort)
