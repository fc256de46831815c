"""The alert worker's settings, read from `NERVECARE_*` environment variables.

Kept beside the worker rather than in `nervecare.settings` so that the web app's settings stay
small; built on demand by `get_alert_settings()` (cached), never at import time. Per-team
channels and escalation times live in the database (`team_alert_settings`); the values here are
the fallback for a team that has set none.
"""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from nervecare.alerts.escalation import EscalationPolicy
from nervecare.alerts.retry import RetryPolicy

__all__ = ["AlertSettings", "get_alert_settings"]


class AlertSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NERVECARE_", extra="ignore", frozen=True)

    smtp_host: str = Field(default="localhost", description="Mail server for alert emails.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "nervecare@localhost"

    alert_email: str | None = Field(
        default=None, description="First contact for teams with no address of their own."
    )
    alert_email_secondary: str | None = Field(
        default=None, description="Second contact (escalation) for teams with none of their own."
    )
    alert_webhook_url: str | None = None
    alert_webhook_secret: str | None = None
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list,
        description=(
            "Host names a webhook may target although they are loopback, private or link-local "
            '(JSON list, e.g. ["alerts.internal"]); every other such target is refused.'
        ),
    )

    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where links in alerts and reminders point (the web app's address).",
    )

    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a claim lasts: longer than the slowest delivery (both timeouts).",
    )
    worker_batch: int = Field(default=8, ge=1, le=256)

    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_max_delay_seconds: float = Field(default=600.0, gt=0)
    retry_max_attempts: int = Field(default=12, ge=1)

    escalation_emergency_minutes: int = Field(default=15, ge=1)
    escalation_urgent_minutes: int = Field(default=240, ge=1)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            base_seconds=self.retry_base_seconds,
            max_delay_seconds=max(self.retry_max_delay_seconds, self.retry_base_seconds),
            max_attempts=self.retry_max_attempts,
        )

    def escalation_policy(self) -> EscalationPolicy:
        return EscalationPolicy(
            emergency_minutes=self.escalation_emergency_minutes,
            urgent_minutes=self.escalation_urgent_minutes,
        )


@cache
def get_alert_settings() -> AlertSettings:
    """The alert settings of this process; `get_alert_settings.cache_clear()` re-reads them."""
    return AlertSettings()
