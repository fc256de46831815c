"""Invariants of the trajectory, checked with hypothesis."""

from __future__ import annotations

from hypothesis import assume, given

from nervecare.recovery import PatientHistory, assess_trajectory
from tests.recovery.histories import any_history, history, improving_series_with_noise, on_day


@given(any_history())
def test_any_history_classifies_without_error_and_deterministically(
    case: tuple[PatientHistory, int],
) -> None:
    """Every history gets a class (never a crash), the same one every time."""
    built, day = case
    first = assess_trajectory(built, on=on_day(day))
    again = assess_trajectory(built, on=on_day(day))
    assert first == again
    assert first.reasons


@given(improving_series_with_noise())
def test_noisy_improving_series_is_never_worsening_when_trend_improves(
    case: tuple[int, list[tuple[int, int]]],
) -> None:
    """+-1 noise on a steady improvement never gives 'worsening' while the trend improves."""
    baseline, series = case
    result = assess_trajectory(history(series, baseline_leg=baseline), on=on_day(series[-1][0]))
    assume(result.trend is not None and result.trend.slope_per_week < 0)
    assert result.classification != "worsening"
    assert result.classification in {"on_track", "slow", "plateau"}


@given(improving_series_with_noise())
def test_noisy_improving_series_is_on_track_or_slow_when_clearly_improving(
    case: tuple[int, list[tuple[int, int]]],
) -> None:
    """When the smoothed trend improves by at least 1 point per 28 days, on_track or slow."""
    baseline, series = case
    result = assess_trajectory(history(series, baseline_leg=baseline), on=on_day(series[-1][0]))
    assume(result.trend is not None and -result.trend.slope_per_week * 4 >= 1.0)
    assert result.classification in {"on_track", "slow"}
