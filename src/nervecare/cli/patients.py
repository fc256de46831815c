"""`nervecare patient add|list|show`: register patients and see who needs attention first."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, get_args

import typer
from pydantic import ValidationError

from nervecare.checkin import CheckIn
from nervecare.cli._app import app
from nervecare.cli.db import UrlOption, cli_actor, opened_store
from nervecare.medications import SideEffectAnswer
from nervecare.recovery.models import Baseline, Side, Surgery, SurgicalProcedure
from nervecare.store.schemas import NewPatient, PatientRecord, RankedPatient
from nervecare.store.service import (
    add_patient,
    get_patient,
    list_patients,
    rank_patients,
    read_patient_history,
)
from nervecare.store.side_effects import record_checkin_with_side_effects
from nervecare.triage import TriageResult

__all__ = ["patient_app", "store_for_patient"]

patient_app = typer.Typer(help="Register patients, list them by need of attention, show one.")
app.add_typer(patient_app, name="patient")


class ProcedureChoice(StrEnum):
    discectomy = "discectomy"
    laminectomy = "laminectomy"
    fusion = "fusion"
    other = "other"


class SideChoice(StrEnum):
    left = "left"
    right = "right"
    both = "both"
    central = "central"
    unknown = "unknown"


assert {c.value for c in ProcedureChoice} == set(get_args(SurgicalProcedure))
assert {c.value for c in SideChoice} == set(get_args(Side))


class Order(StrEnum):
    attention = "attention"
    registered = "registered"


class Format(StrEnum):
    text = "text"
    json = "json"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@patient_app.command("add")
def add(  # noqa: PLR0917 - Typer maps each command-line option to one parameter
    name: Annotated[str, typer.Option(help="The patient's name as the team uses it.")],
    surgery_date: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Date of the operation.")
    ],
    procedure: Annotated[ProcedureChoice, typer.Option(help="The operation.")],
    levels: Annotated[str, typer.Option(help="Spinal levels, comma-separated: L4-L5,L5-S1")] = "",
    side: Annotated[
        SideChoice, typer.Option(help="Side of the leg symptoms.")
    ] = SideChoice.unknown,
    team: Annotated[str, typer.Option(help="Care team (created if new).")] = "Default team",
    reference: Annotated[
        str | None, typer.Option(help="Hospital or clinic reference (generated if not given).")
    ] = None,
    birth_year: Annotated[int | None, typer.Option()] = None,
    baseline_leg_pain: Annotated[
        int | None, typer.Option(help="Leg pain before surgery, 0-10.")
    ] = None,
    baseline_back_pain: Annotated[
        int | None, typer.Option(help="Back pain before surgery, 0-10.")
    ] = None,
    baseline_odi: Annotated[
        int | None, typer.Option(help="Oswestry Disability Index before surgery, 0-100.")
    ] = None,
    url: UrlOption = None,
) -> None:
    """Register a patient with their operation and, if known, their scores before it."""
    if baseline_leg_pain is None and (baseline_back_pain is not None or baseline_odi is not None):
        raise _fail("a baseline needs --baseline-leg-pain (the measure recovery is judged by)")
    try:
        new = NewPatient(
            team=team,
            reference=reference,
            display_name=name,
            birth_year=birth_year,
            surgery=Surgery(
                date=surgery_date.date(),
                procedure=procedure.value,
                spinal_levels=tuple(level.strip() for level in levels.split(",") if level.strip()),
                side=side.value,
            ),
            baseline=None
            if baseline_leg_pain is None
            else Baseline(
                leg_pain=baseline_leg_pain,
                back_pain=baseline_back_pain,
                function_odi=baseline_odi,
            ),
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise _fail(problems) from None
    with opened_store(url) as store:
        record = add_patient(store.sessions, new=new, actor=cli_actor())
    typer.echo(f"added patient {record.id} ({record.reference}): {_describe(record)}")


def _describe(record: PatientRecord) -> str:
    surgery = record.surgery
    levels = f" {', '.join(surgery.spinal_levels)}" if surgery.spinal_levels else ""
    return (
        f"{record.display_name}, {surgery.procedure}{levels} ({surgery.side}) on {surgery.date}, "
        f"team {record.team}" + (" [SYNTHETIC]" if record.is_synthetic else "")
    )


def _ranked_line(row: RankedPatient) -> str:
    level = (row.last_level or "-").replace("_", " ")
    return f"{row.patient_id:>6}  {row.reference:<14} {level:<10} {'; '.join(row.reasons)}"


@patient_app.command("list")
def list_(
    team: Annotated[str | None, typer.Option(help="Only this care team.")] = None,
    order: Annotated[
        Order, typer.Option(help="Most in need of attention first, or oldest first.")
    ] = Order.attention,
    output: Annotated[Format, typer.Option("--format")] = Format.text,
    url: UrlOption = None,
) -> None:
    """List patients, by default most in need of attention first, with the reasons."""
    with opened_store(url) as store:
        if order is Order.attention:
            ranked = rank_patients(store.sessions, team=team, actor=cli_actor())
            if output is Format.json:
                typer.echo(json.dumps([row.model_dump(mode="json") for row in ranked], indent=2))
                return
            typer.echo(f"{'number':>6}  {'reference':<14} {'latest':<10} why")
            for row in ranked:
                typer.echo(_ranked_line(row))
            return
        records = list_patients(store.sessions, team=team, actor=cli_actor())
    if output is Format.json:
        typer.echo(json.dumps([record.model_dump(mode="json") for record in records], indent=2))
        return
    for record in records:
        typer.echo(f"{record.id:>6}  {record.reference:<14} {_describe(record)}")


@patient_app.command("show")
def show(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    last: Annotated[int, typer.Option(help="How many recent check-ins to show.")] = 10,
    url: UrlOption = None,
) -> None:
    """One patient's record: operation, baseline, treatments and the latest check-ins."""
    with opened_store(url) as store:
        record, history = read_patient_history(store.sessions, patient=patient, actor=cli_actor())
    typer.echo(f"patient {record.id} ({record.reference}): {_describe(record)}")
    if record.birth_year is not None:
        typer.echo(f"born: {record.birth_year}")
    baseline = record.baseline
    if baseline is None:
        typer.echo("baseline: not recorded")
    else:
        typer.echo(
            f"baseline: leg pain {baseline.leg_pain}/10, back pain "
            f"{'-' if baseline.back_pain is None else baseline.back_pain}/10, ODI "
            f"{'-' if baseline.function_odi is None else baseline.function_odi}"
        )
    for trial in history.medications:
        stopped = f" to {trial.stopped_on}" if trial.stopped_on else " (ongoing)"
        typer.echo(f"medication: {trial.drug} from {trial.started_on}{stopped}, {trial.outcome}")
    for done in history.procedures_done:
        typer.echo(f"procedure: {done.kind} on {done.performed_on}, {done.outcome}")
    if history.open_red_flags:
        typer.echo(f"OPEN RED FLAGS: {', '.join(history.open_red_flags)}")
    typer.echo(f"check-ins: {len(history.points)}")
    for point in history.points[-last:]:
        flags = f"  red flags: {', '.join(point.red_flags)}" if point.red_flags else ""
        typer.echo(
            f"  {point.recorded_on}  day {point.days_since_surgery:>3}  leg {point.leg_pain:>2}/10"
            f"  {(point.triage_level or '-'):<9}{flags}"
        )


