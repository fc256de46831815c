"""Day-by-day dose schedules: the clinician's plan as written, and the label's fastest pace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from nervecare.medications._knowledge import DrugFacts, IndicationDosing, load_drug_knowledge
from nervecare.medications.models import DoseChange, PlanItem, ScheduleDay

__all__ = ["label_schedule", "plan_schedule", "titration_days"]


def _days(
    *,
    drug: str,
    start_on: dt.date,
    start_mg: float,
    target_mg: float,
    step_for: Callable[[float], tuple[float | None, int]],
    times_per_day: int,
    total_days: int,
    loading_days: int | None = None,
) -> tuple[ScheduleDay, ...]:
    days: list[ScheduleDay] = []
    current = start_mg
    since_change = 0
    for index in range(total_days):
        change: DoseChange = "start" if index == 0 else "same"
        if loading_days is not None and index == loading_days:
            current = target_mg
            change = "decrease"
        elif index > 0 and current < target_mg:
            step, every = step_for(current)
            since_change += 1
            if step is not None and since_change >= every:
                current = min(target_mg, current + step)
                since_change = 0
                change = "increase"
        days.append(
            ScheduleDay(
                day=index + 1,
                on=start_on + dt.timedelta(days=index),
                drug=drug,
                daily_mg=current,
                times_per_day=times_per_day,
                dose_mg=round(current / times_per_day, 2),
                change=change,
            )
        )
    return tuple(days)


def titration_days(item: PlanItem) -> int:
    """Days until the plan reaches its target dose (1 when it starts there)."""
    if item.loading_days is not None:
        return item.loading_days + 1
    if item.target_daily_mg <= item.start_daily_mg or item.step_mg is None:
        return 1
    assert item.step_every_days is not None
    steps = -(-(item.target_daily_mg - item.start_daily_mg) // item.step_mg)
    return int(steps) * item.step_every_days + 1


def plan_schedule(
    item: PlanItem, *, extra_days: int = 7, facts: DrugFacts | None = None
) -> tuple[ScheduleDay, ...]:
    """The plan as written, day by day, until the target is reached plus `extra_days`."""
    facts = facts or load_drug_knowledge().drug(item.drug_key)
    indication = facts.indication(item.indication)
    times = item.times_per_day or indication.times_per_day
    total = titration_days(item) + extra_days
    if item.course_days is not None:
        total = min(total, item.course_days)

    def step_for(_current: float) -> tuple[float | None, int]:
        return item.step_mg, item.step_every_days or 1

    return _days(
        drug=facts.key,
        start_on=item.start_on,
        start_mg=item.start_daily_mg,
        target_mg=item.target_daily_mg,
        step_for=step_for,
        times_per_day=times,
        total_days=total,
        loading_days=item.loading_days,
    )


def label_schedule(
    facts: DrugFacts,
    indication: IndicationDosing,
    *,
    start_on: dt.date,
    target_daily_mg: float,
    ceiling_mg: float | None = None,
    days: int = 60,
) -> tuple[ScheduleDay, ...]:
    """The fastest schedule the label allows, from its starting dose to the target.

    The target is capped at the label maximum and at `ceiling_mg` (a renal maximum), so the
    result can never exceed either, whatever target is asked for.
    """
    cap = (
        indication.max_daily_mg if ceiling_mg is None else min(ceiling_mg, indication.max_daily_mg)
    )
    start = min(indication.start_daily_mg, cap)
    target = max(start, min(target_daily_mg, cap))

    def step_for(current: float) -> tuple[float | None, int]:
        pace = indication.pace_at(current)
        if pace is None:
            return None, 1
        return pace.max_step_mg, pace.min_days

    return _days(
        drug=facts.key,
        start_on=start_on,
        start_mg=start,
        target_mg=target,
        step_for=step_for,
        times_per_day=indication.times_per_day,
        total_days=days,
    )
