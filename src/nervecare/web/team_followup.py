"""What the care team needs between check-ins: who has gone quiet, how heavy the alert load is,
and each patient's daily reminder. Reads for the clinician's pages, limited to their teams."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from nervecare.alerts.burden import AlertBurden
from nervecare.alerts.followup import SilentPatient, silent_patients, team_alert_burden
from nervecare.store.accounts import Principal
from nervecare.store.audit import append_audit
from nervecare.store.engine import SessionFactory
from nervecare.store.models import PatientReminder

__all__ = ["BURDEN_WINDOW", "ReminderView", "TeamFollowUp", "patient_reminder", "team_followup"]

#: The alert burden is judged over the last four weeks (issue 6).
BURDEN_WINDOW = dt.timedelta(weeks=4)


class TeamFollowUp(BaseModel):
    model_config = ConfigDict(frozen=True)

    silent: tuple[SilentPatient, ...]
    #: (team name, its alert burden over `BURDEN_WINDOW`), in the clinician's team order.
    burden: tuple[tuple[str, AlertBurden], ...]


class ReminderView(BaseModel):
    model_config = ConfigDict(frozen=True)

    email: str
    remind_at: dt.time
    time_zone: str
    enabled: bool


def team_followup(
    sessions: SessionFactory, *, principal: Principal, now: dt.datetime
) -> TeamFollowUp:
    """Silent patients (two days without a check-in) and alert burden of the person's teams."""
    with sessions.begin() as session:
        silent = silent_patients(session, now=now, team_ids=principal.team_ids)
        burden = tuple(
            (
                name,
                team_alert_burden(session, team_id=team_id, since=now - BURDEN_WINDOW, until=now),
            )
            for team_id, name in zip(principal.team_ids, principal.team_names, strict=True)
        )
        append_audit(
            session,
            at=now,
            actor=principal.actor,
            action="patients.silent_listed",
            detail={"count": len(silent)},
        )
    return TeamFollowUp(silent=tuple(silent), burden=burden)


def patient_reminder(sessions: SessionFactory, *, patient_id: int) -> ReminderView | None:
    """The patient's reminder settings, or None if none were ever set (access checked by caller)."""
    with sessions.begin() as session:
        row = session.scalars(
            select(PatientReminder).where(PatientReminder.patient_id == patient_id)
        ).one_or_none()
        if row is None:
            return None
        return ReminderView(
            email=row.email, remind_at=row.remind_at, time_zone=row.time_zone, enabled=row.enabled
        )
