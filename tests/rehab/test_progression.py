"""Progression rules, case by case against their sources, and safety properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.recovery.models import HistoryPoint
from nervecare.rehab import (
    TRACKS,
    ExerciseFeedback,
    decide_progression,
    load_rehab_knowledge,
    starting_level,
)

DAY = 60  # decompression "active" phase: core up to 3, nerve up to 2
ON = dt.date(2026, 3, 1)


def points(*pains: int, level: str | None = None) -> tuple[HistoryPoint, ...]:
    start = DAY - len(pains) + 1
    return tuple(
        HistoryPoint(days_since_surgery=start + i, leg_pain=pain, triage_level=level)  # type: ignore[arg-type]
        for i, pain in enumerate(pains)
    )


def decide(**overrides: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "procedure": "discectomy",
        "as_of_day": DAY,
        "level": starting_level(),
        "level_since_day": DAY - 10,
        "points": points(5, 4, 4, 3),
        "feedback": (),
    }
    return decide_progression(**{**args, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "overrides", "decision", "rule", "source"),
    [
        (
            "settling for a week",
            {},
            "progress",
            "progress_settling",
            "rehab_sfh_introducing_exercise",
        ),
        (
            "pain not settling",
            {"points": points(3, 4, 5)},
            "hold",
            "hold_not_settling",
            "rehab_sfh_introducing_exercise",
        ),
        (
            "a single check-in",
            {"points": points(3)},
            "hold",
            "hold_not_settling",
            "rehab_sfh_introducing_exercise",
        ),
        (
            "less than a week at level",
            {"level_since_day": DAY - 3},
            "hold",
            "hold_too_soon",
            "rehab_sfh_introducing_exercise",
        ),
        (
            "symptoms further down the leg",
            {
                "feedback": (
                    ExerciseFeedback(
                        on=ON, exercise="nerve_slider_seated", symptoms_further_down_leg=True
                    ),
                )
            },
            "step_back",
            "step_back_peripheralising",
            "rehab_centralisation",
        ),
        (
            "pain raised for hours",
            {"feedback": (ExerciseFeedback(on=ON, exercise="pelvic_tilt", pain_raised_hours=5),)},
            "step_back",
            "step_back_lasting_pain",
            "rehab_sfh_introducing_exercise",
        ),
        (
            "urgent check-in",
            {"points": points(5, 4, 3, level="urgent")},
            "pause",
            "pause_red_flag",
            "rehab_nerve_slider_precautions",
        ),
    ],
)
def test_progression_rules(
    case: str, overrides: dict[str, object], decision: str, rule: str, source: str
) -> None:
    """Each rule decides as its source says."""
    result = decide(**overrides)
    assert (result.decision, result.rule) == (decision, rule), case
    assert source in result.sources


def test_pain_raised_under_the_threshold_is_not_a_step_back() -> None:
    """An ache that settles within the 2-hour project threshold does not step back."""
    feedback = (ExerciseFeedback(on=ON, exercise="pelvic_tilt", pain_raised_hours=1),)
    assert decide(feedback=feedback).decision == "progress"


def test_step_back_lowers_the_track_of_the_exercise_that_caused_it() -> None:
    """Peripheralising on a nerve glide lowers nerve work, not core work."""
    level = {"movement": 1, "core": 3, "nerve": 2, "adjunct": 1}
    feedback = (
        ExerciseFeedback(on=ON, exercise="nerve_tensioner", symptoms_further_down_leg=True),
    )
    result = decide(level=level, feedback=feedback, as_of_day=100)
    assert result.level["nerve"] == 2
    assert result.level["core"] == 3


def test_progress_stops_at_the_phase_ceiling() -> None:
    """At the top of what the phase allows, settling pain still holds."""
    level = {"movement": 1, "core": 3, "nerve": 2, "adjunct": 1}
    assert decide(level=level).rule == "hold_phase_ceiling"


def test_progress_goes_up_one_step_only() -> None:
    """Progress moves one track by one stage."""
    start = starting_level()
    result = decide(level=start)
    changed = {t for t in TRACKS if result.level[t] != start[t]}
    assert len(changed) == 1


levels = st.fixed_dictionaries({t: st.integers(min_value=1, max_value=6) for t in TRACKS})
pains = st.lists(st.integers(min_value=0, max_value=10), min_size=0, max_size=8)


@given(
    st.sampled_from(("discectomy", "fusion")),
    st.integers(min_value=0, max_value=400),
    levels,
    pains,
    st.booleans(),
)
def test_never_progresses_past_the_phase_or_after_peripheralising(
    procedure: str, day: int, level: dict[str, int], pain_series: list[int], spreading: bool
) -> None:
    """Safety: the new level is within the phase, and spreading symptoms never progress."""
    knowledge = load_rehab_knowledge()
    series = tuple(
        HistoryPoint(days_since_surgery=max(0, day - i), leg_pain=p)
        for i, p in enumerate(pain_series)
    )
    feedback = (
        (ExerciseFeedback(on=ON, exercise="walking", symptoms_further_down_leg=True),)
        if spreading
        else ()
    )
    result = decide_progression(
        procedure=procedure,  # type: ignore[arg-type]
        as_of_day=day,
        level=level,  # type: ignore[arg-type]
        level_since_day=0,
        points=series,
        feedback=feedback,
    )
    phase = knowledge.phase_for("fusion" if procedure == "fusion" else "decompression", day / 7)
    assert all(result.level[t] <= phase.max_stage[t] for t in TRACKS)
    if spreading:
        assert result.decision != "progress"


@given(levels, st.sampled_from(("urgent", "emergency")))
def test_a_red_flag_always_pauses(level: dict[str, int], triage: str) -> None:
    """Safety: an urgent or emergency check-in pauses whatever else is true."""
    feedback = (ExerciseFeedback(on=ON, exercise="walking", symptoms_further_down_leg=True),)
    result = decide(level=level, points=points(4, 3, level=triage), feedback=feedback)
    assert result.decision == "pause"


def test_walking_that_spreads_symptoms_asks_for_shorter_walks() -> None:
    """Walking is the first step already: the step back shortens the walks instead."""
    feedback = (ExerciseFeedback(on=ON, exercise="walking", symptoms_further_down_leg=True),)
    result = decide(feedback=feedback)
    assert (result.decision, result.rule) == ("step_back", "step_back_walking_shorter")
    assert "shorter" in result.reason


def test_a_core_exercise_that_spreads_symptoms_still_steps_the_level_back() -> None:
    """Above the first stage, the level itself goes back a step."""
    level = {**starting_level(), "core": 3}
    feedback = (ExerciseFeedback(on=ON, exercise="bridging", symptoms_further_down_leg=True),)
    result = decide(level=level, feedback=feedback)
    assert result.rule == "step_back_peripheralising"
    assert result.level["core"] == 2
