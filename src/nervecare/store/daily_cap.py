"""A cap on how many check-ins one patient can send in a day, that never refuses a red flag.

Fifty a day is far beyond any real use (the app asks once a day); the cap only stops a script
or a stuck client from filling the database. An urgent or emergency check-in is always stored,
whatever the count: safety first.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nervecare.store.errors import StoreError
from nervecare.store.models import CheckInRow
from nervecare.store.summaries import URGENT_RANK
from nervecare.triage.levels import Level, level_rank

__all__ = ["MAX_CHECKINS_PER_DAY", "DailyCheckInLimitError", "check_daily_cap"]

MAX_CHECKINS_PER_DAY = 50
_DAY = dt.timedelta(hours=24)


class DailyCheckInLimitError(StoreError):
    """Too many check-ins from one patient in 24 hours; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"more than {limit} check-ins in 24 hours: this one was not stored. "
            "If anything is new or worse, call the care team (or the emergency number)."
        )
        self.limit = limit


def check_daily_cap(session: Session, *, patient_id: int, level: Level, now: dt.datetime) -> None:
    """Raise `DailyCheckInLimitError` when the patient's routine and self-care check-ins received
    in the last 24 hours (the new one included) pass the cap; urgent and emergency check-ins are
    neither refused nor counted.

    Called with the patient's row locked, so simultaneous check-ins are counted one by one.
    """
    if level_rank(level) >= URGENT_RANK:
        return
    received = session.scalar(
        select(func.count())
        .select_from(CheckInRow)
        .where(
            CheckInRow.patient_id == patient_id,
            CheckInRow.received_at > now - _DAY,
            CheckInRow.level_rank < URGENT_RANK,
        )
    )
    if int(received or 0) > MAX_CHECKINS_PER_DAY:
        raise DailyCheckInLimitError(MAX_CHECKINS_PER_DAY)