def store_for_patient(
    *,
    patient: str,
    checkin: CheckIn,
    result: TriageResult,
    client_id: str | None,
    url: str | None = None,
    side_effects: Sequence[SideEffectAnswer] = (),
) -> str:
    """Store a triaged check-in for a patient (used by `nervecare checkin --patient`), with the
    side-effect answers given while a medicine is being started, in one transaction.

    A check-in that names a different patient inside it is refused: it may be someone else's.
    """
    with opened_store(url) as store:
        if checkin.patient_id is not None:
            record = get_patient(store.sessions, patient=patient, actor=cli_actor())
            if checkin.patient_id not in (record.reference, str(record.id)):
                raise _fail(
                    f"the check-in is for patient {checkin.patient_id!r}, not {patient!r}: "
                    "nothing was stored"
                )
        both = record_checkin_with_side_effects(
            store.sessions,
            patient_id=patient,
            checkin=checkin,
            triage_result=result,
            side_effects=side_effects,
            client_id=client_id,
            actor=cli_actor(),
        )
    stored = both.checkin
    if stored.created:
        answers = (
            f", with {len(both.side_effects)} side-effect answer(s)" if both.side_effects else ""
        )
        return f"stored as check-in {stored.id} for patient {stored.patient_id}{answers}"
    return (
        f"already stored as check-in {stored.id} (same client id {client_id!r}): not stored again"
    )
