"""Issue 16, point 2: sign-in throttling that a stranger cannot use to lock the owner out,
counted atomically in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from nervecare.store.accounts import (
    RateLimits,
    SignInRefusedError,
    TooManyAttemptsError,
    add_patient_account,
    sign_in,
)
from nervecare.store.models import SignInThrottle
from nervecare.store.service import Store, add_patient
from tests.store.factories import START, new_patient

PASSWORD = "correct horse battery"  # noqa: S105 - test account only
WRONG = "wrong password"
LIMITS = RateLimits(per_pair=5, per_address=100, window=dt.timedelta(minutes=15))


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def account(store: Store) -> str:
    record = add_patient(store.sessions, new=new_patient())
    with store.sessions.begin() as session:
        add_patient_account(
            session,
            patient_id=record.id,
            username="owner",
            password=PASSWORD,
            is_synthetic=False,
            now=START,
        )
    return "owner"


def _try(
    store: Store, password: str, address: str, clock: Clock, limits: RateLimits = LIMITS
) -> str:
    try:
        sign_in(
            store.sessions,
            username="owner",
            password=password,
            client_address=address,
            limits=limits,
            clock=clock,
        )
    except TooManyAttemptsError:
        return "throttled"
    except SignInRefusedError:
        return "wrong"
    return "in"


def test_a_stranger_failing_from_elsewhere_does_not_lock_the_owner_out(store: Store, account: str):
    """Fifty wrong passwords from another address leave the owner's own address open."""
    clock = Clock()
    for _ in range(50):
        _try(store, WRONG, "203.0.113.9", clock)
    assert _try(store, PASSWORD, "198.51.100.7", clock) == "in"


def test_failures_from_one_address_for_one_name_are_throttled(store: Store, account: str):
    """After five failures for a name from an address, that pair waits (even the right password)."""
    clock = Clock()
    for _ in range(5):
        assert _try(store, WRONG, "203.0.113.9", clock) == "wrong"
    assert _try(store, PASSWORD, "203.0.113.9", clock) == "throttled"


def test_the_wait_grows_with_each_further_failure(store: Store, account: str):
    """Each failure after the limit doubles the wait before the next attempt is heard."""
    clock = Clock()
    waits = []
    for _ in range(5):
        _try(store, WRONG, "203.0.113.9", clock)
    for _ in range(3):
        try:
            sign_in(
                store.sessions,
                username="owner",
                password=WRONG,
                client_address="203.0.113.9",
                limits=LIMITS,
                clock=clock,
            )
        except TooManyAttemptsError as error:
            waits.append(error.retry_after_seconds)
            clock.now += dt.timedelta(seconds=error.retry_after_seconds)
            assert _try(store, WRONG, "203.0.113.9", clock) == "wrong"
    assert waits[0] < waits[1] < waits[2]


def test_a_success_clears_the_pairs_failures(store: Store, account: str):
    """The right password resets the count for that name and address."""
    clock = Clock()
    for _ in range(4):
        _try(store, WRONG, "203.0.113.9", clock)
    assert _try(store, PASSWORD, "203.0.113.9", clock) == "in"
    for _ in range(4):
        assert _try(store, WRONG, "203.0.113.9", clock) == "wrong"


def test_an_address_has_a_much_higher_ceiling_over_all_names(store: Store, account: str):
    """One address trying many names is stopped at the per-address ceiling."""
    clock = Clock()
    limits = RateLimits(per_pair=5, per_address=12, window=dt.timedelta(minutes=15))
    answers = []
    for index in range(13):
        try:
            sign_in(
                store.sessions,
                username=f"someone.{index}",
                password=WRONG,
                client_address="203.0.113.9",
                limits=limits,
                clock=clock,
            )
        except TooManyAttemptsError:
            answers.append("throttled")
        except SignInRefusedError:
            answers.append("wrong")
    assert answers == ["wrong"] * 12 + ["throttled"]
    assert _try(store, PASSWORD, "198.51.100.7", clock, limits) == "in"


def test_the_window_passing_forgets_old_failures(store: Store, account: str):
    """Failures older than the window no longer count."""
    clock = Clock()
    for _ in range(5):
        _try(store, WRONG, "203.0.113.9", clock)
    clock.now += dt.timedelta(minutes=16)
    assert _try(store, PASSWORD, "203.0.113.9", clock) == "in"


def test_parallel_wrong_attempts_never_exceed_the_limit(store: Store, account: str):
    """Twenty simultaneous wrong passwords: exactly five are checked, the rest throttled."""
    clock = Clock()
    start = threading.Barrier(20)

    def attempt(_: int) -> str:
        start.wait()
        return _try(store, WRONG, "203.0.113.9", clock)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(attempt, range(20)))
    assert answers.count("wrong") == 5
    assert answers.count("throttled") == 15


def test_stale_counters_are_swept_when_someone_signs_in(store: Store, account: str):
    """Counters with no failure for a window are deleted, so the table does not grow forever."""
    clock = Clock()
    for index in range(3):
        _try(store, WRONG, f"203.0.113.{index}", clock)
    clock.now += dt.timedelta(minutes=16)
    assert _try(store, PASSWORD, "198.51.100.7", clock) == "in"
    with store.sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(SignInThrottle)) == 1
