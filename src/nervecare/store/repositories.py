"""Data access: small keyword-only functions over a Session. None of them commits.

The caller (a service in `nervecare.store.service`) owns the transaction, so several of these
calls form one unit of work that is stored whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import get_args

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from nervecare.recovery.models import Baseline as BaselineValue
from nervecare.recovery.models import (
    ExerciseStage,
    MedicationTrial,
    ProcedureDone,
    Surgery,
)
from nervecare.store.models import (
    Baseline,
    CareTeam,
    CheckInReview,
    CheckInRow,
    ExerciseSession,
    MedicationTrialRow,
    OutboxAlert,
    Patient,
    ProcedureRow,
    SurgeryRow,
)

__all__ = [
    "baseline_for",
    "find_checkin_by_client_id",
    "find_patient",
    "find_patient_by_reference",
    "get_or_create_team",
    "insert_alert",
    "insert_baseline",
    "insert_exercise_session",
    "insert_medication_trial",
    "insert_patient",
    "insert_procedure",
    "insert_review",
    "insert_surgery",
    "latest_surgery",
    "list_patients",
    "team_name",
]


# ------------------------------------------------------------------ teams and patients


def get_or_create_team(
    session: Session, *, name: str, is_synthetic: bool, now: dt.datetime
) -> CareTeam:
    team = session.scalars(select(CareTeam).where(CareTeam.name == name)).one_or_none()
    if team is None:
        team = CareTeam(name=name, is_synthetic=is_synthetic, created_at=now)
        session.add(team)
        session.flush()
    return team


def team_name(session: Session, *, team_id: int) -> str:
    return session.scalars(select(CareTeam.name).where(CareTeam.id == team_id)).one()


def insert_patient(
    session: Session,
    *,
    team_id: int,
    reference: str,
    display_name: str,
    birth_year: int | None,
    is_synthetic: bool,
    now: dt.datetime,
) -> Patient:
    patient = Patient(
        team_id=team_id,
        reference=reference,
        display_name=display_name,
        birth_year=birth_year,
        is_synthetic=is_synthetic,
        created_at=now,
    )
    session.add(patient)
    session.flush()
    return patient


def find_patient(session: Session, *, key: int | str, lock: bool = False) -> Patient | None:
    """By number, or by reference when `key` is not a number of an existing patient.

    `lock` takes a row lock (PostgreSQL) so that writes for one patient queue up rather than
    interleave; SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    text = str(key).strip()
    queries = []
    if text.isdigit():
        queries.append(select(Patient).where(Patient.id == int(text)))
    queries.append(select(Patient).where(Patient.reference == text))
    for query in queries:
        patient = session.scalars(query.with_for_update() if lock else query).one_or_none()
        if patient is not None:
            return patient
    return None


def find_patient_by_reference(
    session: Session, *, reference: str, lock: bool = False
) -> Patient | None:
    """By the patient's reference only, never by internal number.

    External interfaces (FHIR, CDS Hooks, imports) name patients by reference: an internal id
    that happens to equal a reference ("2") must never pick another patient.
    """
    query = select(Patient).where(Patient.reference == reference)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def list_patients(session: Session, *, team: str | None = None) -> Sequence[Row[Patient, str]]:
    """(Patient, team name) pairs in registration order."""
    query = select(Patient, CareTeam.name).join(CareTeam, CareTeam.id == Patient.team_id)
    if team is not None:
        query = query.where(CareTeam.name == team)
    return session.execute(query.order_by(Patient.id)).all()


# ------------------------------------------------------------------ surgery and baseline


def insert_surgery(
    session: Session, *, patient_id: int, surgery: Surgery, now: dt.datetime
) -> SurgeryRow:
    row = SurgeryRow(
        patient_id=patient_id,
        performed_on=surgery.date,
        procedure=surgery.procedure,
        spinal_levels=list(surgery.spinal_levels),
        side=surgery.side,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def latest_surgery(session: Session, *, patient_id: int) -> SurgeryRow | None:
    """The index operation: the most recent one (a revision restarts the recovery clock)."""
    query = (
        select(SurgeryRow)
        .where(SurgeryRow.patient_id == patient_id)
        .order_by(SurgeryRow.performed_on.desc(), SurgeryRow.id.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()


def insert_baseline(
    session: Session, *, surgery_id: int, baseline: BaselineValue, now: dt.datetime
) -> Baseline:
    row = Baseline(
        surgery_id=surgery_id,
        recorded_on=baseline.recorded_on,
        leg_pain=baseline.leg_pain,
        back_pain=baseline.back_pain,
        function_odi=baseline.function_odi,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def baseline_for(session: Session, *, surgery_id: int) -> Baseline | None:
    return session.scalars(select(Baseline).where(Baseline.surgery_id == surgery_id)).one_or_none()


# ------------------------------------------------------------------ check-ins


def find_checkin_by_client_id(
    session: Session, *, patient_id: int, client_id: str
) -> CheckInRow | None:
    query = select(CheckInRow).where(
        CheckInRow.patient_id == patient_id, CheckInRow.client_id == client_id
    )
    return session.scalars(query).one_or_none()


def insert_alert(session: Session, *, checkin: CheckInRow, now: dt.datetime) -> OutboxAlert:
    alert = OutboxAlert(
        checkin_id=checkin.id,
        patient_id=checkin.patient_id,
        level=checkin.level,
        state="pending",
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(alert)
    session.flush()
    return alert


def insert_review(
    session: Session, *, checkin_id: int, clinician_id: int | None, note: str, now: dt.datetime
) -> CheckInReview:
    review = CheckInReview(
        checkin_id=checkin_id, clinician_id=clinician_id, reviewed_at=now, note=note
    )
    session.add(review)
    session.flush()
    return review


# ------------------------------------------------------------------ treatment record


def insert_medication_trial(
    session: Session, *, patient_id: int, trial: MedicationTrial, now: dt.datetime
) -> MedicationTrialRow:
    row = MedicationTrialRow(
        patient_id=patient_id,
        drug=trial.drug,
        drug_class=trial.drug_class,
        started_on=trial.started_on,
        stopped_on=trial.stopped_on,
        dose_note=trial.dose_note,
        outcome=trial.outcome,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def insert_procedure(
    session: Session, *, patient_id: int, procedure: ProcedureDone, now: dt.datetime
) -> ProcedureRow:
    row = ProcedureRow(
        patient_id=patient_id,
        kind=procedure.kind,
        performed_on=procedure.performed_on,
        outcome=procedure.outcome,
        note=procedure.note,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def insert_exercise_session(
    session: Session,
    *,
    patient_id: int,
    performed_on: dt.date,
    stage: str,
    exercise: str,
    minutes: int | None,
    supervised: bool,
    now: dt.datetime,
) -> ExerciseSession:
    if stage not in get_args(ExerciseStage):
        raise ValueError(f"unknown exercise stage {stage!r}")
    row = ExerciseSession(
        patient_id=patient_id,
        performed_on=performed_on,
        stage=stage,
        exercise=exercise,
        minutes=minutes,
        supervised=supervised,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row
