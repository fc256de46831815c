"""Storing triaged check-ins: one transaction, idempotent on the client id, summarised."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from nervecare.store.errors import ClientIdConflictError, PatientNotFoundError
from nervecare.store.models import AuditEntry, CheckInRow, OutboxAlert, PatientSummary
from nervecare.store.service import Store, add_patient, record_checkin
from tests.store.factories import TickingClock, checkin, new_patient, triaged


def _count(store: Store, model: type) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _record(store: Store, clock: TickingClock, client_id: str | None = None, **fields: object):
    value = checkin(**fields)
    return record_checkin(
        store.sessions,
        patient_id="P-001",
        checkin=value,
        triage_result=triaged(value),
        client_id=client_id,
        clock=clock,
    )


@pytest.fixture
def patient_store(store: Store, clock: TickingClock) -> Store:
    add_patient(store.sessions, new=new_patient(), clock=clock)
    return store


def test_stores_document_result_and_ruleset_version(patient_store: Store, clock: TickingClock):
    """The stored check-in keeps the document, the triage result and the ruleset version."""
    stored = _record(patient_store, clock, leg_pain=6, back_pain=3)
    with patient_store.sessions() as session:
        row = session.get(CheckInRow, stored.id)
        assert row is not None
        assert row.document == {
            "schema_version": "1",
            "days_since_surgery": 28,
            "leg_pain": 6,
            "back_pain": 3,
        }
        assert row.triage["level"] == row.level == stored.level
        assert row.ruleset_version == stored.ruleset_version != ""
        assert (row.leg_pain, row.back_pain) == (6, 3)


def test_unknown_fields_are_kept_in_the_document(patient_store: Store, clock: TickingClock):
    """Extra fields the contract allows are stored as sent, not dropped."""
    stored = _record(patient_store, clock, app_version="2.1")
    with patient_store.sessions() as session:
        row = session.get(CheckInRow, stored.id)
        assert row is not None
        assert row.document["app_version"] == "2.1"


def test_recorded_at_comes_from_the_checkin_when_given(patient_store: Store, clock: TickingClock):
    """A check-in's own time is kept; the receiving time is separate."""
    stored = _record(patient_store, clock, recorded_at="2026-03-01T22:30:00+02:00")
    assert stored.recorded_at == dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC)
    with patient_store.sessions() as session:
        row = session.get(CheckInRow, stored.id)
        assert row is not None
        assert row.recorded_on == dt.date(2026, 3, 1)
        assert row.received_at > row.recorded_at


def test_same_client_id_is_stored_once(patient_store: Store, clock: TickingClock):
    """A check-in sent twice with the same client id is stored once and returned both times."""
    first = _record(patient_store, clock, client_id="phone-1:42", leg_pain=5)
    again = _record(patient_store, clock, client_id="phone-1:42", leg_pain=5)
    assert first.created
    assert not again.created
    assert again.id == first.id
    assert _count(patient_store, CheckInRow) == 1


def test_same_client_id_with_different_checkin_is_refused(
    patient_store: Store, clock: TickingClock
):
    """Reusing a client id for another check-in is a client bug: refused, nothing overwritten."""
    first = _record(patient_store, clock, client_id="phone-1:42", leg_pain=5)
    with pytest.raises(ClientIdConflictError, match="phone-1:42"):
        _record(patient_store, clock, client_id="phone-1:42", leg_pain=9)
    with patient_store.sessions() as session:
        rows = session.scalars(select(CheckInRow)).all()
        assert [(row.id, row.leg_pain) for row in rows] == [(first.id, 5)]


def test_checkins_without_client_id_are_all_stored(patient_store: Store, clock: TickingClock):
    """Without a client id there is nothing to deduplicate on: each call stores one check-in."""
    _record(patient_store, clock)
    _record(patient_store, clock)
    assert _count(patient_store, CheckInRow) == 2


def test_unknown_patient_is_refused(store: Store, clock: TickingClock):
    """A check-in for a patient that does not exist is refused and nothing is stored."""
    value = checkin()
    with pytest.raises(PatientNotFoundError):
        record_checkin(
            store.sessions, patient_id=999, checkin=value, triage_result=triaged(value), clock=clock
        )
    assert _count(store, CheckInRow) == 0


@pytest.mark.parametrize(
    ("fields", "alert_level"),
    [
        ({"bladder": ["retention"]}, "emergency"),
        ({"temperature_c": 38.6, "wound": ["pus"]}, "urgent"),
        ({"leg_pain": 2}, None),
    ],
)
def test_alert_outbox_row_for_urgent_and_emergency(
    patient_store: Store, clock: TickingClock, fields: dict[str, object], alert_level: str | None
):
    """An urgent or emergency check-in leaves a pending alert in the same transaction."""
    stored = _record(patient_store, clock, **fields)
    with patient_store.sessions() as session:
        alerts = session.scalars(select(OutboxAlert)).all()
        assert [(a.checkin_id, a.level, a.state) for a in alerts] == (
            [] if alert_level is None else [(stored.id, alert_level, "pending")]
        )


def test_summary_follows_the_latest_checkin(patient_store: Store, clock: TickingClock):
    """The summary shows the latest check-in by recorded time, even when one arrives late."""
    _record(patient_store, clock, recorded_at="2026-03-02T08:00:00Z", leg_pain=3)
    _record(patient_store, clock, recorded_at="2026-02-27T08:00:00Z", leg_pain=7)  # sent late
    with patient_store.sessions() as session:
        summary = session.scalars(select(PatientSummary)).one()
        assert (summary.checkin_count, summary.last_leg_pain) == (2, 3)
        assert summary.last_recorded_at == dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)


def test_alarm_counts_as_open_in_the_summary(patient_store: Store, clock: TickingClock):
    """An emergency check-in is counted as an open alarm with its level."""
    _record(patient_store, clock, saddle_numbness="new")
    _record(patient_store, clock, leg_pain=2)
    with patient_store.sessions() as session:
        summary = session.scalars(select(PatientSummary)).one()
        assert (summary.open_alarms, summary.last_alarm_rank, summary.last_level) == (
            1,
            3,
            "self_care",
        )


def test_recording_writes_an_audit_entry(patient_store: Store, clock: TickingClock):
    """Each stored check-in is in the audit log with who stored it."""
    stored = _record(patient_store, clock)
    with patient_store.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "checkin.recorded")
        ).one()
        assert entry.detail["checkin_id"] == stored.id
        assert entry.actor == "system"
