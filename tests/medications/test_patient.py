"""The patient's view: doses due today, explanations, and side-effect questions while starting."""

from __future__ import annotations

import datetime as dt

import pytest

from nervecare.medications import (
    SIDE_EFFECT_WINDOW_DAYS,
    MedicationPlan,
    PlanItem,
    doses_on,
    explanations_for,
    side_effect_questions,
)

START = dt.date(2026, 1, 5)
PLAN = MedicationPlan(
    items=(
        PlanItem(
            drug="gabapentin",
            start_on=START,
            start_daily_mg=300,
            target_daily_mg=900,
            step_mg=300,
            step_every_days=1,
        ),
        PlanItem(
            drug="naproxen",
            start_on=START + dt.timedelta(days=2),
            start_daily_mg=1000,
            target_daily_mg=1000,
            course_days=5,
        ),
    )
)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (0, {"gabapentin": 300}),
        (1, {"gabapentin": 600}),
        (2, {"gabapentin": 900, "naproxen": 1000}),
        (40, {"gabapentin": 900}),
        (-1, {}),
    ],
)
def test_doses_due_on_a_day(offset: int, expected: dict[str, float]) -> None:
    """Titration day by day; the target continues after it is reached; a course ends."""
    due = doses_on(PLAN, on=START + dt.timedelta(days=offset))
    assert {d.drug: d.daily_mg for d in due} == expected


def test_side_effect_questions_while_starting_then_stop() -> None:
    """Questions are asked from day 1 until two weeks after the target dose."""
    during = side_effect_questions(PLAN, on=START + dt.timedelta(days=3))
    assert during[0].urgent
    assert during[0].key == "breathing"
    assert {q.drug for q in during} == {"gabapentin", "naproxen"}
    later = START + dt.timedelta(days=3 + SIDE_EFFECT_WINDOW_DAYS)
    assert not side_effect_questions(PLAN, on=later)


def test_every_question_and_explanation_is_cited() -> None:
    """Patient texts carry sources."""
    assert all(q.sources for q in side_effect_questions(PLAN, on=START))
    texts = explanations_for(PLAN)
    gabapentin = next(t for t in texts if t.drug == "gabapentin")
    assert {item.key for item in gabapentin.items} >= {
        "why_nerve_medicine",
        "why_weeks",
        "do_not_stop",
    }
    assert gabapentin.benefit
    assert gabapentin.benefit_sources
