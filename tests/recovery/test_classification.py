"""Classification case by case against the cited figures (trajectory.yaml)."""

from __future__ import annotations

import pytest

from nervecare.recovery import CLASSIFICATION_CONCERN, assess_trajectory, load_recovery_figures
from tests.recovery.histories import daily, history, on_day


def test_no_checkins_is_insufficient_data_not_a_crash() -> None:
    """An empty history gives insufficient_data with a reason."""
    result = assess_trajectory(history([]), on=on_day(10))
    assert result.classification == "insufficient_data"
    assert result.reasons


def test_fewer_than_minimum_checkins_is_insufficient_data() -> None:
    """Two check-ins are below smoothing.min_points (3)."""
    result = assess_trajectory(history([(1, 5), (2, 5)]), on=on_day(3))
    assert result.classification == "insufficient_data"


def test_stale_history_is_insufficient_data() -> None:
    """No check-in for more than 21 days: the course cannot be judged."""
    result = assess_trajectory(history(daily(6, first=1, last=20)), on=on_day(20 + 22))
    assert result.classification == "insufficient_data"
    assert "No check-in" in result.reasons[0]


def test_checkins_after_the_assessment_date_are_ignored() -> None:
    """Only check-ins up to `on` count: the result is the same as without later ones."""
    early = history(daily(3, first=1, last=30))
    later = history(daily(3, first=1, last=30) + daily(9, first=31, last=60))
    assert (
        assess_trajectory(early, on=on_day(30)).classification
        == assess_trajectory(later, on=on_day(30)).classification
    )


def test_no_baseline_and_no_worsening_is_insufficient_data() -> None:
    """Without a pre-operative score, change cannot be judged."""
    result = assess_trajectory(
        history(daily(5, first=1, last=60), baseline_leg=None), on=on_day(60)
    )
    assert result.classification == "insufficient_data"


def test_no_baseline_still_detects_worsening() -> None:
    """A rising trend is worsening even without a baseline."""
    series = daily(2, first=1, last=30) + daily(6, first=31, last=58)
    result = assess_trajectory(history(series, baseline_leg=None), on=on_day(58))
    assert result.classification == "worsening"


def test_early_phase_is_on_track_unless_worse() -> None:
    """Decompression, week 1: unjudged early phase, on_track."""
    result = assess_trajectory(history(daily(7, first=1, last=7), baseline_leg=8), on=on_day(7))
    assert result.classification == "on_track"
    assert result.expected is not None
    assert result.expected.judged is False


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (5, "on_track"),  # 8 -> 5: 3 points, 37.5%: meets MCID
        (6, "plateau"),  # 8 -> 6: 2 points but 25%: below the band, flat, past week 6
        (2, "on_track"),  # mild leg pain (below 3)
    ],
)
def test_flat_course_after_week_six_against_the_band(level: int, expected: str) -> None:
    """A flat course after week 6 (decompression) is judged against MCID and mild level."""
    result = assess_trajectory(history(daily(level, first=1, last=70)), on=on_day(70))
    assert result.classification == expected


def test_shortfall_in_weeks_two_to_six_is_slow_not_plateau() -> None:
    """Weeks 2-6 after decompression: 'too early to call a plateau' (BASS 2011)."""
    result = assess_trajectory(history(daily(7, first=1, last=28)), on=on_day(28))
    assert result.classification == "slow"


def test_below_band_but_still_improving_is_slow() -> None:
    """Past week 6, below the MCID but improving >= 1 point per 28 days: slow."""
    series = [(day, 9 if day < 50 else (8 if day < 64 else 7)) for day in range(1, 78)]
    result = assess_trajectory(history(series, baseline_leg=9), on=on_day(77))
    assert result.classification in {"slow", "on_track"}
    assert result.classification == "slow"


def test_fusion_is_unjudged_until_week_six() -> None:
    """Fusion: the first routine assessment is at 6 weeks (SPORT)."""
    result = assess_trajectory(
        history(daily(8, first=1, last=35), procedure="fusion"), on=on_day(35)
    )
    assert result.classification == "on_track"
    later = assess_trajectory(
        history(daily(8, first=1, last=50), procedure="fusion"), on=on_day(50)
    )
    assert later.classification == "plateau"


@pytest.mark.parametrize(("rise", "expected"), [(2, "worsening"), (1, "on_track")])
def test_rise_from_best_level_at_and_below_mcid(rise: int, expected: str) -> None:
    """A rise of exactly the MCID (2) from the best level is worsening; 1 point is not."""
    series = daily(2, first=1, last=40) + daily(2 + rise, first=41, last=80)
    result = assess_trajectory(history(series, baseline_leg=8), on=on_day(80))
    assert result.classification == expected


def test_worse_than_before_surgery_by_mcid_is_worsening() -> None:
    """Current leg pain at baseline + 2 is worsening."""
    result = assess_trajectory(history(daily(8, first=1, last=30), baseline_leg=6), on=on_day(30))
    assert result.classification == "worsening"


def test_odi_worse_than_baseline_by_mcid_is_worsening() -> None:
    """ODI 10 points above baseline is worsening even when leg pain is mild."""
    result = assess_trajectory(
        history(daily(2, first=1, last=30), baseline_odi=30, odi_by_day={28: 40}),
        on=on_day(30),
    )
    assert result.classification == "worsening"


def test_single_bad_day_does_not_make_a_steady_course_worsening() -> None:
    """One day at 9 in a steady course at 3 is smoothed away (triage handles sudden change)."""
    series = daily(3, first=1, last=60)
    series[-3] = (58, 9)
    result = assess_trajectory(history(series, baseline_leg=8), on=on_day(60))
    assert result.classification == "on_track"


def test_result_names_the_figures_and_sources_it_used() -> None:
    """The trajectory lists the MCID keys, the band row and the data version."""
    result = assess_trajectory(history(daily(6, first=1, last=70)), on=on_day(70))
    keys = {figure.key for figure in result.figures_used}
    assert {"mcid.leg_pain.points", "mcid.leg_pain.percent", "acceptable_leg_pain_below"} <= keys
    assert any(key.startswith("bands.decompression.from_week_6") for key in keys)
    assert result.data_version == load_recovery_figures().version
    assert result.expected is not None
    assert result.expected.sources


def test_change_from_baseline_is_reported_for_leg_back_and_function() -> None:
    """Leg, back and ODI changes appear when their baselines exist."""
    result = assess_trajectory(
        history(
            daily(4, first=1, last=30),
            baseline_odi=50,
            odi_by_day={28: 30},
            back_pain=3,
            baseline_back=6,
        ),
        on=on_day(30),
    )
    assert result.leg_pain is not None
    assert result.leg_pain.improvement_points == 4
    assert result.back_pain is not None
    assert result.back_pain.meets_mcid is True
    assert result.function is not None
    assert result.function.improvement_points == 20


def test_concern_orders_classes_for_ranking() -> None:
    """Worsening > plateau > slow > insufficient_data > on_track."""
    order = sorted(CLASSIFICATION_CONCERN, key=CLASSIFICATION_CONCERN.__getitem__)
    assert order == ["on_track", "insufficient_data", "slow", "plateau", "worsening"]
