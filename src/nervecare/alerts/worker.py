"""The delivery worker: drains the alert outbox, escalates, and sends daily reminders.

One pass: escalate what is overdue, claim a batch of due alerts (short transaction), deliver them
in parallel outside any transaction, record each outcome (short transaction), then send due
reminders. `run` repeats passes until asked to stop (SIGTERM/SIGINT in the CLI): the pass in
progress finishes, so no delivery is cut off half-way, and unstarted claims are handed back.

A database that goes away (restart, failover) fails a pass, not the worker: the loop waits with
growing pauses and carries on; the engine's pre-ping replaces dead connections. An outcome that
could not be recorded is retried briefly; if the database stays away, the claim's lease lapses
and the alert is sent again later, which is the at-least-once promise.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError, OperationalError

from nervecare.alerts.channels import (
    Channel,
    ChannelKind,
    DeliveryError,
    Outgoing,
    SmtpChannel,
    WebhookChannel,
)
from nervecare.alerts.followup import claim_reminder, due_reminders, release_reminder
from nervecare.alerts.messages import (
    ReminderFacts,
    alert_email,
    alert_webhook_body,
    reminder_email,
)
from nervecare.alerts.retry import RetryPolicy
from nervecare.alerts.settings import AlertSettings
from nervecare.store.alerts import (
    AttemptResult,
    ChannelDefaults,
    ClaimedAlert,
    Target,
    claim_due_alerts,
    escalate_due_alerts,
    finish_delivery,
    release_claims,
)
from nervecare.store.clock import Clock, utc_now
from nervecare.store.confirmations import escalate_unanswered
from nervecare.store.engine import SessionFactory

__all__ = [
    "AlertWorker",
    "PassReport",
    "WorkerConfig",
    "background_worker",
    "channels_from_settings",
    "worker_name",
]

log = logging.getLogger("nervecare.alerts")

_DATABASE_ERRORS = (OperationalError, DBAPIError)


def worker_name() -> str:
    """Unique per process: the claim's owner, and who made each attempt in the delivery log."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class WorkerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    poll_seconds: float = 1.0
    lease: timedelta = timedelta(seconds=60)
    batch: int = 8
    retry: RetryPolicy = RetryPolicy()
    defaults: ChannelDefaults = ChannelDefaults()
    link_base: str = "http://127.0.0.1:8000"
    reminders: bool = True
    #: Escalation and reminders scan many rows and work in minutes: not on every poll.
    escalate_every: timedelta = timedelta(seconds=15)
    remind_every: timedelta = timedelta(seconds=60)
    #: How long to keep trying to record an outcome while the database is away.
    record_retry_seconds: float = 20.0

    @classmethod
    def from_settings(cls, settings: AlertSettings) -> WorkerConfig:
        slowest = settings.smtp_timeout_seconds + settings.webhook_timeout_seconds
        if settings.worker_lease_seconds <= slowest:
            # Not refused (a short lease is useful in tests), but it means duplicates: a claim
            # that lapses while a slow delivery is still running is taken by another worker.
            log.warning(
                "NERVECARE_WORKER_LEASE_SECONDS (%.0f) is not longer than the slowest delivery "
                "(%.0f s of timeouts): expect duplicate alerts when a receiver is slow",
                settings.worker_lease_seconds,
                slowest,
            )
        return cls(
            poll_seconds=settings.worker_poll_seconds,
            lease=timedelta(seconds=settings.worker_lease_seconds),
            batch=settings.worker_batch,
            retry=settings.retry_policy(),
            defaults=ChannelDefaults(
                primary_email=settings.alert_email,
                secondary_email=settings.alert_email_secondary,
                webhook_url=settings.alert_webhook_url,
                webhook_secret=settings.alert_webhook_secret,
                escalation=settings.escalation_policy(),
            ),
            link_base=settings.public_base_url,
        )


