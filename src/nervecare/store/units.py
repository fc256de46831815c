"""Units of work inside a caller's transaction: the bodies of the services, without the commit.

`nervecare.store.service` wraps each in its own transaction. Bulk writers (the demo cohort) call
them inside one transaction of their own, so a whole cohort is stored whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nervecare.checkin import CheckIn
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.errors import ClientIdConflictError, DuplicatePatientError
from nervecare.store.history import baseline_value, build_history, surgery_value
from nervecare.store.models import CheckInRow, Patient
from nervecare.store.schemas import NewPatient, PatientRecord, StoredCheckIn
from nervecare.store.summaries import URGENT_RANK, apply_checkin, assess_or_none, set_trajectory
from nervecare.triage.levels import level_rank
from nervecare.triage.result import TriageResult

__all__ = [
    "checkin_document",
    "create_patient",
    "patient_record",
    "refresh_trajectory",
    "store_checkin",
    "stored_checkin",
]


def _new_reference() -> str:
    return f"P-{uuid.uuid4().hex[:8].upper()}"


def create_patient(
    session: Session, *, new: NewPatient, actor: str, now: dt.datetime
) -> PatientRecord:
    team = repo.get_or_create_team(session, name=new.team, is_synthetic=new.is_synthetic, now=now)
    reference = new.reference or _new_reference()
    try:
        with session.begin_nested():
            patient = repo.insert_patient(
                session,
                team_id=team.id,
                reference=reference,
                display_name=new.display_name,
                birth_year=new.birth_year,
                is_synthetic=new.is_synthetic,
                now=now,
            )
    except IntegrityError:
        raise DuplicatePatientError(reference) from None
    surgery = repo.insert_surgery(session, patient_id=patient.id, surgery=new.surgery, now=now)
    if new.baseline is not None:
        repo.insert_baseline(session, surgery_id=surgery.id, baseline=new.baseline, now=now)
    append_audit(
        session,
        at=now,
        actor=actor,
        action="patient.created",
        patient_id=patient.id,
        detail={"reference": reference, "team": team.name},
    )
    return patient_record(session, patient=patient)


def patient_record(session: Session, *, patient: Patient) -> PatientRecord:
    surgery = repo.latest_surgery(session, patient_id=patient.id)
    assert surgery is not None, "every patient is created with a surgery"
    return PatientRecord(
        id=patient.id,
        reference=patient.reference,
        display_name=patient.display_name,
        team=repo.team_name(session, team_id=patient.team_id),
        birth_year=patient.birth_year,
        is_synthetic=patient.is_synthetic,
        surgery=surgery_value(surgery),
        baseline=baseline_value(repo.baseline_for(session, surgery_id=surgery.id)),
        created_at=patient.created_at,
    )


def checkin_document(checkin: CheckIn) -> dict[str, Any]:
    """The check-in as the sender sent it (unknown extra fields included, no filled defaults)."""
    return checkin.model_dump(mode="json", exclude_unset=True)


def _recorded_at(checkin: CheckIn, now: dt.datetime) -> dt.datetime:
    if checkin.recorded_at is None:
        return now
    return dt.datetime.fromisoformat(checkin.recorded_at.replace("z", "Z")).astimezone(dt.UTC)


def stored_checkin(row: CheckInRow, *, created: bool) -> StoredCheckIn:
    return StoredCheckIn.model_validate(
        {
            "id": row.id,
            "patient_id": row.patient_id,
            "client_id": row.client_id,
            "recorded_at": row.recorded_at,
            "days_since_surgery": row.days_since_surgery,
            "leg_pain": row.leg_pain,
            "back_pain": row.back_pain,
            "level": row.level,
            "ruleset_version": row.ruleset_version,
            "triage": row.triage,
            "created": created,
        }
    )


def _already_stored(existing: CheckInRow, *, document: dict[str, Any]) -> StoredCheckIn:
    if existing.document != document:
        assert existing.client_id is not None
        raise ClientIdConflictError(existing.client_id, existing.id)
    return stored_checkin(existing, created=False)


def store_checkin(
    session: Session,
    *,
    patient: Patient,
    checkin: CheckIn,
    triage_result: TriageResult,
    client_id: str | None,
    actor: str,
    now: dt.datetime,
    refresh: bool = True,
) -> StoredCheckIn:
    """Store a check-in with its triage result, summary, alert and audit entry.

    Idempotent on `client_id`: the same check-in sent again returns the stored one. Two senders
    racing with the same id are settled by the unique constraint (inside a savepoint), not only
    by the look-up before it.
    """
    document = checkin_document(checkin)
    if client_id is not None:
        existing = repo.find_checkin_by_client_id(
            session, patient_id=patient.id, client_id=client_id
        )
        if existing is not None:
            return _already_stored(existing, document=document)
    recorded_at = _recorded_at(checkin, now)
    rank = level_rank(triage_result.level)
    row = CheckInRow(
        patient_id=patient.id,
        client_id=client_id,
        recorded_at=recorded_at,
        recorded_on=recorded_at.date(),
        received_at=now,
        days_since_surgery=checkin.days_since_surgery,
        leg_pain=checkin.leg_pain,
        back_pain=checkin.back_pain,
        function_odi=checkin.function_odi,
        pain_relief=checkin.pain_relieved_by_medication,
        document=document,
        level=triage_result.level,
        level_rank=rank,
        red_flags=[
            reason.code
            for reason in triage_result.reasons
            if level_rank(reason.level) >= URGENT_RANK
        ],
        triage=triage_result.model_dump(mode="json"),
        ruleset_version=triage_result.ruleset_version,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = (
            None
            if client_id is None
            else repo.find_checkin_by_client_id(session, patient_id=patient.id, client_id=client_id)
        )
        if existing is None:
            raise
        return _already_stored(existing, document=document)
    apply_checkin(session, checkin=row, now=now)
    if rank >= URGENT_RANK:
        repo.insert_alert(session, checkin=row, now=now)
    if triage_result.confirm or triage_result.answers:
        from nervecare.store.confirmations import record_questions  # noqa: PLC0415 - cycle

        record_questions(session, checkin=row, result=triage_result, now=now)
    append_audit(
        session,
        at=now,
        actor=actor,
        action="checkin.recorded",
        patient_id=patient.id,
        detail={"checkin_id": row.id, "level": row.level, "client_id": client_id},
    )
    if refresh:
        refresh_trajectory(session, patient=patient, now=now)
    return stored_checkin(row, created=True)


def refresh_trajectory(session: Session, *, patient: Patient, now: dt.datetime) -> None:
    """Re-assess the trajectory as of today and keep its class on the summary row."""
    history = build_history(session, patient=patient)
    trajectory = assess_or_none(history, on=now.date())
    set_trajectory(session, patient_id=patient.id, trajectory=trajectory, now=now)
