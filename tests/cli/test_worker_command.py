"""`nervecare worker --once` and `nervecare alerts ...` at the command line, on SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nervecare.alerts.settings import get_alert_settings
from nervecare.cli import app
from nervecare.store.service import add_patient, open_store, record_checkin
from tests.alerts.conftest import EMERGENCY
from tests.alerts.receivers import SmtpReceiver
from tests.store.factories import checkin, new_patient, triaged


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A SQLite store with one patient and one fresh emergency alert."""
    database = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    store = open_store(database)
    try:
        add_patient(store.sessions, new=new_patient("P-001"))
        value = checkin(**EMERGENCY)
        record_checkin(
            store.sessions,
            patient_id="P-001",
            checkin=value,
            triage_result=triaged(value),
            clock=lambda: dt.datetime.now(dt.UTC),
        )
    finally:
        store.close()
    return database


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    monkeypatch.setenv("NERVECARE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NERVECARE_SMTP_PORT", str(receiver.port))
    monkeypatch.setenv("NERVECARE_ALERT_EMAIL", "team@example.org")
    get_alert_settings.cache_clear()
    try:
        yield receiver
    finally:
        receiver.stop()
        get_alert_settings.cache_clear()


def test_worker_once_delivers_and_reports(url: str, smtp: SmtpReceiver):
    """One pass sends the alert and says what it did."""
    result = CliRunner().invoke(app, ["worker", "--once", "--url", url])
    assert result.exit_code == 0, result.output
    assert "claimed 1 (delivered 1)" in result.output
    assert smtp.keys() == {"alert-1-initial"}
    status = CliRunner().invoke(app, ["alerts", "status", "--url", url])
    assert "delivered: 1" in status.output
    log = CliRunner().invoke(app, ["alerts", "log", "1", "--url", url])
    assert "email team@example.org: delivered" in log.output


def test_status_shows_a_failing_alert_with_its_error(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """With the mail server down the alert waits for a retry, and the log says why."""
    monkeypatch.setenv("NERVECARE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NERVECARE_SMTP_PORT", "9")
    monkeypatch.setenv("NERVECARE_ALERT_EMAIL", "team@example.org")
    get_alert_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["worker", "--once", "--url", url])
    finally:
        get_alert_settings.cache_clear()
    assert "pending 1" in result.output
    status = CliRunner().invoke(app, ["alerts", "status", "--url", url])
    assert "pending: 1" in status.output
    log = CliRunner().invoke(app, ["alerts", "log", "1", "--url", url])
    assert ": failed (smtp 127.0.0.1:9" in log.output


def test_retry_refuses_an_alert_that_is_not_dead_lettered(url: str):
    """Only a failed (dead-letter) alert can be queued again."""
    result = CliRunner().invoke(app, ["alerts", "retry", "1", "--url", url])
    assert result.exit_code == 1
    assert "not failed" in result.output


def test_team_and_reminder_settings(url: str):
    """A team's channels and a patient's reminder are saved; a bad zone is a clear error."""
    runner = CliRunner()
    team = runner.invoke(
        app,
        ["alerts", "team", "Spinal team A", "--email", "ward@example.org", "--url", url],
    )
    assert team.exit_code == 0, team.output
    reminder = runner.invoke(
        app,
        ["alerts", "reminder", "P-001", "p@example.org", "--at", "19:30", "--zone",
         "Europe/London", "--url", url],
    )  # fmt: skip
    assert reminder.exit_code == 0, reminder.output
    bad = runner.invoke(
        app, ["alerts", "reminder", "P-001", "p@example.org", "--zone", "Nowhere", "--url", url]
    )
    assert bad.exit_code == 2
    assert "unknown time zone" in bad.output
