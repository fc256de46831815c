"""`nervecare summary ...`: documents for the clinic.

- `summary clinic PATIENT -o FILE.pdf [--since DAY]`: the one-page clinic summary for a visit;
- `summary patient PATIENT -o FILE.pdf`: the plain-language page for the patient;
- `summary outcomes [--team TEAM] -o FILE.csv`: the team's outcome figures for audit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from nervecare.cli._app import app
from nervecare.cli.db import UrlOption, cli_actor, opened_store
from nervecare.interop.service import read_patient_export
from nervecare.store.service import list_patients, read_patient_history

__all__ = ["summary_app"]

summary_app = typer.Typer(help="Clinic summary and patient summary (PDF), team outcomes (CSV).")
app.add_typer(summary_app, name="summary")

PatientArg = Annotated[str, typer.Argument(help="Patient number or reference.")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="File to write.")]
DayOption = Annotated[
    dt.datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="The visit day (default: today)."),
]


def _day(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else dt.datetime.now(dt.UTC).date()


@summary_app.command("clinic")
def clinic(
    patient: PatientArg,
    output: OutputOption,
    since: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The last visit (default: 6 weeks before)."),
    ] = None,
    on: DayOption = None,
    url: UrlOption = None,
) -> None:
    """One page for the surgeon: surgery, trajectory chart, red flags, treatment, suggestions."""
    from nervecare.reports import clinic_summary_pdf  # noqa: PLC0415 - ReportLab on demand

    day = _day(on)
    last = since.date() if since is not None else day - dt.timedelta(weeks=6)
    with opened_store(url) as store:
        data = read_patient_export(
            store.sessions,
            patient=patient,
            on=day,
            since=last,
            action="report.clinic",
            actor=cli_actor(),
        )
    output.write_bytes(clinic_summary_pdf(data, since=last, on=day))
    typer.echo(f"wrote {output}", err=True)


@summary_app.command("patient")
def patient_page(
    patient: PatientArg, output: OutputOption, on: DayOption = None, url: UrlOption = None
) -> None:
    """One page in plain words for the patient to bring to the appointment."""
    from nervecare.reports import patient_summary_pdf  # noqa: PLC0415

    day = _day(on)
    with opened_store(url) as store:
        data = read_patient_export(
            store.sessions, patient=patient, on=day, action="report.patient", actor=cli_actor()
        )
    output.write_bytes(patient_summary_pdf(data, on=day))
    typer.echo(f"wrote {output}", err=True)


@summary_app.command("outcomes")
def outcomes(
    output: OutputOption,
    team: Annotated[str | None, typer.Option(help="Only this care team.")] = None,
    url: UrlOption = None,
) -> None:
    """Change from before the operation at 6 weeks, 3, 6 and 12 months, per patient (CSV)."""
    from nervecare.reports import outcomes_csv  # noqa: PLC0415

    actor = cli_actor()
    with opened_store(url) as store:
        pairs = [
            read_patient_history(store.sessions, patient=record.id, actor=actor)
            for record in list_patients(store.sessions, team=team, actor=actor)
        ]
    output.write_text(outcomes_csv(pairs), encoding="utf-8")
    typer.echo(f"wrote {len(pairs)} patients to {output}", err=True)
