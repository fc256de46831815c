"""Two senders at once: the same check-in is still stored once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from nervecare.store.models import CheckInRow, PatientSummary
from nervecare.store.repositories import find_patient
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.service import Store, add_patient, record_checkin
from nervecare.store.units import store_checkin
from tests.store.factories import START, TickingClock, checkin, new_patient, triaged

SENDERS = 4


def _count(store: Store) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count()).select_from(CheckInRow)) or 0


def test_simultaneous_sends_with_one_client_id_store_one_checkin(store: Store, clock: TickingClock):
    """Several threads sending the same check-in at once store it once; all get its id."""
    add_patient(store.sessions, new=new_patient(), clock=clock)
    value = checkin(leg_pain=7)
    result = triaged(value)
    start = threading.Barrier(SENDERS)

    def send() -> StoredCheckIn:
        start.wait()
        return record_checkin(
            store.sessions,
            patient_id="P-001",
            checkin=value,
            triage_result=result,
            client_id="tablet:7",
            clock=TickingClock(),
        )

    with ThreadPoolExecutor(SENDERS) as pool:
        stored = list(pool.map(lambda _: send(), range(SENDERS)))
    assert len({item.id for item in stored}) == 1
    assert sum(item.created for item in stored) == 1
    assert _count(store) == 1
    with store.sessions() as session:
        assert session.scalars(select(PatientSummary.checkin_count)).one() == 1


@pytest.mark.postgres
def test_unique_constraint_settles_a_race_the_lookup_cannot_see(store: Store, clock: TickingClock):
    """When both senders looked before either committed, the unique constraint decides.

    Neither session takes the patient lock here, so both pass the look-up; the second insert
    waits for the first transaction, fails on the constraint, and returns the stored check-in.
    """
    if store.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL); SQLite runs one writer at a time")
    add_patient(store.sessions, new=new_patient(), clock=clock)
    value = checkin(leg_pain=7)
    result = triaged(value)
    first_inserted = threading.Event()

    def sender(*, wait_for_first: bool) -> StoredCheckIn:
        with store.sessions.begin() as session:
            patient = find_patient(session, key="P-001")
            assert patient is not None
            if wait_for_first:
                first_inserted.wait(timeout=10)
            stored = store_checkin(
                session,
                patient=patient,
                checkin=value,
                triage_result=result,
                client_id="tablet:7",
                actor="test",
                now=START,
                refresh=False,
            )
            if not wait_for_first:
                first_inserted.set()
                # Hold the transaction open so the second insert must wait on the constraint.
                threading.Event().wait(0.5)
            return stored

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(sender, wait_for_first=False)
        second = pool.submit(sender, wait_for_first=True)
        results = [first.result(timeout=30), second.result(timeout=30)]
    assert [item.created for item in results] == [True, False]
    assert results[0].id == results[1].id
    assert _count(store) == 1
