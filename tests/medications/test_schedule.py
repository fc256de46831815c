"""Day-by-day schedules: the plan as written and the label's fastest pace, with their invariants."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nervecare.medications import (
    DrugFacts,
    IndicationDosing,
    PlanItem,
    label_schedule,
    load_drug_knowledge,
    plan_schedule,
)
from nervecare.medications.models import MAX_TITRATION_DAYS
from tests.medications.strategies import drug_and_indication

START = dt.date(2026, 1, 5)


def test_gabapentin_label_schedule_matches_the_label_first_three_days() -> None:
    """Neurontin label (PHN): 300, 600, 900 mg on days 1-3."""
    drug = load_drug_knowledge().drug("gabapentin")
    days = label_schedule(drug, drug.indications[0], start_on=START, target_daily_mg=1800)
    assert [d.daily_mg for d in days[:3]] == [300, 600, 900]
    assert [d.change for d in days[:3]] == ["start", "increase", "increase"]
    assert days[0].on == START
    assert days[2].on == START + dt.timedelta(days=2)


def test_pregabalin_waits_two_weeks_at_300_before_600() -> None:
    """Lyrica label (PHN): 600 mg/day only after 2-4 weeks at 300."""
    drug = load_drug_knowledge().drug("pregabalin")
    days = label_schedule(
        drug, drug.indication("postherpetic_neuralgia"), start_on=START, target_daily_mg=600
    )
    first_300 = next(d.day for d in days if d.daily_mg == 300)
    first_600 = next(d.day for d in days if d.daily_mg == 600)
    assert first_600 - first_300 >= 14


def test_plan_schedule_steps_at_the_planned_interval_and_splits_doses() -> None:
    """Amitriptyline 10 mg, +10 mg weekly to 30 mg; one evening dose."""
    plan_item = PlanItem(
        drug="amitriptyline",
        start_on=START,
        start_daily_mg=10,
        target_daily_mg=30,
        step_mg=10,
        step_every_days=7,
    )
    days = plan_schedule(plan_item, extra_days=2)
    assert [d.daily_mg for d in days if d.change != "same"] == [10, 20, 30]
    assert [d.day for d in days if d.change == "increase"] == [8, 15]
    assert len(days) == 17
    assert all(d.times_per_day == 1 for d in days)


def test_course_days_end_the_schedule() -> None:
    """A 14-day course has 14 days."""
    plan_item = PlanItem(
        drug="cyclobenzaprine",
        start_on=START,
        start_daily_mg=15,
        target_daily_mg=15,
        course_days=14,
    )
    assert len(plan_schedule(plan_item, extra_days=30)) == 14


@settings(max_examples=300, deadline=None)
@given(
    drug_and_indication(),
    st.floats(min_value=1, max_value=100_000),
    st.one_of(st.none(), st.floats(min_value=1, max_value=100_000)),
)
def test_label_schedule_never_exceeds_the_maximum_or_the_label_pace(
    pair: tuple[DrugFacts, IndicationDosing], target: float, ceiling: float | None
) -> None:
    """Whatever target is asked for, the label schedule stays under the (renal) maximum and pace."""
    drug, indication = pair
    days = label_schedule(
        drug, indication, start_on=START, target_daily_mg=target, ceiling_mg=ceiling, days=90
    )
    cap = indication.max_daily_mg if ceiling is None else min(ceiling, indication.max_daily_mg)
    assert all(d.daily_mg <= cap for d in days)
    last_change, previous = 1, days[0].daily_mg
    for day in days[1:]:
        if day.change == "increase":
            pace = indication.pace_at(previous)
            assert pace is not None
            assert day.daily_mg - previous <= pace.max_step_mg + 1e-9
            assert day.day - last_change >= pace.min_days
            last_change, previous = day.day, day.daily_mg


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=1, max_value=500),
    st.floats(min_value=0, max_value=3000),
    st.floats(min_value=1, max_value=1000),
    st.integers(min_value=1, max_value=14),
)
def test_plan_schedule_reaches_the_target_and_never_passes_it(
    start: float, extra: float, step: float, every: int
) -> None:
    """Doses rise monotonically from the start to exactly the target."""
    assume(math.ceil(extra / step) * every + 1 <= MAX_TITRATION_DAYS)  # longer ones are refused
    plan_item = PlanItem(
        drug="gabapentin",
        start_on=START,
        start_daily_mg=start,
        target_daily_mg=start + extra,
        step_mg=step,
        step_every_days=every,
    )
    doses = [d.daily_mg for d in plan_schedule(plan_item)]
    assert doses == sorted(doses)
    assert doses[0] == start
    assert doses[-1] == start + extra
    assert max(doses) <= start + extra
