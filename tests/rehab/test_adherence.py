"""Adherence: sessions done against sessions planned, per exercise and overall."""

from __future__ import annotations

import datetime as dt

import pytest

from nervecare.rehab import SessionRecord, adherence_summary, programme_for

START = dt.date(2026, 2, 1)


def test_counts_done_against_planned_times_per_day() -> None:
    """Walking 3 times a day for 2 days = 6 planned; extra sessions do not count above 100%."""
    programme = programme_for(procedure="discectomy", days_since_surgery=3)
    sessions = [SessionRecord(on=START, exercise="walking")] * 3 + [
        SessionRecord(on=START + dt.timedelta(days=1), exercise="walking")
    ] * 5
    summary = adherence_summary(
        programme, sessions, from_date=START, to_date=START + dt.timedelta(days=1)
    )
    walking = next(line for line in summary.lines if line.exercise == "walking")
    assert (walking.planned, walking.done, walking.percent) == (6, 8, 100.0)


def test_missed_and_out_of_range_sessions_do_not_count() -> None:
    """A missed session or one outside the dates is not adherence."""
    programme = programme_for(procedure="discectomy", days_since_surgery=3)
    sessions = [
        SessionRecord(on=START, exercise="ankle_pumps", done=False),
        SessionRecord(on=START - dt.timedelta(days=1), exercise="ankle_pumps"),
    ]
    summary = adherence_summary(programme, sessions, from_date=START, to_date=START)
    assert next(line for line in summary.lines if line.exercise == "ankle_pumps").done == 0
    assert summary.percent == 0.0


def test_reversed_dates_are_refused() -> None:
    """A period that ends before it starts is an error."""
    programme = programme_for(procedure="fusion", days_since_surgery=3)
    with pytest.raises(ValueError, match="before"):
        adherence_summary(programme, [], from_date=START, to_date=START - dt.timedelta(days=1))
