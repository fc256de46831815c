"""A headache that is not postural: sudden and very severe, or with a stiff neck (issue 15).

NICE CG150 1.1.1 (sudden-onset headache at its worst within 5 minutes), NG228 1.1.3 (thunderclap
headache, neck stiffness) and NG240 1.1.4 (headache and neck stiffness in the red flag
combination for meningitis). Plain first-person statements are definite findings for
`headache_sudden_or_stiff_neck`; vaguer mentions are asked; ordinary headaches are neither, and
negated, past, hypothetical and other people's mentions are set aside.
"""

from __future__ import annotations

import pytest

from nervecare.checkin import parse_checkin
from nervecare.notes import read_notes
from nervecare.triage import triage
from tests.notes.conftest import Reader, answers, set_aside

FIELD = "headache_sudden_or_stiff_neck"

PLAIN = [
    "I've got a thunderclap headache.",
    "This is the worst headache of my life.",
    "I have the worst headache I've ever had.",
    "I have a headache and my neck is stiff.",
    "Headache and stiff neck since this morning.",
    "I can't bend my neck.",
    "sudden splitting headache an hour ago, can't bend my neck forward",
    "worst headache of my life came on like a thunderclap, neck really stiff",
    "banging head and stiff neck, been sick twice",
    "I can't touch my chin to my chest.",
    # Spanish
    "Tengo un dolor de cabeza horrible de repente.",
    "Tengo el cuello tieso.",
    "Nuca rígida desde esta mañana.",
    "Es el peor dolor de cabeza de mi vida.",
    "No puedo doblar el cuello hacia adelante.",
    "dolor de cabeza horrible que empezó de repente hace una hora, cuello tieso",
]


@pytest.mark.parametrize("note", PLAIN)
def test_a_plain_statement_is_a_definite_finding(rules_reader: Reader, note: str) -> None:
    """The patient's own words for the sign read as the ticked box, with the NICE sources."""
    reading = rules_reader(note)
    assert (FIELD, True) in answers(reading)
    finding = next(f for f in reading.findings if f.field == FIELD)
    assert finding.certainty == "definite"
    assert "nice_ng240_meningitis" in finding.sources


@pytest.mark.parametrize(
    "note",
    [
        "headache and my neck feels a bit stiff",
        "sudden headache this afternoon",
        "head is pounding and my neck hurts when I look down",
        "de repente me dio un dolor de cabeza",
        "me duele la cabeza y tengo el cuello duro",
    ],
)
def test_a_vaguer_mention_is_asked(note: str) -> None:
    """A headache said only to be sudden, or with a neck merely sore or stiff-ish, is a
    question to the patient, at the level of the structured answer."""
    reading = read_notes(note)
    findings = [f for f in reading.findings if f.field == FIELD]
    assert findings
    assert all(f.certainty == "possible" for f in findings)


@pytest.mark.parametrize(
    "note",
    [
        "a bit of a headache from the screen",
        "hangover headache this morning",
        "migraine like I always get",
        "I've got a headache, probably from not drinking enough",
        "me duele un poco la cabeza por la pantalla",
        "dolor de cabeza de resaca",
        "tengo mi migraña de siempre",
    ],
)
def test_an_ordinary_headache_is_neither_raised_nor_asked(note: str) -> None:
    """Everyday headaches are not this sign: no finding for it, definite or asked."""
    assert FIELD not in {f.field for f in read_notes(note).findings}


@pytest.mark.parametrize(
    ("note", "because"),
    [
        ("I don't have the worst headache of my life, just a normal one", "negated"),
        ("no tengo el cuello tieso", "negated"),
        ("no tengo dolor de cabeza ni rigidez de nuca", "negated"),
        ("I had a thunderclap headache years ago", "historical"),
        ("el año pasado tuve el cuello tieso", "historical"),
        ("if I get the worst headache of my life I will call 999", "hypothetical"),
        ("the nurse said to call if I get a thunderclap headache", "hypothetical"),
        ("si me da un dolor de cabeza horrible de repente llamo al 112", "hypothetical"),
        ("my wife has a headache and a stiff neck", "family"),
        ("my son had meningitis with a stiff neck and headache last year", "family"),
    ],
)
def test_negated_past_hypothetical_and_other_peoples_mentions_are_set_aside(
    note: str, because: str
) -> None:
    """The existing context rules (ConText) hold for the new sign, in both languages."""
    reading = read_notes(note)
    assert FIELD not in {f.field for f in reading.findings}
    assert (FIELD, because) in set_aside(reading)


QUIET = {
    "days_since_surgery": 41,
    "procedure": "fusion",
    "leg_pain": 3,
    "back_pain": 2,
    "pain_relieved_by_medication": "yes",
    "bladder": [],
    "bowel": [],
    "saddle_numbness": "none",
    "both_legs": "none",
    "leg_weakness": "none",
    "foot_drop": "none",
}


@pytest.mark.parametrize(
    "note",
    [
        "worst headache of my life came on like a thunderclap, neck really stiff",
        "banging head and stiff neck, temp 39.1, been sick twice",
        "sudden splitting headache an hour ago, can't bend my neck forward, hot and shivery",
        "dolor de cabeza horrible que empezo de repente hace una hora, cuello tieso",
    ],
)
def test_through_the_engine_the_note_sends_to_the_emergency_department(note: str) -> None:
    """The note alone, with quiet answers, is an emergency under headache.sudden_or_stiff_neck."""
    result = triage(parse_checkin(QUIET | {"notes": note}), note_findings=read_notes(note).findings)
    assert result.level == "emergency"
    assert "headache.sudden_or_stiff_neck" in [reason.code for reason in result.reasons]


@pytest.mark.parametrize(
    "note",
    [
        "Neck stiff and headache on standing, better flat",
        "Pain at the back of my head and neck, worse upright, better flat.",
        "Terrible headache whenever I sit up, gone within minutes of lying flat again.",
    ],
)
def test_a_postural_headache_is_asked_as_postural_stiff_neck_or_not(note: str) -> None:
    """ICHD-3 7.2.1: a low-pressure headache is usually accompanied by neck stiffness, and comes
    on within minutes of getting up; a vague postural mention is the postural sign (urgent), not
    a question about the emergency one."""
    fields = {f.field for f in read_notes(note).findings}
    assert "headache_when_upright" in fields
    assert FIELD not in fields
