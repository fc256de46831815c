"""Safety properties of the notes reader, over generated notes."""

from __future__ import annotations

from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.notes.conftest import Reader, answers
from tests.notes.strategies import RED_FLAG_MENTIONS, benign_tails, negated_notes, negations

POSITIVE_NOTES = (
    "I can't pee at all since last night.",
    "I wet the bed last night and didn't wake up.",
    "cant feel wen i wipe",
    "My foot slaps the floor when I walk.",
    "Pain and swelling in my right calf.",
    "Short of breath and my chest hurts when I breathe in.",
    "Fever of 38.6 tonight.",
    "My foot keeps flopping about when I walk.",
    "There's pus coming from the incision.",
)


@settings(max_examples=60)
@given(note=negated_notes())
def test_a_note_that_only_denies_red_flags_finds_nothing(reader: Reader, note: str) -> None:
    """ "No <red flag>" never becomes a finding, from the rules or the semantic layer."""
    assert reader(note).findings == ()


@settings(max_examples=40)
@given(negation=negations, sentence=st.sampled_from(POSITIVE_NOTES))
def test_a_negation_in_front_never_adds_a_finding(
    reader: Reader, negation: str, sentence: str
) -> None:
    """Putting a denial before a sentence can only take findings away, never add one."""
    denied = f"{negation} {sentence[0].lower()}{sentence[1:]}"
    assert answers(reader(denied)) <= answers(reader(sentence))


@settings(max_examples=40)
@given(sentence=st.sampled_from(POSITIVE_NOTES + RED_FLAG_MENTIONS), tail=benign_tails)
def test_the_semantic_layer_never_removes_a_rule_finding(
    reader: Reader, rules_reader: Reader, sentence: str, tail: str
) -> None:
    """Everything the rules count is still counted with the semantic layer on."""
    note = sentence + tail
    assert answers(rules_reader(note)) <= answers(reader(note))


@settings(max_examples=30)
@given(sentence=st.sampled_from(POSITIVE_NOTES), tail=benign_tails)
def test_reading_is_deterministic(reader: Reader, sentence: str, tail: str) -> None:
    """The same note always gives the same reading."""
    note = sentence + tail
    assert reader(note) == reader(note)


_SURROGATES: list[Literal["Cs"]] = ["Cs"]  # not encodable in UTF-8


@settings(max_examples=40)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=_SURROGATES), max_size=300))
def test_any_text_reads_without_error(rules_reader: Reader, text: str) -> None:
    """Arbitrary text (emoji, control characters, numbers) never crashes the reader."""
    reading = rules_reader(text)
    for finding in reading.findings:
        assert finding.evidence.strip() == finding.evidence
