"""Assessing one patient's recovery against the expected band (rules in trajectory.yaml).

The classification reads trends, not single days: a sudden change on one day is the triage
engine's job (it sees every check-in as it arrives). The order of the rules follows the data
file's `rules` list; worsening is looked for first because missing it is the costliest error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nervecare.recovery._figures import RecoveryFigures, load_recovery_figures
from nervecare.recovery._measures import measure_change
from nervecare.recovery._smoothing import rolling_medians, theil_sen_slope, window_median
from nervecare.recovery.models import (
    Classification,
    ExpectedBand,
    FigureUsed,
    HistoryPoint,
    MeasureChange,
    PatientHistory,
    ProcedureFamily,
    Trajectory,
    Trend,
)

__all__ = ["assess_trajectory"]


@dataclass(frozen=True)
class _Reading:
    """The smoothed view of the history that the rules look at."""

    points: tuple[HistoryPoint, ...]
    current_leg_pain: float
    best_earlier_leg_pain: float | None
    trend: Trend | None
    current_odi: float | None


def assess_trajectory(  # noqa: PLR0911 - one return per rule, in the data file's order
    history: PatientHistory, *, on: dt.date, figures: RecoveryFigures | None = None
) -> Trajectory:
    """Classify the recovery as of `on` (passed in: the core never reads the clock).

    `figures` defaults to the packaged, cited data; tests may pass their own.
    """
    figures = figures or load_recovery_figures()
    today = max(0, (on - history.surgery.date).days)
    weeks = today / 7
    family = history.surgery.family
    band_row = figures.band_at(family, weeks)
    mcid_leg = figures.mcid["leg_pain"]
    used = _figures_used(figures, family, band_row.from_week)
    points = tuple(point for point in history.points if point.days_since_surgery <= today)

    def result(
        classification: Classification,
        reasons: list[str],
        reading: _Reading | None = None,
        band: ExpectedBand | None = None,
    ) -> Trajectory:
        return Trajectory(
            classification=classification,
            as_of=on,
            days_since_surgery=today,
            procedure_family=family,
            points_used=len(points),
            leg_pain=_change(history, reading, figures, "leg_pain"),
            back_pain=_change(history, reading, figures, "back_pain"),
            function=_change(history, reading, figures, "function_odi"),
            trend=reading.trend if reading else None,
            expected=band,
            reasons=tuple(reasons),
            figures_used=used,
            data_version=figures.version,
        )

    smoothing = figures.smoothing
    if len(points) < smoothing.min_points:
        return result(
            "insufficient_data",
            [f"{len(points)} check-in(s) so far; at least {smoothing.min_points} are needed."],
        )
    if today - points[-1].days_since_surgery > smoothing.stale_after_days:
        return result(
            "insufficient_data",
            [
                f"No check-in for {today - points[-1].days_since_surgery} days "
                f"(more than {smoothing.stale_after_days}); the course cannot be judged."
            ],
        )

    reading = _read(points, figures)
    baseline = history.baseline
    band = _band(
        figures, family, weeks, band_row.from_week, baseline.leg_pain if baseline else None
    )

    worse = _worsening_reasons(reading, history, figures)
    if worse:
        return result("worsening", worse, reading, band)
    if baseline is None:
        return result(
            "insufficient_data",
            ["No pre-operative leg-pain score: change from baseline cannot be judged."],
            reading,
            band,
        )
    change = measure_change(
        "leg_pain", baseline=baseline.leg_pain, current=reading.current_leg_pain, mcid=mcid_leg
    )
    if not band_row.judged:
        return result(
            "on_track",
            [f"Early recovery phase (week {weeks:.1f}): only worsening is judged yet."],
            reading,
            band,
        )
    acceptable = figures.acceptable_leg_pain_below.value
    if reading.current_leg_pain < acceptable:
        return result(
            "on_track",
            [f"Leg pain {reading.current_leg_pain:g}/10 is mild (below {acceptable:g})."],
            reading,
            band,
        )
    if change.meets_mcid:
        return result("on_track", [_improvement_text(change, met=True)], reading, band)

    below = _improvement_text(change, met=False)
    trend = reading.trend
    improving_enough = (
        trend is not None
        and -trend.slope_per_week * smoothing.trend_window_days / 7
        >= smoothing.flat_improvement_per_window
    )
    if band_row.stall_means == "slow":
        return result("slow", [below, "Too early to call a plateau."], reading, band)
    if improving_enough:
        assert trend is not None
        return result("slow", [below, _trend_text(trend) + " Still improving."], reading, band)
    if trend is None:
        return result(
            "plateau", [below, "Trend not measurable; treated as not improving."], reading, band
        )
    return result("plateau", [below, _trend_text(trend) + " Not improving."], reading, band)


def _read(points: tuple[HistoryPoint, ...], figures: RecoveryFigures) -> _Reading:
    smoothing = figures.smoothing
    series = [(point.days_since_surgery, float(point.leg_pain)) for point in points]
    last_day = series[-1][0]
    current = window_median(series, end_day=last_day, days=smoothing.current_window_days)
    assert current is not None
    window_start = last_day - smoothing.current_window_days
    earlier = [
        level
        for day, level in rolling_medians(series, days=smoothing.current_window_days)
        if day <= window_start
    ]
    recent = [(day, value) for day, value in series if day > last_day - smoothing.trend_window_days]
    trend = None
    span = recent[-1][0] - recent[0][0]
    if len(recent) >= smoothing.min_trend_points and span >= smoothing.min_trend_span_days:
        slope = theil_sen_slope(recent)
        if slope is not None:
            trend = Trend(
                slope_per_week=round(slope * 7, 4),
                window_days=smoothing.trend_window_days,
                points=len(recent),
                first_day=recent[0][0],
                last_day=last_day,
            )
    odi_series = [
        (point.days_since_surgery, float(point.function_odi))
        for point in points
        if point.function_odi is not None
    ]
    current_odi = (
        window_median(odi_series, end_day=last_day, days=smoothing.trend_window_days)
        if odi_series
        else None
    )
    return _Reading(
        points=points,
        current_leg_pain=current,
        best_earlier_leg_pain=min(earlier) if earlier else None,
        trend=trend,
        current_odi=current_odi,
    )


def _worsening_reasons(
    reading: _Reading, history: PatientHistory, figures: RecoveryFigures
) -> list[str]:
    mcid = figures.mcid["leg_pain"].points
    window_weeks = figures.smoothing.trend_window_days / 7
    reasons: list[str] = []
    trend = reading.trend
    rise = trend.slope_per_week * window_weeks if trend else 0.0
    if trend is not None and rise >= mcid:
        reasons.append(
            f"Leg pain trend rising by {rise:.1f} points per {figures.smoothing.trend_window_days}"
            f" days (MCID {mcid:g})."
        )
    not_improving = trend is None or trend.slope_per_week >= 0
    best = reading.best_earlier_leg_pain
    if best is not None and not_improving and reading.current_leg_pain - best >= mcid:
        reasons.append(
            f"Leg pain {reading.current_leg_pain:g}/10 is {reading.current_leg_pain - best:g}"
            f" points above its best level since surgery ({best:g}); MCID {mcid:g}."
        )
    baseline = history.baseline
    if baseline is not None and reading.current_leg_pain - baseline.leg_pain >= mcid:
        reasons.append(
            f"Leg pain {reading.current_leg_pain:g}/10 is worse than before surgery"
            f" ({baseline.leg_pain}) by at least the MCID ({mcid:g})."
        )
    odi_mcid = figures.mcid["function_odi"].points
    if (
        baseline is not None
        and baseline.function_odi is not None
        and reading.current_odi is not None
        and reading.current_odi - baseline.function_odi >= odi_mcid
    ):
        reasons.append(
            f"ODI {reading.current_odi:g} is worse than before surgery ({baseline.function_odi})"
            f" by at least the MCID ({odi_mcid:g})."
        )
    return reasons


def _band(
    figures: RecoveryFigures,
    family: ProcedureFamily,
    weeks: float,
    from_week: float,
    baseline_leg_pain: int | None,
) -> ExpectedBand:
    row = figures.band_at(family, weeks)
    mcid = figures.mcid["leg_pain"]
    upper = None
    if row.judged and baseline_leg_pain is not None:
        by_points = baseline_leg_pain - mcid.points
        by_percent = baseline_leg_pain * (1 - mcid.percent / 100)
        upper = round(
            min(by_points, by_percent) if mcid.rule == "both" else max(by_points, by_percent), 3
        )
    return ExpectedBand(
        procedure_family=family,
        weeks_since_surgery=round(weeks, 2),
        from_week=from_week,
        judged=row.judged,
        min_improvement_points=mcid.points if row.judged else None,
        min_improvement_percent=mcid.percent if row.judged else None,
        leg_pain_upper=upper,
        typical=row.typical,
        sources=row.sources,
    )


def _change(  # noqa: PLR0911 - one return per measure and missing input
    history: PatientHistory,
    reading: _Reading | None,
    figures: RecoveryFigures,
    measure: str,
) -> MeasureChange | None:
    baseline = history.baseline
    if baseline is None or reading is None:
        return None
    if measure == "leg_pain":
        return measure_change(
            "leg_pain",
            baseline=baseline.leg_pain,
            current=reading.current_leg_pain,
            mcid=figures.mcid["leg_pain"],
        )
    if measure == "back_pain":
        series = [
            (p.days_since_surgery, float(p.back_pain))
            for p in reading.points
            if p.back_pain is not None
        ]
        if baseline.back_pain is None or not series:
            return None
        current = window_median(
            series,
            end_day=reading.points[-1].days_since_surgery,
            days=figures.smoothing.current_window_days,
        )
        if current is None:
            return None
        return measure_change(
            "back_pain",
            baseline=baseline.back_pain,
            current=current,
            mcid=figures.mcid["back_pain"],
        )
    if baseline.function_odi is None or reading.current_odi is None:
        return None
    return measure_change(
        "function_odi",
        baseline=baseline.function_odi,
        current=reading.current_odi,
        mcid=figures.mcid["function_odi"],
    )


def _improvement_text(change: MeasureChange, *, met: bool) -> str:
    percent = "n/a" if change.improvement_percent is None else f"{change.improvement_percent:.0f}%"
    verdict = "meets" if met else "is below"
    return (
        f"Leg pain improved {change.improvement_points:g} points ({percent}) from"
        f" {change.baseline:g}; {verdict} the MCID ({change.mcid_points:g} points and"
        f" {change.mcid_percent:g}%)."
    )


def _trend_text(trend: Trend) -> str:
    return (
        f"Trend {trend.slope_per_week:+.2f} points/week over {trend.points} check-ins"
        f" (days {trend.first_day}-{trend.last_day})."
    )


def _figures_used(
    figures: RecoveryFigures, family: ProcedureFamily, from_week: float
) -> tuple[FigureUsed, ...]:
    used: list[FigureUsed] = []
    for measure, mcid in figures.mcid.items():
        used.append(
            FigureUsed(
                key=f"mcid.{measure}.points", value=mcid.points, unit="points", sources=mcid.sources
            )
        )
        used.append(
            FigureUsed(
                key=f"mcid.{measure}.percent", value=mcid.percent, unit="%", sources=mcid.sources
            )
        )
    acceptable = figures.acceptable_leg_pain_below
    used.append(
        FigureUsed(
            key="acceptable_leg_pain_below",
            value=acceptable.value,
            unit="NRS",
            sources=acceptable.sources,
        )
    )
    row = figures.band_at(family, from_week)
    used.append(
        FigureUsed(
            key=f"bands.{family}.from_week_{from_week:g}",
            value=from_week,
            unit="weeks",
            sources=row.sources,
        )
    )
    smoothing = figures.smoothing
    for name in ("current_window_days", "trend_window_days", "stale_after_days"):
        used.append(
            FigureUsed(
                key=f"smoothing.{name} (project rule)",
                value=float(getattr(smoothing, name)),
                unit="days",
                sources=(),
            )
        )
    used.append(
        FigureUsed(
            key="smoothing.flat_improvement_per_window (project rule)",
            value=smoothing.flat_improvement_per_window,
            unit="points",
            sources=(),
        )
    )
    return tuple(used)
