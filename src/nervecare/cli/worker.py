"""`nervecare worker`: deliver alerts and reminders; `nervecare alerts`: see and steer delivery.

The worker runs until SIGTERM or SIGINT (Ctrl-C); the pass in progress finishes first, so no
delivery is cut off half-way. Several workers may share one PostgreSQL database.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
from types import FrameType
from typing import Annotated

import typer

from nervecare.cli._app import app
from nervecare.cli.db import UrlOption, cli_actor, opened_store

__all__ = ["alerts_app"]

alerts_app = typer.Typer(help="Alert delivery: state, delivery log, retries, team channels.")
app.add_typer(alerts_app, name="alerts")


@app.command("worker")
def worker(
    url: UrlOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Make one pass (escalate, deliver, remind) and exit.")
    ] = False,
    poll_interval: Annotated[
        float | None,
        typer.Option(
            "--poll-interval",
            min=0.05,
            help="Seconds between passes when idle (default NERVECARE_WORKER_POLL_SECONDS, 1).",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Deliver alerts (email, webhook) with retries and escalation, and daily reminders."""
    from nervecare.alerts.settings import get_alert_settings  # noqa: PLC0415 - lazy
    from nervecare.alerts.worker import (  # noqa: PLC0415 - lazy
        AlertWorker,
        WorkerConfig,
        channels_from_settings,
    )

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = get_alert_settings()
    config = WorkerConfig.from_settings(settings)
    if poll_interval is not None:
        config = config.model_copy(update={"poll_seconds": poll_interval})
    with opened_store(url) as store:
        alert_worker = AlertWorker(
            store.sessions, channels=channels_from_settings(settings), config=config
        )
        if once:
            report = alert_worker.run_once()
            alert_worker.close()
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items()))
            typer.echo(
                f"escalated {report.escalated}, claimed {report.claimed}"
                f"{' (' + outcomes + ')' if outcomes else ''}, reminders sent "
                f"{report.reminders_sent}, failed {report.reminders_failed}"
            )
            return

        def _stop(signum: int, _frame: FrameType | None) -> None:
            logging.getLogger("nervecare.alerts").warning(
                "signal %d: finishing the current pass, then stopping", signum
            )
            alert_worker.stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        typer.echo(f"worker {alert_worker.name} started", err=True)
        alert_worker.run()
        typer.echo(f"worker {alert_worker.name} stopped", err=True)


@alerts_app.command("status")
def status(url: UrlOption = None) -> None:
    """How many alerts are in each delivery state; the dead-lettered ones with their error."""
    from sqlalchemy import select  # noqa: PLC0415 - lazy

    from nervecare.store.alerts import delivery_counts  # noqa: PLC0415 - lazy
    from nervecare.store.models import OutboxAlert  # noqa: PLC0415 - lazy

    with opened_store(url) as store, store.sessions.begin() as session:
        counts = delivery_counts(session)
        typer.echo(
            "  ".join(
                f"{state}: {counts.get(state, 0)}"
                for state in ("pending", "delivering", "delivered", "failed")
            )
        )
        failed = session.scalars(
            select(OutboxAlert).where(OutboxAlert.state == "failed").order_by(OutboxAlert.id)
        ).all()
        for alert in failed:
            typer.echo(
                f"dead letter: alert {alert.id} ({alert.level}, {alert.stage}) after "
                f"{alert.attempts} attempts: {alert.last_error}"
            )


@alerts_app.command("log")
def log(alert_id: int, url: UrlOption = None) -> None:
    """Every delivery attempt of one alert."""
    from nervecare.store.alerts import delivery_log  # noqa: PLC0415 - lazy

    with opened_store(url) as store, store.sessions.begin() as session:
        for entry in delivery_log(session, alert_id=alert_id):
            typer.echo(
                f"{entry.finished_at:%Y-%m-%d %H:%M:%S} {entry.stage} #{entry.attempt} "
                f"{entry.channel} {entry.target}: {entry.outcome}"
                f"{' (' + entry.error + ')' if entry.error else ''}"
            )


@alerts_app.command("retry")
def retry(alert_id: int, url: UrlOption = None) -> None:
    """Send a dead-lettered alert again, from its first attempt."""
    from nervecare.store.alerts import requeue_alert  # noqa: PLC0415 - lazy

    with opened_store(url) as store:
        requeue_alert(
            store.sessions, alert_id=alert_id, actor=cli_actor(), now=dt.datetime.now(dt.UTC)
        )
    typer.echo(f"alert {alert_id} queued again")


@alerts_app.command("team")
def team(  # noqa: PLR0917 - Typer maps each command-line option to one parameter
    name: str,
    url: UrlOption = None,
    email: Annotated[str | None, typer.Option(help="First contact.")] = None,
    secondary_email: Annotated[str | None, typer.Option(help="Second contact.")] = None,
    webhook_url: Annotated[str | None, typer.Option()] = None,
    webhook_secret: Annotated[str | None, typer.Option()] = None,
    emergency_minutes: Annotated[int | None, typer.Option(min=1)] = None,
    urgent_minutes: Annotated[int | None, typer.Option(min=1)] = None,
    confirm_minutes: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=24 * 60,
            help="How long a question the notes raised may wait for the patient's answer "
            "before it is a task for the team (default 15).",
        ),
    ] = None,
) -> None:
    """Set where a team's alerts go, when they escalate, and how long a question may wait
    (unset: the defaults)."""
    from nervecare.alerts.settings import get_alert_settings  # noqa: PLC0415 - lazy
    from nervecare.store.alerts import set_team_alert_settings  # noqa: PLC0415 - lazy

    with opened_store(url) as store:
        set_team_alert_settings(
            store.sessions,
            team=name,
            actor=cli_actor(),
            now=dt.datetime.now(dt.UTC),
            primary_email=email,
            secondary_email=secondary_email,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            emergency_escalation_minutes=emergency_minutes,
            urgent_escalation_minutes=urgent_minutes,
            confirm_minutes=confirm_minutes,
            webhook_allowed_hosts=get_alert_settings().webhook_allowed_hosts,
        )
    typer.echo(f"alert settings of {name} saved")


@alerts_app.command("reminder")
def reminder(  # noqa: PLR0917 - Typer maps each command-line option to one parameter
    patient: str,
    email: str,
    at: Annotated[str, typer.Option(help="Local time, HH:MM.")] = "18:00",
    zone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/London.")] = "UTC",
    off: Annotated[bool, typer.Option("--off", help="Stop the reminders.")] = False,
    url: UrlOption = None,
) -> None:
    """Set a patient's daily check-in reminder (by email, at their local time)."""
    from nervecare.alerts.followup import set_reminder  # noqa: PLC0415 - lazy

    try:
        remind_at = dt.time.fromisoformat(at)
    except ValueError:
        typer.echo(f"error: {at!r} is not a time (HH:MM)", err=True)
        raise typer.Exit(2) from None
    with opened_store(url) as store:
        try:
            set_reminder(
                store.sessions,
                patient=patient,
                email=email,
                remind_at=remind_at,
                zone=zone,
                actor=cli_actor(),
                now=dt.datetime.now(dt.UTC),
                enabled=not off,
            )
        except ValueError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"reminder for {patient} {'off' if off else f'at {at} {zone}'}")
