"""Following patients between check-ins, in the store: reminders, silence and alert burden.

The decisions are the pure functions of `nervecare.alerts.reminders` and `.burden`; this module
only reads their inputs and records what was done, each call one short transaction.

A reminder is claimed before it is sent (the local date is written first, conditionally), so
two workers never both send today's reminder; if sending fails the claim is handed back and the
next pass tries again.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from nervecare.alerts.burden import AlertBurden, alert_burden
from nervecare.alerts.reminders import DEFAULT_SILENCE, reminder_due_on, time_zone
from nervecare.store.audit import append_audit
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import PatientNotFoundError
from nervecare.store.models import (
    CareTeam,
    OutboxAlert,
    Patient,
    PatientReminder,
    PatientSummary,
)

__all__ = [
    "DueReminder",
    "SilentPatient",
    "claim_reminder",
    "due_reminders",
    "release_reminder",
    "set_reminder",
    "silent_patients",
    "team_alert_burden",
]


class DueReminder(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    patient_id: int
    patient_reference: str
    email: str
    local_date: dt.date
    previous: dt.date | None


class SilentPatient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    patient_id: int
    reference: str
    team: str
    last_checkin_at: dt.datetime | None
    silent_since: dt.datetime


def set_reminder(
    sessions: SessionFactory,
    *,
    patient: str,
    email: str,
    remind_at: dt.time,
    zone: str,
    actor: str,
    now: dt.datetime,
    enabled: bool = True,
) -> None:
    """Set a patient's daily reminder (address, local time, IANA zone), or switch it off."""
    time_zone(zone)
    if "@" not in email:
        raise ValueError(f"{email!r} is not an email address")
    with sessions.begin() as session:
        found = session.scalars(select(Patient).where(Patient.reference == patient)).one_or_none()
        if found is None:
            raise PatientNotFoundError(patient)
        row = session.get(PatientReminder, found.id)
        if row is None:
            row = PatientReminder(patient_id=found.id, updated_at=now)
            session.add(row)
        row.email = email
        row.remind_at = remind_at.replace(tzinfo=None, second=0, microsecond=0)
        row.time_zone = zone
        row.enabled = enabled
        row.updated_at = now
        append_audit(
            session,
            at=now,
            actor=actor,
            action="reminder.set",
            patient_id=found.id,
            detail={"time": remind_at.strftime("%H:%M"), "zone": zone, "enabled": enabled},
        )


def due_reminders(sessions: SessionFactory, *, now: dt.datetime) -> list[DueReminder]:
    """Every enabled reminder whose local time has come today and was not yet sent or needed."""
    query = (
        select(PatientReminder, Patient.reference, PatientSummary.last_recorded_at)
        .join(Patient, Patient.id == PatientReminder.patient_id)
        .outerjoin(PatientSummary, PatientSummary.patient_id == PatientReminder.patient_id)
        .where(PatientReminder.enabled.is_(True))
    )
    due: list[DueReminder] = []
    with sessions.begin() as session:
        for reminder, reference, last_checkin_at in session.execute(query).all():
            local_date = reminder_due_on(
                remind_at=reminder.remind_at,
                zone=reminder.time_zone,
                now=now,
                last_sent_on=reminder.last_sent_on,
                last_checkin_at=last_checkin_at,
            )
            if local_date is not None:
                due.append(
                    DueReminder(
                        patient_id=reminder.patient_id,
                        patient_reference=reference,
                        email=reminder.email,
                        local_date=local_date,
                        previous=reminder.last_sent_on,
                    )
                )
    return due


def claim_reminder(sessions: SessionFactory, *, reminder: DueReminder) -> bool:
    """Mark today's reminder as sent before sending; False if another worker got there first."""
    with sessions.begin() as session:
        result = session.execute(
            update(PatientReminder)
            .where(
                PatientReminder.patient_id == reminder.patient_id,
                or_(
                    PatientReminder.last_sent_on.is_(None),
                    PatientReminder.last_sent_on < reminder.local_date,
                ),
            )
            .values(last_sent_on=reminder.local_date)
        )
        return bool(getattr(result, "rowcount", 0))


def release_reminder(sessions: SessionFactory, *, reminder: DueReminder) -> None:
    """Sending failed: hand the claim back, so the next pass tries again."""
    with sessions.begin() as session:
        session.execute(
            update(PatientReminder)
            .where(
                PatientReminder.patient_id == reminder.patient_id,
                PatientReminder.last_sent_on == reminder.local_date,
            )
            .values(last_sent_on=reminder.previous)
        )


def silent_patients(
    session: Session,
    *,
    now: dt.datetime,
    after: dt.timedelta = DEFAULT_SILENCE,
    team_ids: tuple[int, ...] | None = None,
) -> list[SilentPatient]:
    """Patients with no check-in for `after` (from enrolment if never), longest silence first."""
    cutoff = now - after
    since = func.coalesce(PatientSummary.last_recorded_at, Patient.created_at)
    query = (
        select(Patient, CareTeam.name, PatientSummary.last_recorded_at)
        .join(CareTeam, CareTeam.id == Patient.team_id)
        .outerjoin(PatientSummary, PatientSummary.patient_id == Patient.id)
        .where(
            or_(
                PatientSummary.last_recorded_at <= cutoff,
                PatientSummary.last_recorded_at.is_(None) & (Patient.created_at <= cutoff),
            )
        )
        .order_by(since, Patient.id)
    )
    if team_ids is not None:
        query = query.where(Patient.team_id.in_(team_ids))
    return [
        SilentPatient(
            patient_id=patient.id,
            reference=patient.reference,
            team=team,
            last_checkin_at=last,
            silent_since=last if last is not None else patient.created_at,
        )
        for patient, team, last in session.execute(query).all()
    ]


def team_alert_burden(
    session: Session, *, team_id: int, since: dt.datetime, until: dt.datetime
) -> AlertBurden:
    """Alerts per patient-week and the actionable share, for alerts raised in [since, until)."""
    if until <= since:
        raise ValueError("the period must end after it starts")
    enrolled = session.scalars(
        select(Patient.created_at).where(Patient.team_id == team_id, Patient.created_at < until)
    ).all()
    patient_days = sum(
        (until - max(since, created)).total_seconds() / 86400 for created in enrolled
    )
    in_period = (
        select(OutboxAlert)
        .join(Patient, Patient.id == OutboxAlert.patient_id)
        .where(
            Patient.team_id == team_id,
            OutboxAlert.created_at >= since,
            OutboxAlert.created_at < until,
        )
        .subquery()
    )
    alerts, resolved, judged, actionable = session.execute(
        select(
            func.count(),
            func.count(in_period.c.resolved_at),
            func.count(in_period.c.actionable),
            func.coalesce(func.sum(case((in_period.c.actionable.is_(True), 1), else_=0)), 0),
        ).select_from(in_period)
    ).one()
    return alert_burden(
        alerts=int(alerts),
        patient_days=patient_days,
        judged=int(judged),
        actionable=int(actionable),
        resolved=int(resolved),
    )
