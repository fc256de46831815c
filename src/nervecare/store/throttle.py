"""Sign-in throttling, counted in the database so every web process sees the same counts.

Failures are counted per (address, name) pair, with a wait that doubles after each failure
beyond the limit, and per address under a much higher ceiling. A stranger failing from their
own address therefore slows down only themselves: the owner, signing in from elsewhere, is
never refused for someone else's guesses.

Counting is atomic: an attempt is counted as a failure *before* the password is checked (and
forgiven when it turns out right), with the counter rows locked for the short transaction that
decides. Fifty simultaneous guesses thus get exactly `per_pair` password checks, never more.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from nervecare.store.errors import StoreError
from nervecare.store.models import SignInThrottle

__all__ = ["RateLimits", "TooManyAttemptsError", "forgive_attempt", "reserve_attempt"]


class TooManyAttemptsError(StoreError):
    """Refused without checking the password: too many recent failures."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many sign-in attempts: try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class RateLimits:
    """Failures allowed per (address, name) pair and per address; counts reset after `window`
    without a failure. Beyond `per_pair`, each failure doubles the wait (from `first_wait`, at
    most `window`)."""

    per_pair: int = 5
    per_address: int = 100
    window: dt.timedelta = dt.timedelta(minutes=15)
    first_wait: dt.timedelta = dt.timedelta(minutes=1)


def _pair_key(name: str, address: str) -> str:
    return f"pair:{address}\n{name}"[:400]


def _address_key(address: str) -> str:
    return f"address:{address}"[:400]


def _locked(session: Session, key: str, now: dt.datetime) -> SignInThrottle:
    """The counter row for `key`, created if absent and locked until the transaction ends."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # DO UPDATE (a no-op) rather than DO NOTHING: on PostgreSQL it locks an existing row from
    # this statement on, so a sweep cannot delete it before the SELECT below reads it.
    session.execute(
        insert(SignInThrottle)
        .values(key=key, failures=0, last_failure_at=now, blocked_until=None)
        .on_conflict_do_update(
            index_elements=["key"], set_={"failures": SignInThrottle.__table__.c.failures}
        )
    )
    row = session.scalars(
        select(SignInThrottle)
        .where(SignInThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return row


def _seconds(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def reserve_attempt(
    session: Session, *, name: str, address: str, limits: RateLimits, now: dt.datetime
) -> None:
    """Count this attempt as a failure now, or raise `TooManyAttemptsError` (nothing counted)."""
    pair = _locked(session, _pair_key(name, address), now)
    per_address = _locked(session, _address_key(address), now)
    for row in (pair, per_address):
        if row.last_failure_at <= now - limits.window and (
            row.blocked_until is None or row.blocked_until <= now
        ):
            row.failures = 0
            row.blocked_until = None
    if pair.blocked_until is not None and pair.blocked_until > now:
        raise TooManyAttemptsError(_seconds(pair.blocked_until - now))
    if per_address.failures >= limits.per_address:
        raise TooManyAttemptsError(_seconds(per_address.last_failure_at + limits.window - now))
    for row in (pair, per_address):
        row.failures += 1
        row.last_failure_at = now
    if pair.failures >= limits.per_pair:
        excess = min(pair.failures - limits.per_pair, 20)
        pair.blocked_until = now + min(limits.first_wait * 2**excess, limits.window)


def forgive_attempt(
    session: Session, *, name: str, address: str, limits: RateLimits, now: dt.datetime
) -> None:
    """The password was right: the pair starts afresh, the address is not charged, and counters
    nobody has failed on for a window (and that block nobody) are swept."""
    pair = session.get(SignInThrottle, _pair_key(name, address))
    if pair is not None:
        session.delete(pair)
    per_address = session.get(SignInThrottle, _address_key(address))
    if per_address is not None and per_address.failures > 0:
        per_address.failures -= 1
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.last_failure_at <= now - limits.window,
            or_(SignInThrottle.blocked_until.is_(None), SignInThrottle.blocked_until <= now),
        )
    )
