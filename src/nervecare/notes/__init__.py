"""Reading red flags in a patient's own words (the free-text `notes` of a check-in).

`read_notes(text)` maps what the patient wrote onto check-in answers (`NoteFinding`s) that the
triage engine treats exactly like the ticked boxes, and reports the mentions it set aside
(negated, historical, resolved, hypothetical, someone else's) so clinicians can see them.
`read_many(texts)` reads many notes (a JSON-lines file) with, for each, exactly the reading
`read_notes` gives it alone.
Importing this package loads neither spaCy nor torch: both load on the first note, once per
process, or ahead of time with `warm_up()`.
"""

from __future__ import annotations

from nervecare.notes._model import (
    ContextAttribute,
    NotesReading,
    SetAsideMention,
    SetAsideReason,
)
from nervecare.notes._reader import read_many, read_notes, warm_up

__all__ = [
    "ContextAttribute",
    "NotesReading",
    "SetAsideMention",
    "SetAsideReason",
    "read_many",
    "read_notes",
    "warm_up",
]
