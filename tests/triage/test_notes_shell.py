"""The shell around the engine: notes are read only when present, and unreadable notes escalate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nervecare.checkin import parse_checkin
from nervecare.triage import NoteFinding, triage_checkin
from nervecare.triage.service import NotesReader, NotesReading

QUIET = {"days_since_surgery": 12, "leg_pain": 2, "leg_pain_change": "better"}


class _Reading:
    def __init__(self, findings: tuple[NoteFinding, ...] = ()) -> None:
        self.findings = findings
        self.set_aside: tuple[object, ...] = ()


def _reader_factory(reader: Callable[[str], NotesReading]) -> Callable[[], NotesReader]:
    return lambda: reader


def test_a_check_in_without_notes_never_loads_the_reader() -> None:
    """Structured-only triage does not touch the notes reader (and so not spaCy or torch)."""

    def must_not_load() -> NotesReader:
        raise AssertionError("the notes reader was loaded")

    assert triage_checkin(parse_checkin(QUIET), notes_reader=must_not_load).level == "self_care"
    blank = parse_checkin(QUIET | {"notes": "   "})
    assert triage_checkin(blank, notes_reader=must_not_load).level == "self_care"


@pytest.mark.parametrize("failure", [RuntimeError("model missing"), MemoryError(), ValueError()])
def test_notes_that_cannot_be_read_escalate_to_urgent(failure: BaseException) -> None:
    """A failure to read the notes is never 'nothing found': the team must read them today."""

    def broken(_: str) -> NotesReading:
        raise failure

    checkin = parse_checkin(QUIET | {"notes": "something the reader chokes on"})
    result = triage_checkin(checkin, notes_reader=_reader_factory(broken))
    assert result.level == "urgent"
    assert result.reasons[0].code == "notes.unread"
    assert result.reasons[0].sources


def test_unreadable_notes_never_lower_a_structured_emergency() -> None:
    """With an emergency in the answers, a notes failure adds a reason but keeps the emergency."""

    def broken(_: str) -> NotesReading:
        raise RuntimeError

    checkin = parse_checkin(QUIET | {"bladder": ["retention"], "notes": "words"})
    result = triage_checkin(checkin, notes_reader=_reader_factory(broken))
    assert result.level == "emergency"
    assert {r.code for r in result.reasons} >= {"notes.unread", "cauda_equina.urinary_retention"}


def test_findings_from_the_reader_reach_the_engine() -> None:
    """What the reader finds is triaged like the answer, with the words as evidence."""
    finding = NoteFinding(field="bladder", value="retention", evidence="can't pee", detector="t")
    checkin = parse_checkin(QUIET | {"notes": "I can't pee"})
    result = triage_checkin(checkin, notes_reader=_reader_factory(lambda _: _Reading((finding,))))
    assert result.level == "emergency"
    assert result.reasons[0].evidence == 'notes: "can\'t pee"'
    assert result.reasons[0].origin == "notes"
