"""Triage contract v2: what the patient definitely reported sets the level; what the notes only
possibly say is asked first (`confirm`), and an unanswered red-flag question is never a "no".

The engine is tested directly with findings, so these properties hold whatever reader runs.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervecare.checkin import LIST_FIELDS, ORDINAL_FIELDS, parse_checkin
from nervecare.triage import (
    ConfirmAnswer,
    NoteFinding,
    TriageResult,
    evaluate,
    level_rank,
    load_questions,
    load_ruleset,
)
from tests.strategies import checkin_documents

many = settings(max_examples=300)

QUIET: dict[str, Any] = {
    "days_since_surgery": 10,
    "leg_pain": 2,
    "back_pain": 2,
    "leg_pain_change": "better",
    "pain_relieved_by_medication": "yes",
    "leg_weakness": "none",
    "foot_drop": "none",
    "leg_numbness": "none",
    "saddle_numbness": "none",
    "both_legs": "none",
    "chest_pain_or_breathlessness": False,
    "bladder": [],
    "bowel": [],
}


def _finding(field: str, value: Any, certainty: str = "possible") -> NoteFinding:
    return NoteFinding(
        field=field, value=value, evidence=f"words about {field}", certainty=certainty
    )


@st.composite
def note_findings(draw: st.DrawFn) -> NoteFinding:
    """Any finding a reader may hand the engine, definite or possible."""
    kind = draw(st.sampled_from(("list", "ordinal", "boolean", "temperature")))
    if kind == "list":
        field = draw(st.sampled_from(sorted(LIST_FIELDS)))
        value: Any = draw(st.sampled_from(LIST_FIELDS[field]))
    elif kind == "ordinal":
        field = draw(st.sampled_from(sorted(ORDINAL_FIELDS)))
        value = draw(st.sampled_from(ORDINAL_FIELDS[field][1:]))
    elif kind == "boolean":
        field = draw(
            st.sampled_from(
                ("calf_pain_or_swelling", "chest_pain_or_breathlessness", "headache_when_upright")
            )
        )
        value = True
    else:
        field, value = "temperature_c", draw(st.floats(36.0, 41.0))
    certainty = draw(st.sampled_from(("definite", "possible")))
    return _finding(field, value, certainty)


def _triage(document: dict[str, Any], findings: list[NoteFinding], **kw: Any) -> TriageResult:
    return evaluate(parse_checkin(document), load_ruleset(), note_findings=findings, **kw)


@many
@given(checkin_documents(), st.lists(note_findings(), max_size=5))
def test_possible_findings_never_set_the_level(
    document: dict[str, Any], findings: list[NoteFinding]
) -> None:
    """The level is what the definite findings alone give; the possible ones only ask."""
    definite = [f for f in findings if f.certainty == "definite"]
    assert _triage(document, findings).level == _triage(document, definite).level


@many
@given(checkin_documents(), st.lists(note_findings(), max_size=5))
def test_status_is_needs_confirmation_exactly_when_there_is_something_to_ask(
    document: dict[str, Any], findings: list[NoteFinding]
) -> None:
    result = _triage(document, findings)
    assert (result.status == "needs_confirmation") == bool(result.confirm)


@many
@given(checkin_documents(), st.lists(note_findings(), max_size=5))
def test_every_question_could_raise_the_level_and_the_most_urgent_comes_first(
    document: dict[str, Any], findings: list[NoteFinding]
) -> None:
    result = _triage(document, findings)
    ranks = [level_rank(q.level) for q in result.confirm]
    assert all(rank > level_rank(result.level) for rank in ranks)
    assert ranks == sorted(ranks, reverse=True)
    assert len({q.key for q in result.confirm}) == len(result.confirm)


@many
@given(
    checkin_documents(),
    st.lists(note_findings(), min_size=1, max_size=5),
    st.sampled_from(("yes", "not_sure")),
)
def test_confirming_a_question_gives_at_least_its_level(
    document: dict[str, Any], findings: list[NoteFinding], answer: ConfirmAnswer
) -> None:
    """Yes or not sure is as if ticked: the level follows at once."""
    asked = _triage(document, findings)
    for question in asked.confirm:
        answered = _triage(document, findings, answers={question.key: answer})
        assert level_rank(answered.level) >= level_rank(question.level)
        assert question.key not in {q.key for q in answered.confirm}


@many
@given(checkin_documents(), st.lists(note_findings(), min_size=1, max_size=5))
def test_answering_no_keeps_the_level_and_the_answer(
    document: dict[str, Any], findings: list[NoteFinding]
) -> None:
    asked = _triage(document, findings)
    answers: dict[str, ConfirmAnswer] = {q.key: "no" for q in asked.confirm}
    answered = _triage(document, findings, answers=answers)
    assert answered.level == asked.level
    assert answered.status == "final"
    assert {a.field for a in answered.answers if a.answer == "no"} >= {
        q.field for q in asked.confirm
    }


def test_a_possible_saddle_numbness_asks_and_quotes_the_patient() -> None:
    finding = NoteFinding(
        field="saddle_numbness",
        value="new",
        evidence="only a twinge in the buttock",
        certainty="possible",
    )
    result = _triage(QUIET, [finding])
    assert result.level == "self_care"
    (question,) = result.confirm
    assert question.level == "emergency"
    assert question.code == "cauda_equina.saddle_numbness"
    assert "“only a twinge in the buttock”" in question.question
    assert question.question.rstrip().endswith("?")


def test_parts_of_one_sign_are_asked_at_the_level_of_the_whole_and_a_yes_confirms_it() -> None:
    """ "Much worse, and the tablets do nothing": one reader, the same words, one sign."""
    words = "the pain is much worse and the tablets do nothing"
    parts = [
        NoteFinding(field=field, value=value, evidence=words, certainty="possible", detector="x")
        for field, value in (
            ("leg_pain_change", "much_worse"),
            ("pain_relieved_by_medication", "no"),
        )
    ]
    asked = _triage(QUIET, parts)
    assert {q.level for q in asked.confirm} == {"urgent"}
    answered = _triage(QUIET, parts, answers={"leg_pain_change": "yes"})
    assert answered.level == "urgent"
    assert answered.status == "final"


def test_the_same_sign_definitely_reported_is_an_emergency_without_a_question() -> None:
    result = _triage(QUIET, [_finding("bladder", "retention", "definite")])
    assert result.level == "emergency"
    assert result.status == "final"


def test_a_possible_sign_that_would_not_change_the_advice_is_not_asked() -> None:
    """Already an emergency: asking about a possible urgent sign adds nothing."""
    findings = [
        _finding("bladder", "retention", "definite"),
        _finding("calf_pain_or_swelling", True),
    ]
    assert _triage(QUIET, findings).confirm == ()


def test_questions_are_asked_in_spanish_for_a_spanish_speaker() -> None:
    result = _triage(QUIET, [_finding("bladder", "retention")], language="es")
    assert "orinar" in result.confirm[0].question


@pytest.mark.parametrize("missing", ["bladder", "bowel", "saddle_numbness"])
def test_a_red_flag_question_left_out_is_listed_and_never_read_as_no(missing: str) -> None:
    document = {k: v for k, v in QUIET.items() if k != missing}
    result = _triage(document, [])
    assert missing in result.unanswered
    assert "normal recovery" not in result.advice
    assert "did not answer" in result.advice


def test_a_check_in_answering_every_red_flag_question_lists_none_unanswered() -> None:
    result = _triage(QUIET, [])
    assert result.unanswered == ()
    assert "normal recovery" in result.advice


def test_every_confirm_question_exists_in_both_languages() -> None:
    """Each (field, value) a reader can produce has a question, worded yes-means-the-sign."""
    questions = load_questions()
    for field, values in LIST_FIELDS.items():
        for value in values:
            for language in ("en", "es"):
                assert questions.confirm_question(field, value, "", language)
    for field in (*ORDINAL_FIELDS, "temperature_c", "leg_pain", "back_pain"):
        assert questions.confirm_question(field, "any", "", "en")


def test_every_result_is_valid_under_contract_v2(result_schema: dict[str, Any]) -> None:
    @many
    @given(checkin_documents(), st.lists(note_findings(), max_size=4))
    def check(document: dict[str, Any], findings: list[NoteFinding]) -> None:
        jsonschema.validate(_triage(document, findings).to_json_dict(), result_schema)

    check()
