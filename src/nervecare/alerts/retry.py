"""When to try a failed delivery again, and when to stop and dead-letter it.

Exponential backoff spreads retries out so a mail server that is down is not hammered; jitter
keeps many workers (or many alerts failing together) from retrying in lock-step. The jitter is
derived from the alert id and the attempt number, not from a global random source, so the same
alert always gets the same schedule: tests and an operator reading the log can predict it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["RetryPolicy", "next_retry_at", "retry_delay"]


class RetryPolicy(BaseModel):
    """Delay before attempt n+1 = min(cap, base * factor**(n-1)), scaled by 1 - jitter..1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_seconds: float = Field(default=5.0, gt=0)
    factor: float = Field(default=2.0, ge=1.0)
    max_delay_seconds: float = Field(default=600.0, gt=0)
    #: Fraction of the delay that may be taken off at random (0 = none, 0.5 = up to half).
    jitter: float = Field(default=0.25, ge=0.0, le=1.0)
    #: Attempts in one round before the alert is dead-lettered (and shown as failed).
    max_attempts: int = Field(default=12, ge=1)

    @model_validator(mode="after")
    def _cap_not_below_base(self) -> RetryPolicy:
        if self.max_delay_seconds < self.base_seconds:
            raise ValueError("max_delay_seconds must be at least base_seconds")
        return self


def _unit_interval(seed: str) -> float:
    """A number in [0, 1) that depends only on `seed`."""
    digest = hashlib.sha256(seed.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def retry_delay(policy: RetryPolicy, *, attempts: int, seed: str = "") -> dt.timedelta | None:
    """How long to wait after `attempts` failed attempts; None when it is time to dead-letter."""
    if attempts < 1:
        raise ValueError("attempts counts failed attempts, so it is at least 1")
    if attempts >= policy.max_attempts:
        return None
    raw = min(policy.max_delay_seconds, policy.base_seconds * policy.factor ** (attempts - 1))
    scale = 1.0 - policy.jitter * _unit_interval(f"{seed}:{attempts}")
    return dt.timedelta(seconds=raw * scale)


def next_retry_at(
    policy: RetryPolicy, *, attempts: int, failed_at: dt.datetime, seed: str = ""
) -> dt.datetime | None:
    """The instant of the next attempt after a failure, or None for the dead-letter state."""
    delay = retry_delay(policy, attempts=attempts, seed=seed)
    return None if delay is None else failed_at + delay
