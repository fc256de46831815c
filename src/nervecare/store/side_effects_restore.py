"""Side-effect answers read for the FHIR export and written back by the FHIR import (issue 8).

`nervecare.store.side_effects` records answers as a check-in arrives, checked against the
questions due that day. An import restores answers that were given and checked elsewhere, so it
puts them back exactly as recorded (answer, words, the urgent marker of the time, the day asked
and when recorded), without asking today's plan which questions would be due. It writes inside
the caller's transaction, and only beside check-ins the same import has just stored: a check-in
that was already here keeps the answers it has, so sending a Bundle twice stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.models import CheckInRow, SideEffectAnswerRow

__all__ = [
    "ExportedSideEffect",
    "ImportedSideEffect",
    "SideEffectAnswerRecord",
    "checkin_ids_of",
    "restore_side_effect_answers",
    "side_effect_records",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SideEffectAnswerRecord(BaseModel):
    """One answer as stored: which medicine and question, yes or no, the patient's words, whether
    the question was marked urgent when asked, the day asked and when it was recorded."""

    model_config = _FROZEN

    drug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$")
    effect: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$")
    answer: bool
    words: str = Field(default="", max_length=200)
    urgent: bool = False
    asked_on: dt.date
    recorded_at: dt.datetime


class ExportedSideEffect(SideEffectAnswerRecord):
    """An answer with the stored check-in it was given in."""

    checkin_id: int


class ImportedSideEffect(SideEffectAnswerRecord):
    """An answer with the client id of the check-in it travels with."""

    checkin_client_id: str = Field(min_length=1)


def side_effect_records(session: Session, *, patient_id: int) -> list[ExportedSideEffect]:
    """Every side-effect answer of the patient, in check-in order, then as recorded."""
    rows = session.execute(
        select(SideEffectAnswerRow)
        .join(CheckInRow, CheckInRow.id == SideEffectAnswerRow.checkin_id)
        .where(SideEffectAnswerRow.patient_id == patient_id)
        .order_by(CheckInRow.recorded_at, CheckInRow.id, SideEffectAnswerRow.id)
    ).scalars()
    return [
        ExportedSideEffect(
            checkin_id=row.checkin_id,
            drug=row.drug,
            effect=row.effect,
            answer=row.answer,
            words=row.words,
            urgent=row.urgent,
            asked_on=row.asked_on,
            recorded_at=row.recorded_at,
        )
        for row in rows
    ]


def checkin_ids_of(session: Session, *, reference: str | None) -> set[int]:
    """The check-ins already stored for the patient with this reference (none if unknown); taken
    before an import so that its answers go only beside the check-ins it adds."""
    if reference is None:
        return set()
    patient = repo.find_patient_by_reference(session, reference=reference)
    if patient is None:
        return set()
    return set(session.scalars(select(CheckInRow.id).where(CheckInRow.patient_id == patient.id)))


def restore_side_effect_answers(
    session: Session,
    *,
    patient_id: int,
    answers: Sequence[ImportedSideEffect],
    stored_before: Collection[int],
    actor: str,
    now: dt.datetime,
) -> int:
    """Store the answers beside the patient's check-ins this import added (found by client id);
    returns how many were stored. Answers of a check-in that was already stored are left out."""
    client_ids = {answer.checkin_client_id for answer in answers}
    if not client_ids:
        return 0
    found = session.execute(
        select(CheckInRow.id, CheckInRow.client_id).where(
            CheckInRow.patient_id == patient_id, CheckInRow.client_id.in_(client_ids)
        )
    ).all()
    new_checkins = {client_id: row_id for row_id, client_id in found if row_id not in stored_before}
    rows = [
        SideEffectAnswerRow(
            patient_id=patient_id,
            checkin_id=new_checkins[answer.checkin_client_id],
            drug=answer.drug,
            effect=answer.effect,
            answer=answer.answer,
            words=answer.words,
            urgent=answer.urgent,
            asked_on=answer.asked_on,
            recorded_at=answer.recorded_at,
        )
        for answer in answers
        if answer.checkin_client_id in new_checkins
    ]
    if not rows:
        return 0
    session.add_all(rows)
    session.flush()
    append_audit(
        session,
        at=now,
        actor=actor,
        action="side_effects.imported",
        patient_id=patient_id,
        detail={
            "answered": len(rows),
            "yes": [f"{r.drug}.{r.effect}" for r in rows if r.answer],
            "prompt_attention": [f"{r.drug}.{r.effect}" for r in rows if r.answer and r.urgent],
        },
    )
    return len(rows)
