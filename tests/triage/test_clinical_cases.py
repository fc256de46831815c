"""Triage of structured answers, case by case against the ruleset's cited thresholds.

Each row: the answers that differ from a quiet day-12 check-in, the level expected, and the rule
code that must appear among the reasons.
"""

from __future__ import annotations

from typing import Any

import pytest

from nervecare.checkin import parse_checkin
from nervecare.triage import TriageResult, triage

QUIET_DAY_12: dict[str, Any] = {
    "days_since_surgery": 12,
    "procedure": "discectomy",
    "leg_pain": 3,
    "back_pain": 3,
    "leg_pain_change": "better",
    "pain_relieved_by_medication": "yes",
    # Every red-flag question answered: left out, it is listed as unanswered, never read as "no".
    "bladder": [],
    "bowel": [],
    "saddle_numbness": "none",
    "both_legs": "none",
    "leg_weakness": "none",
    "foot_drop": "none",
    "chest_pain_or_breathlessness": False,
}


def _triage(**answers: Any) -> TriageResult:
    return triage(parse_checkin(QUIET_DAY_12 | answers))


CASES = [
    # cauda equina syndrome: every sign, new or worsening, is an emergency
    ({"bladder": ["retention"]}, "emergency", "cauda_equina.urinary_retention"),
    ({"bladder": ["incontinence"]}, "emergency", "cauda_equina.urinary_incontinence"),
    ({"bladder": ["reduced_sensation"]}, "emergency", "cauda_equina.bladder_sensation"),
    ({"bladder": ["difficulty_starting"]}, "emergency", "cauda_equina.difficulty_starting_urine"),
    ({"bladder": ["poor_stream"]}, "emergency", "cauda_equina.poor_stream"),
    ({"bowel": ["incontinence"]}, "emergency", "cauda_equina.bowel_incontinence"),
    ({"bowel": ["reduced_sensation"]}, "emergency", "cauda_equina.rectal_sensation"),
    ({"saddle_numbness": "new"}, "emergency", "cauda_equina.saddle_numbness"),
    ({"saddle_numbness": "worsening"}, "emergency", "cauda_equina.saddle_numbness"),
    ({"both_legs": "new"}, "emergency", "cauda_equina.both_legs"),
    ({"both_legs": "worsening"}, "emergency", "cauda_equina.both_legs"),
    (
        {"both_legs": "stable", "leg_weakness": "worsening"},
        "emergency",
        "cauda_equina.progressive_weakness_both_legs",
    ),
    # present but stable, or unlikely to mean CES on its own: never lowered to self care
    # GIRFT: new within 14 days is an emergency; the check-in cannot date the onset, so in the
    # first 14 days after surgery any saddle numbness is read as new (day 12 here).
    (
        {"saddle_numbness": "stable"},
        "emergency",
        "cauda_equina.saddle_numbness_first_two_weeks",
    ),
    (
        {"saddle_numbness": "improving"},
        "emergency",
        "cauda_equina.saddle_numbness_first_two_weeks",
    ),
    (
        {"saddle_numbness": "stable", "days_since_surgery": 15},
        "urgent",
        "cauda_equina.saddle_numbness_known",
    ),
    (
        {"saddle_numbness": "improving", "days_since_surgery": 15},
        "routine",
        "cauda_equina.saddle_numbness_improving",
    ),
    ({"sexual_dysfunction": "new"}, "urgent", "cauda_equina.sexual_dysfunction"),
    ({"sexual_dysfunction": "stable"}, "routine", "cauda_equina.sexual_dysfunction_known"),
    ({"both_legs": "stable"}, "routine", "cauda_equina.both_legs_known"),
    ({"bladder": ["urgency"]}, "routine", "urinary.urgency_or_frequency"),
    ({"bladder": ["frequency"]}, "routine", "urinary.urgency_or_frequency"),
    # nerve deficit: new or worsening is urgent; stable is known; improving is expected
    ({"foot_drop": "new"}, "urgent", "neuro.foot_drop"),
    ({"foot_drop": "worsening"}, "urgent", "neuro.foot_drop"),
    ({"leg_weakness": "new"}, "urgent", "neuro.leg_weakness"),
    ({"foot_drop": "stable"}, "routine", "neuro.deficit_known"),
    ({"leg_weakness": "stable"}, "routine", "neuro.deficit_known"),
    ({"leg_numbness": "worsening"}, "urgent", "neuro.leg_numbness_worsening"),
    ({"leg_numbness": "new"}, "routine", "neuro.leg_numbness_new"),
    # pain
    (
        {"pain_onset_sudden": True, "pain_relieved_by_medication": "no"},
        "urgent",
        "pain.sudden_unrelieved",
    ),
    (
        {"leg_pain_change": "much_worse", "pain_relieved_by_medication": "no"},
        "urgent",
        "pain.sudden_unrelieved",
    ),
    ({"leg_pain": 7, "pain_relieved_by_medication": "no"}, "urgent", "pain.severe_unrelieved"),
    ({"back_pain": 9, "pain_relieved_by_medication": "no"}, "urgent", "pain.severe_unrelieved"),
    (
        {"pain_onset_sudden": True, "pain_relieved_by_medication": "partly"},
        "routine",
        "pain.worse_partly_relieved",
    ),
    ({"days_since_surgery": 42, "leg_pain": 4}, "routine", "pain.not_improving_after_six_weeks"),
    (
        {"days_since_surgery": 90, "leg_pain": 2, "leg_pain_change": "worse"},
        "routine",
        "pain.not_improving_after_six_weeks",
    ),
    # infection and wound (lowest post-operative fever threshold found: 38.0 °C)
    ({"temperature_c": 38.0}, "urgent", "infection.fever"),
    ({"temperature_c": 39.4}, "urgent", "infection.fever"),
    ({"wound": ["pus"]}, "urgent", "infection.wound_discharge"),
    ({"wound": ["drainage"]}, "urgent", "infection.wound_discharge"),
    ({"wound": ["redness"]}, "urgent", "infection.wound_inflamed"),
    ({"wound": ["warmth"]}, "urgent", "infection.wound_inflamed"),
    ({"wound": ["opening"]}, "urgent", "infection.wound_opening"),
    ({"wound": ["bleeding"]}, "urgent", "wound.bleeding"),
    # clots and spinal fluid leak
    ({"chest_pain_or_breathlessness": True}, "emergency", "vte.pulmonary_embolism"),
    ({"calf_pain_or_swelling": True}, "urgent", "vte.deep_vein_thrombosis"),
    ({"headache_when_upright": True}, "urgent", "csf_leak.headache_when_upright"),
    (
        {"headache_when_upright": True, "temperature_c": 38.2},
        "emergency",
        "csf_leak.headache_with_fever",
    ),
    # a headache that is not postural: sudden and very severe, or with a stiff neck (NICE CG150
    # 1.1.1, NG228 1.1.3, NG240 1.1.4)
    ({"headache_sudden_or_stiff_neck": True}, "emergency", "headache.sudden_or_stiff_neck"),
    (
        {"headache_sudden_or_stiff_neck": True, "temperature_c": 39.1},
        "emergency",
        "headache.sudden_or_stiff_neck",
    ),
    (
        {"headache_sudden_or_stiff_neck": True, "headache_when_upright": True},
        "emergency",
        "headache.sudden_or_stiff_neck",
    ),
]


