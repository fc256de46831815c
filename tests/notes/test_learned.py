"""The learned reader: a whole-note head over the encoder's word-piece vectors, which only adds
possible findings, says which sentence it read them in, and was trained on what its log says."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nervecare.checkin import parse_checkin
from nervecare.knowledge import load_sources, read_data
from nervecare.notes import NotesReading, read_notes
from nervecare.notes._learned import FLAGS, MODEL_PATH, TRAINING_LOG, LearnedSettings
from nervecare.notes._lexicon import check_answer
from nervecare.triage import level_rank, triage
from tests.played_out import reach

EVALUATION = Path(__file__).resolve().parents[2] / "evaluation" / "notes"
#: Blind sets that must stay out of training until they have been scored once.
NOT_YET_SCORED = ("holdout12", "holdout13")


def learned_findings(reading: NotesReading) -> set[str]:
    return {f.field for f in reading.findings if f.detector.startswith("learned:")}


def level_of(note: str, reading: NotesReading) -> str:
    checkin = parse_checkin(
        {"schema_version": "1", "days_since_surgery": 12, "leg_pain": 3, "notes": note}
    )
    # What the note reaches once the patient confirms what it asks (triage contract v2).
    return reach(triage(checkin, note_findings=reading.findings))


# Written for these tests, in wordings no layer before the learned reader reads.
CAUGHT = [
    (
        "Odd one. I can go but I can't tell it's happening, it's just there in the bowl.",
        "emergency",
    ),
    ("Pain is a solid 8 tonight and the oxycodone has done absolutely nothing.", "urgent"),
]

KEPT_BELOW_URGENT = [
    "My dad had incontinence after his stroke, it was awful for him.",
    "No problems with my bladder or bowels, all normal.",
    "Before the op I couldn't feel the loo roll, that's all come back now.",
    "What should I do if I go numb down below?",
    "Lovely walk by the river today, leg easing nicely.",
]


@pytest.mark.parametrize(("note", "level"), CAUGHT)
def test_a_sign_the_earlier_layers_miss_is_raised_as_possible(
    reader: object, note: str, level: str
) -> None:
    without = read_notes(note, learned=False)
    reading = read_notes(note)
    assert level_rank(level_of(note, without)) < level_rank(level)
    assert level_of(note, reading) == level
    assert learned_findings(reading)
    assert all(
        f.certainty == "possible" for f in reading.findings if f.detector.startswith("learned:")
    )


@pytest.mark.parametrize("note", KEPT_BELOW_URGENT)
def test_denied_past_hypothetical_and_other_peoples_mentions_are_not_raised(
    reader: object, note: str
) -> None:
    assert not learned_findings(read_notes(note))


def test_the_evidence_is_the_sentence_in_the_patients_own_words(reader: object) -> None:
    note = "Lovely weather. Cant feel nothin wen i wipe since last nite. Dog is well."
    found = [f for f in read_notes(note).findings if f.field == "saddle_numbness"]
    assert found
    assert all(f.evidence in note and "wipe" in f.evidence for f in found)


def test_a_sign_at_the_end_of_a_very_long_note_is_still_read(reader: object) -> None:
    chatter = "Went to the garden centre with my sister and we had tea and cake after. " * 20
    note = chatter + "Since this morning I have not been able to pass any urine at all."
    assert len(note.split()) > 150
    assert level_of(note, read_notes(note)) == "emergency"


WORDS = st.sampled_from(
    [
        *("i", "my", "dad", "wee", "bladder", "bowel", "numb", "both", "legs", "chest"),
        *("fine", "no", "not", "never", "before", "op", "what", "if", "can't", "feel"),
        *("toilet", "paper", "wipe", "pain", "tablets", "fever", "wound", "calf", "headache"),
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(WORDS, min_size=1, max_size=14).map(" ".join))
def test_the_learned_reader_only_adds_and_only_as_possible(reader: object, note: str) -> None:
    """It adds only possible findings; what it changes in the others is only whether they are
    asked rather than definite (ask before alarming), or set aside as unlikely now."""
    with_learned = read_notes(note)
    without = read_notes(note, learned=False)
    kept = {(f.field, f.value, f.evidence) for f in with_learned.findings}
    doubted = {(m.field, m.value, m.words) for m in with_learned.set_aside}
    for finding in without.findings:
        assert (finding.field, finding.value, finding.evidence) in kept | doubted
    before = {(f.field, f.value, f.evidence) for f in without.findings}
    added = [f for f in with_learned.findings if (f.field, f.value, f.evidence) not in before]
    assert all(f.certainty == "possible" and f.detector.startswith("learned:") for f in added)
    definite_rules = [f for f in without.findings if f.certainty == "definite"]
    assert all((f.field, f.value, f.evidence) in kept for f in definite_rules)


def test_every_flag_maps_to_contract_answers_with_registered_sources() -> None:
    learned = LearnedSettings.model_validate(read_data("notes", "learned.yaml"))
    assert set(learned.flags) == set(FLAGS[1:])
    registry = set(load_sources())
    for answers in learned.flags.values():
        assert set(answers.sources) <= registry
        assert any(not answer.words for answer in answers.answers), "each flag needs a default"
        for answer in (*answers.answers, *answers.with_):
            check_answer(answer.field, answer.value)


def test_the_weights_are_those_the_training_log_describes() -> None:
    log = json.loads(TRAINING_LOG.read_text(encoding="utf-8"))
    assert tuple(log["flags"]) == FLAGS
    assert hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest() == log["weights_sha256"]


def test_the_head_was_trained_on_the_sets_as_they_are_and_never_on_an_unscored_blind_set() -> None:
    log = json.loads(TRAINING_LOG.read_text(encoding="utf-8"))
    for name, digest in log["training_sets"].items():
        data = (EVALUATION / f"{name}.jsonl").read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, f"{name} changed: retrain the head"
    assert not set(NOT_YET_SCORED) & set(log["training_sets"])
