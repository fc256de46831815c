"""ConText: which mentions count, and which are set aside and why (one table per attribute)."""

from __future__ import annotations

import pytest

from tests.notes.conftest import Reader, answers, set_aside

NEGATED = [
    ("No problems peeing or pooing.", "bladder"),
    ("No numbness in the saddle area, no weakness.", "saddle_numbness"),
    ("No fever and no redness around the wound.", "wound"),
    ("I haven't wet myself.", "bladder"),
    ("My calf is not swollen.", "calf_pain_or_swelling"),
    ("I'm not short of breath.", "chest_pain_or_breathlessness"),
    ("There is no numbness between my legs.", "saddle_numbness"),
    ("no incontinance or numbness", "bladder"),
    ("I haven't got foot drop.", "foot_drop"),
    (
        "The numbness between my legs they warned about which I haven't had at all.",
        "saddle_numbness",
    ),
    # a clinical list of denials reaches its last item, over the final "and"
    (
        "Negative for urinary retention, bowel incontinence and saddle anaesthesia",
        "saddle_numbness",
    ),
    ("negative for retention and saddle numbness", "saddle_numbness"),
]
HISTORICAL = [
    (
        "numbness in my saddle area before surgery, but all the feeling is back now",
        "saddle_numbness",
    ),
    ("I had foot drop before surgery.", "foot_drop"),
    ("Pre-op I had pins and needles around my bottom.", "saddle_numbness"),
    ("A few years ago I had a DVT in my calf.", "calf_pain_or_swelling"),
    ("I had a blood clot in my leg in 2019.", "calf_pain_or_swelling"),
]
RESOLVED = [
    ("The foot drop I had is much better now.", "foot_drop"),
    ("my foot drop is improving every day", "foot_drop"),
    ("I had a fever last week but it went away.", "temperature_c"),
    ("The saddle numbness I had has fully resolved.", "saddle_numbness"),
]
HYPOTHETICAL = [
    ("what's foot drop? the physio mentioned it", "foot_drop"),
    ("What should I do if I go numb down below?", "saddle_numbness"),
    ("If I can't pee I should go to A&E, is that right?", "bladder"),
    ("The nurse told me to look out for foot drop.", "foot_drop"),
    ("Should I worry if I get a temperature over 38?", "temperature_c"),
    ("In case I get calf pain, who do I call?", "calf_pain_or_swelling"),
]
FAMILY = [
    ("My dad had incontinence.", "bladder"),
    ("My mum had a DVT after her hip operation.", "calf_pain_or_swelling"),
    ("My brother's calf swelled up after a long flight.", "calf_pain_or_swelling"),
    ("My husband has foot drop from his diabetes.", "foot_drop"),
    ("my partner's got a temperature of 38.5, I feel fine", "temperature_c"),
    ("my husband cant pee properly, hes seeing urology", "bladder"),
]


@pytest.mark.parametrize(
    ("because", "note", "field"),
    [("negated", *case) for case in NEGATED]
    + [("historical", *case) for case in HISTORICAL]
    + [("resolved", *case) for case in RESOLVED]
    + [("hypothetical", *case) for case in HYPOTHETICAL]
    + [("family", *case) for case in FAMILY],
)
def test_discounted_mentions_are_set_aside_with_their_reason(
    reader: Reader, because: str, note: str, field: str
) -> None:
    """A negated, past, resolved, hypothetical or other person's mention does not count."""
    reading = reader(note)
    assert reading.findings == ()
    assert (field, because) in set_aside(reading)


@pytest.mark.parametrize(
    ("note", "field", "value"),
    [
        ("I think I might have wet myself.", "bladder", "incontinence"),
        ("Maybe my foot is dragging a bit?", "foot_drop", "new"),
        ("Not sure if my calf is swollen.", "calf_pain_or_swelling", True),
    ],
)
def test_uncertain_mentions_count_as_possible(
    rules_reader: Reader, note: str, field: str, value: object
) -> None:
    """ "I think", "maybe", "not sure if" still raise, and ask the patient to confirm."""
    (finding,) = [f for f in rules_reader(note).findings if f.field == field]
    assert finding.value == value
    assert finding.certainty == "possible"
    assert "uncertain" in finding.context


