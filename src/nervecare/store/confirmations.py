"""The questions a check-in's notes raised: stored with the check-in, answered by the patient,
and never lost when they are not (triage contract v2).

- `record_questions` writes a check-in's `confirm` questions in the check-in's own transaction,
  each due within the team's window (15 minutes unless the team sets another).
- `record_answers` takes the patient's answers and the result triaged again with them, in one
  transaction: the answers and their time, the check-in's level and result, an alert when a
  confirmed sign needs one, and the withdrawal of a task raised for a question now answered no.
- `escalate_unanswered` turns questions left unanswered past their time into a task for the care
  team, at the level the unconfirmed sign would carry, through the same outbox as any alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import StoreError
from nervecare.store.models import CheckInQuestionRow, CheckInRow, OutboxAlert, TeamAlertSettings
from nervecare.store.models import Patient as PatientRow
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.summaries import URGENT_RANK
from nervecare.store.units import stored_checkin
from nervecare.triage import (
    ConfirmAnswer,
    ConfirmedAnswer,
    ConfirmQuestion,
    Level,
    TriageResult,
    confirm_key,
    level_rank,
)

__all__ = [
    "DEFAULT_CONFIRM_MINUTES",
    "StoredQuestion",
    "escalate_unanswered",
    "questions_of_checkins",
    "record_answers",
    "record_questions",
]

#: How long a question may stay unanswered before it is a task for the care team (the issue's
#: default; a team may set its own window).
DEFAULT_CONFIRM_MINUTES = 15


class StoredQuestion(BaseModel):
    """A question as stored, with the patient's answer and when, if given."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    checkin_id: int
    key: str
    field: str
    value: Any
    code: str
    level: str
    question: str
    evidence: str
    asked_at: dt.datetime
    due_at: dt.datetime
    answer: str | None
    answered_at: dt.datetime | None
    escalated_at: dt.datetime | None


def _rank(level: str) -> int:
    return level_rank(cast(Level, level))


def _window(session: Session, patient_id: int) -> dt.timedelta:
    patient = session.get_one(PatientRow, patient_id)
    settings = session.get(TeamAlertSettings, patient.team_id)
    minutes = settings.confirm_minutes if settings and settings.confirm_minutes else None
    return dt.timedelta(minutes=minutes or DEFAULT_CONFIRM_MINUTES)


def record_questions(
    session: Session, *, checkin: CheckInRow, result: TriageResult, now: dt.datetime
) -> None:
    """Store the result's questions beside its check-in (in the caller's transaction): those
    still to answer, due within the team's window, and those already answered (the terminal
    check-in asks before it stores), with their answers."""
    if not (result.confirm or result.answers):
        return
    due = now + _window(session, checkin.patient_id)

    def row(item: ConfirmQuestion | ConfirmedAnswer) -> CheckInQuestionRow:
        return CheckInQuestionRow(
            patient_id=checkin.patient_id,
            checkin_id=checkin.id,
            key=confirm_key(item.field, item.value),
            field=item.field,
            value=item.value,
            code=item.code,
            level=item.level,
            question=item.question,
            evidence=item.evidence,
            asked_at=now,
            due_at=due,
        )

    rows = [row(question) for question in result.confirm]
    for answered in result.answers:
        rows.append(row(answered))
        rows[-1].answer, rows[-1].answered_at = answered.answer, now
    session.add_all(rows)
    session.flush()


def _rows(session: Session, checkin_id: int) -> list[CheckInQuestionRow]:
    query = select(CheckInQuestionRow).where(CheckInQuestionRow.checkin_id == checkin_id)
    return list(session.scalars(query.order_by(CheckInQuestionRow.id)))


def questions_of_checkins(session: Session, *, checkin_ids: Sequence[int]) -> list[StoredQuestion]:
    query = (
        select(CheckInQuestionRow)
        .where(CheckInQuestionRow.checkin_id.in_(checkin_ids))
        .order_by(CheckInQuestionRow.checkin_id, CheckInQuestionRow.id)
    )
    return [StoredQuestion.model_validate(row) for row in session.scalars(query)]


def given_answers(session: Session, *, checkin_id: int) -> dict[str, ConfirmAnswer]:
    """The answers already given for a check-in, by question key."""
    return {
        row.key: row.answer  # type: ignore[misc]
        for row in _rows(session, checkin_id)
        if row.answer is not None
    }


def _alert_of(session: Session, checkin_id: int) -> OutboxAlert | None:
    return session.scalars(select(OutboxAlert).where(OutboxAlert.checkin_id == checkin_id)).first()


