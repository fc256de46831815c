"""A question the notes raised is never lost: unanswered past its time, it becomes a task for the
care team through the same outbox, delivery and escalation as any alert; answered no, the task
is withdrawn with its reason kept; answered yes, it alerts as any red flag does."""

from __future__ import annotations

import json

from sqlalchemy import select

from nervecare.alerts.testing import CapturingChannel
from nervecare.store.audit import audit_entries
from nervecare.store.confirmations import record_answers
from nervecare.store.models import CheckInQuestionRow, OutboxAlert, TeamAlertSettings
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.service import Store, record_checkin
from nervecare.triage import ConfirmAnswer, NoteFinding, evaluate, load_ruleset
from tests.alerts.conftest import MovableClock, enrol, make_worker
from tests.store.factories import checkin

QUIET = {
    "days_since_surgery": 10,
    "leg_pain": 2,
    "pain_relieved_by_medication": "yes",
    "saddle_numbness": "none",
    "both_legs": "none",
    "leg_weakness": "none",
    "foot_drop": "none",
    "chest_pain_or_breathlessness": False,
    "bladder": [],
    "bowel": [],
    "notes": "only a twinge in the buttock when I sit",
}
POSSIBLE = NoteFinding(
    field="saddle_numbness",
    value="new",
    evidence="only a twinge in the buttock",
    certainty="possible",
)


def _asked(store: Store, clock: MovableClock) -> StoredCheckIn:
    value = checkin(**QUIET)
    result = evaluate(value, load_ruleset(), note_findings=[POSSIBLE])
    assert result.status == "needs_confirmation"
    return record_checkin(
        store.sessions, patient_id="P-001", checkin=value, triage_result=result, clock=clock
    )


def _answer(
    store: Store, clock: MovableClock, stored: StoredCheckIn, answer: ConfirmAnswer
) -> None:
    value = checkin(**QUIET)
    answers: dict[str, ConfirmAnswer] = {"saddle_numbness": answer}
    result = evaluate(value, load_ruleset(), note_findings=[POSSIBLE], answers=answers)
    record_answers(
        store.sessions,
        patient_id=stored.patient_id,
        checkin_id=stored.id,
        answers=answers,
        result=result,
        actor="patient:P-001",
        clock=clock,
    )


def _alerts(store: Store) -> list[OutboxAlert]:
    with store.sessions.begin() as session:
        return list(session.scalars(select(OutboxAlert)))


def test_a_question_waiting_for_its_answer_raises_nothing(store: Store, clock: MovableClock):
    enrol(store, clock)
    _asked(store, clock)
    clock.advance(minutes=14)
    report = make_worker(store, clock).run_once()
    assert report.unanswered == 0
    assert _alerts(store) == []


def test_an_unanswered_question_becomes_a_task_at_the_level_of_its_sign(
    store: Store, clock: MovableClock
):
    enrol(store, clock)
    _asked(store, clock)
    clock.advance(minutes=15)
    webhook = CapturingChannel("webhook")
    report = make_worker(store, clock, webhook=webhook).run_once()
    assert report.unanswered == 1
    (alert,) = _alerts(store)
    assert (alert.kind, alert.level, alert.state) == ("unconfirmed", "emergency", "delivered")
    payload = json.loads(webhook.sent[0].body or b"")
    assert payload["reasons"][0]["code"] == "unconfirmed.cauda_equina.saddle_numbness"
    assert "buttock" not in json.dumps(payload)  # never the patient's own words
    # once only
    clock.advance(minutes=5)
    assert make_worker(store, clock).run_once().unanswered == 0


def test_a_team_sets_its_own_time_to_answer(store: Store, clock: MovableClock):
    enrol(store, clock)
    with store.sessions.begin() as session:
        session.add(TeamAlertSettings(team_id=1, confirm_minutes=60, updated_at=clock()))
    _asked(store, clock)
    clock.advance(minutes=30)
    assert make_worker(store, clock).run_once().unanswered == 0
    clock.advance(minutes=31)
    assert make_worker(store, clock).run_once().unanswered == 1


def test_answering_no_after_the_task_withdraws_it_with_the_reason_kept(
    store: Store, clock: MovableClock
):
    enrol(store, clock)
    stored = _asked(store, clock)
    clock.advance(minutes=20)
    make_worker(store, clock).run_once()
    _answer(store, clock, stored, "no")
    (alert,) = _alerts(store)
    assert alert.resolved_at is not None
    assert "withdrawn" in (alert.resolution_note or "")
    with store.sessions.begin() as session:
        actions = [entry.action for entry in audit_entries(session, patient_id=stored.patient_id)]
        (question,) = session.scalars(select(CheckInQuestionRow)).all()
    assert "alert.withdrawn" in actions
    assert (question.answer, question.answered_at) == ("no", clock())


def test_answering_yes_alerts_at_once_as_a_red_flag(store: Store, clock: MovableClock):
    enrol(store, clock)
    stored = _asked(store, clock)
    _answer(store, clock, stored, "yes")
    (alert,) = _alerts(store)
    assert (alert.kind, alert.level) == ("red_flag", "emergency")
    clock.advance(minutes=20)
    assert make_worker(store, clock).run_once().unanswered == 0


def test_an_answer_sent_again_changes_nothing(store: Store, clock: MovableClock):
    enrol(store, clock)
    stored = _asked(store, clock)
    _answer(store, clock, stored, "no")
    _answer(store, clock, stored, "yes")  # a late, different second answer: the first stands
    assert _alerts(store) == []


def test_questions_answered_before_storing_are_kept_answered(store: Store, clock: MovableClock):
    """The terminal check-in asks first: the answers are stored with the check-in, and nothing
    waits for an answer."""
    enrol(store, clock)
    value = checkin(**QUIET)
    answers: dict[str, ConfirmAnswer] = {"saddle_numbness": "no"}
    result = evaluate(value, load_ruleset(), note_findings=[POSSIBLE], answers=answers)
    record_checkin(
        store.sessions, patient_id="P-001", checkin=value, triage_result=result, clock=clock
    )
    with store.sessions.begin() as session:
        (question,) = session.scalars(select(CheckInQuestionRow)).all()
    assert (question.key, question.answer) == ("saddle_numbness", "no")
    clock.advance(minutes=30)
    assert make_worker(store, clock).run_once().unanswered == 0