@pytest.mark.parametrize(
    "note",
    [
        "I had foot drop before surgery and it got better, but now it's come back.",
        "Before the op my foot was dragging, and it has started again.",
    ],
)
def test_a_past_sign_that_has_come_back_counts(rules_reader: Reader, note: str) -> None:
    """Recurrence outweighs history: a sign that has returned is a new sign."""
    assert ("foot_drop", "new") in answers(rules_reader(note))


@pytest.mark.parametrize(
    ("note", "field", "value"),
    [
        (
            "I had numbness round my bottom before the op and it went after. "
            "But it's come back since yesterday.",
            "saddle_numbness",
            "new",
        ),
        ("My foot was dragging before surgery. That has started again.", "foot_drop", "new"),
        ("I had foot drop before the op, it cleared up. Well it's back today.", "foot_drop", "new"),
    ],
)
def test_it_has_come_back_in_the_next_sentence_still_counts(
    rules_reader: Reader, note: str, field: str, value: object
) -> None:
    """A sentence that points back ("it's come back", "that has started again") reaches the
    sign told as history in the sentence before."""
    assert (field, value) in answers(rules_reader(note))


@pytest.mark.parametrize(
    "note",
    [
        "I had foot drop before surgery. My appetite has come back now.",
        "I had foot drop before surgery. It's back to normal now.",
    ],
)
def test_something_else_coming_back_does_not_revive_a_past_sign(
    rules_reader: Reader, note: str
) -> None:
    """Only a sentence that points back at the sign ("it's back") revives it; "my appetite has
    come back" and "it's back to normal" do not."""
    reading = rules_reader(note)
    assert ("foot_drop", "new") not in answers(reading)


@pytest.mark.parametrize(
    ("note", "field", "value"),
    [
        ("My daughter is staying as both my legs went numb overnight.", "both_legs", "new"),
        ("My son's here because both my legs went weak this morning.", "both_legs", "new"),
    ],
)
def test_a_sign_in_the_patients_own_words_is_not_someone_elses(
    rules_reader: Reader, note: str, field: str, value: object
) -> None:
    """ "My daughter ... both MY legs": a relative named earlier in the sentence does not make the
    patient's own sign someone else's."""
    assert (field, value) in answers(rules_reader(note))


@pytest.mark.parametrize(
    ("note", "field", "value"),
    [
        ("My dad had incontinence and now I've wet myself twice.", "bladder", "incontinence"),
        ("My wife says I've been wetting the bed.", "bladder", "incontinence"),
        ("No fever, but I can't pee since last night.", "bladder", "retention"),
        ("no fever cant pee", "bladder", "retention"),
        ("Leg pain is better but my bum has gone numb.", "saddle_numbness", "new"),
        ("No bladder problems but my left leg keeps giving way.", "leg_weakness", "new"),
        ("If anything my foot is dragging more than before.", "foot_drop", "new"),
    ],
)
def test_a_discounting_word_does_not_reach_past_its_clause(
    reader: Reader, note: str, field: str, value: object
) -> None:
    """Scopes end at "but", a new "I", "can't" and the sentence end: later signs still count."""
    assert (field, value) in answers(reader(note))


@pytest.mark.parametrize(
    ("note", "field", "value"),
    [
        ("I've wet myself, which I have never had before.", "bladder", "incontinence"),
        ("My foot is slapping, which I haven't had until now.", "foot_drop", "new"),
    ],
)
def test_a_late_denial_never_takes_a_sign_that_is_new(
    rules_reader: Reader, note: str, field: str, value: object
) -> None:
    """ "which I haven't had at all" denies; "which I've never had before" says it is new."""
    assert (field, value) in answers(rules_reader(note))


def test_a_scope_never_crosses_a_sentence(rules_reader: Reader) -> None:
    """ "No fever." does not deny what the next sentence says."""
    reading = rules_reader("No fever. Numbness between my legs since this morning.")
    assert ("saddle_numbness", "new") in answers(reading)
    assert ("temperature_c", "negated") in set_aside(reading)
