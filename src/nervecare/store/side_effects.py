"""Side-effect answers given in a check-in: stored with the check-in, read back by check-in and by
patient (issue 7; re-exported by `nervecare.store.plans`).

The answers are written in the check-in's own transaction, beside it (the contract-v1 document is
not touched), and only for the questions due that day from the patient's active medication plan
(`nervecare.medications.check_side_effect_answers` decides). A check-in sent again with the same
client id stores nothing new; different answers with it are refused like a different check-in.
The triage result stored is the one the shell computed before: the check-in's own, raised by
a "yes" to a side effect the source says needs prompt attention (`side_effect_reasons`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.checkin import CheckIn
from nervecare.medications import (
    MedicationPlan,
    SideEffectAnswer,
    SideEffectAnswerError,
    SideEffectQuestion,
    check_side_effect_answers,
    load_drug_knowledge,
    side_effect_questions,
)
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.daily_cap import check_daily_cap
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import ClientIdConflictError, PatientNotFoundError, StoreError
from nervecare.store.models import (
    CheckInRow,
    MedicationPlanItemRow,
    MedicationPlanRow,
    Patient,
    SideEffectAnswerRow,
)
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.units import store_checkin
from nervecare.triage.result import TriageResult

__all__ = [
    "CheckInWithSideEffects",
    "SideEffectAnswersRefusedError",
    "StoredSideEffectAnswer",
    "checkin_side_effects",
    "due_side_effect_questions",
    "record_checkin_with_side_effects",
    "side_effect_history",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class SideEffectAnswersRefusedError(StoreError):
    """Answers that do not fit the questions due; neither they nor the check-in were stored."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("side-effect answers refused: " + "; ".join(problems))
        self.problems = tuple(problems)


class StoredSideEffectAnswer(BaseModel):
    """One stored answer, with the question's words and (for an urgent one) its instruction."""

    model_config = _FROZEN

    id: int
    checkin_id: int
    drug: str
    key: str
    question: str
    answer: bool
    words: str
    urgent: bool
    if_yes: str | None
    sources: tuple[str, ...]
    asked_on: dt.date
    recorded_at: dt.datetime

    @property
    def needs_prompt_attention(self) -> bool:
        """A yes to a question the source marks as needing prompt medical attention."""
        return self.answer and self.urgent

    def as_question(self) -> SideEffectQuestion:
        return SideEffectQuestion(
            drug=self.drug,
            key=self.key,
            question=self.question,
            urgent=self.urgent,
            if_yes=self.if_yes,
            sources=self.sources,
        )


class CheckInWithSideEffects(BaseModel):
    model_config = _FROZEN

    checkin: StoredCheckIn
    side_effects: tuple[StoredSideEffectAnswer, ...]


def _patient(session: Session, key: int | str, *, lock: bool = False) -> Patient:
    patient = repo.find_patient(session, key=key, lock=lock)
    if patient is None:
        raise PatientNotFoundError(key)
    return patient


def _active_plan(session: Session, patient_id: int) -> MedicationPlan | None:
    query = select(MedicationPlanRow).where(
        MedicationPlanRow.patient_id == patient_id, MedicationPlanRow.status == "active"
    )
    row = session.scalars(query.order_by(MedicationPlanRow.id.desc()).limit(1)).one_or_none()
    if row is None:
        return None
    items = session.scalars(
        select(MedicationPlanItemRow)
        .where(MedicationPlanItemRow.plan_id == row.id)
        .order_by(MedicationPlanItemRow.id)
    )
    return MedicationPlan.model_validate(
        {
            "prescriber": row.prescriber,
            "items": [
                {
                    "drug": item.drug,
                    "indication": item.indication,
                    "start_on": item.start_on,
                    "start_daily_mg": item.start_daily_mg,
                    "target_daily_mg": item.target_daily_mg,
                    "step_mg": item.step_mg,
                    "step_every_days": item.step_every_days,
                    "times_per_day": item.times_per_day,
                    "course_days": item.course_days,
                    "note": item.note,
                }
                for item in items
            ],
        }
    )


def _questions_due(
    session: Session, patient_id: int, on: dt.date
) -> tuple[SideEffectQuestion, ...]:
    plan = _active_plan(session, patient_id)
    return () if plan is None else side_effect_questions(plan, on=on)


def _question_texts() -> dict[tuple[str, str], SideEffectQuestion]:
    texts: dict[tuple[str, str], SideEffectQuestion] = {}
    for drug in load_drug_knowledge().drugs.values():
        for effect in drug.side_effects:
            texts[(drug.key, effect.key)] = SideEffectQuestion(
                drug=drug.key,
                key=effect.key,
                question=effect.question,
                urgent=effect.urgent,
                if_yes=effect.if_yes,
                sources=effect.sources,
            )
    return texts


def _stored(row: SideEffectAnswerRow) -> StoredSideEffectAnswer:
    known = _question_texts().get((row.drug, row.effect))
    return StoredSideEffectAnswer(
        id=row.id,
        checkin_id=row.checkin_id,
        drug=row.drug,
        key=row.effect,
        question=known.question if known else row.effect.replace("_", " "),
        answer=row.answer,
        words=row.words,
        urgent=row.urgent,
        if_yes=known.if_yes if known and row.urgent else None,
        sources=known.sources if known else (),
        asked_on=row.asked_on,
        recorded_at=row.recorded_at,
    )


