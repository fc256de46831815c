"""Every write is one transaction: a failure part-way leaves nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from nervecare.store import repositories, units
from nervecare.store.models import (
    AuditEntry,
    Baseline,
    CheckInRow,
    OutboxAlert,
    Patient,
    PatientSummary,
    SurgeryRow,
)
from nervecare.store.service import Store, add_patient, record_checkin
from tests.store.factories import TickingClock, checkin, new_patient, triaged


class InjectedFailureError(RuntimeError):
    """Stands for a crash, a lost connection or a bug between two writes."""


def _fail(*_args: object, **_kwargs: object) -> None:
    raise InjectedFailureError


def _counts(store: Store, *models: type) -> list[int]:
    with store.sessions() as session:
        return [session.scalar(select(func.count()).select_from(m)) or 0 for m in models]


def test_failed_patient_registration_leaves_no_patient(
    store: Store, clock: TickingClock, monkeypatch: pytest.MonkeyPatch
):
    """If storing the baseline fails, the patient and their surgery are not stored either."""
    monkeypatch.setattr(repositories, "insert_baseline", _fail)
    with pytest.raises(InjectedFailureError):
        add_patient(store.sessions, new=new_patient(), clock=clock)
    assert _counts(store, Patient, SurgeryRow, Baseline, AuditEntry) == [0, 0, 0, 0]


def test_failed_audit_entry_leaves_no_checkin_summary_or_alert(
    store: Store, clock: TickingClock, monkeypatch: pytest.MonkeyPatch
):
    """An emergency check-in whose audit entry fails is not stored, alerted or summarised."""
    add_patient(store.sessions, new=new_patient(), clock=clock)
    monkeypatch.setattr(units, "append_audit", _fail)
    value = checkin(bladder=["retention"])
    with pytest.raises(InjectedFailureError):
        record_checkin(
            store.sessions,
            patient_id="P-001",
            checkin=value,
            triage_result=triaged(value),
            client_id="c-1",
            clock=clock,
        )
    assert _counts(store, CheckInRow, OutboxAlert, PatientSummary) == [0, 0, 0]


def test_retry_after_a_failure_stores_the_checkin_once(
    store: Store, clock: TickingClock, monkeypatch: pytest.MonkeyPatch
):
    """A client that retries after a failed attempt gets exactly one stored check-in."""
    add_patient(store.sessions, new=new_patient(), clock=clock)
    value = checkin(leg_pain=6)
    with monkeypatch.context() as patch:
        patch.setattr(units, "apply_checkin", _fail)
        with pytest.raises(InjectedFailureError):
            record_checkin(
                store.sessions,
                patient_id="P-001",
                checkin=value,
                triage_result=triaged(value),
                client_id="c-1",
                clock=clock,
            )
    for _attempt in range(2):
        record_checkin(
            store.sessions,
            patient_id="P-001",
            checkin=value,
            triage_result=triaged(value),
            client_id="c-1",
            clock=clock,
        )
    assert _counts(store, CheckInRow, PatientSummary) == [1, 1]
