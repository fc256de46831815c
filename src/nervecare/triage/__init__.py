"""Safety triage of one check-in: levels, rules as data, the pure engine, and its shell."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nervecare.checkin import CheckIn
from nervecare.triage.engine import InvalidFindingError, evaluate, unanswered_red_flags
from nervecare.triage.findings import NoteFinding
from nervecare.triage.levels import ALERTING_LEVELS, LEVELS, Level, alerts_team, highest, level_rank
from nervecare.triage.questions import Language, load_questions, unconfirmed_signs
from nervecare.triage.result import (
    ConfirmAnswer,
    ConfirmedAnswer,
    ConfirmQuestion,
    Reason,
    SetAsideNote,
    TriageResult,
    confirm_key,
)
from nervecare.triage.rules import Ruleset, load_ruleset
from nervecare.triage.service import triage_checkin

__all__ = [
    "ALERTING_LEVELS",
    "LEVELS",
    "ConfirmAnswer",
    "ConfirmQuestion",
    "ConfirmedAnswer",
    "InvalidFindingError",
    "Language",
    "Level",
    "NoteFinding",
    "Reason",
    "Ruleset",
    "SetAsideNote",
    "TriageResult",
    "alerts_team",
    "confirm_key",
    "evaluate",
    "highest",
    "level_rank",
    "load_questions",
    "load_ruleset",
    "triage",
    "triage_checkin",
    "unanswered_red_flags",
    "unconfirmed_signs",
]


def triage(
    checkin: CheckIn,
    *,
    note_findings: Sequence[NoteFinding] = (),
    notes_set_aside: Sequence[SetAsideNote] = (),
    answers: Mapping[str, ConfirmAnswer] | None = None,
) -> TriageResult:
    """Pure triage with the packaged ruleset, given what the notes were found to say (and the
    patient's answers to what they asked)."""
    return evaluate(
        checkin,
        load_ruleset(),
        note_findings=note_findings,
        notes_set_aside=notes_set_aside,
        answers=answers,
    )
