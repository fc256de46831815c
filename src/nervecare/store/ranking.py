"""Ranking every patient by need of attention: one query over the per-patient summaries.

Order, most pressing first:
1. unreviewed urgent/emergency check-ins (an emergency before an urgent);
2. the level of the latest check-in;
3. how concerning the recovery trajectory is (worsening > plateau > slow > too little data >
   on track);
4. leg pain at the latest check-in;
5. the longest silence (never checked in, then the oldest latest check-in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, case, func, select
from sqlalchemy.orm import Session

from nervecare.recovery import CLASSIFICATION_CONCERN
from nervecare.store.models import CareTeam, Patient, PatientSummary
from nervecare.store.schemas import RankedPatient

__all__ = ["QUIET_DAYS", "rank_patients_query", "ranked_patients"]

#: A patient who has not checked in for this long is mentioned in the reasons.
QUIET_DAYS = 14

_UNKNOWN_CONCERN = CLASSIFICATION_CONCERN["insufficient_data"]


def rank_patients_query(*, team: str | None = None, limit: int | None = None) -> Any:
    summary = PatientSummary
    open_alarm_rank = case((summary.open_alarms > 0, summary.last_alarm_rank), else_=0)
    query = (
        select(
            Patient.id,
            Patient.reference,
            Patient.display_name,
            func.coalesce(summary.open_alarms, 0).label("open_alarms"),
            summary.last_alarm_rank,
            summary.last_level,
            summary.last_recorded_at,
            summary.last_leg_pain,
            summary.trajectory,
        )
        .outerjoin(summary, summary.patient_id == Patient.id)
        .order_by(
            func.coalesce(open_alarm_rank, 0).desc(),
            func.coalesce(summary.last_level_rank, -1).desc(),
            func.coalesce(summary.trajectory_concern, _UNKNOWN_CONCERN).desc(),
            func.coalesce(summary.last_leg_pain, -1).desc(),
            summary.last_recorded_at.asc().nulls_first(),
            Patient.id,
        )
    )
    if team is not None:
        query = query.join(CareTeam, CareTeam.id == Patient.team_id).where(CareTeam.name == team)
    if limit is not None:
        query = query.limit(limit)
    return query


_ALARM_NAMES = {3: "emergency", 2: "urgent"}


def _reasons(row: Row[Any], *, today: dt.date) -> tuple[str, ...]:
    reasons: list[str] = []
    if row.open_alarms:
        latest = _ALARM_NAMES.get(row.last_alarm_rank, "urgent")
        plural = "s" if row.open_alarms > 1 else ""
        reasons.append(
            f"{row.open_alarms} unreviewed urgent/emergency check-in{plural} (latest: {latest})"
        )
    if row.last_level is None:
        reasons.append("no check-in yet")
        return tuple(reasons)
    reasons.append(f"latest check-in: {row.last_level.replace('_', ' ')}")
    if row.trajectory is not None:
        reasons.append(f"trajectory: {row.trajectory.replace('_', ' ')}")
    reasons.append(f"leg pain {row.last_leg_pain}/10 at the latest check-in")
    quiet = (today - row.last_recorded_at.date()).days
    if quiet >= QUIET_DAYS:
        reasons.append(f"no check-in for {quiet} days")
    return tuple(reasons)


def ranked_patients(
    session: Session, *, today: dt.date, team: str | None = None, limit: int | None = None
) -> list[RankedPatient]:
    rows: Sequence[Row[Any]] = session.execute(rank_patients_query(team=team, limit=limit)).all()
    return [
        RankedPatient(
            patient_id=row.id,
            reference=row.reference,
            display_name=row.display_name,
            open_alarms=row.open_alarms,
            last_level=row.last_level,
            last_recorded_at=row.last_recorded_at,
            last_leg_pain=row.last_leg_pain,
            trajectory=row.trajectory,
            reasons=_reasons(row, today=today),
        )
        for row in rows
    ]
