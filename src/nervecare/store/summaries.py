"""The per-patient summary row, kept current inside the transaction of each change.

The ranking of patients reads only these rows. Each function here runs inside the caller's
transaction, after the patient's row lock was taken, so two writers never interleave on one
patient's summary.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nervecare.recovery import CLASSIFICATION_CONCERN, Trajectory, assess_trajectory
from nervecare.recovery.models import PatientHistory
from nervecare.store.models import CheckInReview, CheckInRow, PatientSummary

__all__ = ["URGENT_RANK", "apply_checkin", "assess_or_none", "rebuild_summary", "set_trajectory"]

URGENT_RANK = 2
_UNKNOWN_CONCERN = CLASSIFICATION_CONCERN["insufficient_data"]

_log = logging.getLogger(__name__)


def apply_checkin(session: Session, *, checkin: CheckInRow, now: dt.datetime) -> PatientSummary:
    """Fold one newly stored check-in into its patient's summary."""
    summary = session.get(PatientSummary, checkin.patient_id)
    is_alarm = checkin.level_rank >= URGENT_RANK
    if summary is None:
        summary = PatientSummary(
            patient_id=checkin.patient_id,
            checkin_count=0,
            open_alarms=0,
            last_alarm_at=None,
            last_alarm_rank=0,
            trajectory=None,
            trajectory_concern=_UNKNOWN_CONCERN,
        )
        session.add(summary)
        _set_last(summary, checkin)
    elif (checkin.recorded_at, checkin.id) >= (summary.last_recorded_at, summary.last_checkin_id):
        # A check-in sent late from a phone that was offline must not become "the latest".
        _set_last(summary, checkin)
    summary.checkin_count += 1
    if is_alarm:
        summary.open_alarms += 1
        if summary.last_alarm_at is None or checkin.recorded_at >= summary.last_alarm_at:
            summary.last_alarm_at = checkin.recorded_at
            summary.last_alarm_rank = checkin.level_rank
    summary.updated_at = now
    session.flush()
    return summary


def _set_last(summary: PatientSummary, checkin: CheckInRow) -> None:
    summary.last_checkin_id = checkin.id
    summary.last_recorded_at = checkin.recorded_at
    summary.last_level = checkin.level
    summary.last_level_rank = checkin.level_rank
    summary.last_leg_pain = checkin.leg_pain
    summary.last_days_since_surgery = checkin.days_since_surgery


def assess_or_none(history: PatientHistory, *, on: dt.date) -> Trajectory | None:
    """The trajectory, or None if it cannot be assessed; a check-in is never lost for it.

    Ranking then treats the patient like one with too little data (worth a look).
    """
    if not history.points:
        return None
    try:
        return assess_trajectory(history, on=on)
    except Exception:
        _log.exception("trajectory could not be assessed for patient %s", history.patient_id)
        return None


def set_trajectory(
    session: Session, *, patient_id: int, trajectory: Trajectory | None, now: dt.datetime
) -> None:
    summary = session.get(PatientSummary, patient_id)
    if summary is None:
        return
    summary.trajectory = None if trajectory is None else trajectory.classification
    summary.trajectory_concern = _UNKNOWN_CONCERN if trajectory is None else trajectory.concern
    summary.updated_at = now
    session.flush()


def rebuild_summary(session: Session, *, patient_id: int, now: dt.datetime) -> None:
    """Recompute the counters from the check-ins themselves (after a review, or to repair)."""
    summary = session.get(PatientSummary, patient_id)
    if summary is None:
        return
    latest = session.scalars(
        select(CheckInRow)
        .where(CheckInRow.patient_id == patient_id)
        .order_by(CheckInRow.recorded_at.desc(), CheckInRow.id.desc())
        .limit(1)
    ).one()
    _set_last(summary, latest)
    alarms = select(CheckInRow).where(
        CheckInRow.patient_id == patient_id, CheckInRow.level_rank >= URGENT_RANK
    )
    latest_alarm = session.scalars(
        alarms.order_by(CheckInRow.recorded_at.desc(), CheckInRow.id.desc()).limit(1)
    ).one_or_none()
    summary.last_alarm_at = None if latest_alarm is None else latest_alarm.recorded_at
    summary.last_alarm_rank = 0 if latest_alarm is None else latest_alarm.level_rank
    reviewed = select(CheckInReview.id).where(CheckInReview.checkin_id == CheckInRow.id)
    summary.open_alarms = (
        session.scalar(
            select(func.count())
            .select_from(CheckInRow)
            .where(
                CheckInRow.patient_id == patient_id,
                CheckInRow.level_rank >= URGENT_RANK,
                ~reviewed.exists(),
            )
        )
        or 0
    )
    summary.checkin_count = (
        session.scalar(
            select(func.count()).select_from(CheckInRow).where(CheckInRow.patient_id == patient_id)
        )
        or 0
    )
    summary.updated_at = now
    session.flush()
