"""Lay paraphrases of each red flag, and the context around them that must not hide them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervecare.notes._lexicon import load_lexicon
from nervecare.notes._measures import find_measurements
from nervecare.notes._pipeline import rules_pipeline
from nervecare.notes._semantic import SemanticLayer, semantic_layer
from tests.notes.conftest import Reader, answers, set_aside

PARAPHRASES = [
    # urinary retention
    ("haven't passed any water since last night", "bladder", "retention"),
    ("not been for a wee all day", "bladder", "retention"),
    ("my bladder feels full but I can't get anything out", "bladder", "retention"),
    ("nothing happens when I try to wee", "bladder", "retention"),
    # incontinence, found rather than felt
    ("my pants were damp and I never felt it happen", "bladder", "incontinence"),
    ("I keep finding my underwear wet", "bladder", "incontinence"),
    ("my undies were a bit moist", "bladder", "incontinence"),
    ("couldn't make it to the toilet in time", "bladder", "incontinence"),
    # reduced bladder sensation, weak stream, straining
    ("I don't get the feeling that I need to go any more", "bladder", "reduced_sensation"),
    ("no urge to pee at all today", "bladder", "reduced_sensation"),
    ("only a trickle comes out", "bladder", "poor_stream"),
    ("have to strain and strain", "bladder", "difficulty_starting"),
    # bowel
    ("I can't hold in wind", "bowel", "incontinence"),
    ("my bowels just went in the night", "bowel", "incontinence"),
    ("I can't tell if I need a number two", "bowel", "reduced_sensation"),
    # saddle area, in many body words
    ("tingling in my nether regions", "saddle_numbness", "new"),
    ("lost all sensation down there", "saddle_numbness", "new"),
    ("numb between my cheeks", "saddle_numbness", "new"),
    ("feels like I'm sitting on cotton wool", "saddle_numbness", "new"),
    ("when I wipe it's like wiping someone else's bottom", "saddle_numbness", "new"),
    # sexual function
    ("nothing happens down there any more", "sexual_dysfunction", "new"),
    ("no sensation when we make love", "sexual_dysfunction", "new"),
    # both legs
    ("both my legs feel like jelly", "both_legs", "new"),
    # chest and breathing, idioms included
    ("out of puff just walking to the kitchen", "chest_pain_or_breathlessness", True),
    ("gasping for air on the stairs", "chest_pain_or_breathlessness", True),
    ("a tight band round my chest", "chest_pain_or_breathlessness", True),
    ("coughing blood this morning", "chest_pain_or_breathlessness", True),
    # foot drop and weakness
    ("I trip over my own foot all the time", "foot_drop", "new"),
    ("my right foot hangs down", "foot_drop", "new"),
    ("my leg is dragging", "foot_drop", "new"),
    ("can't stand on my tiptoes", "leg_weakness", "new"),
    ("my knee keeps going from under me", "leg_weakness", "new"),
    ("my leg won't hold my weight", "leg_weakness", "new"),
    # pain
    ("worst I've had since the op", "leg_pain", 10),
    ("pain is through the roof", "leg_pain", 10),
    ("tablets useless", "pain_relieved_by_medication", "no"),
    ("oramorph hasn't made a dent", "pain_relieved_by_medication", "no"),
    ("painkillers barely take the edge off", "pain_relieved_by_medication", "no"),
    ("took my tablets as prescribed and it's no better", "pain_relieved_by_medication", "no"),
    ("an 8 today and nothing shifts it", "pain_relieved_by_medication", "no"),
    ("still 8/10 even though I'm taking everything", "pain_relieved_by_medication", "no"),
    # wound
    ("wound weeping onto my t-shirt", "wound", "drainage"),
    ("smelly discharge from the cut", "wound", "pus"),
    ("there's a gap in my wound", "wound", "opening"),
    # spinal fluid leak
    ("thumping head as soon as I get out of bed", "headache_when_upright", True),
]


@pytest.mark.parametrize(("note", "field", "value"), PARAPHRASES)
def test_a_lay_paraphrase_maps_to_the_structured_answer(
    rules_reader: Reader, note: str, field: str, value: object
) -> None:
    """Everyday and idiomatic wordings of each red flag are read by a rule, for certain."""
    assert (field, value) in answers(rules_reader(note))


@pytest.mark.parametrize(
    "note",
    [
        "my pants have been dry, no leaks",
        "passing water normally",
        "not out of breath at all",
        "I didn't notice any leaking",
        "Bladder fine. Bowels fine. Wound dry.",
        "no problems with my bladder",
    ],
)
def test_a_denial_in_the_same_words_finds_nothing(reader: Reader, note: str) -> None:
    """The same body words, denied, raise nothing (semantic layer included)."""
    assert reader(note).findings == ()


@pytest.mark.parametrize(
    "note",
    [
        "my wife says my leg is dragging",
        "my husband noticed I'm dragging my right foot",
        "my daughter says I'm scuffing my foot",
    ],
)
def test_a_partner_reporting_the_patients_sign_counts(rules_reader: Reader, note: str) -> None:
    """What a partner sees in the patient ("my wife says my leg is dragging") is the patient's."""
    assert ("foot_drop", "new") in answers(rules_reader(note))


