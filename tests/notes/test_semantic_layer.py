"""The semantic layer: paraphrases no rule was written for still raise, as possible findings."""

from __future__ import annotations

import pytest

from tests.notes.conftest import Reader, answers, set_aside

PARAPHRASES = [
    ("My foot sort of falls down when I take a step.", "foot_drop"),
    ("no fever but my wee comes out in drips and drabs", "bladder"),
]


@pytest.mark.parametrize(("note", "field"), PARAPHRASES)
def test_a_paraphrase_no_rule_knows_is_a_possible_finding(
    reader: Reader, rules_reader: Reader, note: str, field: str
) -> None:
    """Words no rule matches, close to a red flag's examples, raise and ask to confirm."""
    assert field not in {f.field for f in rules_reader(note).findings}
    finding = next(f for f in reader(note).findings if f.field == field)
    assert finding.certainty == "possible"
    assert finding.detector.startswith("semantic:")
    assert finding.sources


@pytest.mark.parametrize(
    ("note", "field", "because"),
    [
        ("I don't have any loss of control of my bladder.", "bladder", "negated"),
        ("My brother's foot hangs down and flops when he walks.", "foot_drop", "family"),
    ],
)
def test_a_clearly_discounted_paraphrase_is_set_aside(
    reader: Reader, note: str, field: str, because: str
) -> None:
    """A paraphrase in a clause that ConText discounts is shown as set aside, not counted."""
    reading = reader(note)
    assert field not in {f.field for f in reading.findings}
    assert (field, because) in set_aside(reading)


@pytest.mark.parametrize(
    "note",
    [
        "I can feel everything when I wipe.",
        "Had a shower, the dressing came off cleanly and the wound looks dry.",
        "The pain in my leg is much better than last week.",
        "Sleeping better and the tablets are helping.",
    ],
)
def test_ordinary_recovery_is_not_mistaken_for_a_red_flag(reader: Reader, note: str) -> None:
    """Sentences near a red flag's words but about normal recovery find nothing."""
    assert reader(note).findings == ()


def test_the_rules_decide_what_they_know(reader: Reader) -> None:
    """Where a rule set a mention aside, the semantic layer does not count it back in."""
    reading = reader("My dad had incontinence.")
    assert answers(reading) == set()
