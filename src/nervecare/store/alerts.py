"""The alert outbox as the delivery worker sees it: claim, record, retry, dead-letter, escalate.

Each function is one short transaction; nothing is sent while a transaction (or a row lock) is
held. A claim marks the alert `delivering` with the worker's name and a lease (`claimed_until`).
On PostgreSQL the claim reads with `FOR UPDATE SKIP LOCKED`, so two workers polling at once take
different alerts instead of queueing on the same rows; on SQLite there is one writer at a time
anyway (BEGIN IMMEDIATE). A worker that dies mid-delivery never releases its claim; the lease
runs out and the next poll takes the alert again. That is what makes delivery at least once: the
price is that a receiver may, in that fault case, see an alert twice, and de-duplicates by its
id.

Each round (the first sending, then an escalation to both contacts) goes to a set of
receivers; a receiver that has accepted the alert in this round is not sent it again when
another receiver's failure causes a retry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from nervecare.alerts.channels import ChannelKind
from nervecare.alerts.escalation import EscalationPolicy, needs_escalation
from nervecare.alerts.messages import AlertFacts, reasons_from_triage
from nervecare.alerts.retry import RetryPolicy, next_retry_at
from nervecare.alerts.webhook_targets import WebhookTargetError, check_webhook_url
from nervecare.store.audit import append_audit
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import StoreError
from nervecare.store.models import (
    AlertDelivery,
    CareTeam,
    CheckInRow,
    OutboxAlert,
    Patient,
    TeamAlertSettings,
)
from nervecare.triage.levels import ALERTING_LEVELS

__all__ = [
    "AttemptResult",
    "ChannelDefaults",
    "ClaimedAlert",
    "DeliveryLogEntry",
    "DeliveryProblem",
    "Target",
    "TeamChannels",
    "claim_due_alerts",
    "delivery_counts",
    "delivery_log",
    "delivery_problems",
    "escalate_due_alerts",
    "finish_delivery",
    "release_claims",
    "requeue_alert",
    "set_alert_actionable",
    "set_team_alert_settings",
    "team_channels",
]


class Target(BaseModel):
    """One receiver of one round: an email address or a webhook URL (with its secret)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: ChannelKind
    address: str
    secret: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.channel, self.address)


class ChannelDefaults(BaseModel):
    """Receivers and escalation times for teams that have not set their own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    primary_email: str | None = None
    secondary_email: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    escalation: EscalationPolicy = EscalationPolicy()


class TeamChannels(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    primary_email: str | None
    secondary_email: str | None
    webhook_url: str | None
    webhook_secret: str | None
    escalation: EscalationPolicy

    def targets(self, stage: str) -> tuple[Target, ...]:
        """The first round goes to the first contact; an escalation to both contacts."""
        emails = [self.primary_email]
        if stage == "escalation":
            emails.append(self.secondary_email)
        targets = [
            Target(channel="email", address=address)
            for address in dict.fromkeys(email for email in emails if email)
        ]
        if self.webhook_url:
            targets.append(
                Target(channel="webhook", address=self.webhook_url, secret=self.webhook_secret)
            )
        return tuple(targets)


class ClaimedAlert(BaseModel):
    """An alert this worker now holds, with what to say and to whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    facts: AlertFacts
    stage: str
    attempt: int
    claimed_until: dt.datetime
    targets: tuple[Target, ...]
    #: Receivers that already accepted this round (not sent again on a retry).
    already_delivered: frozenset[tuple[str, str]]

    @property
    def pending_targets(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.key not in self.already_delivered)


class AttemptResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target: Target
    started_at: dt.datetime
    finished_at: dt.datetime
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.error is None


def team_channels(session: Session, *, team_id: int, defaults: ChannelDefaults) -> TeamChannels:
    """A team's receivers: its own values where set, else the defaults."""
    own = session.get(TeamAlertSettings, team_id)
    if own is None:
        return TeamChannels(
            primary_email=defaults.primary_email,
            secondary_email=defaults.secondary_email,
            webhook_url=defaults.webhook_url,
            webhook_secret=defaults.webhook_secret,
            escalation=defaults.escalation,
        )
    return TeamChannels(
        primary_email=own.primary_email or defaults.primary_email,
        secondary_email=own.secondary_email or defaults.secondary_email,
        webhook_url=own.webhook_url or defaults.webhook_url,
        webhook_secret=own.webhook_secret if own.webhook_url else defaults.webhook_secret,
        escalation=defaults.escalation.with_overrides(
            {
                "emergency_minutes": own.emergency_escalation_minutes,
                "urgent_minutes": own.urgent_escalation_minutes,
            }
        ),
    )