def test_a_family_members_own_sign_is_set_aside(rules_reader: Reader) -> None:
    """ "My wife says her foot keeps catching" is the wife's symptom, not the patient's."""
    reading = rules_reader("my wife says her foot keeps catching")
    assert reading.findings == ()
    assert ("foot_drop", "family") in set_aside(reading)


@settings(max_examples=30, deadline=None)
@given(
    who=st.sampled_from(["wife", "husband", "partner", "daughter", "son", "mum", "other half"]),
    verb=st.sampled_from(["says", "said", "thinks", "noticed", "reckons", "told me"]),
    sign=st.sampled_from(["my leg is dragging", "my foot is slapping", "I'm dragging my foot"]),
)
def test_a_reported_sign_counts_whoever_reports_it(
    rules_reader: Reader, who: str, verb: str, sign: str
) -> None:
    """Whoever reports it and however, a sign about the patient ("my", "I") still counts."""
    assert ("foot_drop", "new") in answers(rules_reader(f"My {who} {verb} {sign}."))


@pytest.mark.parametrize(
    "note",
    [
        "headache when I stand up goes away lying down",
        "headache when I sit up, goes away when I lie down",
        "Headache whenever I sit up, eases when I lie flat.",
    ],
)
def test_relief_on_lying_down_is_part_of_the_headache(rules_reader: Reader, note: str) -> None:
    """ "Goes away when I lie down" describes a spinal-fluid-leak headache, not a resolved one."""
    assert ("headache_when_upright", True) in answers(rules_reader(note))


def test_a_headache_that_has_gone_is_still_resolved(rules_reader: Reader) -> None:
    """Without lying down, "it has gone away now" still sets the headache aside as resolved."""
    reading = rules_reader("I had a headache when I stood up but it has gone away now")
    assert ("headache_when_upright", "resolved") in set_aside(reading)


@pytest.mark.parametrize(
    ("note", "field"),
    [
        ("a bit of poo came out without any warning", "bowel"),
    ],
)
def test_not_noticing_is_the_symptom_not_a_denial(
    reader: Reader, rules_reader: Reader, note: str, field: str
) -> None:
    """ "Never felt it", "without any warning": the clause still counts for the semantic layer."""
    assert field not in {f.field for f in rules_reader(note).findings}
    assert field in {f.field for f in reader(note).findings}


@pytest.mark.parametrize(
    ("text", "celsius"),
    [("I was 38.4 this morning", 38.4), ("it hit 39.2.", 39.2), ("37.8 last night", 37.8)],
)
def test_a_bare_decimal_in_the_fever_range_is_a_temperature(text: str, celsius: float) -> None:
    """Patients leave out the word: "I was 38.4" is a temperature."""
    assert [(m.field, m.value) for m in find_measurements(text)] == [("temperature_c", celsius)]


@pytest.mark.parametrize(
    "text", ["I weigh 38.5 kg", "took 37.5 mg", "walked 40.5 minutes", "version 38.12", "38"]
)
def test_other_numbers_are_not_temperatures(text: str) -> None:
    """A unit, more digits or no decimal point: not a temperature."""
    assert find_measurements(text) == []


def test_the_cauda_equina_flags_have_a_lower_threshold() -> None:
    """Bladder, bowel and saddle flags raise at a lower similarity than the rest, never higher."""
    semantic = load_lexicon().semantic
    for flag in semantic.flags:
        if flag.field in {"bladder", "bowel", "saddle_numbness"}:
            assert flag.threshold is not None
            assert flag.threshold < semantic.threshold
        else:
            assert flag.threshold is None or flag.threshold <= semantic.threshold


def _layer_with_saddle_threshold(threshold: float) -> SemanticLayer:
    examples = load_lexicon().semantic
    flags = tuple(
        flag.model_copy(update={"threshold": threshold}) if flag.id == "saddle_numbness" else flag
        for flag in examples.flags
    )
    return SemanticLayer(examples.model_copy(update={"flags": flags}), semantic_layer().embedder)


@pytest.mark.usefixtures("reader")
def test_a_flags_own_threshold_decides_whether_it_raises() -> None:
    """The same clause raises under the flag's own lower threshold and not above its score."""
    note = rules_pipeline().parse("the area I sit on feels like it belongs to someone else")
    found, _ = semantic_layer().scan(note, ())
    (finding,) = [f for f in found if f.field == "saddle_numbness"]
    score = float(finding.detector.rsplit(":", 1)[1])
    assert score < load_lexicon().semantic.threshold  # raised only by the flag's own threshold
    above, _ = _layer_with_saddle_threshold(score + 0.02).scan(note, ())
    assert "saddle_numbness" not in {f.field for f in above}
