"""The worker over a real store (SQLite and PostgreSQL) with capturing channels."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from nervecare.alerts.testing import CapturingChannel, FlakyChannel
from nervecare.alerts.worker import PassReport
from nervecare.store.alerts import (
    ChannelDefaults,
    claim_due_alerts,
    delivery_log,
    requeue_alert,
    set_team_alert_settings,
)
from nervecare.store.models import OutboxAlert
from nervecare.store.service import Store
from tests.alerts.conftest import (
    DEFAULTS,
    EMERGENCY,
    URGENT,
    MovableClock,
    enrol,
    make_worker,
    submit,
)


def _alert(store: Store, alert_id: int = 1) -> OutboxAlert:
    with store.sessions.begin() as session:
        found = session.get(OutboxAlert, alert_id)
        assert found is not None
        return found


def _acknowledge(store: Store, clock: MovableClock, alert_id: int = 1) -> None:
    with store.sessions.begin() as session:
        session.execute(
            update(OutboxAlert).where(OutboxAlert.id == alert_id).values(acknowledged_at=clock())
        )


def test_an_emergency_is_sent_by_email_and_webhook(store: Store, clock: MovableClock):
    """One pass delivers a new emergency to the first contact and the webhook, and logs both."""
    enrol(store, clock)
    submit(store, clock, EMERGENCY)
    email, webhook = CapturingChannel("email"), CapturingChannel("webhook")
    report = make_worker(store, clock, email=email, webhook=webhook).run_once()
    assert report.outcomes == {"delivered": 1}
    assert [m.target for m in email.sent] == ["team@example.org"]
    assert json.loads(webhook.sent[0].body or b"")["level"] == "emergency"
    alert = _alert(store)
    assert (alert.state, alert.delivered_at, alert.claimed_by) == ("delivered", clock(), None)
    with store.sessions.begin() as session:
        outcomes = [(e.channel, e.outcome) for e in delivery_log(session, alert_id=1)]
    assert sorted(outcomes) == [("email", "delivered"), ("webhook", "delivered")]


def test_routine_check_ins_raise_no_alert(store: Store, clock: MovableClock):
    """Nothing to send for a routine check-in."""
    enrol(store, clock)
    submit(store, clock, {"leg_pain": 2})
    assert make_worker(store, clock).run_once().claimed == 0


def test_a_failed_channel_is_retried_later_without_resending_the_other(
    store: Store, clock: MovableClock
):
    """Mail fails once: retried after the backoff; the delivered webhook is not sent again."""
    enrol(store, clock)
    submit(store, clock, URGENT)
    email = FlakyChannel("email", failing=lambda call: call == 1)
    webhook = CapturingChannel("webhook")
    worker = make_worker(store, clock, email=email, webhook=webhook)
    assert worker.run_once().outcomes == {"pending": 1}
    alert = _alert(store)
    assert alert.next_attempt_at > clock()
    assert "simulated failure" in (alert.last_error or "")
    assert worker.run_once().claimed == 0, "not due before its backoff"
    clock.advance(seconds=10)
    assert worker.run_once().outcomes == {"delivered": 1}
    assert len(email.sent) == 1
    assert len(webhook.sent) == 1


def test_a_channel_that_keeps_failing_dead_letters_the_alert(store: Store, clock: MovableClock):
    """After the last allowed attempt the alert is failed (dead letter), visible with its error."""
    enrol(store, clock)
    submit(store, clock, URGENT)
    worker = make_worker(store, clock, email=FlakyChannel("email", failing=lambda _call: True))
    states = []
    for _ in range(6):
        states.append(worker.run_once().outcomes)
        clock.advance(minutes=5)
    assert states[:4] == [{"pending": 1}, {"pending": 1}, {"pending": 1}, {"failed": 1}]
    alert = _alert(store)
    assert (alert.state, alert.attempts) == ("failed", 4)
    with store.sessions.begin() as session:
        failures = [e for e in delivery_log(session, alert_id=1) if e.channel == "email"]
    assert [e.outcome for e in failures] == ["failed"] * 4


def test_a_dead_letter_can_be_queued_again(store: Store, clock: MovableClock):
    """After fixing the channel, an operator requeues the alert and it is delivered."""
    enrol(store, clock)
    submit(store, clock, URGENT)
    broken = make_worker(store, clock, email=FlakyChannel("email", failing=lambda _call: True))
    for _ in range(4):
        broken.run_once()
        clock.advance(minutes=5)
    requeue_alert(store.sessions, alert_id=1, actor="test", now=clock())
    assert make_worker(store, clock).run_once().outcomes == {"delivered": 1}


def test_no_receiver_is_a_failure_not_a_silent_success(store: Store, clock: MovableClock):
    """A team with no address and no webhook gets a failed, visible alert, never 'delivered'."""
    enrol(store, clock)
    submit(store, clock, EMERGENCY)
    worker = make_worker(store, clock, defaults=ChannelDefaults())
    assert worker.run_once().outcomes == {"pending": 1}
    assert "no receiver" in (_alert(store).last_error or "")


def test_a_lapsed_claim_is_taken_again(store: Store, clock: MovableClock):
    """A worker that claimed and died: after the lease another worker delivers the alert."""
    enrol(store, clock)
    submit(store, clock, EMERGENCY)
    claim_due_alerts(
        store.sessions,
        worker="dead-worker",
        now=clock(),
        lease=dt.timedelta(seconds=30),
        limit=5,
        defaults=DEFAULTS,
        link_base="x",
    )
    email = CapturingChannel("email")
    worker = make_worker(store, clock, email=email)
    assert worker.run_once().claimed == 0, "the claim still holds"
    clock.advance(seconds=31)
    assert worker.run_once().outcomes == {"delivered": 1}
    assert _alert(store).attempts == 2


def test_unacknowledged_emergency_escalates_to_both_contacts(store: Store, clock: MovableClock):
    """15 minutes without acknowledgement: sent again to the first and the second contact."""
    enrol(store, clock)
    submit(store, clock, EMERGENCY)
    email = CapturingChannel("email")
    worker = make_worker(store, clock, email=email)
    worker.run_once()
    clock.advance(minutes=14)
    assert worker.run_once().escalated == 0
    clock.advance(minutes=1)
    report = worker.run_once()
    assert (report.escalated, report.outcomes) == (1, {"delivered": 1})
    assert [m.target for m in email.sent] == [
        "team@example.org",
        "team@example.org",
        "lead@example.org",
    ]
    assert email.sent[-1].dedup_key == "alert-1-escalation"
    clock.advance(hours=5)
    assert worker.run_once().escalated == 0, "escalation happens once"


def test_acknowledged_alert_does_not_escalate(store: Store, clock: MovableClock):
    """Someone is on it: no second contact is woken."""
    enrol(store, clock)
    submit(store, clock, EMERGENCY)
    worker = make_worker(store, clock)
    worker.run_once()
    _acknowledge(store, clock)
    clock.advance(hours=1)
    assert worker.run_once().escalated == 0


def test_team_escalation_times_override_the_defaults(store: Store, clock: MovableClock):
    """A team that set 60 minutes for urgent alerts escalates them after an hour, not four."""
    enrol(store, clock)
    set_team_alert_settings(
        store.sessions,
        team="Spinal team A",
        actor="test",
        now=clock(),
        primary_email="ward@example.org",
        urgent_escalation_minutes=60,
    )
    submit(store, clock, URGENT)
    email = CapturingChannel("email")
    worker = make_worker(store, clock, email=email)
    worker.run_once()
    clock.advance(minutes=60)
    assert worker.run_once().escalated == 1
    assert [m.target for m in email.sent] == [
        "ward@example.org",
        "ward@example.org",
        "lead@example.org",
    ]


def test_emergencies_are_claimed_before_urgent_alerts(store: Store, clock: MovableClock):
    """With more due alerts than one batch, emergencies go first."""
    for number in range(3):
        enrol(store, clock, f"P-U{number}")
        submit(store, clock, URGENT, patient=f"P-U{number}")
    enrol(store, clock, "P-E")
    submit(store, clock, EMERGENCY, patient="P-E")
    claimed = claim_due_alerts(
        store.sessions,
        worker="w",
        now=clock(),
        lease=dt.timedelta(seconds=30),
        limit=1,
        defaults=DEFAULTS,
        link_base="x",
    )
    assert [c.facts.level for c in claimed] == ["emergency"]


def test_every_alert_is_eventually_delivered_exactly_once_per_receiver(
    store: Store, clock: MovableClock
):
    """Twenty alerts and a flaky mail server: each arrives once at each receiver."""
    for number in range(20):
        enrol(store, clock, f"P-{number:03}")
        submit(store, clock, EMERGENCY if number % 2 else URGENT, patient=f"P-{number:03}")
    email = FlakyChannel("email", failing=lambda call: call % 3 == 0)
    webhook = CapturingChannel("webhook")
    worker = make_worker(store, clock, email=email, webhook=webhook, batch=4)
    for _ in range(40):
        worker.run_once()
        clock.advance(seconds=20)
    with store.sessions.begin() as session:
        states = session.scalars(select(OutboxAlert.state)).all()
    assert set(states) == {"delivered"}
    assert sorted(email.dedup_keys) == sorted(f"alert-{n}-initial" for n in range(1, 21))
    assert sorted(webhook.dedup_keys) == sorted(email.dedup_keys)


def test_background_worker_delivers_and_stops(store: Store, clock: MovableClock):
    """The in-process worker (for `nervecare serve` on SQLite) sends and stops cleanly."""
    from nervecare.alerts.settings import AlertSettings  # noqa: PLC0415
    from nervecare.alerts.worker import background_worker  # noqa: PLC0415
    from tests.alerts.receivers import SmtpReceiver, wait_until  # noqa: PLC0415

    now = dt.datetime.now(dt.UTC)
    enrol(store, MovableClock(now))
    submit(store, MovableClock(now), EMERGENCY)
    smtp = SmtpReceiver()
    smtp.start()
    settings = AlertSettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        alert_email="team@example.org",
        worker_poll_seconds=0.05,
    )
    try:
        with background_worker(store.sessions, settings=settings) as worker:
            assert wait_until(lambda: smtp.total() == 1, timeout=10)
        assert worker.stopping
    finally:
        smtp.stop()
    assert _alert(store).state == "delivered"


def test_an_unexpected_error_in_a_pass_does_not_stop_the_worker(
    store: Store, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
):
    """A pass that fails for any reason is logged and the next pass runs."""
    worker = make_worker(store, clock, poll_seconds=0.01)
    calls: list[int] = []
    original = worker.run_once

    def flaky_pass() -> PassReport:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return original()

    monkeypatch.setattr(worker, "run_once", flaky_pass)
    assert worker.run(max_passes=3) == 3
    assert len(calls) == 3


def test_delivery_problems_list_dead_letters_first_with_their_error(
    store: Store, clock: MovableClock
):
    """What the dashboard shows: failed alerts, then those waiting for a retry, with the error."""
    from nervecare.store.alerts import delivery_counts, delivery_problems  # noqa: PLC0415

    enrol(store, clock, "P-DEAD")
    submit(store, clock, URGENT, patient="P-DEAD")
    broken = make_worker(store, clock, email=FlakyChannel("email", failing=lambda _call: True))
    for _ in range(4):
        broken.run_once()
        clock.advance(minutes=5)
    enrol(store, clock, "P-WAIT")
    submit(store, clock, URGENT, patient="P-WAIT")
    broken.run_once()
    with store.sessions.begin() as session:
        problems = delivery_problems(session)
        counts = delivery_counts(session)
    assert [(p.patient_reference, p.state) for p in problems] == [
        ("P-DEAD", "failed"),
        ("P-WAIT", "pending"),
    ]
    assert "simulated failure" in (problems[0].last_error or "")
    assert problems[0].next_attempt_at is None
    assert counts == {"failed": 1, "pending": 1}


def test_a_dead_lettered_emergency_still_escalates(store: Store, clock: MovableClock):
    """Giving up on the first contact is not giving up: the second contact is still tried."""
    enrol(store, clock)
    submit(store, clock, EMERGENCY)
    email = FlakyChannel("email", failing=lambda call: call <= 4)
    worker = make_worker(store, clock, email=email)
    for _ in range(4):
        worker.run_once()
        clock.advance(minutes=1)
    assert _alert(store).state == "failed"
    clock.advance(minutes=15)
    report = worker.run_once()
    assert (report.escalated, report.outcomes) == (1, {"delivered": 1})
    assert sorted(m.target for m in email.sent) == ["lead@example.org", "team@example.org"]
