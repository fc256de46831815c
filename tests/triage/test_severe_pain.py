"""Severe pain is never told it is a normal recovery unless the medicine controls it.

The clinical review found 9/10 leg pain at day 10 with the medicine helping only "partly", 9/10
"not taking" it, and 10/10 with the relief question unanswered all given self care ("Your answers
fit with a normal recovery"). Each band edge of the pain rules is pinned here.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.checkin import parse_checkin
from nervecare.triage import TriageResult, level_rank, triage

DAY_10 = {"days_since_surgery": 10, "procedure": "discectomy"}
NOT_CONTROLLED = ("partly", "not_taking", None)


def _triage(**answers: Any) -> TriageResult:
    document = DAY_10 | {name: value for name, value in answers.items() if value is not None}
    return triage(parse_checkin(document))


def _codes(result: TriageResult) -> set[str]:
    return {reason.code for reason in result.reasons}


@pytest.mark.parametrize("relief", NOT_CONTROLLED)
@pytest.mark.parametrize("field", ["leg_pain", "back_pain"])
def test_severe_pain_the_medicine_does_not_control_reaches_the_team(
    field: str, relief: str | None
) -> None:
    """7/10 or more, with the medicine helping only partly, not taken or not answered: routine."""
    answers = {"leg_pain": 2, field: 7, "pain_relieved_by_medication": relief}
    result = _triage(**answers)
    assert result.level == "routine"
    assert "pain.severe_not_controlled" in _codes(result)
    assert "prescribed pain relief" in result.advice
    assert "normal recovery" not in result.advice


@pytest.mark.parametrize("relief", NOT_CONTROLLED)
def test_six_out_of_ten_is_below_the_severe_band(relief: str | None) -> None:
    """The band starts at 7: 6/10 in the first weeks is not by itself a message to the team."""
    result = _triage(leg_pain=6, back_pain=6, pain_relieved_by_medication=relief)
    assert "pain.severe_not_controlled" not in _codes(result)


@pytest.mark.parametrize("pain", [7, 10])
def test_severe_pain_the_medicine_controls_fits_a_normal_recovery(pain: int) -> None:
    """The patient says the medicine helps: no message is needed for the score alone."""
    result = _triage(leg_pain=pain, pain_relieved_by_medication="yes")
    assert result.level == "self_care"


@pytest.mark.parametrize("pain", [7, 10])
def test_severe_pain_the_medicine_does_not_relieve_is_urgent(pain: int) -> None:
    result = _triage(leg_pain=pain, pain_relieved_by_medication="no")
    assert result.level == "urgent"
    assert "pain.severe_unrelieved" in _codes(result)


@pytest.mark.parametrize("change", ["worse", "much_worse"])
@pytest.mark.parametrize("relief", ["yes", "partly", "not_taking", None])
def test_worsening_severe_pain_is_urgent_whatever_the_medicine(
    change: str, relief: str | None
) -> None:
    result = _triage(leg_pain=7, leg_pain_change=change, pain_relieved_by_medication=relief)
    assert result.level == "urgent"
    assert "pain.severe_worsening" in _codes(result)


def test_worsening_pain_below_the_severe_band_is_not_urgent_for_the_score() -> None:
    result = _triage(leg_pain=6, leg_pain_change="worse", pain_relieved_by_medication="yes")
    assert "pain.severe_worsening" not in _codes(result)


def test_the_review_cases_are_no_longer_normal_recovery() -> None:
    """The four cases the clinical review reported, exactly as reported."""
    assert _triage(leg_pain=9, pain_relieved_by_medication="partly").level == "routine"
    assert _triage(leg_pain=9, pain_relieved_by_medication="not_taking").level == "routine"
    assert _triage(leg_pain=10).level == "routine"
    much_worse = _triage(
        leg_pain=10, leg_pain_change="much_worse", pain_relieved_by_medication="not_taking"
    )
    assert much_worse.level == "urgent"


def test_an_unanswered_relief_question_is_named_in_the_evidence() -> None:
    (reason,) = _triage(leg_pain=8).reasons
    assert "pain_relieved_by_medication: not answered" in reason.evidence


@given(
    pain=st.integers(7, 10),
    days=st.integers(0, 3650),
    relief=st.sampled_from(NOT_CONTROLLED),
    change=st.sampled_from([None, "much_better", "better", "same", "worse", "much_worse"]),
)
def test_severe_uncontrolled_pain_is_never_self_care(
    pain: int, days: int, relief: str | None, change: str | None
) -> None:
    """Whatever the day and the trend, severe pain the medicine does not control is at least
    routine and never 'a normal recovery'."""
    document = {
        "days_since_surgery": days,
        "leg_pain": pain,
        **({"pain_relieved_by_medication": relief} if relief else {}),
        **({"leg_pain_change": change} if change else {}),
    }
    result = triage(parse_checkin(document))
    assert level_rank(result.level) >= level_rank("routine")
    assert "normal recovery" not in result.advice