@pytest.mark.parametrize(("answers", "level", "code"), CASES)
def test_structured_answer_sets_the_cited_level(
    answers: dict[str, Any], level: str, code: str
) -> None:
    """Each red flag gives its level, with the rule that fired among the reasons."""
    result = _triage(**answers)
    assert result.level == level
    assert code in [reason.code for reason in result.reasons]
    assert result.reasons[0].level == level, "the most urgent reason comes first"


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"temperature_c": 37.9},
        {"days_since_surgery": 41, "leg_pain": 6},
        {"days_since_surgery": 42, "leg_pain": 3},
        {"leg_pain": 6, "pain_relieved_by_medication": "no"},
        {"leg_pain_change": "worse", "pain_relieved_by_medication": "no"},
        {"bowel": ["constipation"]},
        {"foot_drop": "improving", "leg_weakness": "improving"},
        {"leg_numbness": "improving"},
        {"both_legs": "improving"},
    ],
)
def test_just_below_a_threshold_or_expected_recovery_is_self_care(answers: dict[str, Any]) -> None:
    """Answers that fit a normal recovery, or sit just below a cited threshold, are self care."""
    result = _triage(**answers)
    assert result.level == "self_care"
    assert result.reasons == ()


def test_a_headache_that_is_neither_sudden_nor_with_a_stiff_neck_is_not_an_emergency() -> None:
    """Answered no, the sign adds nothing; a fever with it stays the urgent fever rule (CG150
    1.1.1 asks only that a worsening headache with fever be evaluated)."""
    assert _triage(headache_sudden_or_stiff_neck=False).level == "self_care"
    result = _triage(headache_sudden_or_stiff_neck=False, temperature_c=38.4)
    assert result.level == "urgent"
    assert [reason.code for reason in result.reasons] == ["infection.fever"]


