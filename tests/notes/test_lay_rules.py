"""Lay-language rules: the patient's words map onto the structured answer they amount to."""

from __future__ import annotations

import pytest

from tests.notes.conftest import Reader, answers

LAY_WORDS = [
    ("I can't pee even though I need to.", "bladder", "retention"),
    ("havent been able to wee since yesterday morning", "bladder", "retention"),
    ("I wet the bed last night and didn't wake up.", "bladder", "incontinence"),
    ("I'm passing urine without knowing it.", "bladder", "incontinence"),
    ("i cant tell when my bladder is full anymore", "bladder", "reduced_sensation"),
    ("Struggling to start peeing, takes ages.", "bladder", "difficulty_starting"),
    ("My stream is really weak now.", "bladder", "poor_stream"),
    ("I couldn't hold my bowels and had an accident.", "bowel", "incontinence"),
    ("I can't feel it when I open my bowels.", "bowel", "reduced_sensation"),
    ("I can't feel the paper when I wipe.", "saddle_numbness", "new"),
    ("Numb down below since this morning.", "saddle_numbness", "new"),
    ("My genitals feel numb.", "saddle_numbness", "new"),
    ("I can't get an erection since the operation.", "sexual_dysfunction", "new"),
    ("Now the pain is going down both legs.", "both_legs", "new"),
    ("My foot slaps the floor when I walk.", "foot_drop", "new"),
    ("My toes catch on the carpet.", "foot_drop", "new"),
    ("my leg gave way on the stairs", "leg_weakness", "new"),
    ("My left leg is getting weaker every day.", "leg_weakness", "worsening"),
    ("The tablets aren't touching it.", "pain_relieved_by_medication", "no"),
    ("Pain came on all of a sudden.", "pain_onset_sudden", True),
    ("The pain is much worse today.", "leg_pain_change", "much_worse"),
    ("Worst pain I've ever had.", "leg_pain", 10),
    ("There's pus coming from the incision.", "wound", "pus"),
    ("The wound has opened up at the bottom.", "wound", "opening"),
    ("Clear fluid keeps leaking from my wound.", "wound", "drainage"),
    ("Pain and swelling in my right calf.", "calf_pain_or_swelling", True),
    ("Short of breath and my chest hurts.", "chest_pain_or_breathlessness", True),
    ("Headache whenever I sit up, gone lying flat.", "headache_when_upright", True),
    ("Running a high temperature.", "temperature_c", 38.0),
    ("the numb patch on my shin has spread down to my foot", "leg_numbness", "worsening"),
    ("My left leg is getting more numb.", "leg_numbness", "worsening"),
]


@pytest.mark.parametrize(("note", "field", "value"), LAY_WORDS)
def test_lay_words_map_to_the_structured_answer(
    rules_reader: Reader, note: str, field: str, value: object
) -> None:
    """Each red flag the structured triage asks about is recognised in everyday words."""
    reading = rules_reader(note)
    assert (field, value) in answers(reading)
    finding = next(f for f in reading.findings if (f.field, f.value) == (field, value))
    assert finding.certainty == "definite"
    assert finding.detector.startswith(("rule:", "measure"))
    assert finding.sources


@pytest.mark.parametrize(
    "note",
    [
        "Feeling good, walking more, wound healing nicely.",
        "Walked 20 minutes today, feeling good.",
        "Constipated from the painkillers, drinking more water.",
        "when will I be able to drive again",
        "12 days since surgery and I took 2 tablets today.",
        "I'm leaving for my daughter's tomorrow.",
    ],
)
def test_ordinary_recovery_notes_find_nothing(reader: Reader, note: str) -> None:
    """Notes about ordinary recovery give no findings."""
    assert reader(note).findings == ()


def test_evidence_quotes_the_patients_own_words(rules_reader: Reader) -> None:
    """Evidence is the original text, misspellings and all, not the normalised rewrite."""
    (finding,) = rules_reader("cant feel wen i wipe").findings
    assert finding.evidence == "cant feel wen i wipe"


def test_an_empty_note_reads_as_nothing(rules_reader: Reader) -> None:
    """Whitespace-only notes give an empty reading."""
    reading = rules_reader("   \n ")
    assert reading.findings == ()
    assert reading.set_aside == ()
