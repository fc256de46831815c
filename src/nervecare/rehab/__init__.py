"""Rehabilitation: a cited exercise library, phases by weeks and procedure, progression rules.

Pure functions: `programme_for` (what is allowed today), `decide_progression` (progress, hold,
step back or pause from the check-ins and exercise feedback), `adherence_summary`.
"""

from __future__ import annotations

from nervecare.rehab._library import (
    TRACKS,
    Decision,
    Exercise,
    Phase,
    RehabKnowledge,
    Track,
    load_rehab_knowledge,
)
from nervecare.rehab._programme import (
    adherence_summary,
    decide_progression,
    programme_for,
    starting_level,
)
from nervecare.rehab.models import (
    AdherenceLine,
    AdherenceSummary,
    ExerciseFeedback,
    Programme,
    ProgressionDecision,
    SessionRecord,
)

__all__ = [
    "TRACKS",
    "AdherenceLine",
    "AdherenceSummary",
    "Decision",
    "Exercise",
    "ExerciseFeedback",
    "Phase",
    "Programme",
    "ProgressionDecision",
    "RehabKnowledge",
    "SessionRecord",
    "Track",
    "adherence_summary",
    "decide_progression",
    "load_rehab_knowledge",
    "programme_for",
    "starting_level",
]
