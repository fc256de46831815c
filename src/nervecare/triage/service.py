"""The thin shell around the pure engine: reads the notes (when there are any) and triages.

The notes reader (medspaCy and an embedding model) is heavy, so it is imported and built only
when a check-in actually has notes, once per process. Structured-only triage never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from nervecare.checkin import CheckIn
from nervecare.triage.engine import evaluate
from nervecare.triage.findings import NoteFinding
from nervecare.triage.questions import Language
from nervecare.triage.result import ConfirmAnswer, Reason, SetAsideNote, TriageResult
from nervecare.triage.rules import Ruleset, load_ruleset

__all__ = ["NotesReader", "NotesReading", "default_notes_reader", "triage_checkin"]


class NotesReading(Protocol):
    """What a notes reader returns (see `nervecare.notes.NotesReading`)."""

    @property
    def findings(self) -> tuple[NoteFinding, ...]: ...

    @property
    def set_aside(self) -> tuple[object, ...]: ...


NotesReader = Callable[[str], NotesReading]


def default_notes_reader() -> NotesReader:
    """The project's notes reader, imported only when first needed."""
    from nervecare.notes import read_notes  # noqa: PLC0415 - deliberately lazy: spaCy, torch

    reader: NotesReader = read_notes
    return reader


def _set_aside_notes(reading: NotesReading) -> tuple[SetAsideNote, ...]:
    kept: list[SetAsideNote] = []
    for mention in reading.set_aside:
        words = getattr(mention, "words", None) or getattr(mention, "evidence", "")
        field = getattr(mention, "field", "")
        because = getattr(mention, "because", None) or getattr(mention, "reason", "")
        kept.append(SetAsideNote(words=str(words), field=str(field), because=str(because)))
    return tuple(kept)


#: Patients may not mention a warning sign unless asked, so unread words are never "nothing".
_UNREAD_NOTES_SOURCES = ("cks_sciatica_interpreting_red_flags", "girft_ces_pathway_primary_care")


def _unread_notes_reason(error: Exception) -> Reason:
    # Notes we could not read may hold an emergency: never treat them as nothing to see.
    return Reason(
        code="notes.unread",
        level="urgent",
        summary=(
            "The notes could not be checked automatically "
            f"({type(error).__name__}); a member of the care team must read them today."
        ),
        evidence="notes",
        sources=_UNREAD_NOTES_SOURCES,
        origin="notes",
    )


def _foreign_notes_reason(language: str) -> Reason:
    # A note nobody here can read may hold an emergency: it is never passed as read.
    return Reason(
        code="notes.not_read",
        level="routine",
        summary=(
            f"The notes appear to be written in a language the reader does not read ({language}), "
            "so they were not checked automatically; a member of the care team must read them. "
            "The structured answers were triaged as usual."
        ),
        evidence="notes",
        sources=_UNREAD_NOTES_SOURCES,
        origin="notes",
    )


def triage_checkin(
    checkin: CheckIn,
    *,
    ruleset: Ruleset | None = None,
    notes_reader: Callable[[], NotesReader] = default_notes_reader,
    extra_reasons: Sequence[Reason] = (),
    answers: Mapping[str, ConfirmAnswer] | None = None,
    language: Language = "en",
) -> TriageResult:
    """Triage a validated check-in, reading its notes when it has any.

    `extra_reasons` are what the shell found beside the check-in (e.g. a side-effect answer that
    needs prompt attention): they count towards the level like any rule, and never lower it.
    `answers` are the patient's answers to the questions the notes raised (see `evaluate`); the
    notes are read again, which gives the same reading, so nothing but the answers is kept.
    """
    rules = ruleset if ruleset is not None else load_ruleset()
    notes = (checkin.notes or "").strip()
    if not notes:
        return evaluate(checkin, rules, extra_reasons=extra_reasons, language=language)
    try:
        reading = notes_reader()(notes)
    except Exception as error:
        return evaluate(
            checkin,
            rules,
            extra_reasons=[*extra_reasons, _unread_notes_reason(error)],
            language=language,
        )
    if not getattr(reading, "read", True):  # a reader that cannot tell reads everything
        extra_reasons = [*extra_reasons, _foreign_notes_reason(getattr(reading, "language", "?"))]
    return evaluate(
        checkin,
        rules,
        note_findings=reading.findings,
        notes_set_aside=_set_aside_notes(reading),
        extra_reasons=extra_reasons,
        answers=answers,
        language=language,
    )