def channels_from_settings(settings: AlertSettings) -> dict[ChannelKind, Channel]:
    return {
        "email": SmtpChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout_seconds=settings.smtp_timeout_seconds,
        ),
        "webhook": WebhookChannel(
            timeout_seconds=settings.webhook_timeout_seconds,
            allowed_hosts=settings.webhook_allowed_hosts,
        ),
    }


@dataclass
class PassReport:
    """What one pass did (for logs, tests and `nervecare worker --once`)."""

    escalated: int = 0
    #: Check-ins whose questions went unanswered past their time and became care-team tasks.
    unanswered: int = 0
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    reminders_sent: int = 0
    reminders_failed: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.escalated or self.unanswered or self.claimed or self.reminders_sent)


class AlertWorker:
    def __init__(
        self,
        sessions: SessionFactory,
        *,
        channels: Mapping[ChannelKind, Channel],
        config: WorkerConfig,
        clock: Clock = utc_now,
        name: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sessions = sessions
        self._channels = dict(channels)
        self._config = config
        self._clock = clock
        self._sleep = sleep
        self.name = name or worker_name()
        self._stopping = threading.Event()
        self._next_escalation: datetime | None = None
        self._next_reminders: datetime | None = None
        self._pool = ThreadPoolExecutor(max_workers=config.batch, thread_name_prefix="deliver")

    # ------------------------------------------------------------------ one pass

    def run_once(self) -> PassReport:
        report = PassReport()
        now = self._clock()
        if self._next_escalation is None or now >= self._next_escalation:
            report.escalated = len(
                escalate_due_alerts(self._sessions, now=now, defaults=self._config.defaults)
            )
            self._next_escalation = now + self._config.escalate_every
        # Before claiming, so a question left unanswered is delivered as a task in this pass.
        report.unanswered = escalate_unanswered(self._sessions, now=now)
        claimed = claim_due_alerts(
            self._sessions,
            worker=self.name,
            now=now,
            lease=self._config.lease,
            limit=self._config.batch,
            defaults=self._config.defaults,
            link_base=self._config.link_base,
        )
        report.claimed = len(claimed)
        for state in self._pool.map(self._deliver_and_record, claimed):
            report.outcomes[state] = report.outcomes.get(state, 0) + 1
        if self._config.reminders and (self._next_reminders is None or now >= self._next_reminders):
            self._send_reminders(report)
            self._next_reminders = now + self._config.remind_every
        return report

    def _send(self, claimed: ClaimedAlert, target: Target) -> AttemptResult:
        started = self._clock()
        channel = self._channels.get(target.channel)
        error: str | None = None
        if channel is None:
            error = f"no {target.channel} channel in this worker"
        else:
            try:
                channel.send(self._outgoing(claimed, target))
            except DeliveryError as failure:
                error = str(failure)
            except Exception as failure:  # a bug in a channel is a failed attempt, not a crash
                log.exception("channel %s raised", target.channel)
                error = f"unexpected {failure!r}"[:500]
        return AttemptResult(
            target=target, started_at=started, finished_at=self._clock(), error=error
        )

    @staticmethod
    def _outgoing(claimed: ClaimedAlert, target: Target) -> Outgoing:
        dedup_key = f"alert-{claimed.facts.alert_id}-{claimed.stage}"
        if target.channel == "email":
            return Outgoing(
                kind="email",
                target=target.address,
                dedup_key=dedup_key,
                email=alert_email(claimed.facts),
            )
        return Outgoing(
            kind="webhook",
            target=target.address,
            dedup_key=dedup_key,
            body=alert_webhook_body(claimed.facts),
            secret=target.secret,
        )

    def _deliver_and_record(self, claimed: ClaimedAlert) -> str:
        results = [self._send(claimed, target) for target in claimed.pending_targets]
        deadline = time.monotonic() + self._config.record_retry_seconds
        pause = 0.2
        while True:
            try:
                state = finish_delivery(
                    self._sessions,
                    claimed=claimed,
                    worker=self.name,
                    results=results,
                    now=self._clock(),
                    policy=self._config.retry,
                )
            except _DATABASE_ERRORS as error:
                if time.monotonic() >= deadline:
                    log.warning(
                        "alert %s: outcome not recorded (%s); its claim will lapse and it will "
                        "be sent again",
                        claimed.facts.alert_id,
                        error.__class__.__name__,
                    )
                    return "unrecorded"
                self._sleep(pause)
                pause = min(pause * 2, 2.0)
                continue
            log.info("alert %s %s -> %s", claimed.facts.alert_id, claimed.stage, state)
            return state

    def _send_reminders(self, report: PassReport) -> None:
        channel = self._channels.get("email")
        if channel is None:
            return
        for reminder in due_reminders(self._sessions, now=self._clock()):
            if self._stopping.is_set() or not claim_reminder(self._sessions, reminder=reminder):
                continue
            content = reminder_email(
                ReminderFacts(
                    patient_reference=reminder.patient_reference,
                    local_date=reminder.local_date,
                    link=f"{self._config.link_base.rstrip('/')}/checkin",
                )
            )
            try:
                channel.send(
                    Outgoing(
                        kind="email",
                        target=reminder.email,
                        dedup_key=content.dedup_key,
                        email=content,
                    )
                )
            except DeliveryError as error:
                log.warning("reminder for patient %s not sent: %s", reminder.patient_id, error)
                release_reminder(self._sessions, reminder=reminder)
                report.reminders_failed += 1
            else:
                report.reminders_sent += 1

    # ------------------------------------------------------------------ the loop

    def stop(self) -> None:
        """Finish the pass in progress, then return from `run` (safe from a signal handler)."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self, *, max_passes: int | None = None) -> int:
        """Pass after pass until stopped; returns the number of passes made."""
        passes = 0
        failures = 0
        while not self._stopping.is_set() and (max_passes is None or passes < max_passes):
            passes += 1
            try:
                report = self.run_once()
            except _DATABASE_ERRORS as error:
                failures += 1
                pause = min(30.0, self._config.poll_seconds * 2**failures)
                log.warning("database unavailable (%s); retrying in %.1f s", error, pause)
                self._stopping.wait(pause)
                continue
            except Exception:
                # A worker that dies quietly is the one failure nobody sees: log and carry on.
                failures += 1
                pause = min(30.0, self._config.poll_seconds * 2**failures)
                log.exception("alert worker pass failed; retrying in %.1f s", pause)
                self._stopping.wait(pause)
                continue
            failures = 0
            if report.claimed < self._config.batch:
                self._stopping.wait(self._config.poll_seconds)
        self.close()
        return passes

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        try:
            released = release_claims(self._sessions, worker=self.name)
        except _DATABASE_ERRORS:
            released = 0
        if released:
            log.info("handed back %d unstarted claims", released)
        for channel in self._channels.values():
            closer = getattr(channel, "close", None)
            if callable(closer):
                closer()


@contextmanager
def background_worker(
    sessions: SessionFactory, *, settings: AlertSettings | None = None
) -> Iterator[AlertWorker]:
    """A worker in a thread of this process, for as long as the block lasts.

    For `nervecare serve` on SQLite (one machine, one process): alerts leave without a second
    command. On leaving the block the pass in progress finishes and the thread is joined.
    """
    from nervecare.alerts.settings import get_alert_settings  # noqa: PLC0415 - lazy

    chosen = settings if settings is not None else get_alert_settings()
    worker = AlertWorker(
        sessions,
        channels=channels_from_settings(chosen),
        config=WorkerConfig.from_settings(chosen),
    )
    thread = threading.Thread(target=worker.run, name="alert-worker", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(timeout=chosen.smtp_timeout_seconds + chosen.webhook_timeout_seconds + 5)
