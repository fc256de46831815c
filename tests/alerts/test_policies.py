"""The pure alert policies: retry schedule, escalation timing, reminders, silence, burden."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.alerts.burden import alert_burden
from nervecare.alerts.escalation import DEFAULT_ESCALATION, EscalationPolicy, needs_escalation
from nervecare.alerts.reminders import (
    InvalidTimeZoneError,
    is_silent,
    reminder_due_on,
    time_zone,
)
from nervecare.alerts.retry import RetryPolicy, next_retry_at, retry_delay

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


# ------------------------------------------------------------------ retry


def test_retry_delays_grow_then_stop_at_the_cap():
    """Without jitter the delays double from the base up to the cap."""
    policy = RetryPolicy(base_seconds=5, factor=2, max_delay_seconds=30, jitter=0, max_attempts=9)
    delays = [retry_delay(policy, attempts=n).total_seconds() for n in range(1, 7)]  # type: ignore[union-attr]
    assert delays == [5, 10, 20, 30, 30, 30]


def test_retry_gives_up_after_the_last_attempt():
    """The last allowed failure leads to the dead-letter state (no next attempt)."""
    policy = RetryPolicy(max_attempts=3)
    assert retry_delay(policy, attempts=2) is not None
    assert retry_delay(policy, attempts=3) is None
    assert next_retry_at(policy, attempts=3, failed_at=T0) is None


def test_retry_schedule_is_the_same_for_the_same_alert():
    """Jitter depends on the seed, so one alert's schedule can be predicted and replayed."""
    policy = RetryPolicy()
    first = [retry_delay(policy, attempts=n, seed="42:initial") for n in range(1, 6)]
    again = [retry_delay(policy, attempts=n, seed="42:initial") for n in range(1, 6)]
    other = [retry_delay(policy, attempts=n, seed="43:initial") for n in range(1, 6)]
    assert first == again
    assert first != other


@given(
    attempts=st.integers(min_value=1, max_value=50),
    seed=st.text(max_size=20),
    jitter=st.floats(min_value=0, max_value=1),
)
def test_jittered_delay_stays_within_its_band(attempts: int, seed: str, jitter: float):
    """Every delay lies between (1 - jitter) and 1 times the un-jittered delay, never above."""
    policy = RetryPolicy(jitter=jitter, max_attempts=51)
    plain = RetryPolicy(jitter=0, max_attempts=51)
    delay = retry_delay(policy, attempts=attempts, seed=seed)
    full = retry_delay(plain, attempts=attempts)
    assert delay is not None
    assert full is not None
    assert full * (1 - jitter) - dt.timedelta(microseconds=1) <= delay <= full


def test_retry_counts_start_at_one():
    """Asking for the delay before any failure is a programming error."""
    with pytest.raises(ValueError, match="at least 1"):
        retry_delay(RetryPolicy(), attempts=0)


# ------------------------------------------------------------------ escalation


@pytest.mark.parametrize(
    ("level", "minutes_after", "due"),
    [
        ("emergency", 14, False),
        ("emergency", 15, True),
        ("urgent", 239, False),
        ("urgent", 240, True),
        ("routine", 10_000, False),
        ("self_care", 10_000, False),
    ],
)
def test_default_escalation_times(level: str, minutes_after: int, due: bool):
    """Emergencies escalate after 15 minutes, urgent alerts after 4 hours, nothing else ever."""
    now = T0 + dt.timedelta(minutes=minutes_after)
    assert (
        needs_escalation(
            DEFAULT_ESCALATION,
            level=level,
            created_at=T0,
            acknowledged=False,
            already_escalated=False,
            now=now,
        )
        is due
    )


@pytest.mark.parametrize(("acknowledged", "escalated"), [(True, False), (False, True)])
def test_acknowledged_or_escalated_alerts_do_not_escalate(acknowledged: bool, escalated: bool):
    """An acknowledged alert is being handled; an escalated one escalates only once."""
    assert not needs_escalation(
        DEFAULT_ESCALATION,
        level="emergency",
        created_at=T0,
        acknowledged=acknowledged,
        already_escalated=escalated,
        now=T0 + dt.timedelta(days=1),
    )


