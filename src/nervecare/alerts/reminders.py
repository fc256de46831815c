"""Daily check-in reminders at the patient's own local time, and silence as a signal.

A reminder is due once per local calendar day, from the patient's chosen time onwards, unless
they have already checked in that day. Local time (not UTC) is what a person means by "remind
me at 6 pm", and it moves with daylight saving; the zone name comes from the patient.

Silence: after spine surgery a patient who stops checking in may be doing well, or may be too
unwell to write. Two days without a check-in puts them on the team's list (the issue's rule);
the count starts at enrolment for someone who has never checked in.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_SILENCE",
    "InvalidTimeZoneError",
    "is_silent",
    "local_today",
    "reminder_due_on",
    "time_zone",
]

DEFAULT_SILENCE = dt.timedelta(days=2)


class InvalidTimeZoneError(ValueError):
    """Not an IANA time-zone name (such as Europe/London)."""


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidTimeZoneError(f"unknown time zone {name!r} (e.g. Europe/London)") from None


def local_today(now: dt.datetime, zone: str) -> dt.date:
    return now.astimezone(time_zone(zone)).date()


def reminder_due_on(
    *,
    remind_at: dt.time,
    zone: str,
    now: dt.datetime,
    last_sent_on: dt.date | None,
    last_checkin_at: dt.datetime | None,
) -> dt.date | None:
    """The local date a reminder is due for now, or None when none is due.

    Due when the local clock has passed `remind_at` today, none was sent for today, and the
    patient has not checked in today (local). At most one reminder per local day.
    """
    local_now = now.astimezone(time_zone(zone))
    today = local_now.date()
    if local_now.time().replace(tzinfo=None) < remind_at:
        return None
    if last_sent_on is not None and last_sent_on >= today:
        return None
    if last_checkin_at is not None and local_today(last_checkin_at, zone) >= today:
        return None
    return today


def is_silent(
    *,
    last_checkin_at: dt.datetime | None,
    enrolled_at: dt.datetime,
    now: dt.datetime,
    after: dt.timedelta = DEFAULT_SILENCE,
) -> bool:
    """No check-in for `after` (two days by default), counting from enrolment if never."""
    since = last_checkin_at if last_checkin_at is not None else enrolled_at
    return now - since >= after
