"""Reminders, silence and alert burden over a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from nervecare.alerts.followup import (
    set_reminder,
    silent_patients,
    team_alert_burden,
)
from nervecare.alerts.reminders import InvalidTimeZoneError
from nervecare.alerts.testing import CapturingChannel, FlakyChannel
from nervecare.store.alerts import set_alert_actionable
from nervecare.store.models import CareTeam, OutboxAlert
from nervecare.store.service import Store
from tests.alerts.conftest import EMERGENCY, URGENT, MovableClock, enrol, make_worker, submit

EVENING = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)


def _remind(store: Store, clock: MovableClock, reference: str = "P-001") -> None:
    set_reminder(
        store.sessions,
        patient=reference,
        email=f"{reference.lower()}@example.org",
        remind_at=dt.time(18, 0),
        zone="Europe/London",
        actor="test",
        now=clock(),
    )


def test_a_reminder_goes_out_once_at_the_chosen_time(store: Store, clock: MovableClock):
    """Nothing before 18:00 London time; one email at 18:00; none again that day."""
    enrol(store, clock)
    _remind(store, clock)
    email = CapturingChannel("email")
    worker = make_worker(store, clock, email=email)
    clock.now = EVENING - dt.timedelta(minutes=1)
    assert worker.run_once().reminders_sent == 0
    clock.now = EVENING
    assert worker.run_once().reminders_sent == 1
    clock.advance(hours=2)
    assert worker.run_once().reminders_sent == 0
    clock.advance(days=1)
    assert worker.run_once().reminders_sent == 1
    assert [m.target for m in email.sent] == ["p-001@example.org"] * 2
    content = email.sent[0].email
    assert content is not None
    assert content.subject == "Time for your nervecare check-in"


def test_no_reminder_for_a_patient_who_checked_in_today(store: Store, clock: MovableClock):
    """A check-in earlier today makes the reminder unnecessary."""
    clock.now = EVENING - dt.timedelta(hours=8)
    enrol(store, clock)
    _remind(store, clock)
    submit(store, clock, {"leg_pain": 3})
    clock.now = EVENING
    assert make_worker(store, clock).run_once().reminders_sent == 0


def test_a_failed_reminder_is_tried_again(store: Store, clock: MovableClock):
    """The mail server refused it: the claim is handed back and the next pass sends it."""
    enrol(store, clock)
    _remind(store, clock)
    clock.now = EVENING
    email = FlakyChannel("email", failing=lambda call: call == 1)
    worker = make_worker(store, clock, email=email)
    assert worker.run_once().reminders_failed == 1
    assert worker.run_once().reminders_sent == 1
    assert len(email.sent) == 1


def test_two_workers_send_one_reminder(store: Store, clock: MovableClock):
    """The claim is taken before sending, so a second worker finds nothing to send."""
    enrol(store, clock)
    _remind(store, clock)
    clock.now = EVENING
    first, second = CapturingChannel("email"), CapturingChannel("email")
    make_worker(store, clock, email=first, name="a").run_once()
    make_worker(store, clock, email=second, name="b").run_once()
    assert len(first.sent) + len(second.sent) == 1


def test_an_unknown_time_zone_is_refused(store: Store, clock: MovableClock):
    """A reminder at a misspelt zone would never arrive on time: refused."""
    enrol(store, clock)
    with pytest.raises(InvalidTimeZoneError):
        set_reminder(
            store.sessions,
            patient="P-001",
            email="a@example.org",
            remind_at=dt.time(9),
            zone="Mars/Olympus",
            actor="test",
            now=clock(),
        )


def test_silent_patients_are_listed_longest_silence_first(store: Store, clock: MovableClock):
    """Two days without a check-in, or never since enrolment two days ago, is silence."""
    enrol(store, clock, "P-NEVER")
    clock.advance(hours=1)
    enrol(store, clock, "P-QUIET")
    submit(store, clock, {"leg_pain": 3}, patient="P-QUIET")
    enrol(store, clock, "P-ACTIVE")
    clock.advance(days=2, hours=1)
    submit(store, clock, {"leg_pain": 3}, patient="P-ACTIVE")
    with store.sessions.begin() as session:
        silent = silent_patients(session, now=clock())
    assert [patient.reference for patient in silent] == ["P-NEVER", "P-QUIET"]
    assert silent[0].last_checkin_at is None


def test_alert_burden_counts_alerts_and_the_actionable_share(store: Store, clock: MovableClock):
    """Two patients for a week with four alerts: 2 per patient-week; 1 of 2 judged actionable."""
    since = clock()
    enrol(store, clock, "P-A")
    enrol(store, clock, "P-B")
    for reference, fields in (
        ("P-A", URGENT),
        ("P-A", EMERGENCY),
        ("P-B", URGENT),
        ("P-B", URGENT),
    ):
        submit(store, clock, fields, patient=reference)
    set_alert_actionable(store.sessions, alert_id=1, actionable=True, actor="t", now=clock())
    set_alert_actionable(store.sessions, alert_id=2, actionable=False, actor="t", now=clock())
    with store.sessions.begin() as session:
        session.execute(
            update(OutboxAlert).where(OutboxAlert.id.in_((1, 2))).values(resolved_at=clock())
        )
    with store.sessions.begin() as session:
        team_id = session.scalars(select(CareTeam.id)).one()
        burden = team_alert_burden(
            session, team_id=team_id, since=since, until=since + dt.timedelta(days=7)
        )
    assert burden.alerts == 4
    assert burden.per_patient_week == pytest.approx(2.0, rel=0.01)
    assert (burden.resolved, burden.actionable, burden.actionable_share) == (2, 1, 0.5)
