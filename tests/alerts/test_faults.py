"""Fault tests with real parts on loopback: a real SMTP server (aiosmtpd), a real HTTP receiver
that checks signatures, real SQLite and PostgreSQL. Each counts what was sent and what arrived,
and asserts that nothing is lost (at least once) and that de-duplication by key gives exactly
once.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from nervecare.alerts.channels import SmtpChannel, WebhookChannel
from nervecare.alerts.retry import RetryPolicy
from nervecare.alerts.worker import AlertWorker, WorkerConfig
from nervecare.store.alerts import ChannelDefaults
from nervecare.store.models import AlertDelivery, CheckInRow, OutboxAlert
from nervecare.store.service import Store
from tests.alerts.conftest import EMERGENCY, URGENT, MovableClock, enrol, submit
from tests.alerts.receivers import HttpReceiver, SmtpReceiver, wait_until

SECRET = "fault-test-secret"  # noqa: S105 - test value
TEAM = "team@example.org"


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    try:
        yield receiver
    finally:
        receiver.hold.clear()
        receiver.stop()


def real_worker(
    store: Store,
    clock: Any,
    *,
    smtp: SmtpReceiver,
    webhook: HttpReceiver | None = None,
    name: str = "worker-1",
    webhook_timeout: float = 0.5,
    **config: Any,
) -> AlertWorker:
    settings: dict[str, Any] = {
        "defaults": ChannelDefaults(
            primary_email=TEAM,
            webhook_url=None if webhook is None else webhook.url,
            webhook_secret=None if webhook is None else SECRET,
        ),
        "retry": RetryPolicy(base_seconds=5, max_delay_seconds=30, max_attempts=30),
        "link_base": "https://care.example",
        "record_retry_seconds": 5.0,
    }
    settings.update(config)
    return AlertWorker(
        store.sessions,
        channels={
            "email": SmtpChannel(
                host="127.0.0.1", port=smtp.port, sender="nervecare@test", timeout_seconds=5
            ),
            "webhook": WebhookChannel(
                timeout_seconds=webhook_timeout, allowed_hosts=("127.0.0.1",)
            ),
        },
        config=WorkerConfig(**settings),
        clock=clock,
        name=name,
    )


def _patients_with_alerts(store: Store, clock: MovableClock, count: int) -> set[str]:
    """Enrol `count` patients, each with one urgent or emergency check-in; their dedup keys."""
    for number in range(count):
        reference = f"P-{number:03}"
        enrol(store, clock, reference)
        submit(store, clock, EMERGENCY if number % 2 else URGENT, patient=reference)
    with store.sessions.begin() as session:
        ids = session.scalars(select(OutboxAlert.id)).all()
    assert len(ids) == count
    return {f"alert-{alert_id}-initial" for alert_id in ids}


def _states(store: Store) -> dict[str, int]:
    with store.sessions.begin() as session:
        rows = session.execute(
            select(OutboxAlert.state, func.count()).group_by(OutboxAlert.state)
        ).all()
    return {str(state): int(count) for state, count in rows}


def _drain(worker: AlertWorker, clock: MovableClock, store: Store, *, passes: int) -> None:
    """Run passes (moving the clock past each backoff) until everything is delivered."""
    for _ in range(passes):
        worker.run_once()
        if set(_states(store)) == {"delivered"}:
            return
        clock.advance(seconds=40)


def test_mail_server_down_then_back_every_alert_arrives(
    store: Store, clock: MovableClock, smtp: SmtpReceiver
):
    """SMTP refuses connections for three passes, then comes back: every alert arrives."""
    sent = _patients_with_alerts(store, clock, 10)
    webhook = HttpReceiver(SECRET)
    webhook.start()
    worker = real_worker(store, clock, smtp=smtp, webhook=webhook)
    try:
        for _ in range(3):
            worker.run_once()
            clock.advance(seconds=40)
        assert smtp.total() == 0
        assert _states(store) == {"pending": 10}
        assert webhook.keys() == sent, "the webhook did not wait for the mail server"
        smtp.start()
        _drain(worker, clock, store, passes=10)
    finally:
        worker.close()
        webhook.stop()
    assert _states(store) == {"delivered": 10}
    assert smtp.keys() == sent
    assert set(smtp.arrived.values()) == {1}, "no duplicates in the normal case"
    assert set(webhook.arrived.values()) == {1}, "a delivered webhook is not sent again"
    assert webhook.bad_signatures == 0


def test_webhook_errors_and_timeouts_then_recovery(
    store: Store, clock: MovableClock, smtp: SmtpReceiver
):
    """The webhook answers 500 six times, then hangs past the timeout three times, then works."""
    smtp.start()
    sent = _patients_with_alerts(store, clock, 5)

    def behaviour(number: int) -> str:
        return "error" if number <= 6 else "hang" if number <= 9 else "ok"

    webhook = HttpReceiver(SECRET, behaviour)
    webhook.hang_seconds = 1.0
    webhook.start()
    worker = real_worker(store, clock, smtp=smtp, webhook=webhook, webhook_timeout=0.3)
    try:
        _drain(worker, clock, store, passes=12)
    finally:
        worker.close()
        webhook.stop()
    assert _states(store) == {"delivered": 5}
    assert webhook.keys() == sent
    assert webhook.requests >= 9 + 5, "every refusal and timeout was retried"
    assert webhook.bad_signatures == 0
    assert smtp.keys() == sent
    assert set(smtp.arrived.values()) == {1}, "mail, delivered first time, is not sent again"
    with store.sessions.begin() as session:
        failed = session.scalar(select(func.count()).where(AlertDelivery.outcome == "failed"))
    assert failed == 9


def test_check_in_sent_twice_after_a_lost_response_is_stored_and_alerted_once(
    store: Store, clock: MovableClock, smtp: SmtpReceiver
):
    """The app retries with the same client id: one check-in, one alert, one email."""
    smtp.start()
    enrol(store, clock)
    first = submit(store, clock, EMERGENCY, client_id="phone-123")
    again = submit(store, clock, EMERGENCY, client_id="phone-123")
    assert (first.created, again.created, first.id) == (True, False, again.id)
    worker = real_worker(store, clock, smtp=smtp)
    try:
        _drain(worker, clock, store, passes=3)
    finally:
        worker.close()
    with store.sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(CheckInRow)) == 1
    assert _states(store) == {"delivered": 1}
    assert smtp.total() == 1


def test_two_workers_never_send_the_same_alert_twice(
    store: Store, smtp: SmtpReceiver, database_url: str
):
    """Two workers draining one outbox at once: each alert arrives exactly once."""
    smtp.start()
    sent = _patients_with_alerts(store, MovableClock(dt.datetime.now(dt.UTC)), 40)
    real_clock = lambda: dt.datetime.now(dt.UTC)  # noqa: E731 - two workers, real time
    workers = [
        real_worker(store, real_clock, smtp=smtp, name=f"worker-{n}", batch=4, poll_seconds=0.05)
        for n in (1, 2)
    ]
    threads = [threading.Thread(target=worker.run, daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    try:
        assert wait_until(lambda: _states(store) == {"delivered": 40}, timeout=60)
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(timeout=30)
    assert smtp.keys() == sent
    assert smtp.total() == 40, "no alert was sent twice"
    with store.sessions.begin() as session:
        by_worker = session.scalars(select(AlertDelivery.worker).distinct()).all()
    assert set(by_worker) <= {"worker-1", "worker-2"}