def test_the_sudden_or_stiff_neck_headache_is_reported_with_the_fever() -> None:
    """With a temperature of 38.0 or more both reasons are given, the emergency first."""
    result = _triage(headache_sudden_or_stiff_neck=True, temperature_c=38.0)
    codes = [reason.code for reason in result.reasons]
    assert codes[0] == "headache.sudden_or_stiff_neck"
    assert "infection.fever" in codes


def test_the_higher_of_two_findings_wins_and_both_are_reported() -> None:
    """A check-in with an urgent and an emergency sign is an emergency, with both reasons."""
    result = _triage(wound=["pus"], bladder=["retention"])
    assert result.level == "emergency"
    assert [r.level for r in result.reasons] == ["emergency", "urgent"]


def test_within_a_group_only_the_most_urgent_reason_is_reported() -> None:
    """New saddle numbness is reported once, not again as 'known' and 'improving'."""
    codes = [r.code for r in _triage(saddle_numbness="new", days_since_surgery=20).reasons]
    assert codes == ["cauda_equina.saddle_numbness"]


def test_new_saddle_numbness_in_the_first_two_weeks_leads_with_the_new_sign() -> None:
    """Day 12: the 'new' rule comes first; the two-week rule (same level) may follow it."""
    result = _triage(saddle_numbness="new")
    assert result.level == "emergency"
    assert result.reasons[0].code == "cauda_equina.saddle_numbness"


@pytest.mark.parametrize(
    ("days", "phrase"),
    [(0, "first two weeks"), (13, "first two weeks"), (14, "two weeks"), (60, "six weeks")],
)
def test_self_care_advice_fits_the_days_since_surgery(days: int, phrase: str) -> None:
    """Self-care advice changes with the phase of recovery."""
    result = _triage(days_since_surgery=days, leg_pain=1)
    assert result.level == "self_care"
    assert phrase in result.advice


@pytest.mark.parametrize(
    ("answers", "first_words"),
    [
        ({"bladder": ["retention"]}, "Go to your nearest emergency department now"),
        ({"wound": ["pus"]}, "Call your surgical team today"),
        ({"bladder": ["urgency"]}, "Let your care team know"),
        ({}, "Your answers fit with a normal recovery"),
    ],
)
def test_advice_starts_with_what_to_do(answers: dict[str, Any], first_words: str) -> None:
    """The advice's first words tell the patient what to do, then why, then the disclaimer."""
    advice = _triage(**answers).advice
    assert advice.startswith(first_words)
    assert "does not replace your care team" in advice


def test_unknown_fields_give_a_warning_not_silence() -> None:
    """A misspelt field cannot pass silently: the result warns that it was not used."""
    result = triage(parse_checkin(QUIET_DAY_12 | {"bladdder": ["retention"]}))
    assert any("bladdder" in warning for warning in result.warnings)


def test_evidence_names_the_answers_that_triggered_the_rule() -> None:
    """Evidence quotes the fields and values behind the reason."""
    reason = _triage(leg_pain=9, pain_relieved_by_medication="no").reasons[0]
    assert "leg_pain: 9" in reason.evidence
    assert "pain_relieved_by_medication: no" in reason.evidence
