"""Building the clinical core's `PatientHistory` from stored rows (reads only, no commit)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.recovery.models import (
    Baseline,
    ExerciseSummary,
    HistoryPoint,
    MedicationTrial,
    PatientHistory,
    ProcedureDone,
    Surgery,
)
from nervecare.store.errors import StoreError
from nervecare.store.models import Baseline as BaselineRow
from nervecare.store.models import (
    CheckInReview,
    CheckInRow,
    ExerciseSession,
    MedicationTrialRow,
    Patient,
    ProcedureRow,
    SurgeryRow,
)
from nervecare.store.repositories import baseline_for, latest_surgery

__all__ = ["baseline_value", "build_history", "surgery_value"]

_URGENT_RANK = 2


def surgery_value(row: SurgeryRow) -> Surgery:
    return Surgery.model_validate(
        {
            "date": row.performed_on,
            "procedure": row.procedure,
            "spinal_levels": tuple(row.spinal_levels),
            "side": row.side,
        }
    )


def baseline_value(row: BaselineRow | None) -> Baseline | None:
    if row is None:
        return None
    return Baseline(
        leg_pain=row.leg_pain,
        back_pain=row.back_pain,
        function_odi=row.function_odi,
        recorded_on=row.recorded_on,
    )


def _points(session: Session, *, patient_id: int, surgery: SurgeryRow) -> tuple[HistoryPoint, ...]:
    # Only check-ins after the index operation: after a revision, the clock starts again.
    query = (
        select(
            CheckInRow.days_since_surgery,
            CheckInRow.recorded_on,
            CheckInRow.leg_pain,
            CheckInRow.back_pain,
            CheckInRow.function_odi,
            CheckInRow.pain_relief,
            CheckInRow.level,
            CheckInRow.red_flags,
        )
        .where(CheckInRow.patient_id == patient_id, CheckInRow.recorded_on >= surgery.performed_on)
        .order_by(CheckInRow.recorded_at, CheckInRow.id)
    )
    return tuple(
        HistoryPoint.model_validate(
            {
                "days_since_surgery": row.days_since_surgery,
                "recorded_on": row.recorded_on,
                "leg_pain": row.leg_pain,
                "back_pain": row.back_pain,
                "function_odi": row.function_odi,
                "pain_relieved_by_medication": row.pain_relief,
                "triage_level": row.level,
                "red_flags": tuple(row.red_flags),
            }
        )
        for row in session.execute(query)
    )


def _open_red_flags(session: Session, *, patient_id: int) -> tuple[str, ...]:
    """Red-flag codes of urgent/emergency check-ins that no clinician has reviewed yet."""
    reviewed = select(CheckInReview.id).where(CheckInReview.checkin_id == CheckInRow.id)
    query = (
        select(CheckInRow.red_flags)
        .where(
            CheckInRow.patient_id == patient_id,
            CheckInRow.level_rank >= _URGENT_RANK,
            ~reviewed.exists(),
        )
        .order_by(CheckInRow.recorded_at, CheckInRow.id)
    )
    codes: dict[str, None] = {}
    for flags in session.scalars(query):
        codes.update(dict.fromkeys(flags))
    return tuple(codes)


def _exercise(session: Session, *, patient_id: int) -> ExerciseSummary | None:
    """The stage of the latest session, since when the patient has been at that stage."""
    sessions = session.scalars(
        select(ExerciseSession)
        .where(ExerciseSession.patient_id == patient_id)
        .order_by(ExerciseSession.performed_on, ExerciseSession.id)
    ).all()
    if not sessions:
        return None
    latest = sessions[-1]
    started = latest.performed_on
    for row in reversed(sessions):
        if row.stage != latest.stage:
            break
        started = row.performed_on
    return ExerciseSummary.model_validate(
        {"stage": latest.stage, "started_on": started, "supervised": latest.supervised}
    )


def build_history(session: Session, *, patient: Patient) -> PatientHistory:
    """Everything the trajectory and care plan need about one patient, as of the stored data."""
    surgery = latest_surgery(session, patient_id=patient.id)
    if surgery is None:
        raise StoreError(f"patient {patient.reference} has no surgery recorded")
    baseline = baseline_value(baseline_for(session, surgery_id=surgery.id))
    medications = tuple(
        MedicationTrial.model_validate(
            {
                "drug": row.drug,
                "drug_class": row.drug_class,
                "started_on": row.started_on,
                "stopped_on": row.stopped_on,
                "dose_note": row.dose_note,
                "outcome": row.outcome,
            }
        )
        for row in session.scalars(
            select(MedicationTrialRow)
            .where(MedicationTrialRow.patient_id == patient.id)
            .order_by(MedicationTrialRow.started_on, MedicationTrialRow.id)
        )
    )
    procedures = tuple(
        ProcedureDone.model_validate(
            {
                "kind": row.kind,
                "performed_on": row.performed_on,
                "outcome": row.outcome,
                "note": row.note,
            }
        )
        for row in session.scalars(
            select(ProcedureRow)
            .where(ProcedureRow.patient_id == patient.id)
            .order_by(ProcedureRow.performed_on, ProcedureRow.id)
        )
    )
    return PatientHistory(
        patient_id=patient.reference,
        surgery=surgery_value(surgery),
        baseline=baseline,
        points=_points(session, patient_id=patient.id, surgery=surgery),
        medications=medications,
        procedures_done=procedures,
        exercise=_exercise(session, patient_id=patient.id),
        open_red_flags=_open_red_flags(session, patient_id=patient.id),
    )
