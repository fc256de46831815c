"""`nervecare export PATIENT --fhir` and `nervecare import FILE`: the patient's record as an HL7
FHIR Bundle, and enrolling patients or taking check-ins from FHIR."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from nervecare.cli._app import app
from nervecare.cli.db import UrlOption, cli_actor, opened_store
from nervecare.interop.fhir import FhirInputError, Problem, operation_outcome
from nervecare.interop.safe_json import JsonInputError, load_json
from nervecare.interop.service import export_patient, import_fhir

__all__ = ["export", "import_"]


@app.command()
def export(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    fhir: Annotated[bool, typer.Option("--fhir", help="As an HL7 FHIR R4 Bundle (JSON).")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    on: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="Assess trajectory and suggestions as of this day."
        ),
    ] = None,
    url: UrlOption = None,
) -> None:
    """A patient's whole record for another system (FHIR is the only format so far)."""
    if not fhir:
        typer.echo("error: say which format: --fhir", err=True)
        raise typer.Exit(2)
    with opened_store(url) as store:
        bundle = export_patient(
            store.sessions,
            patient=patient,
            on=None if on is None else on.date(),
            actor=cli_actor(),
        )
    text = bundle.model_dump_json(exclude_none=True, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {len(bundle.entry or [])} resources to {output}", err=True)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="A FHIR Bundle, Patient+Procedure Bundle or QuestionnaireResponse (JSON).",
            exists=True,
            dir_okay=False,
        ),
    ],
    url: UrlOption = None,
) -> None:
    """Enrol a patient or store check-ins from FHIR; invalid input gets an OperationOutcome."""
    try:
        document = load_json(file.read_bytes())
    except JsonInputError as error:
        problem = Problem("(document)", f"{file.name}: {error}", "structure")
        typer.echo(json.dumps(operation_outcome([problem]), indent=2))
        raise typer.Exit(1) from None
    with opened_store(url) as store:
        try:
            summary = import_fhir(store.sessions, document, actor=cli_actor())
        except FhirInputError as error:
            typer.echo(json.dumps(operation_outcome(error.problems), indent=2))
            raise typer.Exit(1) from None
    state = "enrolled" if summary.patient_created else "already enrolled"
    typer.echo(
        f"{summary.patient.reference} ({state}): {summary.checkins_created} check-ins stored, "
        f"{summary.checkins_already_stored} already stored"
    )
    typer.echo(
        f"alerts: {summary.alerts_restored} restored as recorded, "
        f"{summary.alerts_created_pending} new pending for the care team"
    )
    if summary.medication_plans_created:
        typer.echo(f"medication plans: {summary.medication_plans_created} restored")
    if summary.side_effect_answers_restored:
        typer.echo(f"side-effect answers: {summary.side_effect_answers_restored} restored")
    for note in summary.notes:
        typer.echo(f"warning: {note}")
