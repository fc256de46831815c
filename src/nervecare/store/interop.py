"""What the FHIR export reads and the FHIR import writes, as plain values (issue 8).

Reads: every check-in of a patient with its document, triage result and review state, the
alerts raised and how they were handled, the exercise sessions, and the medication plans (with
their dose reports), exercise programmes and exercise feedback of issue 7. Writes: one whole
patient record (or more check-ins for a known patient) inside the caller's transaction, re-using
the store's units of work so that an imported check-in is stored, triaged, summarised and
alerted exactly like any other, and the plan services' restore functions for plans.

Alerts: an imported check-in whose alert travelled with it (sent, acknowledged, resolved...)
gets that alert back as it was, so nobody is paged again for something already handled. An
urgent or emergency check-in that arrives without any record of its alert gets a new pending
alert, so nothing is missed either; the summary says how many.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.checkin import CheckIn
from nervecare.medications import MedicationPlan, PatientFacts, PlanFinding, PlanItem
from nervecare.recovery.models import MedicationTrial, ProcedureDone, SurgicalProcedure
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.models import (
    CheckInReview,
    CheckInRow,
    DoseRecordRow,
    ExerciseFeedbackRow,
    ExerciseProgrammeRow,
    ExerciseSession,
    MedicationPlanItemRow,
    MedicationPlanRow,
    OutboxAlert,
    Patient,
)
from nervecare.store.plans import (
    restore_dose,
    restore_exercise_feedback,
    restore_exercise_programme,
    restore_medication_plan,
)
from nervecare.store.schemas import NewPatient, PatientRecord
from nervecare.store.summaries import rebuild_summary
from nervecare.store.units import (
    checkin_document,
    create_patient,
    patient_record,
    refresh_trajectory,
    store_checkin,
)
from nervecare.triage.levels import alerts_team, level_rank
from nervecare.triage.result import TriageResult

__all__ = [
    "AlertRecord",
    "CheckInRecord",
    "DoseRecord",
    "ExerciseRecord",
    "FeedbackRecord",
    "ImportSummary",
    "ImportedAlert",
    "ImportedCheckIn",
    "PlanRecord",
    "ProgrammeRecord",
    "alert_records",
    "checkin_records",
    "exercise_records",
    "feedback_records",
    "import_record",
    "plan_records",
    "programme_records",
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
    stage: str = "initial"
    delivered_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    resolution_note: str | None = None
    actionable: bool | None = None
    last_error: str | None = None


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
            stage=row.stage,
            delivered_at=row.delivered_at,
            escalated_at=row.escalated_at,
            resolution_note=row.resolution_note,
            actionable=row.actionable,
            last_error=row.last_error,
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


class DoseRecord(BaseModel):
    """One dose of a plan's medicine that the patient reported taken or missed."""

    model_config = _FROZEN

    drug: str
    scheduled_on: dt.date
    dose_number: int = Field(ge=1, le=6)
    status: Literal["taken", "missed"]
    recorded_at: dt.datetime


class PlanRecord(BaseModel):
    """A medication plan as stored: what was prescribed, what the checks said, and its doses."""

    model_config = _FROZEN

    status: Literal["draft", "active", "stopped"]
    plan: MedicationPlan
    note: str = ""
    findings: tuple[PlanFinding, ...] = ()
    knowledge_version: str
    patient_facts: PatientFacts
    created_at: dt.datetime
    activated_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    stopped_reason: str | None = None
    doses: tuple[DoseRecord, ...] = ()


class ProgrammeRecord(BaseModel):
    """An exercise programme and the level it has reached on each track."""

    model_config = _FROZEN

    procedure: SurgicalProcedure
    level: dict[str, int]
    level_since: dt.date
    status: Literal["active", "ended"]
    assigned_by: str
    note: str = ""
    created_at: dt.datetime
    ended_at: dt.datetime | None = None


