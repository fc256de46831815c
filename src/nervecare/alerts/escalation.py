"""When an unacknowledged alert goes to a second contact.

An emergency nobody has acknowledged after 15 minutes, or an urgent alert after 4 hours, is sent
again to the team's second contact as well as the first. These are the project's defaults, set
by the issue that asked for escalation; a team can change them for itself (a team with a
staffed 24-hour line may want 5 minutes). Only levels that make an alert escalate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_ESCALATION", "EscalationPolicy", "escalation_due_at", "needs_escalation"]


class EscalationPolicy(BaseModel):
    """Minutes from an alert's creation to its escalation, per level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    emergency_minutes: int = Field(default=15, ge=1, le=24 * 60)
    urgent_minutes: int = Field(default=4 * 60, ge=1, le=7 * 24 * 60)

    def delay_for(self, level: str) -> dt.timedelta | None:
        """The delay for an alert at `level`; None for levels that never escalate."""
        minutes = {"emergency": self.emergency_minutes, "urgent": self.urgent_minutes}.get(level)
        return None if minutes is None else dt.timedelta(minutes=minutes)

    def with_overrides(self, overrides: Mapping[str, int | None]) -> EscalationPolicy:
        """This policy with a team's own values where it has set them."""
        changes = {key: value for key, value in overrides.items() if value is not None}
        return self.model_validate({**self.model_dump(), **changes})


DEFAULT_ESCALATION = EscalationPolicy()


def escalation_due_at(
    policy: EscalationPolicy, *, level: str, created_at: dt.datetime
) -> dt.datetime | None:
    delay = policy.delay_for(level)
    return None if delay is None else created_at + delay


def needs_escalation(
    policy: EscalationPolicy,
    *,
    level: str,
    created_at: dt.datetime,
    acknowledged: bool,
    already_escalated: bool,
    now: dt.datetime,
) -> bool:
    """True once the delay has passed and nobody has acknowledged (escalation happens once)."""
    if acknowledged or already_escalated:
        return False
    due = escalation_due_at(policy, level=level, created_at=created_at)
    return due is not None and now >= due
