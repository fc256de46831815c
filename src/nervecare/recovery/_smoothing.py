"""Noise-robust summaries of a pain series: window medians and the Theil-Sen slope.

Daily pain scores jump by a point or two from one day to the next. A median of a window ignores
single odd days, and the Theil-Sen slope (median of all pairwise slopes) tolerates up to about
29% outlying points, where an ordinary least-squares line would be pulled about by them.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

__all__ = ["Series", "rolling_medians", "theil_sen_slope", "window_median"]

#: (day since surgery, value) pairs in time order.
Series = Sequence[tuple[int, float]]


def window_median(series: Series, *, end_day: int, days: int) -> float | None:
    """Median of the values in the `days` days ending on `end_day` (inclusive)."""
    values = [value for day, value in series if end_day - days < day <= end_day]
    return median(values) if values else None


def rolling_medians(series: Series, *, days: int) -> list[tuple[int, float]]:
    """The window median ending at each point: the smoothed course, one value per check-in."""
    smoothed: list[tuple[int, float]] = []
    for day, _ in series:
        level = window_median(series, end_day=day, days=days)
        assert level is not None  # the point itself is in its own window
        smoothed.append((day, level))
    return smoothed


def theil_sen_slope(series: Series) -> float | None:
    """Median of the slopes between every pair of points on different days; None if none."""
    slopes = [
        (value_b - value_a) / (day_b - day_a)
        for index, (day_a, value_a) in enumerate(series)
        for day_b, value_b in series[index + 1 :]
        if day_b != day_a
    ]
    return median(slopes) if slopes else None
