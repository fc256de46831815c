"""The semantic layer never raises from a part of a note that plainly says nothing is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervecare.checkin import parse_checkin
from nervecare.notes import NotesReading
from nervecare.triage import level_rank, triage
from tests.notes.conftest import Reader, answers
from tests.notes.strategies import plain_denials
from tests.played_out import reach

#: Paraphrases the semantic layer (not the rules) must still raise, beside fine-sounding words or
#: uncertain ones.
STILL_RAISED = [
    ("Feel fine in myself, my wee comes out in drips and drabs.", "bladder"),
    ("No problem with my bowels, my wee comes out in drips and drabs.", "bladder"),
    ("I'm fine just my foot sort of falls down when I take a step.", "foot_drop"),
    ("My foot sort of falls down when I take a step, otherwise fine.", "foot_drop"),
    ("I think my foot falls down when I walk.", "foot_drop"),
]


def _semantic_findings(reader: Reader, note: str) -> set[str]:
    return {f.field for f in reader(note).findings if f.detector.startswith("semantic:")}


@settings(max_examples=60, deadline=None)
@given(note=plain_denials())
def test_a_plain_denial_in_any_words_gives_no_semantic_finding(reader: Reader, note: str) -> None:
    """ "No problem with my bladder", "my foot is fine now", "I can wee fine": nothing raised."""
    assert _semantic_findings(reader, note) == set()
    assert reader(note).findings == ()


@pytest.mark.parametrize(
    "note",
    [
        "I don't have any problems with my bladder.",
        "no problem with my bladder",
        "I can lift my foot up fine now.",
        "my foot is not dragging",
        "Not had any issues with my bowels.",
        "I haven't lost control of anything.",
    ],
)
def test_known_false_alarms_from_denials_are_gone(reader: Reader, note: str) -> None:
    """The denials the embedding model used to mistake for red flags now find nothing."""
    assert reader(note).findings == ()


@pytest.mark.parametrize(("note", "field"), STILL_RAISED)
def test_a_paraphrase_beside_fine_words_or_with_doubt_is_still_raised(
    reader: Reader, rules_reader: Reader, note: str, field: str
) -> None:
    """Words that only the semantic layer knows still raise, as possible, next to "fine"."""
    assert field not in {f.field for f in rules_reader(note).findings}
    assert field in _semantic_findings(reader, note)


@pytest.mark.parametrize(
    "note",
    [
        "No feeling in my bum when I sit on the loo.",
        "I have no control over my bladder.",
        "I don't know when my bladder is full any more, no feeling at all.",
        "I can't lift my foot up.",
    ],
)
def test_a_negated_ability_is_a_red_flag_not_a_denial(reader: Reader, note: str) -> None:
    """ "No feeling", "no control", "can't lift": the negation is the symptom; it still counts."""
    assert reader(note).findings != ()


@settings(max_examples=40, deadline=None)
@given(denial=plain_denials(), sentence=st.sampled_from([case[0] for case in STILL_RAISED]))
def test_a_denial_beside_a_red_flag_never_hides_it(
    reader: Reader, denial: str, sentence: str
) -> None:
    """Saying one thing is fine, then describing a red flag, keeps the red flag: every answer
    the rules and the clause-by-clause layers read stays, and the level never drops. (The
    learned reader reads the note whole, so a denial beside a sign may change which of its
    flags it names; what it names never lowers the level, and the level is what this holds.)"""
    alone, beside = reader(sentence), reader(f"{denial} {sentence}")
    assert clause_answers(alone) <= clause_answers(beside)
    assert level_rank(level_of(beside)) >= level_rank(level_of(alone))


def clause_answers(reading: NotesReading) -> set[tuple[str, object]]:
    return {(f.field, f.value) for f in reading.findings if not f.detector.startswith("learned:")}


def level_of(reading: NotesReading) -> str:
    checkin = parse_checkin({"schema_version": "1", "days_since_surgery": 12, "leg_pain": 3})
    # What the note reaches once the patient confirms what it asks (triage contract v2).
    return reach(triage(checkin, note_findings=reading.findings))


def test_a_run_on_denial_without_a_full_stop_does_not_swallow_the_sign_after_it(
    reader: Reader,
) -> None:
    """ "...bladder No problem with..." : a capital after a lower-case word starts a new part."""
    note = "no problems with my bladder No problem with my bowels, my wee comes out in drips."
    assert ("bladder", "difficulty_starting") in answers(reader(note))
