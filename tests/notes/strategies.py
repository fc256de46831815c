"""Hypothesis strategies for notes: red-flag mentions, negations, benign filler."""

from __future__ import annotations

from hypothesis import strategies as st

#: Red-flag mentions written as things one can have (so "no ..." reads naturally).
RED_FLAG_MENTIONS = (
    "numbness in my bum",
    "numbness between my legs",
    "saddle numbness",
    "foot drop",
    "weakness in my left leg",
    "incontinence",
    "pus coming from the wound",
    "redness around the wound",
    "chest pain",
    "shortness of breath",
    "fever",
    "a high temperature",
    "pain and swelling in my calf",
    "pins and needles around my back passage",
    "trouble passing urine",
    "pain in both legs",
    "headache when I sit up",
    "loss of control of my bladder",
)

NEGATIONS = (
    "No",
    "no",
    "I have no",
    "There is no",
    "I don't have any",
    "I do not have",
    "I haven't had any",
    "Not had any",
    "I have not noticed any",
    "Never had any",
    "Without any",
)

BENIGN = (
    "",
    " Feeling good.",
    " Walking more every day.",
    " Wound healing nicely.",
    " The tablets help.",
)

mentions = st.sampled_from(RED_FLAG_MENTIONS)
negations = st.sampled_from(NEGATIONS)
benign_tails = st.sampled_from(BENIGN)


@st.composite
def negated_notes(draw: st.DrawFn) -> str:
    """A note that only denies red flags, e.g. "I don't have any foot drop. Feeling good."."""
    return f"{draw(negations)} {draw(mentions)}.{draw(benign_tails)}"


#: Whole sentences of every kind a note holds: red flags in rule words and in paraphrase,
#: denials, other people, questions, the past and ordinary recovery.
SENTENCES = (
    "I can't pee at all since last night.",
    "My foot hangs down and flops when I take a step.",
    "my wee just trickles out on its own",
    "No problem with my bladder.",
    "I can lift my foot fine.",
    "My dad had incontinence.",
    "What should I do if I go numb down below?",
    "I had foot drop before surgery.",
    "Feeling good, walking more every day.",
    "Fever of 38.6 tonight.",
    "Pain 9/10 and the tablets do nothing.",
    "no fever",
    "",
)


@st.composite
def notes_of_every_kind(draw: st.DrawFn) -> str:
    """A note of one to three sentences of any kind, joined as patients join them."""
    sentences = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3))
    joiner = draw(st.sampled_from((" ", ", ", " but ", ". ")))
    return joiner.join(sentences)


#: Parts of the body or functions a patient says are fine.
FINE_THINGS = (
    "bladder",
    "bowels",
    "waterworks",
    "foot",
    "feet",
    "legs",
    "left leg",
    "breathing",
    "wound",
    "calf",
    "bladder and bowels",
)
#: Ways of saying a thing has no problem ("{}" is the thing).
DENIAL_TEMPLATES = (
    "No problem with my {}.",
    "no problems with my {}",
    "I don't have any problems with my {}.",
    "I haven't had any issues with my {}.",
    "Not had any trouble with my {}.",
    "There's nothing wrong with my {}.",
    "There is no problem with my {} at all.",
    "Never had any trouble with my {}.",
    "My {} is fine now.",
    "my {} are fine",
    "My {} feels normal.",
    "My {} is working okay.",
)
#: Ways of saying something one can do is fine.
FINE_ABILITIES = (
    "I can lift my foot up fine now.",
    "I can lift my foot fine.",
    "I can wee fine.",
    "I can pee normally.",
    "I can walk on my heels and toes with no problem.",
    "I can control my bladder fine.",
    "I can feel when I wipe, no problem.",
    "I'm going to the toilet normally.",
)


@st.composite
def plain_denials(draw: st.DrawFn) -> str:
    """A note that only says things are fine, in words no rule was written for."""
    if draw(st.booleans()):
        return draw(st.sampled_from(DENIAL_TEMPLATES)).format(draw(st.sampled_from(FINE_THINGS)))
    return draw(st.sampled_from(FINE_ABILITIES))