class FeedbackRecord(BaseModel):
    """How an exercise went (it steers progression)."""

    model_config = _FROZEN

    performed_on: dt.date
    exercise: str = Field(min_length=1, max_length=120)
    symptoms_further_down_leg: bool = False
    pain_raised_hours: float | None = Field(default=None, ge=0, le=72)
    recorded_at: dt.datetime


def plan_records(session: Session, *, patient_id: int) -> list[PlanRecord]:
    """Every medication plan of the patient, oldest first, each with its dose reports."""
    plans = session.scalars(
        select(MedicationPlanRow)
        .where(MedicationPlanRow.patient_id == patient_id)
        .order_by(MedicationPlanRow.id)
    ).all()
    records = []
    for row in plans:
        items = session.scalars(
            select(MedicationPlanItemRow)
            .where(MedicationPlanItemRow.plan_id == row.id)
            .order_by(MedicationPlanItemRow.id)
        ).all()
        drug_of = {item.id: item.drug for item in items}
        doses = session.scalars(
            select(DoseRecordRow)
            .where(DoseRecordRow.plan_item_id.in_(list(drug_of) or [-1]))
            .order_by(
                DoseRecordRow.scheduled_on, DoseRecordRow.plan_item_id, DoseRecordRow.dose_number
            )
        ).all()
        records.append(
            PlanRecord.model_validate(
                {
                    "status": row.status,
                    "plan": MedicationPlan(
                        prescriber=row.prescriber,
                        items=tuple(
                            PlanItem(
                                drug=item.drug,
                                indication=item.indication,
                                start_on=item.start_on,
                                start_daily_mg=item.start_daily_mg,
                                target_daily_mg=item.target_daily_mg,
                                step_mg=item.step_mg,
                                step_every_days=item.step_every_days,
                                times_per_day=item.times_per_day,
                                course_days=item.course_days,
                                note=item.note,
                            )
                            for item in items
                        ),
                    ),
                    "note": row.note,
                    "findings": row.findings,
                    "knowledge_version": row.knowledge_version,
                    "patient_facts": row.patient_facts,
                    "created_at": row.created_at,
                    "activated_at": row.activated_at,
                    "stopped_at": row.stopped_at,
                    "stopped_reason": row.stopped_reason,
                    "doses": [
                        {
                            "drug": drug_of[dose.plan_item_id],
                            "scheduled_on": dose.scheduled_on,
                            "dose_number": dose.dose_number,
                            "status": dose.status,
                            "recorded_at": dose.recorded_at,
                        }
                        for dose in doses
                    ],
                }
            )
        )
    return records


def programme_records(session: Session, *, patient_id: int) -> list[ProgrammeRecord]:
    """Every exercise programme of the patient, oldest first."""
    rows = session.scalars(
        select(ExerciseProgrammeRow)
        .where(ExerciseProgrammeRow.patient_id == patient_id)
        .order_by(ExerciseProgrammeRow.id)
    ).all()
    return [
        ProgrammeRecord.model_validate(
            {
                "procedure": row.procedure,
                "level": {str(k): int(v) for k, v in row.level.items()},
                "level_since": row.level_since,
                "status": row.status,
                "assigned_by": row.assigned_by,
                "note": row.note,
                "created_at": row.created_at,
                "ended_at": row.ended_at,
            }
        )
        for row in rows
    ]


def feedback_records(session: Session, *, patient_id: int) -> list[FeedbackRecord]:
    """Every exercise feedback of the patient, oldest first."""
    rows = session.scalars(
        select(ExerciseFeedbackRow)
        .where(ExerciseFeedbackRow.patient_id == patient_id)
        .order_by(ExerciseFeedbackRow.performed_on, ExerciseFeedbackRow.id)
    ).all()
    return [
        FeedbackRecord(
            performed_on=row.performed_on,
            exercise=row.exercise,
            symptoms_further_down_leg=row.symptoms_further_down_leg,
            pain_raised_hours=row.pain_raised_hours,
            recorded_at=row.recorded_at,
        )
        for row in rows
    ]


