"""Reads for the web pages and the API, each one transaction with its audit entry, each checking
that the person asking may see the patient (`PatientHiddenError` otherwise, after an audit entry
of the refusal in its own transaction so that the refusal is kept).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.recovery.models import PatientHistory
from nervecare.store.accounts import Principal, may_see_patient, record_denied_access, team_phone
from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.confirmations import StoredQuestion, questions_of_checkins
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import StoreError
from nervecare.store.history import build_history
from nervecare.store.models import CheckInReview, CheckInRow, Patient
from nervecare.store.schemas import PatientRecord, StoredCheckIn
from nervecare.store.units import patient_record, stored_checkin

__all__ = [
    "CheckInView",
    "PatientHiddenError",
    "PatientOverview",
    "checkin_for",
    "patient_overview",
    "require_patient_access",
]


class PatientHiddenError(StoreError, LookupError):
    """Not found, or not this person's to see: the same answer, so ids cannot be probed."""


class CheckInView(BaseModel):
    model_config = ConfigDict(frozen=True)

    stored: StoredCheckIn
    document: dict[str, Any]
    reviewed: bool
    team_phone: str | None
    #: The questions the notes raised, with the patient's answers and when (triage contract v2).
    questions: tuple[StoredQuestion, ...] = ()


class PatientOverview(BaseModel):
    model_config = ConfigDict(frozen=True)

    record: PatientRecord
    history: PatientHistory
    checkins: tuple[CheckInView, ...]
    team_phone: str | None


def _deny(
    sessions: SessionFactory, *, principal: Principal, patient_id: int | None, what: str
) -> PatientHiddenError:
    record_denied_access(sessions, principal=principal, patient_id=patient_id, what=what)
    return PatientHiddenError(what)


def require_patient_access(
    sessions: SessionFactory, *, principal: Principal, patient_id: int, what: str
) -> None:
    """Raise `PatientHiddenError` (and audit the refusal) unless the person may see the patient."""
    with sessions.begin() as session:
        allowed = may_see_patient(session, principal=principal, patient_id=patient_id)
    if not allowed:
        raise _deny(sessions, principal=principal, patient_id=patient_id, what=what)


def _views(session: Session, rows: list[CheckInRow], phone: str | None) -> tuple[CheckInView, ...]:
    ids = [row.id for row in rows]
    reviewed = set(
        session.scalars(select(CheckInReview.checkin_id).where(CheckInReview.checkin_id.in_(ids)))
    )
    asked: dict[int, list[StoredQuestion]] = {}
    if any(row.triage.get("confirm") or row.triage.get("answers") for row in rows):
        for question in questions_of_checkins(session, checkin_ids=ids):
            asked.setdefault(question.checkin_id, []).append(question)
    return tuple(
        CheckInView(
            stored=stored_checkin(row, created=False),
            document=row.document,
            reviewed=row.id in reviewed,
            team_phone=phone,
            questions=tuple(asked.get(row.id, ())),
        )
        for row in rows
    )


def checkin_for(
    sessions: SessionFactory, *, principal: Principal, checkin_id: int, clock: Clock = utc_now
) -> CheckInView:
    """One stored check-in with its triage, if the person may see it."""
    with sessions.begin() as session:
        row = session.get(CheckInRow, checkin_id)
        allowed = row is not None and may_see_patient(
            session, principal=principal, patient_id=row.patient_id
        )
        if row is not None and allowed:
            patient = session.get(Patient, row.patient_id)
            assert patient is not None
            append_audit(
                session,
                at=clock(),
                actor=principal.actor,
                action="checkin.read",
                patient_id=row.patient_id,
                detail={"checkin_id": checkin_id},
            )
            return _views(session, [row], team_phone(session, team_id=patient.team_id))[0]
        patient_id = None if row is None else row.patient_id
    raise _deny(sessions, principal=principal, patient_id=patient_id, what=f"checkin {checkin_id}")


def patient_overview(
    sessions: SessionFactory,
    *,
    principal: Principal,
    patient_id: int,
    checkin_limit: int = 60,
    clock: Clock = utc_now,
) -> PatientOverview:
    """The patient, their history (for trajectory and care plan) and their latest check-ins."""
    with sessions.begin() as session:
        patient = session.get(Patient, patient_id)
        allowed = patient is not None and may_see_patient(
            session, principal=principal, patient_id=patient_id
        )
        if patient is not None and allowed:
            append_audit(
                session,
                at=clock(),
                actor=principal.actor,
                action="patient.read",
                patient_id=patient_id,
            )
            rows = list(
                session.scalars(
                    select(CheckInRow)
                    .where(CheckInRow.patient_id == patient_id)
                    .order_by(CheckInRow.recorded_at.desc(), CheckInRow.id.desc())
                    .limit(checkin_limit)
                )
            )
            phone = team_phone(session, team_id=patient.team_id)
            return PatientOverview(
                record=patient_record(session, patient=patient),
                history=build_history(session, patient=patient),
                checkins=_views(session, rows, phone),
                team_phone=phone,
            )
    raise _deny(sessions, principal=principal, patient_id=patient_id, what=f"patient {patient_id}")
