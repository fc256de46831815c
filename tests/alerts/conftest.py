"""Fixtures for alert tests: a fresh store of each kind, a movable clock, patients with alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from nervecare.alerts.retry import RetryPolicy
from nervecare.alerts.testing import CapturingChannel
from nervecare.alerts.worker import AlertWorker, WorkerConfig
from nervecare.store.alerts import ChannelDefaults
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.service import Store, add_patient, open_store, record_checkin
from tests.store.factories import checkin, new_patient, triaged
from tests.store.fixtures import database_url

__all__ = ["database_url"]

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

EMERGENCY: dict[str, Any] = {"bladder": ["retention"]}
URGENT: dict[str, Any] = {"temperature_c": 38.6, "wound": ["pus"]}

DEFAULTS = ChannelDefaults(
    primary_email="team@example.org",
    secondary_email="lead@example.org",
    webhook_url="http://127.0.0.1:9/hook",
    webhook_secret="test-secret",  # noqa: S106 - test value
)


class MovableClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.close()


def submit(
    store: Store,
    clock: MovableClock,
    fields: dict[str, Any],
    *,
    patient: str = "P-001",
    client_id: str | None = None,
) -> StoredCheckIn:
    value = checkin(**fields)
    return record_checkin(
        store.sessions,
        patient_id=patient,
        checkin=value,
        triage_result=triaged(value),
        client_id=client_id,
        clock=clock,
    )


def enrol(store: Store, clock: MovableClock, reference: str = "P-001", **overrides: Any) -> None:
    add_patient(store.sessions, new=new_patient(reference, **overrides), clock=clock)


def make_worker(
    store: Store,
    clock: MovableClock,
    *,
    email: Any = None,
    webhook: Any = None,
    defaults: ChannelDefaults = DEFAULTS,
    name: str = "worker-1",
    **config: Any,
) -> AlertWorker:
    channels = {
        "email": email if email is not None else CapturingChannel("email"),
        "webhook": webhook if webhook is not None else CapturingChannel("webhook"),
    }
    settings: dict[str, Any] = {
        "defaults": defaults,
        "retry": RetryPolicy(base_seconds=5, max_delay_seconds=60, max_attempts=4),
        "link_base": "https://care.example",
        "record_retry_seconds": 0.5,
        "escalate_every": dt.timedelta(0),
        "remind_every": dt.timedelta(0),
    }
    settings.update(config)
    return AlertWorker(
        store.sessions,
        channels=channels,
        config=WorkerConfig(**settings),
        clock=clock,
        name=name,
        sleep=lambda _seconds: None,
    )
