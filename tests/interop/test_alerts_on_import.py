"""Importing old check-ins neither pages the care team again for an alert already handled, nor
loses one: an alert whose Communication travels with its check-in comes back as it was; an
urgent or emergency check-in with no record of its alert gets a new pending alert, and the
import result says so."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from nervecare.checkin import CheckIn
from nervecare.interop.service import export_patient, import_fhir
from nervecare.store.models import OutboxAlert, Patient
from nervecare.store.service import Store
from nervecare.triage import TriageResult, triage_checkin
from tests.interop.conftest import TODAY

REFERENCE = "DEMO-005"  # the demo patient with an urgent check-in (and so an alert)
LATER = TODAY + dt.timedelta(days=3)


def _export(store: Store) -> dict[str, Any]:
    bundle = export_patient(store.sessions, patient=REFERENCE, on=TODAY.date(), clock=lambda: TODAY)
    document: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return document


def _alerts(store: Store) -> list[OutboxAlert]:
    """REFERENCE's alerts (other demo patients may have alerts of their own)."""
    with store.sessions.begin() as session:
        query = (
            select(OutboxAlert)
            .join(Patient, Patient.id == OutboxAlert.patient_id)
            .where(Patient.reference == REFERENCE)
        )
        return list(session.scalars(query.order_by(OutboxAlert.id)))


def _handled(store: Store) -> None:
    """The alert as the delivery worker and the care team left it: delivered, acknowledged,
    resolved with a note and judged actionable."""
    created = _alerts(store)[0].created_at
    with store.sessions.begin() as session:
        alert = session.get_one(OutboxAlert, _alerts(store)[0].id)
        alert.state, alert.attempts = "delivered", 1
        alert.delivered_at = created + dt.timedelta(minutes=1)
        alert.acknowledged_at = created + dt.timedelta(minutes=20)
        alert.resolved_at = created + dt.timedelta(hours=2)
        alert.resolution_note = "Phoned; GP review booked"
        alert.actionable = True


def test_a_handled_alert_comes_back_as_it_was(demo_store: Store, other_store: Store) -> None:
    """Delivered, acknowledged and resolved: restored so, with nothing due to be sent."""
    _handled(demo_store)
    [before] = _alerts(demo_store)
    summary = import_fhir(other_store.sessions, _export(demo_store), clock=lambda: LATER)
    assert (summary.alerts_restored, summary.alerts_created_pending) == (1, 0)
    assert summary.notes == ()
    [after] = _alerts(other_store)
    fields = (
        "level", "state", "created_at", "attempts", "stage", "delivered_at", "acknowledged_at",
        "resolved_at", "resolution_note", "actionable",
    )  # fmt: skip
    assert {f: getattr(after, f) for f in fields} == {f: getattr(before, f) for f in fields}
    assert after.state != "pending"
    again = _export(other_store)
    first = _export(demo_store)
    assert again["entry"] == first["entry"]


def test_an_undelivered_alert_stays_due(demo_store: Store, other_store: Store) -> None:
    """An alert not yet delivered when exported is still owed: pending and due now, with the
    time it was first raised."""
    [before] = _alerts(demo_store)
    assert before.state == "pending"
    import_fhir(other_store.sessions, _export(demo_store), clock=lambda: LATER)
    [after] = _alerts(other_store)
    assert after.state == "pending"
    assert after.next_attempt_at <= LATER
    assert after.created_at == before.created_at


def test_an_urgent_checkin_without_its_alert_record_alerts_anew(
    demo_store: Store, other_store: Store
) -> None:
    """No Communication in the Bundle: nobody can tell it was handled, so a pending alert is
    created and the result names the check-in."""
    _handled(demo_store)
    bundle = _export(demo_store)
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "Communication"
    ]
    summary = import_fhir(other_store.sessions, bundle, clock=lambda: LATER)
    assert (summary.alerts_restored, summary.alerts_created_pending) == (0, 1)
    assert len(summary.notes) == 1
    assert "without a record of its alert" in summary.notes[0]
    [alert] = _alerts(other_store)
    assert alert.state == "pending"
    assert alert.created_at == LATER
    assert alert.resolved_at is None


def test_a_checkin_triaged_higher_today_than_its_alert_alerts_anew(
    demo_store: Store, other_store: Store
) -> None:
    """A handled urgent alert does not cover a check-in that today's triage calls an
    emergency: a new emergency alert is pending."""
    _handled(demo_store)

    def stricter(checkin: CheckIn) -> TriageResult:
        result = triage_checkin(checkin)
        if result.level == "urgent":
            return result.model_copy(update={"level": "emergency"})
        return result

    summary = import_fhir(
        other_store.sessions, _export(demo_store), clock=lambda: LATER, triage=stricter
    )
    assert (summary.alerts_restored, summary.alerts_created_pending) == (0, 1)
    assert "above its recorded urgent alert" in summary.notes[0]
    [alert] = _alerts(other_store)
    assert (alert.level, alert.state, alert.resolved_at) == ("emergency", "pending", None)


def test_importing_the_same_bundle_again_restores_nothing_twice(
    demo_store: Store, other_store: Store
) -> None:
    """The check-in is already stored, so its alert is neither restored again nor re-sent."""
    _handled(demo_store)
    bundle = _export(demo_store)
    import_fhir(other_store.sessions, bundle, clock=lambda: LATER)
    again = import_fhir(other_store.sessions, bundle, clock=lambda: LATER)
    assert (again.alerts_restored, again.alerts_created_pending) == (0, 0)
    assert len(_alerts(other_store)) == 1
