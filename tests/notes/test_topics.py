"""The topic layer: a topic named with a sign that something is wrong becomes a possible
finding, unless it is denied, someone else's, hypothetical or over; it only ever adds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.checkin import parse_checkin
from nervecare.notes import NotesReading, read_notes
from nervecare.triage import level_rank, triage


def rules_and_topics(text: str) -> NotesReading:
    return read_notes(text, semantic=False)


def topic_findings(reading: NotesReading) -> set[tuple[str, object]]:
    return {(f.field, f.value) for f in reading.findings if f.detector.startswith("topic:")}


CAUGHT = [
    # bladder: negated function, lost urge, leaking unnoticed, weak flow
    ("Have not had a wee in about fourteen hours despite drinking loads of tea.", "bladder"),
    ("Since lunchtime I haven't passed any water at all.", "bladder"),
    ("The urge to go has just disappeared.", "bladder"),
    ("When I do go I can't actually feel it coming out.", "bladder"),
    ("accidnt in bed again 2nite wife changed sheets", "bladder"),
    ("My stream is pathetic and takes forever.", "bladder"),
    ("Had to change the sheets twice tonight, I keep wetting without waking up.", "bladder"),
    ("I have to press on my belly to get the wee going.", "bladder"),
    # bowel
    ("Had an accident in my pants, number two, no warning whatsoever.", "bowel"),
    ("My bowels just let go on the stairs.", "bowel"),
    # saddle area and genitals
    ("Wiping feels like wiping someone else.", "saddle_numbness"),
    ("My bum cheeks feel like cotton wool.", "saddle_numbness"),
    ("Couldn't feel my penis at all when we made love, totally numb.", "saddle_numbness"),
    # sex, both legs, chest, a leg giving way, pain medicine
    ("Can't ejaculate since surgery, is that normal?", "sexual_dysfunction"),
    ("Both knees buckled on the stairs.", "both_legs"),
    ("It's gone down the other leg too.", "both_legs"),
    ("My wife says my breathing is really fast and shallow.", "chest_pain_or_breathlessness"),
    ("My right knee keeps folding under me.", "leg_weakness"),
    ("Took the max dose of my tablets and I'm still in tears.", "pain_relieved_by_medication"),
    # the urgent topics
    ("Been boiling then freezing all night, drenched the sheets with sweats.", "temperature_c"),
    ("Gunk seeping out where they operated.", "wound"),
    ("Back of my knee down to the ankle is puffy and shiny on the right.", "calf_pain_or_swelling"),
    ("My head is splitting whenever I get up and better flat.", "headache_when_upright"),
]


@pytest.mark.parametrize(("note", "field"), CAUGHT)
def test_a_topic_with_a_sign_that_something_is_wrong_is_a_possible_finding(
    note: str, field: str
) -> None:
    reading = rules_and_topics(note)
    assert field in {f.field for f in reading.findings}
    assert all(
        f.certainty == "possible" for f in reading.findings if f.detector.startswith("topic:")
    )


NOT_COUNTED = [
    # denied: a negated problem, "fine", a negation right before the sign
    "I don't have any bladder or bowel problems.",
    "I haven't wet myself.",
    "Legs not giving way.",
    "Neither leg feels weak, walked a mile today.",
    "No pins and needles around my back passage.",
    "My waterworks are fine.",
    # someone else, an animal, a leaflet
    "The man in the bed next to me on the ward couldn't pee after his op.",
    "Our dog has a swollen leg, vet on Monday.",
    "The leaflet mentions numbness in the saddle area, where is that?",
    # hypothetical
    "Can this surgery cause weakness in the legs?",
    "Would losing control of my bowels be an emergency?",
    # over
    "When I first got home I struggled to get my wee started for a day, it's been normal all week.",
    # about something else
    "Constipated from the codeine, taking laxatives.",
    "I can't sit for long on the toilet because my back aches.",
    "Sex hasn't been on the cards yet, too sore.",
    # similarity alone is not enough: the clause must name the topic with a cue
    "Wee is dark yellow, probably need to drink more.",
    "Slept right through for the first time. Still using the raised toilet seat.",
    # other people, past events
    "My granddaughter's got a temperature of 39, I've been looking after her today.",
    "Lady at physio said both her legs went numb after her fusion.",
    "Mum in the care home is incontinent and needs pads now.",
    "My leg gave way a few times before the discectomy, hasn't happened once since.",
    # over, said later in the sentence; a general question rather than one about oneself
    "My temperature was up a few days ago but it's back to normal.",
    "Had a headache the day after surgery when I sat up, it went in 2 days and hasn't come back.",
    "Is it normal to get headaches when you sit up after this surgery?",
]


@pytest.mark.parametrize("note", NOT_COUNTED)
def test_denied_other_hypothetical_past_or_unrelated_topics_are_not_findings(note: str) -> None:
    reading = read_notes(note)
    counted = {(f.field, f.value) for f in reading.findings}
    assert not counted - {("bowel", "constipation")}, reading


def test_a_bowel_that_has_not_opened_reads_as_constipation_not_a_loss_of_control() -> None:
    reading = rules_and_topics("No poo since Monday.")
    assert topic_findings(reading) == {("bowel", "constipation")}


def test_someone_elses_topic_is_set_aside_with_its_reason() -> None:
    reading = rules_and_topics("A man on my ward had to wear pads because he was leaking.")
    assert not reading.findings
    assert "family" in {m.because for m in reading.set_aside}


def test_the_rules_reading_of_a_field_stands() -> None:
    """A field the lay rules already found is theirs: no second, weaker finding."""
    reading = rules_and_topics("I can't pee at all.")
    bladder = [f for f in reading.findings if f.field == "bladder"]
    assert [f.detector.startswith("rule:") for f in bladder] == [True]


def test_a_possible_topic_finding_asks_at_the_structured_answers_level() -> None:
    checkin = parse_checkin(
        {
            "schema_version": "1",
            "days_since_surgery": 12,
            "procedure": "laminectomy",
            "leg_pain": 3,
            "bladder": [],
            "notes": "The urge to go has just disappeared.",
        }
    )
    reading = rules_and_topics(checkin.notes or "")
    result = triage(checkin, note_findings=reading.findings)
    assert result.level == "self_care"
    assert result.status == "needs_confirmation"
    assert any(q.field == "bladder" and q.level == "emergency" for q in result.confirm)


WORDS = st.sampled_from(
    [
        "no", "not", "my", "wee", "bladder", "bum", "numb", "legs", "both", "chest", "tight",
        "fine", "the", "man", "had", "can't", "feel", "tablets", "still", "in", "tears", "and",
        "but", "yesterday", "leaflet", "if", "knee", "gave", "way", "poo", "accident", ",", ".",
    ]
)  # fmt: skip


@given(st.lists(WORDS, min_size=1, max_size=14).map(" ".join))
def test_the_topic_layer_only_adds_and_only_as_possible(note: str) -> None:
    with_topics = read_notes(note, semantic=False)
    without = read_notes(note, semantic=False, topics=False)
    assert set(without.findings) <= set(with_topics.findings)
    added = set(with_topics.findings) - set(without.findings)
    assert all(f.certainty == "possible" and f.detector.startswith("topic:") for f in added)
    checkin = parse_checkin(
        {"schema_version": "1", "days_since_surgery": 12, "leg_pain": 3, "notes": note}
    )
    assert level_rank(triage(checkin, note_findings=with_topics.findings).level) >= level_rank(
        triage(checkin, note_findings=without.findings).level
    )


WRITTEN_FOR_THE_PATIENT = [
    "My husband asked me to write this. Since this morning he has been wetting himself and "
    "doesn't realise until his trousers are damp.",
    "My wife writing for me. He cannot make pipi since yesterday night, only few drops.",
    "I'm her daughter filling this in. Mum can't tell us if she needs the toilet and has had "
    "two wet accidents.",
]


@pytest.mark.parametrize("note", WRITTEN_FOR_THE_PATIENT)
def test_someone_writing_for_the_patient_reports_the_patients_own_signs(note: str) -> None:
    """A carer or partner writing for the patient: "he", "mum" is the patient, never set aside
    as someone else's."""
    reading = read_notes(note)
    assert "bladder" in {f.field for f in reading.findings}
    assert "family" not in {m.because for m in reading.set_aside}


def test_a_proxy_note_still_sets_aside_the_past() -> None:
    reading = read_notes("My wife says she had foot drop years ago.")
    assert "foot_drop" not in {f.field for f in reading.findings}


def test_a_note_about_dad_with_no_i_in_it_is_read_as_written_for_him() -> None:
    """In the patient's own check-in, a note that never says "I" and speaks of dad or "he" is
    most likely written for the patient: safety first, it counts."""
    reading = read_notes("Dad can't feel when he's weeing since this morning.")
    assert "bladder" in {f.field for f in reading.findings}


def test_a_note_naming_someone_plainly_not_the_patient_stays_someone_elses() -> None:
    reading = read_notes("The man in the next bed had a catheter for days.")
    assert not reading.findings
