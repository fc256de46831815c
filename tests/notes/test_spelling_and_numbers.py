"""How people write: misspellings, no punctuation, American words, numbers in words or digits."""

from __future__ import annotations

import pytest

from tests.notes.conftest import Reader, answers


@pytest.mark.parametrize(
    ("note", "field", "value"),
    [
        ("incontinance since tuesday", "bladder", "incontinence"),
        ("cant feel wen i wipe my bum", "saddle_numbness", "new"),
        ("i cnt feel wen i wipe and im leeking urin", "bladder", "incontinence"),
        ("weekness in my left leg is getting worse", "leg_weakness", "worsening"),
        ("my foot keeps draging and slaping the ground", "foot_drop", "new"),
        ("swolen calf very painfull", "calf_pain_or_swelling", True),
        ("puss coming out of my wond", "wound", "pus"),
        ("hedache when i sit up goes when i lay down", "headache_when_upright", True),
        ("short of breth and chest pane", "chest_pain_or_breathlessness", True),
        ("I pooped myself in the restroom", "bowel", "incontinence"),
        ("the tylenol isn't helping at all", "pain_relieved_by_medication", "no"),
    ],
)
def test_misspelt_and_american_words_are_read(
    rules_reader: Reader, note: str, field: str, value: object
) -> None:
    """Misspellings and American words reach the same rules as standard British spelling."""
    assert (field, value) in answers(rules_reader(note))


@pytest.mark.parametrize(
    ("note", "field", "value"),
    [
        ("Fever of 38.6 tonight.", "temperature_c", 38.6),
        ("my temp is thirty eight point five", "temperature_c", 38.5),
        ("I've got a fever of 101F.", "temperature_c", 38.3),
        ("temperature was 102 F tonight", "temperature_c", 38.9),
        ("thermometer said 39 degrees", "temperature_c", 39.0),
        ("Ten out of ten pain.", "leg_pain", 10),
        ("pain 9/10 and the painkillers do nothing", "leg_pain", 9),
        ("pain is eight out of ten", "leg_pain", 8),
        ("back pain 8/10 today", "back_pain", 8),
    ],
)
def test_temperatures_and_pain_scores_are_read(
    rules_reader: Reader, note: str, field: str, value: float
) -> None:
    """Numbers written in digits or words, Celsius or Fahrenheit, become check-in numbers."""
    assert (field, value) in answers(rules_reader(note))


@pytest.mark.parametrize(
    "note",
    [
        "12 days since surgery",
        "took 2 tablets at 8",
        "pain 2 days ago was bad",
        "one leg feels heavier after walking",
    ],
)
def test_numbers_that_measure_nothing_are_ignored(rules_reader: Reader, note: str) -> None:
    """Days, doses and times are never read as temperatures or pain scores."""
    fields = {finding.field for finding in rules_reader(note).findings}
    assert not fields & {"temperature_c", "leg_pain", "back_pain"}


def test_a_temperature_in_a_conditional_is_set_aside(rules_reader: Reader) -> None:
    """ "If my temperature goes above 38" is a question, not a reading."""
    reading = rules_reader("Just checking: if my temperature goes above 38 do I call you?")
    assert reading.findings == ()