def test_team_overrides_replace_only_what_they_set():
    """A team that sets 5 minutes for emergencies keeps the default for urgent alerts."""
    policy = DEFAULT_ESCALATION.with_overrides({"emergency_minutes": 5, "urgent_minutes": None})
    assert policy == EscalationPolicy(emergency_minutes=5, urgent_minutes=240)


# ------------------------------------------------------------------ reminders and silence


def _due(now: dt.datetime, **kwargs: object) -> dt.date | None:
    fields: dict[str, object] = {
        "remind_at": dt.time(18, 0),
        "zone": "Europe/London",
        "last_sent_on": None,
        "last_checkin_at": None,
    }
    fields.update(kwargs)
    return reminder_due_on(now=now, **fields)  # type: ignore[arg-type]


def test_reminder_waits_for_the_chosen_local_time():
    """At 17:59 London time nothing is due; at 18:00 today's reminder is."""
    assert _due(dt.datetime(2026, 3, 2, 17, 59, tzinfo=dt.UTC)) is None
    assert _due(dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 2)


def test_reminder_follows_daylight_saving():
    """In British Summer Time, 18:00 London is 17:00 UTC."""
    assert _due(dt.datetime(2026, 7, 1, 17, 0, tzinfo=dt.UTC)) == dt.date(2026, 7, 1)
    assert _due(dt.datetime(2026, 7, 1, 16, 59, tzinfo=dt.UTC)) is None


def test_reminder_is_sent_once_a_day():
    """After today's reminder went out, nothing more is due today."""
    now = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)
    assert _due(now, last_sent_on=dt.date(2026, 3, 2)) is None
    assert _due(now, last_sent_on=dt.date(2026, 3, 1)) == dt.date(2026, 3, 2)


def test_no_reminder_after_todays_check_in():
    """A patient who has already checked in today is not reminded."""
    now = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)
    assert _due(now, last_checkin_at=dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)) is None
    assert _due(now, last_checkin_at=dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)) is not None


def test_local_day_is_the_patients_not_utcs():
    """At 01:00 UTC it is still the previous evening in New York."""
    now = dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)
    assert _due(now, zone="America/New_York") == dt.date(2026, 3, 2)


def test_unknown_time_zone_is_refused():
    """A misspelt zone is an error, not a silent UTC."""
    with pytest.raises(InvalidTimeZoneError, match="Europe/London"):
        time_zone("Europe/Londn")


@pytest.mark.parametrize(("hours_since", "silent"), [(47, False), (48, True), (24 * 10, True)])
def test_two_days_without_a_check_in_is_silence(hours_since: int, silent: bool):
    """Silence starts at 48 hours after the last check-in."""
    now = T0 + dt.timedelta(hours=hours_since)
    assert is_silent(last_checkin_at=T0, enrolled_at=T0 - dt.timedelta(days=30), now=now) is silent


def test_silence_counts_from_enrolment_when_there_is_no_check_in():
    """A patient who never checked in is silent two days after enrolment."""
    assert is_silent(last_checkin_at=None, enrolled_at=T0, now=T0 + dt.timedelta(days=2))
    assert not is_silent(last_checkin_at=None, enrolled_at=T0, now=T0 + dt.timedelta(days=1))


# ------------------------------------------------------------------ burden


def test_alert_burden_per_patient_week_and_actionable_share():
    """14 alerts over 10 patients for 2 weeks is 0.7 per patient-week; 3 of 4 judged actionable."""
    burden = alert_burden(alerts=14, patient_days=140, judged=4, actionable=3, resolved=5)
    assert burden.per_patient_week == 0.7
    assert burden.actionable_share == 0.75


def test_alert_burden_without_data_says_unknown():
    """No patients or no judgements give None, not a misleading zero."""
    burden = alert_burden(alerts=0, patient_days=0, judged=0, actionable=0, resolved=0)
    assert burden.per_patient_week is None
    assert burden.actionable_share is None