def _rows_of_checkin(session: Session, checkin_id: int) -> list[SideEffectAnswerRow]:
    query = select(SideEffectAnswerRow).where(SideEffectAnswerRow.checkin_id == checkin_id)
    return list(session.scalars(query.order_by(SideEffectAnswerRow.id)))


def _same_answers(rows: Sequence[SideEffectAnswerRow], answers: Sequence[SideEffectAnswer]) -> bool:
    stored = {(r.drug, r.effect, r.answer, r.words) for r in rows}
    return stored == {(a.drug, a.key, a.answer, a.words) for a in answers}


def due_side_effect_questions(
    sessions: SessionFactory,
    *,
    patient: int | str,
    on: dt.date,
    actor: str = "system",
    clock: Clock = utc_now,
) -> tuple[SideEffectQuestion, ...]:
    """The side-effect questions the check-in asks on this day (none without a medicine being
    started in the active plan)."""
    with sessions.begin() as session:
        owner = _patient(session, patient)
        append_audit(
            session, at=clock(), actor=actor, action="medication_plan.read", patient_id=owner.id
        )
        return _questions_due(session, owner.id, on)


def record_checkin_with_side_effects(
    sessions: SessionFactory,
    *,
    patient_id: int | str,
    checkin: CheckIn,
    triage_result: TriageResult,
    side_effects: Sequence[SideEffectAnswer] = (),
    client_id: str | None = None,
    actor: str = "system",
    clock: Clock = utc_now,
) -> CheckInWithSideEffects:
    """Store a triaged check-in and its side-effect answers in one transaction.

    The answers must fit the questions due on the check-in's day, else nothing at all is stored
    (`SideEffectAnswersRefusedError`). Sent again with the same client id: the stored check-in
    and answers come back and nothing is added; other answers with it raise
    `ClientIdConflictError`, as a different check-in would.
    """
    now = clock()
    with sessions.begin() as session:
        patient = _patient(session, patient_id, lock=True)
        stored = store_checkin(
            session,
            patient=patient,
            checkin=checkin,
            triage_result=triage_result,
            client_id=client_id,
            actor=actor,
            now=now,
        )
        if stored.created:
            check_daily_cap(session, patient_id=patient.id, level=stored.level, now=now)
        if not stored.created:
            rows = _rows_of_checkin(session, stored.id)
            if not _same_answers(rows, side_effects):
                assert stored.client_id is not None
                raise ClientIdConflictError(stored.client_id, stored.id)
            return CheckInWithSideEffects(
                checkin=stored, side_effects=tuple(_stored(row) for row in rows)
            )
        asked_on = stored.recorded_at.date()
        questions = _questions_due(session, patient.id, asked_on)
        try:
            checked = check_side_effect_answers(questions, side_effects)
        except SideEffectAnswerError as error:
            raise SideEffectAnswersRefusedError(error.problems) from None
        urgent = {(q.drug, q.key) for q in questions if q.urgent}
        rows = [
            SideEffectAnswerRow(
                patient_id=patient.id,
                checkin_id=stored.id,
                drug=answer.drug,
                effect=answer.key,
                answer=answer.answer,
                words=answer.words,
                urgent=(answer.drug, answer.key) in urgent,
                asked_on=asked_on,
                recorded_at=now,
            )
            for answer in checked
        ]
        session.add_all(rows)
        session.flush()
        if rows:
            append_audit(
                session,
                at=now,
                actor=actor,
                action="side_effects.recorded",
                patient_id=patient.id,
                detail={
                    "checkin_id": stored.id,
                    "answered": len(rows),
                    "yes": [f"{r.drug}.{r.effect}" for r in rows if r.answer],
                    "prompt_attention": [
                        f"{r.drug}.{r.effect}" for r in rows if r.answer and r.urgent
                    ],
                },
            )
        return CheckInWithSideEffects(
            checkin=stored, side_effects=tuple(_stored(row) for row in rows)
        )


def checkin_side_effects(
    sessions: SessionFactory, *, checkin_id: int, actor: str = "system", clock: Clock = utc_now
) -> tuple[StoredSideEffectAnswer, ...]:
    """The answers given with one check-in (the caller has checked who may see it)."""
    with sessions.begin() as session:
        checkin = session.get(CheckInRow, checkin_id)
        if checkin is None:
            return ()
        rows = _rows_of_checkin(session, checkin_id)
        if rows:
            append_audit(
                session,
                at=clock(),
                actor=actor,
                action="side_effects.read",
                patient_id=checkin.patient_id,
                detail={"checkin_id": checkin_id},
            )
        return tuple(_stored(row) for row in rows)


def side_effect_history(
    sessions: SessionFactory,
    *,
    patient: int | str,
    limit: int = 500,
    actor: str = "system",
    clock: Clock = utc_now,
) -> tuple[StoredSideEffectAnswer, ...]:
    """A patient's side-effect answers, most recent first (for the care team's plans page)."""
    with sessions.begin() as session:
        owner = _patient(session, patient)
        query = (
            select(SideEffectAnswerRow)
            .where(SideEffectAnswerRow.patient_id == owner.id)
            .order_by(
                SideEffectAnswerRow.asked_on.desc(),
                SideEffectAnswerRow.recorded_at.desc(),
                SideEffectAnswerRow.id,
            )
            .limit(limit)
        )
        rows = list(session.scalars(query))
        append_audit(
            session, at=clock(), actor=actor, action="side_effects.read", patient_id=owner.id
        )
        return tuple(_stored(row) for row in rows)
