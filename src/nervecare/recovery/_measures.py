"""Change from baseline for one measure, against its published MCID."""

from __future__ import annotations

from typing import Literal

from nervecare.recovery._figures import Mcid
from nervecare.recovery.models import MeasureChange

__all__ = ["measure_change", "meets_mcid"]


def meets_mcid(*, improvement_points: float, improvement_percent: float | None, mcid: Mcid) -> bool:
    """Whether an improvement reaches the MCID under the data file's rule.

    With a baseline of 0 there is no percentage; the points alone decide (and cannot be met).
    """
    points_met = improvement_points >= mcid.points
    if improvement_percent is None:
        return points_met
    percent_met = improvement_percent >= mcid.percent
    return points_met and percent_met if mcid.rule == "both" else points_met or percent_met


def measure_change(
    measure: Literal["leg_pain", "back_pain", "function_odi"],
    *,
    baseline: float,
    current: float,
    mcid: Mcid,
) -> MeasureChange:
    """Improvement is baseline minus current: lower scores are better on every scale used."""
    improvement = baseline - current
    percent = None if baseline == 0 else 100.0 * improvement / baseline
    return MeasureChange(
        measure=measure,
        baseline=baseline,
        current=current,
        improvement_points=round(improvement, 3),
        improvement_percent=None if percent is None else round(percent, 3),
        mcid_points=mcid.points,
        mcid_percent=mcid.percent,
        meets_mcid=meets_mcid(
            improvement_points=improvement, improvement_percent=percent, mcid=mcid
        ),
    )