def _delivered_targets(
    session: Session, *, alert_id: int, stage: str
) -> frozenset[tuple[str, str]]:
    rows = session.execute(
        select(AlertDelivery.channel, AlertDelivery.target).where(
            AlertDelivery.alert_id == alert_id,
            AlertDelivery.stage == stage,
            AlertDelivery.outcome == "delivered",
        )
    ).all()
    return frozenset((channel, target) for channel, target in rows)


def claim_due_alerts(
    sessions: SessionFactory,
    *,
    worker: str,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
    defaults: ChannelDefaults,
    link_base: str,
) -> list[ClaimedAlert]:
    """Take up to `limit` due alerts, emergencies first: pending and due, or with a lapsed claim."""
    due = or_(
        (OutboxAlert.state == "pending") & (OutboxAlert.next_attempt_at <= now),
        (OutboxAlert.state == "delivering") & (OutboxAlert.claimed_until < now),
    )
    query = (
        select(OutboxAlert)
        # A resolved or withdrawn alert is not sent: the team has dealt with it.
        .where(due, OutboxAlert.resolved_at.is_(None))
        .order_by((OutboxAlert.level == "emergency").desc(), OutboxAlert.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed: list[ClaimedAlert] = []
    with sessions.begin() as session:
        for alert in session.scalars(query).all():
            alert.state = "delivering"
            alert.claimed_by = worker
            alert.claimed_until = now + lease
            alert.attempts += 1
            patient = session.get_one(Patient, alert.patient_id)
            team = session.get_one(CareTeam, patient.team_id)
            checkin = session.get_one(CheckInRow, alert.checkin_id)
            channels = team_channels(session, team_id=team.id, defaults=defaults)
            facts = AlertFacts(
                alert_id=alert.id,
                level=alert.level,
                stage="escalation" if alert.stage == "escalation" else "initial",
                patient_reference=patient.reference,
                team=team.name,
                created_at=alert.created_at,
                reasons=reasons_from_triage(checkin.triage),
                # The queue exists today; an anchor per alert lets the page jump to this one.
                link=f"{link_base.rstrip('/')}/alerts#alert-{alert.id}",
            )
            claimed.append(
                ClaimedAlert(
                    facts=facts,
                    stage=alert.stage,
                    attempt=alert.attempts,
                    claimed_until=now + lease,
                    targets=channels.targets(alert.stage),
                    already_delivered=_delivered_targets(
                        session, alert_id=alert.id, stage=alert.stage
                    ),
                )
            )
    return claimed


def finish_delivery(
    sessions: SessionFactory,
    *,
    claimed: ClaimedAlert,
    worker: str,
    results: Sequence[AttemptResult],
    now: dt.datetime,
    policy: RetryPolicy,
) -> str:
    """Log every attempt and move the alert on: delivered, retry later, or dead letter.

    Returns the new state, or "lost" when the claim had lapsed and someone else took the alert
    (the attempts are logged all the same: they happened).
    """
    alert_id = claimed.facts.alert_id
    with sessions.begin() as session:
        for result in results:
            session.add(
                AlertDelivery(
                    alert_id=alert_id,
                    stage=claimed.stage,
                    channel=result.target.channel,
                    target=result.target.address,
                    attempt=claimed.attempt,
                    worker=worker,
                    started_at=result.started_at,
                    finished_at=result.finished_at,
                    outcome="delivered" if result.delivered else "failed",
                    error=None if result.error is None else result.error[:2000],
                )
            )
        alert = session.scalars(
            select(OutboxAlert).where(OutboxAlert.id == alert_id).with_for_update()
        ).one_or_none()
        if (
            alert is None
            or alert.state != "delivering"
            or alert.claimed_by != worker
            or alert.stage != claimed.stage
        ):
            return "lost"
        done = set(claimed.already_delivered) | {r.target.key for r in results if r.delivered}
        alert.claimed_by = None
        alert.claimed_until = None
        if claimed.targets and all(target.key in done for target in claimed.targets):
            alert.state = "delivered"
            alert.delivered_at = now
            alert.last_error = None
            return alert.state
        errors = [f"{r.target.channel}: {r.error}" for r in results if not r.delivered]
        alert.last_error = (
            "; ".join(errors) if errors else "no receiver configured for this team"
        )[:4000]
        retry_at = next_retry_at(
            policy, attempts=alert.attempts, failed_at=now, seed=f"{alert.id}:{alert.stage}"
        )
        if retry_at is None:
            alert.state = "failed"
        else:
            alert.state = "pending"
            alert.next_attempt_at = retry_at
        return alert.state


def escalate_due_alerts(
    sessions: SessionFactory, *, now: dt.datetime, defaults: ChannelDefaults, limit: int = 500
) -> list[int]:
    """Start the escalation round of every unacknowledged alert whose time has come (once)."""
    query = (
        select(OutboxAlert, Patient.team_id)
        .join(Patient, Patient.id == OutboxAlert.patient_id)
        .where(
            OutboxAlert.acknowledged_at.is_(None),
            OutboxAlert.resolved_at.is_(None),
            OutboxAlert.escalated_at.is_(None),
            OutboxAlert.level.in_(sorted(ALERTING_LEVELS)),
            # No team may set less than a minute: a cheap filter before the per-team check.
            OutboxAlert.created_at <= now - dt.timedelta(minutes=1),
        )
        .order_by(OutboxAlert.created_at)
        .limit(limit)
        .with_for_update(of=OutboxAlert, skip_locked=True)
    )
    escalated: list[int] = []
    with sessions.begin() as session:
        policies: dict[int, EscalationPolicy] = {}
        for alert, team_id in session.execute(query).all():
            if team_id not in policies:
                policies[team_id] = team_channels(
                    session, team_id=team_id, defaults=defaults
                ).escalation
            if not needs_escalation(
                policies[team_id],
                level=alert.level,
                created_at=alert.created_at,
                acknowledged=False,
                already_escalated=False,
                now=now,
            ):
                continue
            alert.escalated_at = now
            alert.stage = "escalation"
            alert.state = "pending"
            alert.attempts = 0
            alert.next_attempt_at = now
            alert.claimed_by = None
            alert.claimed_until = None
            escalated.append(alert.id)
            append_audit(
                session,
                at=now,
                actor="alert-worker",
                action="alert.escalated",
                patient_id=alert.patient_id,
                detail={"alert_id": alert.id, "level": alert.level},
            )
    return escalated


def requeue_alert(sessions: SessionFactory, *, alert_id: int, actor: str, now: dt.datetime) -> None:
    """Try a dead-lettered alert again from its first attempt (after fixing a channel)."""
    with sessions.begin() as session:
        alert = session.get(OutboxAlert, alert_id)
        if alert is None:
            raise StoreError(f"no alert {alert_id}")
        if alert.state != "failed":
            raise StoreError(f"alert {alert_id} is {alert.state}, not failed: nothing to retry")
        alert.state = "pending"
        alert.attempts = 0
        alert.next_attempt_at = now
        append_audit(
            session,
            at=now,
            actor=actor,
            action="alert.requeued",
            patient_id=alert.patient_id,
            detail={"alert_id": alert_id},
        )


def set_alert_actionable(
    sessions: SessionFactory, *, alert_id: int, actionable: bool, actor: str, now: dt.datetime
) -> None:
    """Record the clinician's judgement of whether the alert led to action (alert burden)."""
    with sessions.begin() as session:
        alert = session.get(OutboxAlert, alert_id)
        if alert is None:
            raise StoreError(f"no alert {alert_id}")
        alert.actionable = actionable
        append_audit(
            session,
            at=now,
            actor=actor,
            action="alert.judged",
            patient_id=alert.patient_id,
            detail={"alert_id": alert_id, "actionable": actionable},
        )


def set_team_alert_settings(
    sessions: SessionFactory,
    *,
    team: str,
    actor: str,
    now: dt.datetime,
    primary_email: str | None = None,
    secondary_email: str | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    emergency_escalation_minutes: int | None = None,
    urgent_escalation_minutes: int | None = None,
    confirm_minutes: int | None = None,
    webhook_allowed_hosts: Sequence[str] = (),
) -> None:
    """Set (replace) a team's receivers, escalation times and how long a question the notes
    raised may wait for the patient's answer; None means "use the default".

    A webhook URL must not point at a loopback, private or link-local address unless its host
    is one of `webhook_allowed_hosts` (`nervecare.alerts.webhook_targets`).
    """
    if confirm_minutes is not None and not 1 <= confirm_minutes <= 24 * 60:
        raise StoreError("the time to answer must be between 1 minute and 24 hours")
    if webhook_url:
        try:
            check_webhook_url(webhook_url, allowed_hosts=webhook_allowed_hosts)
        except WebhookTargetError as error:
            raise StoreError(str(error)) from None
    if webhook_url and not webhook_secret:
        raise StoreError("a webhook needs a secret to sign its requests")
    EscalationPolicy().with_overrides(
        {
            "emergency_minutes": emergency_escalation_minutes,
            "urgent_minutes": urgent_escalation_minutes,
        }
    )
    with sessions.begin() as session:
        team_row = session.scalars(select(CareTeam).where(CareTeam.name == team)).one_or_none()
        if team_row is None:
            raise StoreError(f"no team named {team!r}")
        row = session.get(TeamAlertSettings, team_row.id)
        if row is None:
            row = TeamAlertSettings(team_id=team_row.id, updated_at=now)
            session.add(row)
        row.primary_email = primary_email
        row.secondary_email = secondary_email
        row.webhook_url = webhook_url
        row.webhook_secret = webhook_secret
        row.emergency_escalation_minutes = emergency_escalation_minutes
        row.urgent_escalation_minutes = urgent_escalation_minutes
        row.confirm_minutes = confirm_minutes
        row.updated_at = now
        append_audit(
            session,
            at=now,
            actor=actor,
            action="team.alert_settings",
            detail={"team": team, "webhook": bool(webhook_url)},
        )


class DeliveryLogEntry(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    alert_id: int
    stage: str
    channel: str
    target: str
    attempt: int
    worker: str
    started_at: dt.datetime
    finished_at: dt.datetime
    outcome: str
    error: str | None


def delivery_log(session: Session, *, alert_id: int) -> list[DeliveryLogEntry]:
    """Every attempt for one alert, oldest first (for the dashboard and the CLI)."""
    rows = session.scalars(
        select(AlertDelivery).where(AlertDelivery.alert_id == alert_id).order_by(AlertDelivery.id)
    ).all()
    return [DeliveryLogEntry.model_validate(row) for row in rows]


def delivery_counts(session: Session, *, team_ids: Sequence[int] | None = None) -> dict[str, int]:
    """How many alerts are in each delivery state (dead letters are "failed")."""
    query = select(OutboxAlert.state, func.count()).group_by(OutboxAlert.state)
    if team_ids is not None:
        query = query.join(Patient, Patient.id == OutboxAlert.patient_id).where(
            Patient.team_id.in_(team_ids)
        )
    return {str(state): int(count) for state, count in session.execute(query).all()}


class DeliveryProblem(BaseModel):
    """An alert that has not reached its receivers yet after trying: for the dashboard."""

    model_config = ConfigDict(frozen=True)

    alert_id: int
    patient_id: int
    patient_reference: str
    level: str
    stage: str
    state: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    last_error: str | None


def delivery_problems(
    session: Session, *, team_ids: Sequence[int] | None = None, limit: int = 50
) -> list[DeliveryProblem]:
    """Dead letters first, then alerts waiting for a retry; emergencies first, oldest first."""
    query = (
        select(OutboxAlert, Patient.reference)
        .join(Patient, Patient.id == OutboxAlert.patient_id)
        .where(
            (OutboxAlert.state == "failed")
            | ((OutboxAlert.state.in_(("pending", "delivering"))) & (OutboxAlert.attempts > 0))
        )
        .order_by(
            (OutboxAlert.state == "failed").desc(),
            (OutboxAlert.level == "emergency").desc(),
            OutboxAlert.created_at,
        )
        .limit(limit)
    )
    if team_ids is not None:
        query = query.where(Patient.team_id.in_(team_ids))
    return [
        DeliveryProblem(
            alert_id=alert.id,
            patient_id=alert.patient_id,
            patient_reference=reference,
            level=alert.level,
            stage=alert.stage,
            state=alert.state,
            attempts=alert.attempts,
            created_at=alert.created_at,
            next_attempt_at=None if alert.state == "failed" else alert.next_attempt_at,
            last_error=alert.last_error,
        )
        for alert, reference in session.execute(query).all()
    ]


def release_claims(sessions: SessionFactory, *, worker: str) -> int:
    """Hand back a stopping worker's claims at once, instead of waiting for their leases."""
    with sessions.begin() as session:
        result = session.execute(
            update(OutboxAlert)
            .where(OutboxAlert.claimed_by == worker, OutboxAlert.state == "delivering")
            .values(
                state="pending",
                claimed_by=None,
                claimed_until=None,
                attempts=OutboxAlert.attempts - 1,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
