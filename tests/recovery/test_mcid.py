"""Change from baseline against the cited MCIDs (trajectory.yaml, Ostelo 2008 consensus)."""

from __future__ import annotations

import pytest

from nervecare.recovery import load_recovery_figures
from nervecare.recovery._figures import Mcid
from nervecare.recovery._measures import measure_change, meets_mcid


@pytest.fixture(scope="module")
def leg_mcid() -> Mcid:
    return load_recovery_figures().mcid["leg_pain"]


def test_leg_pain_mcid_is_the_cited_consensus_figure(leg_mcid: Mcid) -> None:
    """Leg pain MCID is 2 NRS points and 30%, both required, citing Ostelo 2008."""
    assert (leg_mcid.points, leg_mcid.percent, leg_mcid.rule) == (2.0, 30.0, "both")
    assert "rec_ostelo_2008_mic" in leg_mcid.sources


def test_odi_mcid_is_the_cited_consensus_figure() -> None:
    """ODI MCID is 10 points and 30% (Ostelo 2008)."""
    odi = load_recovery_figures().mcid["function_odi"]
    assert (odi.points, odi.percent) == (10.0, 30.0)


@pytest.mark.parametrize(
    ("baseline", "current", "met"),
    [
        (8, 6, False),  # exactly 2 points but 25%: percent not met
        (6, 4, True),  # exactly 2 points and 33%: met
        (10, 7, True),  # exactly 30% and 3 points: met
        (10, 7.1, False),  # 29% just below the percent cut-off
        (5, 3.5, False),  # 30% but 1.5 points: points not met
        (5, 3, True),  # 2 points and 40%
        (7, 7, False),  # no change
        (4, 6, False),  # worse
    ],
)
def test_leg_pain_mcid_at_and_just_below_threshold(
    leg_mcid: Mcid, baseline: int, current: float, met: bool
) -> None:
    """Exactly at the MCID counts; just below it does not (both points and percent needed)."""
    change = measure_change("leg_pain", baseline=baseline, current=current, mcid=leg_mcid)
    assert change.meets_mcid is met


@pytest.mark.parametrize(
    ("baseline", "current", "met"),
    [(50, 40, False), (30, 20, True), (40, 28, True), (40, 29, False), (60, 42, True)],
)
def test_odi_mcid_at_and_just_below_threshold(baseline: int, current: int, met: bool) -> None:
    """ODI: 10 points and 30% are both required (50 -> 40 is 10 points but only 20%)."""
    odi = load_recovery_figures().mcid["function_odi"]
    assert (
        measure_change("function_odi", baseline=baseline, current=current, mcid=odi).meets_mcid
        is met
    )


def test_percent_change_is_reported_in_points_and_percent(leg_mcid: Mcid) -> None:
    """Improvement 8 -> 5 is 3 points and 37.5%."""
    change = measure_change("leg_pain", baseline=8, current=5, mcid=leg_mcid)
    assert (change.improvement_points, change.improvement_percent) == (3.0, 37.5)


def test_zero_baseline_has_no_percent_and_cannot_meet_mcid(leg_mcid: Mcid) -> None:
    """A baseline of 0 cannot improve: percent is None and the MCID is not met."""
    change = measure_change("leg_pain", baseline=0, current=0, mcid=leg_mcid)
    assert change.improvement_percent is None
    assert change.meets_mcid is False


def test_either_rule_accepts_one_criterion(leg_mcid: Mcid) -> None:
    """With rule 'either', 2 points at 25% is enough."""
    either = leg_mcid.model_copy(update={"rule": "either"})
    assert meets_mcid(improvement_points=2, improvement_percent=25, mcid=either)
