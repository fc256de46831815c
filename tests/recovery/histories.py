"""Builders and hypothesis strategies for patient histories (recovery and careplan tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hypothesis import strategies as st

from nervecare.recovery import Baseline, HistoryPoint, PatientHistory, Surgery

SURGERY_DAY = dt.date(2026, 1, 5)


def history(
    leg_pain_by_day: Sequence[tuple[int, int]],
    *,
    baseline_leg: int | None = 8,
    procedure: str = "discectomy",
    baseline_odi: int | None = None,
    odi_by_day: dict[int, int] | None = None,
    back_pain: int | None = None,
    baseline_back: int | None = None,
    **extra: object,
) -> PatientHistory:
    """A history with the given (day, leg pain) check-ins."""
    odi_by_day = odi_by_day or {}
    points = [
        HistoryPoint(
            days_since_surgery=day,
            leg_pain=pain,
            back_pain=back_pain,
            function_odi=odi_by_day.get(day),
        )
        for day, pain in leg_pain_by_day
    ]
    baseline = (
        None
        if baseline_leg is None
        else Baseline(leg_pain=baseline_leg, back_pain=baseline_back, function_odi=baseline_odi)
    )
    return PatientHistory.model_validate(
        {
            "surgery": Surgery(date=SURGERY_DAY, procedure=procedure),  # type: ignore[arg-type]
            "baseline": baseline,
            "points": points,
            **extra,
        }
    )


def daily(level: int, *, first: int, last: int) -> list[tuple[int, int]]:
    """One check-in a day at a constant leg pain."""
    return [(day, level) for day in range(first, last + 1)]


def on_day(day: int) -> dt.date:
    return SURGERY_DAY + dt.timedelta(days=day)


@st.composite
def improving_series_with_noise(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """A baseline and a steadily improving daily series with +-1 noise (clipped to 0-10)."""
    baseline = draw(st.integers(min_value=6, max_value=10))
    days = draw(st.integers(min_value=20, max_value=120))
    per_week = draw(st.floats(min_value=0.5, max_value=2.0))
    floor = draw(st.integers(min_value=0, max_value=3))
    noise = draw(st.lists(st.integers(-1, 1), min_size=days, max_size=days))
    series = []
    for day in range(1, days + 1):
        true = max(floor, baseline - per_week * day / 7)
        series.append((day, min(10, max(0, round(true) + noise[day - 1]))))
    return baseline, series


@st.composite
def any_history(draw: st.DrawFn) -> tuple[PatientHistory, int]:
    """Any small history and an assessment day at or after its last check-in."""
    count = draw(st.integers(min_value=0, max_value=40))
    days = sorted(draw(st.lists(st.integers(0, 400), min_size=count, max_size=count)))
    pains = draw(st.lists(st.integers(0, 10), min_size=count, max_size=count))
    baseline = draw(st.one_of(st.none(), st.integers(0, 10)))
    procedure = draw(st.sampled_from(["discectomy", "laminectomy", "fusion", "other"]))
    flags = draw(
        st.lists(
            st.sampled_from(["cauda_equina.bladder_retention", "foot_drop.new"]),
            max_size=2,
            unique=True,
        )
    )
    built = history(
        list(zip(days, pains, strict=True)),
        baseline_leg=baseline,
        procedure=procedure,
        open_red_flags=tuple(flags),
    )
    assess_on = (days[-1] if days else 0) + draw(st.integers(0, 60))
    return built, assess_on
