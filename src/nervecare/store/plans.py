"""Medication plans, doses, exercise programmes and sessions: the storage services (issue 7).

Like `nervecare.store.service`: each call is one transaction with its audit entry, arguments are
keyword-only, the clock is passed in. The clinical decisions are made by the pure cores
(`nervecare.medications.check_plan`, `nervecare.rehab.decide_progression`); this module stores
what they were given and what they said.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.medications import (
    MedicationPlan,
    PatientFacts,
    PlanFinding,
    PlanItem,
    check_plan,
    load_drug_knowledge,
    plan_schedule,
)
from nervecare.recovery.models import HistoryPoint, SurgicalProcedure
from nervecare.rehab import (
    TRACKS,
    AdherenceSummary,
    ExerciseFeedback,
    ProgressionDecision,
    SessionRecord,
    Track,
    adherence_summary,
    decide_progression,
    load_rehab_knowledge,
    programme_for,
    starting_level,
)
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import PatientNotFoundError, StoreError
from nervecare.store.models import (
    CheckInRow,
    DoseRecordRow,
    ExerciseFeedbackRow,
    ExerciseProgrammeRow,
    ExerciseSession,
    MedicationPlanItemRow,
    MedicationPlanRow,
    MedicationTrialRow,
    Patient,
    SurgeryRow,
)
from nervecare.store.side_effects import (
    CheckInWithSideEffects,
    SideEffectAnswersRefusedError,
    StoredSideEffectAnswer,
    checkin_side_effects,
    due_side_effect_questions,
    record_checkin_with_side_effects,
    side_effect_history,
)

__all__ = [
    "DoseCount",
    "PlanError",
    "PlanNotFoundError",
    "PlanRefusedError",
    "StoredDose",
    "StoredPlan",
    "StoredProgramme",
    "activate_medication_plan",
    "active_exercise_programme",
    "active_medication_plan",
    "assign_exercise_programme",
    "dose_summary",
    "exercise_adherence",
    "read_medication_plans",
    "record_dose",
    "record_exercise",
    "restore_dose",
    "restore_exercise_feedback",
    "restore_exercise_programme",
    "restore_medication_plan",
    "review_progression",
    "save_medication_plan",
    "stop_medication_plan",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)
#: Exercise-session stages as the recovery history knows them, by rehab track.
_STAGE_OF_TRACK: dict[str, str] = {
    "movement": "gentle_movement",
    "nerve": "nerve_gliding",
    "core": "core_stabilisation",
    "adjunct": "none",
}

#: Side-effect answers given in a check-in (issue 7): stored by `nervecare.store.side_effects`,
#: offered here with the other plan services.
__all__ += [
    "CheckInWithSideEffects",
    "SideEffectAnswersRefusedError",
    "StoredSideEffectAnswer",
    "checkin_side_effects",
    "due_side_effect_questions",
    "record_checkin_with_side_effects",
    "side_effect_history",
]


class PlanError(StoreError):
    """A plan request the store refused; nothing was written."""


class PlanNotFoundError(PlanError, LookupError):
    pass


class PlanRefusedError(PlanError):
    """Activation refused: a 'stop' finding, or warnings not yet accepted by the clinician."""

    def __init__(self, message: str, findings: tuple[PlanFinding, ...]) -> None:
        super().__init__(message)
        self.findings = findings


class StoredPlan(BaseModel):
    model_config = _FROZEN

    id: int
    patient_id: int
    status: str
    prescriber: str
    note: str
    plan: MedicationPlan
    findings: tuple[PlanFinding, ...]
    knowledge_version: str
    created_at: dt.datetime
    activated_at: dt.datetime | None
    stopped_at: dt.datetime | None


class StoredDose(BaseModel):
    model_config = _FROZEN

    id: int
    drug: str
    scheduled_on: dt.date
    dose_number: int
    status: Literal["taken", "missed"]
    created: bool


class DoseCount(BaseModel):
    model_config = _FROZEN

    drug: str
    due: int
    taken: int
    missed: int


class StoredProgramme(BaseModel):
    model_config = _FROZEN

    id: int
    patient_id: int
    procedure: SurgicalProcedure
    level: dict[Track, int]
    level_since: dt.date
    status: str
    assigned_by: str


# ------------------------------------------------------------------ helpers


def _patient(session: Session, key: int | str, *, lock: bool = False) -> Patient:
    patient = repo.find_patient(session, key=key, lock=lock)
    if patient is None:
        raise PatientNotFoundError(key)
    return patient


def _surgery(session: Session, patient: Patient) -> SurgeryRow:
    query = select(SurgeryRow).where(SurgeryRow.patient_id == patient.id)
    surgery = session.scalars(query.order_by(SurgeryRow.id.desc()).limit(1)).one_or_none()
    if surgery is None:
        raise PlanError(f"patient {patient.reference!r} has no recorded operation")
    return surgery


def _items(session: Session, plan_id: int) -> list[MedicationPlanItemRow]:
    query = select(MedicationPlanItemRow).where(MedicationPlanItemRow.plan_id == plan_id)
    return list(session.scalars(query.order_by(MedicationPlanItemRow.id)))


def _plan_of(rows: list[MedicationPlanItemRow], prescriber: str) -> MedicationPlan:
    return MedicationPlan(
        prescriber=prescriber,
        items=tuple(
            PlanItem(
                drug=row.drug,
                indication=row.indication,
                start_on=row.start_on,
                start_daily_mg=row.start_daily_mg,
                target_daily_mg=row.target_daily_mg,
                step_mg=row.step_mg,
                step_every_days=row.step_every_days,
                times_per_day=row.times_per_day,
                course_days=row.course_days,
                note=row.note,
            )
            for row in rows
        ),
    )


def _stored(session: Session, row: MedicationPlanRow) -> StoredPlan:
    return StoredPlan(
        id=row.id,
        patient_id=row.patient_id,
        status=row.status,
        prescriber=row.prescriber,
        note=row.note,
        plan=_plan_of(_items(session, row.id), row.prescriber),
        findings=tuple(PlanFinding.model_validate(item) for item in row.findings),
        knowledge_version=row.knowledge_version,
        created_at=row.created_at,
        activated_at=row.activated_at,
        stopped_at=row.stopped_at,
    )


def _plan_row(session: Session, plan_id: int, *, lock: bool = False) -> MedicationPlanRow:
    query = select(MedicationPlanRow).where(MedicationPlanRow.id == plan_id)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise PlanNotFoundError(f"no medication plan {plan_id}")
    return row


def _active_plan_row(session: Session, patient_id: int) -> MedicationPlanRow | None:
    query = select(MedicationPlanRow).where(
        MedicationPlanRow.patient_id == patient_id, MedicationPlanRow.status == "active"
    )
    return session.scalars(query.order_by(MedicationPlanRow.id.desc()).limit(1)).one_or_none()


def _finding_dicts(findings: tuple[PlanFinding, ...]) -> list[Any]:
    return [finding.model_dump(mode="json") for finding in findings]


# ------------------------------------------------------------------ medication plans


def save_medication_plan(
    sessions: SessionFactory,
    *,
    patient: int | str,
    plan: MedicationPlan,
    facts: PatientFacts,
    note: str = "",
    actor: str = "system",
    clock: Clock = utc_now,
) -> StoredPlan:
    """Check the plan and store it as a draft with its findings; refuse drugs we cannot check."""
    knowledge = load_drug_knowledge()
    unknown = [item.drug for item in plan.items if item.drug_key not in knowledge.drugs]
    if unknown:
        raise PlanError(f"not in the drug knowledge base, so it cannot be checked: {unknown}")
    findings = check_plan(plan, facts)
    now = clock()
    with sessions.begin() as session:
        owner = _patient(session, patient, lock=True)
        row = MedicationPlanRow(
            patient_id=owner.id,
            prescriber=plan.prescriber or actor,
            status="draft",
            note=note,
            knowledge_version=knowledge.version,
            findings=_finding_dicts(findings),
            patient_facts=facts.model_dump(mode="json"),
            created_at=now,
        )
        session.add(row)
        session.flush()
        for item in plan.items:
            session.add(
                MedicationPlanItemRow(
                    plan_id=row.id,
                    drug=item.drug_key,
                    rxcui=knowledge.drug(item.drug_key).rxcui,
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
            )
        session.flush()
        append_audit(
            session,
            at=now,
            actor=actor,
            action="medication_plan.create",
            patient_id=owner.id,
            detail={"plan_id": row.id, "findings": [f.code for f in findings]},
        )
        return _stored(session, row)


def activate_medication_plan(
    sessions: SessionFactory,
    *,
    plan_id: int,
    accept_warnings: bool = False,
    actor: str = "system",
    clock: Clock = utc_now,
) -> StoredPlan:
    """Re-check and send out a draft plan; the patient's previous active plan is stopped.

    Refused when any finding is 'stop'; warnings must be accepted explicitly (the clinician has
    read them). Each medicine is also recorded as a medication trial for the recovery history.
    """
    now = clock()
    with sessions.begin() as session:
        row = _plan_row(session, plan_id, lock=True)
        if row.status != "draft":
            raise PlanError(f"plan {plan_id} is {row.status}; only a draft can be activated")
        plan = _plan_of(_items(session, row.id), row.prescriber)
        findings = check_plan(plan, PatientFacts.model_validate(row.patient_facts))
        stops = tuple(f for f in findings if f.severity == "stop")
        if stops:
            raise PlanRefusedError(
                "the plan has findings that stop it: " + "; ".join(f.reason for f in stops), stops
            )
        warnings = tuple(f for f in findings if f.severity == "warning")
        if warnings and not accept_warnings:
            raise PlanRefusedError(
                "the plan has warnings a clinician must accept first: "
                + "; ".join(f.code for f in warnings),
                warnings,
            )
        previous = _active_plan_row(session, row.patient_id)
        if previous is not None:
            previous.status, previous.stopped_at = "stopped", now
            previous.stopped_reason = f"replaced by plan {row.id}"
        knowledge = load_drug_knowledge()
        for item in plan.items:
            facts = knowledge.drug(item.drug_key)
            session.add(
                MedicationTrialRow(
                    patient_id=row.patient_id,
                    drug=facts.key,
                    drug_class=facts.drug_class,
                    started_on=item.start_on,
                    dose_note=f"plan {row.id}: {item.start_daily_mg:g} to "
                    f"{item.target_daily_mg:g} mg/day",
                    created_at=now,
                )
            )
        row.status, row.activated_at, row.findings = "active", now, _finding_dicts(findings)
        append_audit(
            session,
            at=now,
            actor=actor,
            action="medication_plan.activate",
            patient_id=row.patient_id,
            detail={"plan_id": row.id, "accepted_warnings": [f.code for f in warnings]},
        )
        session.flush()
        return _stored(session, row)


def stop_medication_plan(
    sessions: SessionFactory,
    *,
    plan_id: int,
    reason: str,
    actor: str = "system",
    clock: Clock = utc_now,
) -> StoredPlan:
    now = clock()
    with sessions.begin() as session:
        row = _plan_row(session, plan_id, lock=True)
        if row.status == "stopped":
            return _stored(session, row)
        row.status, row.stopped_at, row.stopped_reason = "stopped", now, reason
        append_audit(
            session,
            at=now,
            actor=actor,
            action="medication_plan.stop",
            patient_id=row.patient_id,
            detail={"plan_id": row.id, "reason": reason},
        )
        session.flush()
        return _stored(session, row)


def read_medication_plans(
    sessions: SessionFactory, *, patient: int | str, actor: str = "system", clock: Clock = utc_now
) -> list[StoredPlan]:
    """Every plan of the patient, newest first."""
    with sessions.begin() as session:
        owner = _patient(session, patient)
        query = select(MedicationPlanRow).where(MedicationPlanRow.patient_id == owner.id)
        rows = session.scalars(query.order_by(MedicationPlanRow.id.desc())).all()
        append_audit(
            session, at=clock(), actor=actor, action="medication_plan.read", patient_id=owner.id
        )
        return [_stored(session, row) for row in rows]


def active_medication_plan(
    sessions: SessionFactory, *, patient: int | str, actor: str = "system", clock: Clock = utc_now
) -> StoredPlan | None:
    with sessions.begin() as session:
        owner = _patient(session, patient)
        row = _active_plan_row(session, owner.id)
        append_audit(
            session, at=clock(), actor=actor, action="medication_plan.read", patient_id=owner.id
        )
        return None if row is None else _stored(session, row)


# ------------------------------------------------------------------ doses


def record_dose(
    sessions: SessionFactory,
    *,
    patient: int | str,
    drug: str,
    on: dt.date,
    dose_number: int = 1,
    status: Literal["taken", "missed"],
    actor: str = "system",
    clock: Clock = utc_now,
) -> StoredDose:
    """Record one scheduled dose as taken or missed; the same report again changes nothing.

    A different status for the same dose replaces the earlier one (a correction, audited).
    """
    now = clock()
    with sessions.begin() as session:
        owner = _patient(session, patient, lock=True)
        plan = _active_plan_row(session, owner.id)
        if plan is None:
            raise PlanError("the patient has no active medication plan")
        key = drug.strip().lower()
        item = next((row for row in _items(session, plan.id) if row.drug == key), None)
        if item is None:
            raise PlanError(f"{drug!r} is not in the patient's active plan")
        if on < item.start_on:
            raise PlanError(f"{key} starts on {item.start_on.isoformat()}")
        times = (
            item.times_per_day
            or load_drug_knowledge().drug(key).indication(item.indication).times_per_day
        )
        if not 1 <= dose_number <= times:
            raise PlanError(f"{key} has {times} dose(s) a day; dose {dose_number} does not exist")
        query = select(DoseRecordRow).where(
            DoseRecordRow.plan_item_id == item.id,
            DoseRecordRow.scheduled_on == on,
            DoseRecordRow.dose_number == dose_number,
        )
        existing = session.scalars(query.with_for_update()).one_or_none()
        if existing is not None and existing.status == status:
            return StoredDose(
                id=existing.id, drug=key, scheduled_on=on, dose_number=dose_number,
                status=status, created=False,
            )  # fmt: skip
        if existing is None:
            existing = DoseRecordRow(
                patient_id=owner.id,
                plan_item_id=item.id,
                scheduled_on=on,
                dose_number=dose_number,
                status=status,
                recorded_at=now,
            )
            session.add(existing)
        else:
            existing.status, existing.recorded_at = status, now
        session.flush()
        append_audit(
            session,
            at=now,
            actor=actor,
            action=f"dose.{status}",
            patient_id=owner.id,
            detail={"drug": key, "on": on.isoformat(), "dose_number": dose_number},
        )
        return StoredDose(
            id=existing.id, drug=key, scheduled_on=on, dose_number=dose_number, status=status,
            created=True,
        )  # fmt: skip


def dose_summary(
    sessions: SessionFactory,
    *,
    patient: int | str,
    from_date: dt.date,
    to_date: dt.date,
    actor: str = "system",
    clock: Clock = utc_now,
) -> list[DoseCount]:
    """Doses due (from the active plan's schedule), taken and missed in a period, per drug."""
    if to_date < from_date:
        raise PlanError("to_date is before from_date")
    with sessions.begin() as session:
        owner = _patient(session, patient)
        plan = _active_plan_row(session, owner.id)
        counts: list[DoseCount] = []
        if plan is not None:
            stored = _stored(session, plan)
            rows = session.scalars(
                select(DoseRecordRow).where(
                    DoseRecordRow.patient_id == owner.id,
                    DoseRecordRow.scheduled_on >= from_date,
                    DoseRecordRow.scheduled_on <= to_date,
                )
            ).all()
            item_ids = {row.id: row.drug for row in _items(session, plan.id)}
            for item in stored.plan.items:
                days = [
                    day
                    for day in plan_schedule(item, extra_days=(to_date - item.start_on).days + 1)
                    if from_date <= day.on <= to_date
                ]
                mine = [r for r in rows if item_ids.get(r.plan_item_id) == item.drug_key]
                counts.append(
                    DoseCount(
                        drug=item.drug_key,
                        due=sum(day.times_per_day for day in days),
                        taken=sum(r.status == "taken" for r in mine),
                        missed=sum(r.status == "missed" for r in mine),
                    )
                )
        append_audit(session, at=clock(), actor=actor, action="dose.summary", patient_id=owner.id)
        return counts


# ------------------------------------------------------------------ exercise programmes


def _programme(row: ExerciseProgrammeRow) -> StoredProgramme:
    return StoredProgramme.model_validate(
        {
            "id": row.id,
            "patient_id": row.patient_id,
            "procedure": row.procedure,
            "level": row.level,
            "level_since": row.level_since,
            "status": row.status,
            "assigned_by": row.assigned_by,
        }
    )


def _level(row: ExerciseProgrammeRow) -> dict[Track, int]:
    floor = starting_level()
    return {track: int(row.level.get(track, floor[track])) for track in TRACKS}


def _active_programme_row(session: Session, patient_id: int) -> ExerciseProgrammeRow | None:
    query = select(ExerciseProgrammeRow).where(
        ExerciseProgrammeRow.patient_id == patient_id, ExerciseProgrammeRow.status == "active"
    )
    return session.scalars(query.order_by(ExerciseProgrammeRow.id.desc()).limit(1)).one_or_none()


def assign_exercise_programme(
    sessions: SessionFactory,
    *,
    patient: int | str,
    on: dt.date,
    level: dict[Track, int] | None = None,
    note: str = "",
    actor: str = "system",
    clock: Clock = utc_now,
) -> StoredProgramme:
    """Start a programme for the patient's operation (ending any earlier one)."""
    now = clock()
    with sessions.begin() as session:
        owner = _patient(session, patient, lock=True)
        surgery = _surgery(session, owner)
        previous = _active_programme_row(session, owner.id)
        if previous is not None:
            previous.status, previous.ended_at = "ended", now
        row = ExerciseProgrammeRow(
            patient_id=owner.id,
            assigned_by=actor,
            procedure=surgery.procedure,
            level=dict(level or starting_level()),
            level_since=on,
            status="active",
            note=note,
            created_at=now,
        )
        session.add(row)
        session.flush()
        append_audit(
            session,
            at=now,
            actor=actor,
            action="exercise_programme.assign",
            patient_id=owner.id,
            detail={"programme_id": row.id, "level": row.level},
        )
        return _programme(row)


def active_exercise_programme(
    sessions: SessionFactory, *, patient: int | str, actor: str = "system", clock: Clock = utc_now
) -> tuple[StoredProgramme, dt.date] | None:
    """The active programme and the patient's operation date (for days since surgery)."""
    with sessions.begin() as session:
        owner = _patient(session, patient)
        row = _active_programme_row(session, owner.id)
        append_audit(
            session, at=clock(), actor=actor, action="exercise_programme.read", patient_id=owner.id
        )
        if row is None:
            return None
        return _programme(row), _surgery(session, owner).performed_on


def record_exercise(
    sessions: SessionFactory,
    *,
    patient: int | str,
    on: dt.date,
    exercise: str,
    minutes: int | None = None,
    supervised: bool = False,
    symptoms_further_down_leg: bool = False,
    pain_raised_hours: float | None = None,
    actor: str = "system",
    clock: Clock = utc_now,
) -> int:
    """Record an exercise done (adherence) and how it went (progression); returns its id."""
    library = load_rehab_knowledge().exercises
    if exercise not in library:
        raise PlanError(f"unknown exercise {exercise!r} (known: {', '.join(sorted(library))})")
    if pain_raised_hours is not None and not 0 <= pain_raised_hours <= 72:
        raise PlanError("pain_raised_hours must be between 0 and 72")
    now = clock()
    with sessions.begin() as session:
        owner = _patient(session, patient, lock=True)
        row = ExerciseSession(
            patient_id=owner.id,
            performed_on=on,
            stage=_STAGE_OF_TRACK[library[exercise].track],
            exercise=exercise,
            minutes=minutes,
            supervised=supervised,
            created_at=now,
        )
        session.add(row)
        if symptoms_further_down_leg or pain_raised_hours is not None:
            session.add(
                ExerciseFeedbackRow(
                    patient_id=owner.id,
                    performed_on=on,
                    exercise=exercise,
                    symptoms_further_down_leg=symptoms_further_down_leg,
                    pain_raised_hours=pain_raised_hours,
                    recorded_at=now,
                )
            )
        session.flush()
        append_audit(
            session,
            at=now,
            actor=actor,
            action="exercise.record",
            patient_id=owner.id,
            detail={"exercise": exercise, "on": on.isoformat()},
        )
        return row.id


def exercise_adherence(
    sessions: SessionFactory,
    *,
    patient: int | str,
    from_date: dt.date,
    to_date: dt.date,
    actor: str = "system",
    clock: Clock = utc_now,
) -> AdherenceSummary | None:
    """Sessions done against planned for the active programme (None without a programme)."""
    with sessions.begin() as session:
        owner = _patient(session, patient)
        row = _active_programme_row(session, owner.id)
        append_audit(
            session, at=clock(), actor=actor, action="exercise.adherence", patient_id=owner.id
        )
        if row is None:
            return None
        surgery = _surgery(session, owner)
        programme = programme_for(
            procedure=surgery.procedure,  # type: ignore[arg-type]
            days_since_surgery=max(0, (to_date - surgery.performed_on).days),
            level=_level(row),
        )
        done = session.scalars(
            select(ExerciseSession).where(
                ExerciseSession.patient_id == owner.id,
                ExerciseSession.performed_on >= from_date,
                ExerciseSession.performed_on <= to_date,
            )
        ).all()
        records = [SessionRecord(on=s.performed_on, exercise=s.exercise) for s in done]
        return adherence_summary(programme, records, from_date=from_date, to_date=to_date)


def review_progression(
    sessions: SessionFactory,
    *,
    patient: int | str,
    as_of: dt.date,
    apply: bool = False,
    actor: str = "system",
    clock: Clock = utc_now,
) -> ProgressionDecision:
    """Decide progression from the recent check-ins and feedback; `apply` stores the new level."""
    now = clock()
    with sessions.begin() as session:
        owner = _patient(session, patient, lock=apply)
        row = _active_programme_row(session, owner.id)
        if row is None:
            raise PlanError("the patient has no active exercise programme")
        surgery = _surgery(session, owner)
        as_of_day = (as_of - surgery.performed_on).days
        window = load_rehab_knowledge().progression.settling_window_days
        checkins = session.scalars(
            select(CheckInRow).where(
                CheckInRow.patient_id == owner.id,
                CheckInRow.days_since_surgery >= as_of_day - window,
                CheckInRow.days_since_surgery <= as_of_day,
            )
        ).all()
        points = [
            HistoryPoint(
                days_since_surgery=c.days_since_surgery,
                leg_pain=c.leg_pain,
                triage_level=c.level,
            )
            for c in checkins
        ]
        feedback_rows = session.scalars(
            select(ExerciseFeedbackRow).where(
                ExerciseFeedbackRow.patient_id == owner.id,
                ExerciseFeedbackRow.performed_on >= as_of - dt.timedelta(days=window),
                ExerciseFeedbackRow.performed_on <= as_of,
            )
        ).all()
        feedback = [
            ExerciseFeedback(
                on=f.performed_on,
                exercise=f.exercise,
                symptoms_further_down_leg=f.symptoms_further_down_leg,
                pain_raised_hours=f.pain_raised_hours,
            )
            for f in feedback_rows
        ]
        decision = decide_progression(
            procedure=surgery.procedure,  # type: ignore[arg-type]
            as_of_day=as_of_day,
            level=_level(row),
            level_since_day=(row.level_since - surgery.performed_on).days,
            points=points,
            feedback=feedback,
        )
        if apply and decision.level != _level(row):
            row.level = {str(track): stage for track, stage in decision.level.items()}
            row.level_since = as_of
        append_audit(
            session,
            at=now,
            actor=actor,
            action="exercise_programme.review",
            patient_id=owner.id,
            detail={"decision": decision.decision, "rule": decision.rule, "applied": apply},
        )
        return decision


# ------------------------------------------------------------------ restoring (FHIR import)
# These write inside the caller's transaction (an import stores a whole record at once) and take
# what another nervecare store recorded as it was: the findings the prescriber saw, the doses the
# patient reported, the level the programme had reached. The caller checks the values first.


def restore_medication_plan(
    session: Session,
    *,
    patient_id: int,
    plan: MedicationPlan,
    status: Literal["draft", "active", "stopped"],
    note: str,
    findings: tuple[PlanFinding, ...],
    knowledge_version: str,
    patient_facts: PatientFacts,
    created_at: dt.datetime,
    activated_at: dt.datetime | None,
    stopped_at: dt.datetime | None,
    stopped_reason: str | None,
    actor: str,
    now: dt.datetime,
) -> dict[str, int]:
    """Store an imported plan as it was; returns the new item id of each drug (for its doses).

    No medication trials are written here (unlike activation): they travel on their own in the
    same import. Drugs missing from the knowledge base are refused, as when saving a plan.
    """
    knowledge = load_drug_knowledge()
    unknown = [item.drug for item in plan.items if item.drug_key not in knowledge.drugs]
    if unknown:
        raise PlanError(f"not in the drug knowledge base, so it cannot be checked: {unknown}")
    row = MedicationPlanRow(
        patient_id=patient_id,
        prescriber=plan.prescriber,
        status=status,
        note=note,
        knowledge_version=knowledge_version,
        findings=_finding_dicts(findings),
        patient_facts=patient_facts.model_dump(mode="json"),
        created_at=created_at,
        activated_at=activated_at,
        stopped_at=stopped_at,
        stopped_reason=stopped_reason,
    )
    session.add(row)
    session.flush()
    items: dict[str, int] = {}
    for item in plan.items:
        item_row = MedicationPlanItemRow(
            plan_id=row.id,
            drug=item.drug_key,
            rxcui=knowledge.drug(item.drug_key).rxcui,
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
        session.add(item_row)
        session.flush()
        items[item.drug_key] = item_row.id
    append_audit(
        session,
        at=now,
        actor=actor,
        action="medication_plan.imported",
        patient_id=patient_id,
        detail={"plan_id": row.id, "status": status},
    )
    return items


def restore_dose(
    session: Session,
    *,
    patient_id: int,
    plan_item_id: int,
    scheduled_on: dt.date,
    dose_number: int,
    status: Literal["taken", "missed"],
    recorded_at: dt.datetime,
) -> None:
    """Store one imported dose report against the restored plan item."""
    session.add(
        DoseRecordRow(
            patient_id=patient_id,
            plan_item_id=plan_item_id,
            scheduled_on=scheduled_on,
            dose_number=dose_number,
            status=status,
            recorded_at=recorded_at,
        )
    )


def restore_exercise_programme(
    session: Session,
    *,
    patient_id: int,
    procedure: SurgicalProcedure,
    level: dict[str, int],
    level_since: dt.date,
    status: Literal["active", "ended"],
    assigned_by: str,
    note: str,
    created_at: dt.datetime,
    ended_at: dt.datetime | None,
    actor: str,
    now: dt.datetime,
) -> None:
    """Store an imported exercise programme at the level it had reached."""
    session.add(
        ExerciseProgrammeRow(
            patient_id=patient_id,
            assigned_by=assigned_by,
            procedure=procedure,
            level=dict(level),
            level_since=level_since,
            status=status,
            note=note,
            created_at=created_at,
            ended_at=ended_at,
        )
    )
    session.flush()
    append_audit(
        session,
        at=now,
        actor=actor,
        action="exercise_programme.imported",
        patient_id=patient_id,
        detail={"status": status, "level": dict(level)},
    )


def restore_exercise_feedback(
    session: Session,
    *,
    patient_id: int,
    performed_on: dt.date,
    exercise: str,
    symptoms_further_down_leg: bool,
    pain_raised_hours: float | None,
    recorded_at: dt.datetime,
) -> None:
    """Store how an imported exercise session went (it steers progression)."""
    session.add(
        ExerciseFeedbackRow(
            patient_id=patient_id,
            performed_on=performed_on,
            exercise=exercise,
            symptoms_further_down_leg=symptoms_further_down_leg,
            pain_raised_hours=pain_raised_hours,
            recorded_at=recorded_at,
        )
    )
