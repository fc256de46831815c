"""The care team's alert queue: urgent and emergency check-ins to acknowledge and resolve.

Delivery (the outbox `state`) is the worker's business; handling by a person is recorded beside
it. Resolving an alert also marks its check-in reviewed, so the patient's open red flags and
place in the ranking follow, all in one transaction.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.store import repositories as repo
from nervecare.store.accounts import Principal, may_see_patient
from nervecare.store.alerts import (
    DeliveryLogEntry,
    DeliveryProblem,
    delivery_counts,
    delivery_log,
    delivery_problems,
    requeue_alert,
)
from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import StoreError
from nervecare.store.models import CheckInRow, OutboxAlert, Patient
from nervecare.store.summaries import rebuild_summary
from nervecare.triage import unconfirmed_signs
from nervecare.triage.levels import alerts_team

__all__ = [
    "AlertDeliveries",
    "AlertNotFoundError",
    "DeliveryStatus",
    "QueuedAlert",
    "acknowledge_alert",
    "alert_deliveries",
    "alert_queue",
    "delivery_status",
    "resend_alert",
    "resolve_alert",
]


class AlertNotFoundError(StoreError, LookupError):
    """No such alert, or not one this person may see (the same answer on purpose)."""


class QueuedAlert(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    checkin_id: int
    patient_id: int
    patient_reference: str
    patient_name: str
    level: str
    created_at: dt.datetime
    delivery_state: str
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolution_note: str | None
    reasons: tuple[str, ...]
    #: Delivery detail: stage (initial, escalation), attempts so far, the next try while
    #: retrying, the last error (kept on a dead letter), and when it reached its receivers.
    delivery_stage: str = "initial"
    delivery_attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    delivered_at: dt.datetime | None = None
    #: The clinician's judgement on resolving: did the alert lead to action?
    actionable: bool | None = None

    @property
    def retrying(self) -> bool:
        """Waiting for another try after a failed one (not yet a dead letter)."""
        return self.delivery_state in ("pending", "delivering") and self.delivery_attempts > 0


def _queued(alert: OutboxAlert, patient: Patient, checkin: CheckInRow) -> QueuedAlert:
    reasons = tuple(
        str(reason.get("summary", ""))
        for reason in checkin.triage.get("reasons", [])
        if alerts_team(reason.get("level"))
    )
    # A task for a question the patient has not answered: say what the notes may describe.
    reasons += tuple(summary for _, _, summary in unconfirmed_signs(checkin.triage))
    return QueuedAlert(
        id=alert.id,
        checkin_id=alert.checkin_id,
        patient_id=patient.id,
        patient_reference=patient.reference,
        patient_name=patient.display_name,
        level=alert.level,
        created_at=alert.created_at,
        delivery_state=alert.state,
        acknowledged_at=alert.acknowledged_at,
        resolved_at=alert.resolved_at,
        resolution_note=alert.resolution_note,
        reasons=reasons,
        delivery_stage=alert.stage,
        delivery_attempts=alert.attempts,
        next_attempt_at=alert.next_attempt_at if alert.state != "failed" else None,
        last_error=alert.last_error,
        delivered_at=alert.delivered_at,
        actionable=alert.actionable,
    )


def alert_queue(
    sessions: SessionFactory,
    *,
    principal: Principal,
    include_resolved: bool = False,
    patient_id: int | None = None,
    limit: int = 200,
    clock: Clock = utc_now,
) -> list[QueuedAlert]:
    """Alerts of the clinician's teams: emergencies first, then oldest first."""
    query = (
        select(OutboxAlert, Patient, CheckInRow)
        .join(Patient, Patient.id == OutboxAlert.patient_id)
        .join(CheckInRow, CheckInRow.id == OutboxAlert.checkin_id)
        .where(Patient.team_id.in_(principal.team_ids))
    )
    if not include_resolved:
        query = query.where(OutboxAlert.resolved_at.is_(None))
    if patient_id is not None:
        query = query.where(OutboxAlert.patient_id == patient_id)
    query = query.order_by(
        OutboxAlert.resolved_at.is_not(None),
        (OutboxAlert.level == "emergency").desc(),
        OutboxAlert.created_at,
        OutboxAlert.id,
    ).limit(limit)
    with sessions.begin() as session:
        rows = session.execute(query).all()
        append_audit(
            session,
            at=clock(),
            actor=principal.actor,
            action="alerts.listed",
            detail={"count": len(rows), "patient_id": patient_id},
        )
        return [_queued(alert, patient, checkin) for alert, patient, checkin in rows]


