"""Side-effect answers on SQLite and PostgreSQL: stored in the check-in's own transaction, beside
it (the check-in document unchanged), once per retried check-in, only for questions due, never
changing the triage; read back by check-in and by patient, most recent first."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from nervecare.medications import MedicationPlan, PatientFacts, PlanItem, SideEffectAnswer
from nervecare.store.audit import audit_entries
from nervecare.store.errors import ClientIdConflictError
from nervecare.store.models import CheckInRow, OutboxAlert, SideEffectAnswerRow
from nervecare.store.plans import (
    SideEffectAnswersRefusedError,
    activate_medication_plan,
    checkin_side_effects,
    due_side_effect_questions,
    record_checkin_with_side_effects,
    save_medication_plan,
    side_effect_history,
)
from nervecare.store.service import Store, add_patient
from tests.store.factories import START, TickingClock, checkin, new_patient, triaged

TODAY = START.date()


def _yes(key: str, words: str = "") -> SideEffectAnswer:
    return SideEffectAnswer(drug="gabapentin", key=key, answer=True, words=words)


def _no(key: str) -> SideEffectAnswer:
    return SideEffectAnswer(drug="gabapentin", key=key, answer=False)


@pytest.fixture
def patient_id(store: Store, clock: TickingClock) -> int:
    """A patient starting gabapentin today (titration to 900 mg over three days)."""
    patient = add_patient(store.sessions, new=new_patient(), clock=clock).id
    plan = MedicationPlan(
        prescriber="Dr Rivera",
        items=(
            PlanItem(
                drug="gabapentin",
                start_on=TODAY,
                start_daily_mg=300,
                target_daily_mg=900,
                step_mg=300,
                step_every_days=1,
            ),
        ),
    )
    saved = save_medication_plan(
        store.sessions,
        patient=patient,
        plan=plan,
        facts=PatientFacts(age_years=56, crcl_ml_min=90),
        clock=clock,
    )
    activate_medication_plan(store.sessions, plan_id=saved.id, clock=clock)
    return patient


def _record(
    store: Store,
    clock: TickingClock,
    patient_id: int,
    answers: list[SideEffectAnswer],
    client_id: str | None = "c-1",
    **fields: object,
) -> object:
    value = checkin(recorded_at=START.isoformat(), **fields)
    return record_checkin_with_side_effects(
        store.sessions,
        patient_id=patient_id,
        checkin=value,
        triage_result=triaged(value),
        side_effects=answers,
        client_id=client_id,
        clock=clock,
    )


def _count(store: Store, table: type) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_the_questions_due_follow_the_active_plan(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Asked while the medicine is being started; not before it starts, not weeks later."""
    due = due_side_effect_questions(store.sessions, patient=patient_id, on=TODAY, clock=clock)
    assert [q.key for q in due] == ["breathing", "dizziness", "sleepiness"]
    before = TODAY - dt.timedelta(days=1)
    assert not due_side_effect_questions(store.sessions, patient=patient_id, on=before)
    later = TODAY + dt.timedelta(days=60)
    assert not due_side_effect_questions(store.sessions, patient=patient_id, on=later)


def test_answers_are_stored_beside_the_check_in(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """The answers get their own rows, keyed to the check-in; its document stays contract v1."""
    stored = _record(
        store, clock, patient_id, [_yes("dizziness", "when I stand up"), _no("breathing")]
    )
    assert stored.checkin.created
    assert [(a.key, a.answer, a.words) for a in stored.side_effects] == [
        ("breathing", False, ""),
        ("dizziness", True, "when I stand up"),
    ]
    with store.sessions() as session:
        document = session.get(CheckInRow, stored.checkin.id).document
    assert "side_effects" not in document
    assert set(document) <= {"schema_version", "days_since_surgery", "leg_pain", "recorded_at"}
    read = checkin_side_effects(store.sessions, checkin_id=stored.checkin.id)
    assert [a.key for a in read] == ["breathing", "dizziness"]
    assert read[1].question.startswith("Have you felt dizzy")


def test_a_retried_check_in_stores_its_answers_once(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """The same client id with the same answers: the stored ones come back, nothing is added."""
    answers = [_yes("sleepiness"), _no("breathing"), _no("dizziness")]
    first = _record(store, clock, patient_id, answers)
    again = _record(store, clock, patient_id, answers)
    assert not again.checkin.created
    assert again.checkin.id == first.checkin.id
    assert [a.id for a in again.side_effects] == [a.id for a in first.side_effects]
    assert _count(store, SideEffectAnswerRow) == 3
    assert _count(store, CheckInRow) == 1


def test_the_same_client_id_with_other_answers_is_a_conflict(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Never merged silently, exactly as a different check-in under the same id."""
    _record(store, clock, patient_id, [_no("dizziness")])
    with pytest.raises(ClientIdConflictError):
        _record(store, clock, patient_id, [_yes("dizziness")])
    assert _count(store, SideEffectAnswerRow) == 1


def test_an_answer_not_due_stores_nothing_at_all(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """One transaction: a refused answer leaves neither the check-in nor any answer behind."""
    wrong = SideEffectAnswer(drug="duloxetine", key="nausea", answer=True)
    with pytest.raises(SideEffectAnswersRefusedError, match=r"duloxetine\.nausea"):
        _record(store, clock, patient_id, [_yes("dizziness"), wrong])
    assert _count(store, CheckInRow) == 0
    assert _count(store, SideEffectAnswerRow) == 0


def test_the_answers_never_change_the_triage(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """An urgent yes keeps the check-in's own level and raises no alert of its own; it is kept
    flagged for the care team, with the source's instruction."""
    stored = _record(store, clock, patient_id, [_yes("breathing")])
    value = checkin(recorded_at=START.isoformat())
    assert stored.checkin.level == triaged(value).level == "self_care"
    assert _count(store, OutboxAlert) == 0
    (answer,) = stored.side_effects
    assert answer.needs_prompt_attention
    assert answer.if_yes is not None
    assert "med_fda_2019_gabapentinoids" in answer.sources
    with store.sessions() as session:
        entry = next(e for e in audit_entries(session) if e.action == "side_effects.recorded")
    assert entry.detail["prompt_attention"] == ["gabapentin.breathing"]
    assert "words" not in str(entry.detail)


def test_the_history_is_most_recent_first(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Day by day for the care team: the latest day's answers first."""
    _record(store, clock, patient_id, [_no("dizziness")], client_id="day-1")
    value = checkin(recorded_at=(START + dt.timedelta(days=1)).isoformat())
    record_checkin_with_side_effects(
        store.sessions,
        patient_id=patient_id,
        checkin=value,
        triage_result=triaged(value),
        side_effects=[_yes("dizziness", "mornings")],
        client_id="day-2",
        clock=clock,
    )
    history = side_effect_history(store.sessions, patient=patient_id)
    assert [(a.asked_on, a.answer) for a in history] == [
        (TODAY + dt.timedelta(days=1), True),
        (TODAY, False),
    ]


def test_a_check_in_without_a_plan_takes_no_answers(store: Store, clock: TickingClock) -> None:
    """No medicine being started: a check-in is stored as before, answers are refused."""
    other = add_patient(store.sessions, new=new_patient("P-002"), clock=clock).id
    plain = _record(store, clock, other, [], client_id="plain")
    assert plain.checkin.created
    assert plain.side_effects == ()
    with pytest.raises(SideEffectAnswersRefusedError):
        _record(store, clock, other, [_no("dizziness")], client_id="other")
