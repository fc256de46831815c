"""The audit log: every read or change of a patient record is logged, and entries never change."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from nervecare.store.models import AuditEntry
from nervecare.store.service import (
    Store,
    add_patient,
    get_patient,
    list_patients,
    rank_patients,
    read_patient_history,
)
from tests.store.factories import START, TickingClock, new_patient


def _actions(store: Store) -> list[tuple[str, int | None]]:
    with store.sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(entry.action, entry.patient_id) for entry in entries]


def test_reads_and_changes_are_logged_with_actor_and_time(store: Store, clock: TickingClock):
    """Registering, showing, listing, ranking and reading a history each leave one entry."""
    record = add_patient(store.sessions, new=new_patient(), actor="cli:nurse", clock=clock)
    get_patient(store.sessions, patient=record.id, actor="cli:nurse", clock=clock)
    list_patients(store.sessions, actor="cli:nurse", clock=clock)
    rank_patients(store.sessions, actor="cli:nurse", clock=clock)
    read_patient_history(store.sessions, patient="P-001", actor="cli:nurse", clock=clock)
    assert _actions(store) == [
        ("patient.created", record.id),
        ("patient.read", record.id),
        ("patient.listed", None),
        ("patient.ranked", None),
        ("history.read", record.id),
    ]
    with store.sessions() as session:
        first = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).first()
        assert first is not None
        assert (first.actor, first.at) == ("cli:nurse", START)


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEntry).values(actor="someone else"),
        delete(AuditEntry),
    ],
    ids=["update", "delete"],
)
def test_database_refuses_to_change_audit_entries(
    store: Store, clock: TickingClock, statement: object
):
    """Even SQL written by hand cannot change or remove an audit entry."""
    add_patient(store.sessions, new=new_patient(), clock=clock)
    with pytest.raises(DBAPIError, match="append-only"), store.sessions.begin() as session:
        session.execute(statement)  # type: ignore[call-overload]
    assert _actions(store) == [("patient.created", 1)]


def test_postgresql_refuses_truncate_of_audit_log(store: Store, clock: TickingClock):
    """TRUNCATE, which skips row triggers, is refused too (PostgreSQL)."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    add_patient(store.sessions, new=new_patient(), clock=clock)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_log"))