def _alert_for(session: Session, *, principal: Principal, alert_id: int) -> OutboxAlert:
    alert = session.get(OutboxAlert, alert_id)
    if alert is None or not may_see_patient(
        session, principal=principal, patient_id=alert.patient_id
    ):
        raise AlertNotFoundError(f"no alert {alert_id}")
    return alert


def acknowledge_alert(
    sessions: SessionFactory, *, principal: Principal, alert_id: int, clock: Clock = utc_now
) -> None:
    """Someone in the team has seen the alert and is acting on it (repeat calls change nothing)."""
    now = clock()
    with sessions.begin() as session:
        alert = _alert_for(session, principal=principal, alert_id=alert_id)
        if alert.acknowledged_at is None:
            alert.acknowledged_at = now
            alert.acknowledged_by = principal.clinician_id
        append_audit(
            session,
            at=now,
            actor=principal.actor,
            action="alert.acknowledged",
            patient_id=alert.patient_id,
            detail={"alert_id": alert.id},
        )


def resolve_alert(
    sessions: SessionFactory,
    *,
    principal: Principal,
    alert_id: int,
    note: str,
    clock: Clock = utc_now,
    actionable: bool | None = None,
) -> None:
    """Close the alert with a note; its check-in counts as reviewed from now on.

    `actionable` (did the alert lead to action?) is stored with the resolution, in the same
    transaction, for the team's alert burden; None leaves any earlier judgement as it is.
    """
    text = note.strip()
    if not text:
        raise StoreError("write a short note on what was done")
    now = clock()
    with sessions.begin() as session:
        alert = _alert_for(session, principal=principal, alert_id=alert_id)
        session.scalars(
            select(Patient).where(Patient.id == alert.patient_id).with_for_update()
        ).one()
        if alert.resolved_at is None:
            if alert.acknowledged_at is None:
                alert.acknowledged_at = now
                alert.acknowledged_by = principal.clinician_id
            alert.resolved_at = now
            alert.resolved_by = principal.clinician_id
            alert.resolution_note = text[:4000]
            repo.insert_review(
                session,
                checkin_id=alert.checkin_id,
                clinician_id=principal.clinician_id,
                note=text[:4000],
                now=now,
            )
            rebuild_summary(session, patient_id=alert.patient_id, now=now)
            if actionable is not None:
                alert.actionable = actionable
        append_audit(
            session,
            at=now,
            actor=principal.actor,
            action="alert.resolved",
            patient_id=alert.patient_id,
            detail={"alert_id": alert.id, "actionable": actionable},
        )


class DeliveryStatus(BaseModel):
    """How the teams' alerts are getting through: counts per state and the ones in trouble."""

    model_config = ConfigDict(frozen=True)

    counts: dict[str, int]
    problems: tuple[DeliveryProblem, ...]


def delivery_status(
    sessions: SessionFactory, *, principal: Principal, limit: int = 50
) -> DeliveryStatus:
    """Delivery counts and problems (dead letters first) for the clinician's teams only."""
    with sessions.begin() as session:
        counts = delivery_counts(session, team_ids=principal.team_ids)
        problems = delivery_problems(session, team_ids=principal.team_ids, limit=limit)
    return DeliveryStatus(counts=counts, problems=tuple(problems))


class AlertDeliveries(BaseModel):
    model_config = ConfigDict(frozen=True)

    alert: QueuedAlert
    attempts: tuple[DeliveryLogEntry, ...]


def alert_deliveries(
    sessions: SessionFactory, *, principal: Principal, alert_id: int, clock: Clock = utc_now
) -> AlertDeliveries:
    """One alert with every delivery attempt, if the person may see it (the view is audited)."""
    with sessions.begin() as session:
        alert = _alert_for(session, principal=principal, alert_id=alert_id)
        patient = session.get(Patient, alert.patient_id)
        checkin = session.get(CheckInRow, alert.checkin_id)
        if patient is None or checkin is None:
            raise AlertNotFoundError(f"no alert {alert_id}")
        attempts = delivery_log(session, alert_id=alert.id)
        append_audit(
            session,
            at=clock(),
            actor=principal.actor,
            action="alert.deliveries_read",
            patient_id=alert.patient_id,
            detail={"alert_id": alert.id},
        )
        return AlertDeliveries(alert=_queued(alert, patient, checkin), attempts=tuple(attempts))


def resend_alert(
    sessions: SessionFactory, *, principal: Principal, alert_id: int, clock: Clock = utc_now
) -> None:
    """Send a dead-lettered alert of the person's teams again (`StoreError` if not failed)."""
    with sessions.begin() as session:
        _alert_for(session, principal=principal, alert_id=alert_id)
    requeue_alert(sessions, alert_id=alert_id, actor=principal.actor, now=clock())
