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