class ImportedAlert(BaseModel):
    """The alert a check-in raised, as the sending store recorded it (a Communication)."""

    model_config = _FROZEN

    level: Literal["urgent", "emergency"]
    state: Literal["pending", "delivering", "delivered", "failed"]
    created_at: dt.datetime
    attempts: int = Field(default=0, ge=0)
    stage: Literal["initial", "escalation"] = "initial"
    delivered_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolution_note: str | None = None
    actionable: bool | None = None
    last_error: str | None = None


class ImportedCheckIn(BaseModel):
    """A check-in to store, with the sender's id (idempotence), when it was first reviewed, and
    the record of its alert when the sender sent one."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    client_id: str
    checkin: CheckIn
    reviewed: bool = False
    reviewed_at: dt.datetime | None = None
    alert: ImportedAlert | None = None


class ImportSummary(BaseModel):
    model_config = _FROZEN

    patient: PatientRecord
    patient_created: bool
    checkins_created: int
    checkins_already_stored: int
    #: Alerts restored as the Bundle recorded them (no new delivery).
    alerts_restored: int = 0
    #: Urgent/emergency check-ins that came without any record of their alert: alerted anew.
    alerts_created_pending: int = 0
    medication_plans_created: int = 0
    #: What the import did not do, or did differently from the Bundle, in plain words.
    notes: tuple[str, ...] = ()


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


def _restore_alert(
    session: Session, *, checkin: CheckInRow, alert: ImportedAlert, now: dt.datetime
) -> OutboxAlert:
    """Put the check-in's alert back as the sender recorded it (created if triage today did not
    raise one: an alert once sent is never dropped). A claim by the sender's delivery worker does
    not travel, so an alert caught mid-delivery goes back to pending and is delivered again."""
    row = session.scalars(
        select(OutboxAlert).where(OutboxAlert.checkin_id == checkin.id)
    ).one_or_none()
    if row is None:
        row = repo.insert_alert(session, checkin=checkin, now=now)
    row.level = alert.level
    row.state = "pending" if alert.state == "delivering" else alert.state
    row.created_at = alert.created_at
    row.attempts = alert.attempts
    row.next_attempt_at = now if row.state == "pending" else alert.created_at
    row.last_error = alert.last_error
    row.stage = alert.stage
    row.claimed_by = row.claimed_until = None
    row.delivered_at = alert.delivered_at
    row.escalated_at = alert.escalated_at
    row.acknowledged_at = alert.acknowledged_at
    row.resolved_at = alert.resolved_at
    row.resolution_note = alert.resolution_note
    row.actionable = alert.actionable
    session.flush()
    return row


def _alert_record_holds(alert: ImportedAlert | None, level: str) -> bool:
    """True when the travelled alert covers the check-in as triaged here: it exists, and is not
    of a lower level than today's triage says (a raised level is a new alarm, never a handled
    one)."""
    return alert is not None and level_rank(alert.level) >= level_rank(level)  # type: ignore[arg-type]


def _restore_plans(
    session: Session,
    *,
    patient_id: int,
    plans: Sequence[PlanRecord],
    programmes: Sequence[ProgrammeRecord],
    feedback: Sequence[FeedbackRecord],
    actor: str,
    now: dt.datetime,
) -> None:
    for record in plans:
        item_ids = restore_medication_plan(
            session,
            patient_id=patient_id,
            plan=record.plan,
            status=record.status,
            note=record.note,
            findings=record.findings,
            knowledge_version=record.knowledge_version,
            patient_facts=record.patient_facts,
            created_at=record.created_at,
            activated_at=record.activated_at,
            stopped_at=record.stopped_at,
            stopped_reason=record.stopped_reason,
            actor=actor,
            now=now,
        )
        for dose in record.doses:
            restore_dose(
                session,
                patient_id=patient_id,
                plan_item_id=item_ids[dose.drug],
                scheduled_on=dose.scheduled_on,
                dose_number=dose.dose_number,
                status=dose.status,
                recorded_at=dose.recorded_at,
            )
    for programme in programmes:
        restore_exercise_programme(
            session, patient_id=patient_id, actor=actor, now=now, **programme.model_dump()
        )
    for done in feedback:
        restore_exercise_feedback(session, patient_id=patient_id, **done.model_dump())


def _store_checkins(
    session: Session,
    *,
    patient: Patient,
    checkins: Sequence[ImportedCheckIn],
    triage: Callable[[CheckIn], TriageResult],
    actor: str,
    now: dt.datetime,
) -> tuple[int, int, int, int, list[str]]:
    """Store the new check-ins; (stored, already stored, alerts restored, alerts pending, notes)."""
    stored_new = already = restored = pending = 0
    notes: list[str] = []
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
        row = session.get_one(CheckInRow, stored.id)
        if item.alert is not None and _alert_record_holds(item.alert, stored.level):
            _restore_alert(session, checkin=row, alert=item.alert, now=now)
            restored += 1
        elif alerts_team(stored.level):
            pending += 1
            why = (
                "came without a record of its alert"
                if item.alert is None
                else f"is {stored.level} by today's triage, above its recorded {item.alert.level} "
                "alert"
            )
            notes.append(
                f"check-in {item.client_id} ({stored.level}) {why}: a new alert is pending "
                "for the care team"
            )
        if item.reviewed_at is not None or item.reviewed:
            repo.insert_review(
                session,
                checkin_id=stored.id,
                clinician_id=None,
                note="(imported)",
                now=item.reviewed_at or now,
            )
    return stored_new, already, restored, pending, notes


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
    plans: Sequence[PlanRecord] = (),
    programmes: Sequence[ProgrammeRecord] = (),
    feedback: Sequence[FeedbackRecord] = (),
) -> ImportSummary:
    """Enrol the patient (unless their reference is known) and store the check-ins, in the
    caller's transaction. A known patient only gets the check-ins it does not have yet (by
    client id), so sending the same Bundle twice stores nothing twice; their treatment record
    and plans are kept as they are (an import adds check-ins to a known patient, nothing else)."""
    existing = (
        None
        if new.reference is None
        else repo.find_patient_by_reference(session, reference=new.reference, lock=True)
    )
    created = existing is None
    notes: list[str] = []
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
        _restore_plans(
            session,
            patient_id=patient.id,
            plans=plans,
            programmes=programmes,
            feedback=feedback,
            actor=actor,
            now=now,
        )
    else:
        patient = existing
        if plans or programmes or feedback:
            notes.append(
                "the patient was already enrolled: their medication plans and exercise "
                "programme here were kept, the ones in the Bundle were not imported"
            )
    counts = _store_checkins(
        session, patient=patient, checkins=checkins, triage=triage, actor=actor, now=now
    )
    stored_new, already, restored, pending = counts[:4]
    notes += counts[4]
    rebuild_summary(session, patient_id=patient.id, now=now)
    refresh_trajectory(session, patient=patient, now=now)
    append_audit(
        session,
        at=now,
        actor=actor,
        action="fhir.imported",
        patient_id=patient.id,
        detail={
            "created": created,
            "checkins": stored_new,
            "already_stored": already,
            "alerts_restored": restored,
            "alerts_pending": pending,
            "medication_plans": len(plans) if created else 0,
        },
    )
    return ImportSummary(
        patient=patient_record(session, patient=patient),
        patient_created=created,
        checkins_created=stored_new,
        checkins_already_stored=already,
        alerts_restored=restored,
        alerts_created_pending=pending,
        medication_plans_created=len(plans) if created else 0,
        notes=tuple(notes),
    )
