"""What the FHIR export reads and the FHIR import writes, as plain values (issue 8).

Reads: every check-in of a patient with its document, triage result and review state, the
alerts raised, and the exercise sessions. Writes: one whole patient record (or more check-ins for
a known patient) inside the caller's transaction, re-using the store's units of work so that an
imported check-in is stored, triaged, summarised and alerted exactly like any other.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.checkin import CheckIn
from nervecare.recovery.models import MedicationTrial, ProcedureDone
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.models import CheckInReview, CheckInRow, ExerciseSession, OutboxAlert, Patient
from nervecare.store.schemas import NewPatient, PatientRecord
from nervecare.store.summaries import rebuild_summary
from nervecare.store.units import (
    checkin_document,
    create_patient,
    patient_record,
    refresh_trajectory,
    store_checkin,
)
from nervecare.triage.result import TriageResult

__all__ = [
    "AlertRecord",
    "CheckInRecord",
    "ExerciseRecord",
    "ImportSummary",
    "ImportedCheckIn",
    "alert_records",
    "checkin_records",
    "exercise_records",
    "import_record",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class CheckInRecord(BaseModel):
    model_config = _FROZEN

    id: int
    client_id: str | None
    recorded_at: dt.datetime
    document: dict[str, Any]
    triage: dict[str, Any]
    level: str
    red_flags: tuple[str, ...]
    reviewed_at: dt.datetime | None


class AlertRecord(BaseModel):
    model_config = _FROZEN

    id: int
    checkin_id: int
    level: str
    state: str
    created_at: dt.datetime
    attempts: int
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None


class ExerciseRecord(BaseModel):
    model_config = _FROZEN

    performed_on: dt.date
    stage: str
    exercise: str
    minutes: int | None
    supervised: bool


def checkin_records(session: Session, *, patient_id: int) -> list[CheckInRecord]:
    """Every check-in of the patient, oldest first, with when it was first reviewed."""
    reviewed = (
        select(CheckInReview.reviewed_at)
        .where(CheckInReview.checkin_id == CheckInRow.id)
        .order_by(CheckInReview.reviewed_at)
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(CheckInRow, reviewed)
        .where(CheckInRow.patient_id == patient_id)
        .order_by(CheckInRow.recorded_at, CheckInRow.id)
    ).all()
    return [
        CheckInRecord(
            id=row.id,
            client_id=row.client_id,
            recorded_at=row.recorded_at,
            document=row.document,
            triage=row.triage,
            level=row.level,
            red_flags=tuple(row.red_flags),
            reviewed_at=reviewed_at,
        )
        for row, reviewed_at in rows
    ]


def alert_records(session: Session, *, patient_id: int) -> list[AlertRecord]:
    rows = session.scalars(
        select(OutboxAlert).where(OutboxAlert.patient_id == patient_id).order_by(OutboxAlert.id)
    )
    return [
        AlertRecord(
            id=row.id,
            checkin_id=row.checkin_id,
            level=row.level,
            state=row.state,
            created_at=row.created_at,
            attempts=row.attempts,
            acknowledged_at=row.acknowledged_at,
            resolved_at=row.resolved_at,
        )
        for row in rows
    ]


def exercise_records(session: Session, *, patient_id: int) -> list[ExerciseRecord]:
    rows = session.scalars(
        select(ExerciseSession)
        .where(ExerciseSession.patient_id == patient_id)
        .order_by(ExerciseSession.performed_on, ExerciseSession.id)
    )
    return [
        ExerciseRecord(
            performed_on=row.performed_on,
            stage=row.stage,
            exercise=row.exercise,
            minutes=row.minutes,
            supervised=row.supervised,
        )
        for row in rows
    ]


class ImportedCheckIn(BaseModel):
    """A check-in to store, with the sender's id (idempotence) and whether it was reviewed."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    client_id: str
    checkin: CheckIn
    reviewed: bool = False


class ImportSummary(BaseModel):
    model_config = _FROZEN

    patient: PatientRecord
    patient_created: bool
    checkins_created: int
    checkins_already_stored: int


#: The id under which a check-in stored without a client id is exported (see interop.fhir.ids).
_EXPORTED_ID = re.compile(r"^nervecare-checkin-(\d+)$")


def _exported_from_here(session: Session, *, patient_id: int, item: ImportedCheckIn) -> bool:
    """True when the check-in is one of this store's own, exported without a client id and now
    sent back: the same row, with the same document, is already here."""
    match = _EXPORTED_ID.match(item.client_id)
    if match is None:
        return False
    row = session.get(CheckInRow, int(match.group(1)))
    return (
        row is not None
        and row.patient_id == patient_id
        and row.client_id is None
        and row.document == checkin_document(item.checkin)
    )


def import_record(
    session: Session,
    *,
    new: NewPatient,
    checkins: Sequence[ImportedCheckIn],
    medications: Sequence[MedicationTrial],
    procedures: Sequence[ProcedureDone],
    exercise: Sequence[ExerciseRecord],
    triage: Callable[[CheckIn], TriageResult],
    actor: str,
    now: dt.datetime,
) -> ImportSummary:
    """Enrol the patient (unless their reference is known) and store the check-ins, in the
    caller's transaction. A known patient only gets the check-ins it does not have yet (by
    client id), so sending the same Bundle twice stores nothing twice."""
    existing = (
        None if new.reference is None else repo.find_patient(session, key=new.reference, lock=True)
    )
    if existing is not None and existing.reference != new.reference:
        existing = None  # a number that happens to match another patient's id
    created = existing is None
    if existing is None:
        record = create_patient(session, new=new, actor=actor, now=now)
        patient = session.get(Patient, record.id)
        assert patient is not None
        for trial in medications:
            repo.insert_medication_trial(session, patient_id=patient.id, trial=trial, now=now)
        for procedure in procedures:
            repo.insert_procedure(session, patient_id=patient.id, procedure=procedure, now=now)
        for session_done in exercise:
            repo.insert_exercise_session(
                session, patient_id=patient.id, now=now, **session_done.model_dump()
            )
    else:
        patient = existing
    stored_new = already = 0
    for item in checkins:
        if _exported_from_here(session, patient_id=patient.id, item=item):
            already += 1
            continue
        stored = store_checkin(
            session,
            patient=patient,
            checkin=item.checkin,
            triage_result=triage(item.checkin),
            client_id=item.client_id,
            actor=actor,
            now=now,
            refresh=False,
        )
        if not stored.created:
            already += 1
            continue
        stored_new += 1
        if item.reviewed and stored.level in ("urgent", "emergency"):
            repo.insert_review(
                session, checkin_id=stored.id, clinician_id=None, note="(imported)", now=now
            )
    rebuild_summary(session, patient_id=patient.id, now=now)
    refresh_trajectory(session, patient=patient, now=now)
    append_audit(
        session,
        at=now,
        actor=actor,
        action="fhir.imported",
        patient_id=patient.id,
        detail={"created": created, "checkins": stored_new, "already_stored": already},
    )
    return ImportSummary(
        patient=patient_record(session, patient=patient),
        patient_created=created,
        checkins_created=stored_new,
        checkins_already_stored=already,
    )
