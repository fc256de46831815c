"""Slower fault tests: a worker process killed mid-delivery, and PostgreSQL restarted under load.

Real processes and the real server; every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from nervecare.alerts.channels import SmtpChannel
from nervecare.alerts.retry import RetryPolicy
from nervecare.alerts.worker import AlertWorker, WorkerConfig
from nervecare.store.alerts import ChannelDefaults
from nervecare.store.engine import normalise_url
from nervecare.store.models import AlertDelivery, CheckInRow, OutboxAlert
from nervecare.store.service import Store, open_store, record_checkin
from tests.alerts.conftest import EMERGENCY, URGENT, MovableClock, enrol, submit
from tests.alerts.receivers import SmtpReceiver, wait_until
from tests.store.factories import checkin, triaged
from tests.store.fixtures import postgres_admin_url

pytestmark = pytest.mark.slow

TEAM = "team@example.org"


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.hold.clear()
        receiver.stop()


def _alert(store: Store) -> OutboxAlert:
    with store.sessions.begin() as session:
        return session.scalars(select(OutboxAlert)).one()


def _worker_process(database_url: str, smtp: SmtpReceiver) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "NERVECARE_SMTP_HOST": "127.0.0.1",
        "NERVECARE_SMTP_PORT": str(smtp.port),
        "NERVECARE_SMTP_TIMEOUT_SECONDS": "30",
        "NERVECARE_ALERT_EMAIL": TEAM,
        "NERVECARE_WORKER_LEASE_SECONDS": "2",
        "NERVECARE_WORKER_POLL_SECONDS": "0.1",
    }
    command = [str(Path(sys.executable).parent / "nervecare"), "worker", "--url", database_url]
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def test_worker_killed_mid_delivery_the_alert_is_delivered_after_restart(
    store: Store, smtp: SmtpReceiver, database_url: str
):
    """SIGKILL while the mail server holds the message: the next worker delivers the alert."""
    enrol(store, MovableClock(dt.datetime.now(dt.UTC)))
    submit(store, MovableClock(dt.datetime.now(dt.UTC)), EMERGENCY)
    smtp.hold.set()
    first = _worker_process(database_url, smtp)
    try:
        assert smtp.data_started.wait(timeout=30), "the worker never started sending"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    claimed = _alert(store)
    assert (claimed.state, claimed.attempts) == ("delivering", 1)
    smtp.hold.clear()
    second = _worker_process(database_url, smtp)
    try:
        assert wait_until(lambda: _alert(store).state == "delivered", timeout=30)
    finally:
        second.send_signal(signal.SIGTERM)
        _out, errors = second.communicate(timeout=30)
    assert second.returncode == 0, errors.decode()
    assert smtp.keys() == {"alert-1-initial"}, "the alert arrived (at least once)"
    assert 1 <= smtp.total() <= 2, "at most the one interrupted copy is repeated"
    with store.sessions.begin() as session:
        outcomes = session.execute(select(AlertDelivery.attempt, AlertDelivery.outcome)).all()
    assert [tuple(row) for row in outcomes] == [(2, "delivered")]


#: Restarting the server breaks every other connection to it, so on a shared development
#: machine the test runs only when asked (CI, a dedicated server, or this variable set to 1).
RESTART_OPT_IN = "NERVECARE_TEST_RESTART_POSTGRES"


def _local_server_restartable(database_url: str) -> None:
    if not (os.environ.get("CI") or os.environ.get(RESTART_OPT_IN) == "1"):
        pytest.skip(f"restarts the PostgreSQL server: set {RESTART_OPT_IN}=1 (or run in CI)")
    url = make_url(database_url)
    if url.host not in ("127.0.0.1", "localhost") or not hasattr(os, "geteuid"):
        pytest.skip("restarts only a local server")
    if os.geteuid() != 0 or shutil.which("pg_ctlcluster") is None:
        pytest.skip("needs root and pg_ctlcluster to restart the server")
    if not Path("/etc/postgresql").is_dir():
        pytest.skip("no local cluster configuration")


def _restart_postgres() -> None:
    for version in sorted(os.listdir("/etc/postgresql")):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            check=True,
            timeout=60,
            capture_output=True,
        )


def _admin(statement: str) -> None:
    """One statement on a fresh connection (NullPool): the server may have restarted since."""
    engine = create_engine(
        normalise_url(postgres_admin_url()), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def restartable_store() -> Iterator[Store]:
    """A fresh PostgreSQL database whose teardown survives a server restart."""
    admin_url = normalise_url(postgres_admin_url())
    _local_server_restartable(admin_url.render_as_string(hide_password=False))
    name = f"nervecare_test_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    opened = open_store(admin_url.set(database=name))
    try:
        yield opened
    finally:
        opened.close()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgres_restarted_under_load_loses_nothing(restartable_store: Store, smtp: SmtpReceiver):
    """Check-ins and deliveries carry on through a server restart: all stored once, all sent."""
    store = restartable_store
    patients = 20
    clock = MovableClock(dt.datetime.now(dt.UTC))
    for number in range(patients):
        enrol(store, clock, f"P-{number:03}")
    worker = AlertWorker(
        store.sessions,
        channels={
            "email": SmtpChannel(
                host="127.0.0.1", port=smtp.port, sender="nervecare@test", timeout_seconds=5
            )
        },
        config=WorkerConfig(
            poll_seconds=0.1,
            lease=dt.timedelta(seconds=5),
            retry=RetryPolicy(base_seconds=0.2, max_delay_seconds=1, max_attempts=100),
            defaults=ChannelDefaults(primary_email=TEAM),
            record_retry_seconds=30,
        ),
    )
    worker_thread = threading.Thread(target=worker.run, daemon=True)
    worker_thread.start()
    submissions = 80
    stored: dict[str, int] = {}
    errors: list[str] = []

    def submit_all() -> None:
        for number in range(submissions):
            fields = URGENT if number % 4 == 0 else {"leg_pain": 3}
            value = checkin(**fields)
            for _try in range(200):  # the phone retries with the same id until it hears back
                try:
                    result = record_checkin(
                        store.sessions,
                        patient_id=f"P-{number % patients:03}",
                        checkin=value,
                        triage_result=triaged(value),
                        client_id=f"phone-{number}",
                    )
                except Exception as error:  # any failure is a lost response
                    errors.append(type(error).__name__)
                    time.sleep(0.1)
                    continue
                stored[f"phone-{number}"] = result.id
                break
            time.sleep(0.02)

    submitter = threading.Thread(target=submit_all, daemon=True)
    submitter.start()
    try:
        assert wait_until(lambda: len(stored) >= 15, timeout=30)
        _restart_postgres()
        submitter.join(timeout=90)
        assert not submitter.is_alive()
        expected_alerts = submissions // 4

        def all_delivered() -> bool:
            try:
                with store.sessions.begin() as session:
                    states = session.scalars(select(OutboxAlert.state)).all()
            except Exception:  # the server may still be coming back
                return False
            return len(states) == expected_alerts and set(states) == {"delivered"}

        assert wait_until(all_delivered, timeout=60)
    finally:
        worker.stop()
        worker_thread.join(timeout=30)
    assert len(stored) == submissions, f"every check-in was acknowledged ({len(errors)} retries)"
    with store.sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(CheckInRow)) == submissions
        alert_ids = session.scalars(select(OutboxAlert.id)).all()
    assert smtp.keys() == {f"alert-{alert_id}-initial" for alert_id in alert_ids}