def record_answers(
    sessions: SessionFactory,
    *,
    patient_id: int,
    checkin_id: int,
    answers: Mapping[str, ConfirmAnswer],
    result: TriageResult,
    actor: str,
    clock: Clock = utc_now,
) -> StoredCheckIn:
    """Keep the patient's answers and the result triaged again with them, in one transaction.

    Each question is answered once: an answer sent again (a retry, a double tap) changes
    nothing. A confirmed sign that makes the check-in urgent or an emergency alerts the team as
    any red flag does; a task raised earlier for an unanswered question is withdrawn when every
    question is answered no, with the reason in the audit log. The level is never lowered below
    what the patient definitely reported (the result is triaged from the same check-in).
    """
    now = clock()
    with sessions.begin() as session:
        row = session.scalars(
            select(CheckInRow)
            .where(CheckInRow.id == checkin_id, CheckInRow.patient_id == patient_id)
            .with_for_update()
        ).first()
        if row is None:
            raise StoreError(f"no check-in {checkin_id} for this patient")
        questions = _rows(session, checkin_id)
        newly: dict[str, str] = {}
        for question in questions:
            answer = answers.get(question.key)
            if question.answer is None and answer is not None:
                question.answer = answer
                question.answered_at = now
                newly[question.key] = answer
        if not newly:
            return stored_checkin(row, created=False)
        rank = level_rank(result.level)
        row.level = result.level
        row.level_rank = rank
        row.triage = result.model_dump(mode="json")
        row.red_flags = [r.code for r in result.reasons if level_rank(r.level) >= URGENT_RANK]
        alert = _alert_of(session, checkin_id)
        if rank >= URGENT_RANK:
            _raise_alert(session, row=row, alert=alert, level=result.level, now=now)
        elif (
            alert is not None
            and alert.kind == "unconfirmed"
            and alert.resolved_at is None
            and all(q.answer == "no" for q in questions if q.answer is not None)
        ):
            _withdraw(session, alert=alert, now=now, actor=actor)
        append_audit(
            session,
            at=now,
            actor=actor,
            action="checkin.questions_answered",
            patient_id=row.patient_id,
            detail={"checkin_id": checkin_id, "answers": newly, "level": result.level},
        )
        return stored_checkin(row, created=False)


def _raise_alert(
    session: Session, *, row: CheckInRow, alert: OutboxAlert | None, level: str, now: dt.datetime
) -> None:
    if alert is None:
        repo.insert_alert(session, checkin=row, now=now)
        return
    alert.kind = "red_flag"
    if _rank(level) > _rank(alert.level) or alert.resolved_at is not None:
        # A confirmed sign is news: send it again at its level, even if a task was closed.
        alert.level = level
        alert.resolved_at = None
        alert.state = "pending"
        alert.stage = "initial"
        alert.next_attempt_at = now


def _withdraw(session: Session, *, alert: OutboxAlert, now: dt.datetime, actor: str) -> None:
    note = "withdrawn: the patient answered no to every question the notes raised"
    alert.resolved_at = now
    alert.resolution_note = note
    append_audit(
        session,
        at=now,
        actor=actor,
        action="alert.withdrawn",
        patient_id=alert.patient_id,
        detail={"alert_id": alert.id, "reason": note},
    )


def escalate_unanswered(sessions: SessionFactory, *, now: dt.datetime) -> int:
    """Make a care-team task of each check-in whose questions are unanswered past their time.

    The task is an alert of kind "unconfirmed" at the most urgent level its open questions would
    carry, delivered and escalated like any alert. A check-in that already has an alert for
    something the patient definitely reported keeps it, raised to that level if lower. Returns
    how many check-ins became tasks. Safe to run in several workers at once (row locks).
    """
    query = (
        select(CheckInQuestionRow)
        .where(
            CheckInQuestionRow.answer.is_(None),
            CheckInQuestionRow.escalated_at.is_(None),
            CheckInQuestionRow.due_at <= now,
        )
        .order_by(CheckInQuestionRow.checkin_id)
        .with_for_update(skip_locked=True)
    )
    tasks = 0
    with sessions.begin() as session:
        by_checkin: dict[int, list[CheckInQuestionRow]] = {}
        for question in session.scalars(query):
            by_checkin.setdefault(question.checkin_id, []).append(question)
        for checkin_id, open_ in by_checkin.items():
            level = max((q.level for q in open_), key=_rank)
            row = session.get_one(CheckInRow, checkin_id)
            alert = _alert_of(session, checkin_id)
            if alert is None:
                alert = repo.insert_alert(session, checkin=row, now=now)
                alert.kind = "unconfirmed"
                alert.level = level
            elif _rank(level) > _rank(alert.level):
                alert.level = level
                alert.state = "pending"
                alert.next_attempt_at = now
            for question in open_:
                question.escalated_at = now
            append_audit(
                session,
                at=now,
                actor="worker",
                action="checkin.questions_unanswered",
                patient_id=row.patient_id,
                detail={
                    "checkin_id": checkin_id,
                    "alert_id": alert.id,
                    "level": level,
                    "questions": [q.key for q in open_],
                },
            )
            tasks += 1
    return tasks
