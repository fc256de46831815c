"""The services: each call is one transaction, and every read or change of a patient record
leaves an entry in the audit log inside that same transaction.

Callers pass a session factory (see `open_store`), who is acting (`actor`) and a clock, so the
same code serves the CLI, the web app and deterministic tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nervecare.checkin import CheckIn
from nervecare.recovery.models import MedicationTrial, PatientHistory, ProcedureDone
from nervecare.settings import get_settings
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.engine import SessionFactory, create_store_engine, make_session_factory
from nervecare.store.errors import PatientNotFoundError, StoreError
from nervecare.store.history import build_history
from nervecare.store.migrate import ensure_schema
from nervecare.store.models import CheckInRow, Patient
from nervecare.store.ranking import ranked_patients
from nervecare.store.schemas import NewPatient, PatientRecord, RankedPatient, StoredCheckIn
from nervecare.store.summaries import rebuild_summary
from nervecare.store.units import create_patient, patient_record, refresh_trajectory, store_checkin
from nervecare.triage.result import TriageResult

__all__ = [
    "PatientKey",
    "Store",
    "add_medication_trial",
    "add_patient",
    "add_procedure",
    "check_surgery_date",
    "get_patient",
    "list_patients",
    "open_store",
    "rank_patients",
    "read_patient_history",
    "record_checkin",
    "refresh_summaries",
    "review_checkin",
]

#: A patient's number, or their reference.
PatientKey = int | str


@dataclass(frozen=True)
class Store:
    """An open store: the engine and the factory of its sessions."""

    engine: Engine
    sessions: SessionFactory

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, create_schema: bool = True) -> Store:
    """Open the database at `url` (default: the settings'); create the schema if it is empty."""
    engine = create_store_engine(url or get_settings().database_url)
    if create_schema:
        ensure_schema(engine)
    return Store(engine=engine, sessions=make_session_factory(engine))


def _patient(session: Session, key: PatientKey, *, lock: bool = False) -> Patient:
    patient = repo.find_patient(session, key=key, lock=lock)
    if patient is None:
        raise PatientNotFoundError(key)
    return patient


#: How far from today an operation date can be for check-ins to count from it.
SURGERY_AT_MOST_AGO = dt.timedelta(days=3650)
SURGERY_AT_MOST_AHEAD = dt.timedelta(days=365)


def check_surgery_date(date: dt.date, *, today: dt.date) -> None:
    """Raise `StoreError` for an operation date check-ins cannot be counted from."""
    if not today - SURGERY_AT_MOST_AGO <= date <= today + SURGERY_AT_MOST_AHEAD:
        raise StoreError(
            f"the date of the operation ({date.isoformat()}) must be within the last ten years "
            "and at most a year ahead"
        )


def add_patient(
    sessions: SessionFactory, *, new: NewPatient, actor: str = "system", clock: Clock = utc_now
) -> PatientRecord:
    """Register a patient with their operation (and baseline, if known).

    The date of the operation must be one check-ins can count from: at most ten years ago (the
    contract's longest `days_since_surgery`) and at most a year ahead. A date such as 0001-01-01
    would make every later check-in unreadable.
    """
    now = clock()
    check_surgery_date(new.surgery.date, today=now.date())
    with sessions.begin() as session:
        return create_patient(session, new=new, actor=actor, now=now)


def get_patient(
    sessions: SessionFactory, *, patient: PatientKey, actor: str = "system", clock: Clock = utc_now
) -> PatientRecord:
    with sessions.begin() as session:
        found = _patient(session, patient)
        append_audit(session, at=clock(), actor=actor, action="patient.read", patient_id=found.id)
        return patient_record(session, patient=found)


def list_patients(
    sessions: SessionFactory,
    *,
    team: str | None = None,
    actor: str = "system",
    clock: Clock = utc_now,
) -> list[PatientRecord]:
    with sessions.begin() as session:
        records = [
            patient_record(session, patient=patient)
            for patient, _team in repo.list_patients(session, team=team)
        ]
        append_audit(
            session,
            at=clock(),
            actor=actor,
            action="patient.listed",
            detail={"team": team, "count": len(records)},
        )
        return records


def record_checkin(
    sessions: SessionFactory,
    *,
    patient_id: PatientKey,
    checkin: CheckIn,
    triage_result: TriageResult,
    client_id: str | None = None,
    actor: str = "system",
    clock: Clock = utc_now,
) -> StoredCheckIn:
    """Store a triaged check-in in one transaction: check-in, result, summary, alert, audit.

    Sent again with the same `client_id`, it is stored once and the stored one is returned
    (`created` False); the same id with a different check-in raises `ClientIdConflictError`.
    """
    with sessions.begin() as session:
        patient = _patient(session, patient_id, lock=True)
        return store_checkin(
            session,
            patient=patient,
            checkin=checkin,
            triage_result=triage_result,
            client_id=client_id,
            actor=actor,
            now=clock(),
        )


def read_patient_history(
    sessions: SessionFactory, *, patient: PatientKey, actor: str = "system", clock: Clock = utc_now
) -> tuple[PatientRecord, PatientHistory]:
    """The patient and their history for the trajectory and care plan (one audited read)."""
    with sessions.begin() as session:
        found = _patient(session, patient)
        append_audit(session, at=clock(), actor=actor, action="history.read", patient_id=found.id)
        return patient_record(session, patient=found), build_history(session, patient=found)


def rank_patients(
    sessions: SessionFactory,
    *,
    team: str | None = None,
    limit: int | None = None,
    actor: str = "system",
    clock: Clock = utc_now,
) -> list[RankedPatient]:
    """Every patient (of a team), most in need of attention first, with the reasons."""
    now = clock()
    with sessions.begin() as session:
        ranked = ranked_patients(session, today=now.date(), team=team, limit=limit)
        append_audit(
            session,
            at=now,
            actor=actor,
            action="patient.ranked",
            detail={"team": team, "count": len(ranked)},
        )
        return ranked


def review_checkin(
    sessions: SessionFactory,
    *,
    checkin_id: int,
    clinician_id: int | None = None,
    note: str = "",
    actor: str = "system",
    clock: Clock = utc_now,
) -> None:
    """A clinician has seen this check-in: its red flags stop counting as open."""
    now = clock()
    with sessions.begin() as session:
        row = session.get(CheckInRow, checkin_id)
        if row is None:
            raise StoreError(f"no check-in {checkin_id}")
        _patient(session, row.patient_id, lock=True)
        repo.insert_review(
            session, checkin_id=checkin_id, clinician_id=clinician_id, note=note, now=now
        )
        rebuild_summary(session, patient_id=row.patient_id, now=now)
        append_audit(
            session,
            at=now,
            actor=actor,
            action="checkin.reviewed",
            patient_id=row.patient_id,
            detail={"checkin_id": checkin_id, "clinician_id": clinician_id},
        )


def add_medication_trial(
    sessions: SessionFactory,
    *,
    patient: PatientKey,
    trial: MedicationTrial,
    actor: str = "system",
    clock: Clock = utc_now,
) -> None:
    now = clock()
    with sessions.begin() as session:
        found = _patient(session, patient, lock=True)
        repo.insert_medication_trial(session, patient_id=found.id, trial=trial, now=now)
        append_audit(
            session,
            at=now,
            actor=actor,
            action="medication.recorded",
            patient_id=found.id,
            detail={"drug": trial.drug},
        )
        refresh_trajectory(session, patient=found, now=now)


def add_procedure(
    sessions: SessionFactory,
    *,
    patient: PatientKey,
    procedure: ProcedureDone,
    actor: str = "system",
    clock: Clock = utc_now,
) -> None:
    now = clock()
    with sessions.begin() as session:
        found = _patient(session, patient, lock=True)
        repo.insert_procedure(session, patient_id=found.id, procedure=procedure, now=now)
        append_audit(
            session,
            at=now,
            actor=actor,
            action="procedure.recorded",
            patient_id=found.id,
            detail={"kind": procedure.kind},
        )


def refresh_summaries(
    sessions: SessionFactory, *, actor: str = "system", clock: Clock = utc_now
) -> int:
    """Recompute every patient's summary and trajectory (after an upgrade or a data fix)."""
    now = clock()
    count = 0
    with sessions.begin() as session:
        for patient, _team in repo.list_patients(session):
            rebuild_summary(session, patient_id=patient.id, now=now)
            refresh_trajectory(session, patient=patient, now=now)
            count += 1
        append_audit(
            session, at=now, actor=actor, action="summaries.refreshed", detail={"count": count}
        )
    return count
