"""`nervecare plan med|dose|exercise`: medication plans with safety checks, and the exercise
programme, from the terminal (the same services as the web pages)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from nervecare.cli._app import app
from nervecare.cli.db import UrlOption, cli_actor, opened_store
from nervecare.medications import (
    MedicationPlan,
    PatientFacts,
    PlanFinding,
    PlanItem,
    check_plan,
    doses_on,
    explanations_for,
    plan_schedule,
    side_effect_questions,
)
from nervecare.rehab import Programme, programme_for
from nervecare.store.plans import (
    StoredPlan,
    activate_medication_plan,
    active_exercise_programme,
    active_medication_plan,
    assign_exercise_programme,
    dose_summary,
    exercise_adherence,
    read_medication_plans,
    record_dose,
    record_exercise,
    review_progression,
    save_medication_plan,
    stop_medication_plan,
)
from nervecare.store.service import get_patient

__all__ = ["plan_app"]

plan_app = typer.Typer(
    help="Medication plans (checked before they go out) and exercise programmes."
)
med_app = typer.Typer(help="Build, check, activate and show medication plans.")
dose_app = typer.Typer(help="Record a dose as taken or missed.")
exercise_app = typer.Typer(help="Assign and follow the exercise programme.")
plan_app.add_typer(med_app, name="med")
plan_app.add_typer(dose_app, name="dose")
plan_app.add_typer(exercise_app, name="exercise")
app.add_typer(plan_app, name="plan")

DateOption = Annotated[
    dt.datetime | None, typer.Option("--on", formats=["%Y-%m-%d"], help="Day (default: today).")
]
ItemOption = Annotated[
    list[str],
    typer.Option(
        "--item",
        help=(
            "One medicine as key=value pairs: drug=gabapentin,start=300,target=1800,step=300,"
            "every=1 (optional: indication, times, course, start_on=YYYY-MM-DD, note). Repeat "
            "for several medicines."
        ),
    ),
]
_ITEM_KEYS = {
    "drug": "drug",
    "start": "start_daily_mg",
    "target": "target_daily_mg",
    "step": "step_mg",
    "every": "step_every_days",
    "indication": "indication",
    "times": "times_per_day",
    "course": "course_days",
    "start_on": "start_on",
    "note": "note",
}


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _day(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else dt.date.today()


def _plan(items: list[str], *, start_on: dt.date, prescriber: str) -> MedicationPlan:
    parsed: list[PlanItem] = []
    for text in items:
        fields: dict[str, Any] = {"start_on": start_on}
        for pair in filter(None, (part.strip() for part in text.split(","))):
            key, sep, value = pair.partition("=")
            if not sep or key.strip() not in _ITEM_KEYS:
                raise _fail(f"--item {text!r}: use key=value with keys {', '.join(_ITEM_KEYS)}")
            fields[_ITEM_KEYS[key.strip()]] = value.strip()
        fields.setdefault("target_daily_mg", fields.get("start_daily_mg"))
        try:
            parsed.append(PlanItem.model_validate(fields))
        except ValidationError as error:
            raise _fail(f"--item {text!r}: {error.errors()[0]['msg']}") from None
    if not parsed:
        raise _fail("give at least one --item")
    try:
        return MedicationPlan(items=tuple(parsed), prescriber=prescriber)
    except ValidationError as error:
        raise _fail(error.errors()[0]["msg"]) from None


def _facts(  # noqa: PLR0917 - one parameter per command-line option
    url: str | None,
    patient: str,
    age: int | None,
    sex: str | None,
    weight: float | None,
    creatinine: float | None,
    crcl: float | None,
    conditions: list[str],
    taking: list[str],
) -> PatientFacts:
    """The patient's facts: operation and age from the record, the rest from the options."""
    with opened_store(url) as store:
        record = get_patient(store.sessions, patient=patient, actor=cli_actor())
    if age is None and record.birth_year is not None:
        age = max(18, dt.date.today().year - record.birth_year)
    try:
        return PatientFacts.model_validate(
            {
                "age_years": age,
                "sex": sex,
                "weight_kg": weight,
                "serum_creatinine_mg_dl": creatinine,
                "crcl_ml_min": crcl,
                "conditions": conditions,
                "other_medicines": tuple(taking),
                "procedure": record.surgery.procedure,
                "surgery_on": record.surgery.date,
            }
        )
    except ValidationError as error:
        problem = error.errors()[0]
        raise _fail(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}") from None


def _show_findings(findings: tuple[PlanFinding, ...]) -> None:
    if not findings:
        typer.echo("Checks: no findings.")
        return
    typer.echo("Checks:")
    for finding in findings:
        where = f" [{finding.drug}]" if finding.drug else ""
        typer.echo(f"  {finding.severity.upper():8} {finding.code}{where}: {finding.reason}")
        typer.echo(f"           sources: {', '.join(finding.sources)}")


def _show_plan(stored: StoredPlan) -> None:
    typer.echo(f"Plan {stored.id} ({stored.status}) by {stored.prescriber}")
    for item in stored.plan.items:
        pace = ""
        if item.step_mg is not None:
            pace = f", +{item.step_mg:g} mg every {item.step_every_days} day(s)"
        typer.echo(
            f"  {item.drug_key}: from {item.start_on.isoformat()}, {item.start_daily_mg:g} to "
            f"{item.target_daily_mg:g} mg/day{pace}"
        )
    _show_findings(stored.findings)


@med_app.command("check")
def med_check(  # noqa: PLR0917 - Typer maps each option to one parameter
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    item: ItemOption,
    start_date: DateOption = None,
    age: Annotated[int | None, typer.Option(help="Age (default: from birth year).")] = None,
    sex: Annotated[str | None, typer.Option(help="female or male (for Cockcroft-Gault).")] = None,
    weight: Annotated[float | None, typer.Option(help="Weight in kg.")] = None,
    creatinine: Annotated[float | None, typer.Option(help="Serum creatinine, mg/dL.")] = None,
    crcl: Annotated[
        float | None, typer.Option(help="Measured creatinine clearance, mL/min.")
    ] = None,
    condition: Annotated[
        list[str],
        typer.Option(
            help="chronic_kidney_disease, lung_disease, falls_history, "
            "nsaids_restricted_after_fusion (repeat)."
        ),
    ] = [],  # noqa: B006 - Typer reads the default, never mutates it
    taking: Annotated[list[str], typer.Option(help="A medicine already taken (repeat).")] = [],  # noqa: B006
    url: UrlOption = None,
) -> None:
    """Check a plan against the patient without storing it."""
    facts = _facts(url, patient, age, sex, weight, creatinine, crcl, condition, taking)
    plan = _plan(item, start_on=_day(start_date), prescriber=cli_actor())
    crcl_value = facts.creatinine_clearance()
    if crcl_value is not None:
        typer.echo(f"Creatinine clearance: {crcl_value:.0f} mL/min")
    _show_findings(check_plan(plan, facts))


@med_app.command("add")
def med_add(  # noqa: PLR0917 - Typer maps each option to one parameter
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    item: ItemOption,
    start_date: DateOption = None,
    prescriber: Annotated[str, typer.Option(help="Prescriber's name.")] = "",
    note: Annotated[str, typer.Option(help="Note for the team.")] = "",
    age: Annotated[int | None, typer.Option(help="Age (default: from birth year).")] = None,
    sex: Annotated[str | None, typer.Option(help="female or male (for Cockcroft-Gault).")] = None,
    weight: Annotated[float | None, typer.Option(help="Weight in kg.")] = None,
    creatinine: Annotated[float | None, typer.Option(help="Serum creatinine, mg/dL.")] = None,
    crcl: Annotated[
        float | None, typer.Option(help="Measured creatinine clearance, mL/min.")
    ] = None,
    condition: Annotated[list[str], typer.Option(help="A patient condition (repeat).")] = [],  # noqa: B006
    taking: Annotated[list[str], typer.Option(help="A medicine already taken (repeat).")] = [],  # noqa: B006
    url: UrlOption = None,
) -> None:
    """Check a plan and save it as a draft with its findings."""
    facts = _facts(url, patient, age, sex, weight, creatinine, crcl, condition, taking)
    plan = _plan(item, start_on=_day(start_date), prescriber=prescriber or cli_actor())
    with opened_store(url) as store:
        stored = save_medication_plan(
            store.sessions, patient=patient, plan=plan, facts=facts, note=note, actor=cli_actor()
        )
    _show_plan(stored)
    typer.echo(f"Saved as draft. Activate with: nervecare plan med activate {stored.id}")


@med_app.command("activate")
def med_activate(
    plan_id: Annotated[int, typer.Argument(help="Plan number.")],
    accept_warnings: Annotated[
        bool, typer.Option(help="I have read the warnings and accept them.")
    ] = False,
    url: UrlOption = None,
) -> None:
    """Send a draft plan out (refused while a 'stop' finding stands)."""
    with opened_store(url) as store:
        stored = activate_medication_plan(
            store.sessions, plan_id=plan_id, accept_warnings=accept_warnings, actor=cli_actor()
        )
    _show_plan(stored)


@med_app.command("stop")
def med_stop(
    plan_id: Annotated[int, typer.Argument(help="Plan number.")],
    reason: Annotated[str, typer.Option(help="Why it is stopped.")],
    url: UrlOption = None,
) -> None:
    """Stop a plan."""
    with opened_store(url) as store:
        stored = stop_medication_plan(
            store.sessions, plan_id=plan_id, reason=reason, actor=cli_actor()
        )
    typer.echo(f"Plan {stored.id} stopped.")


@med_app.command("show")
def med_show(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    url: UrlOption = None,
) -> None:
    """Every plan of the patient, with its checks, and doses of the last 7 days."""
    today = dt.date.today()
    with opened_store(url) as store:
        plans = read_medication_plans(store.sessions, patient=patient, actor=cli_actor())
        counts = dose_summary(
            store.sessions,
            patient=patient,
            from_date=today - dt.timedelta(days=6),
            to_date=today,
            actor=cli_actor(),
        )
    if not plans:
        typer.echo("No medication plans.")
    for stored in plans:
        _show_plan(stored)
    for count in counts:
        typer.echo(
            f"Doses, last 7 days, {count.drug}: {count.taken} taken, {count.missed} missed, "
            f"{count.due} due"
        )


@med_app.command("schedule")
def med_schedule(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    days: Annotated[int, typer.Option(min=1, max=120, help="Days to show.")] = 14,
    url: UrlOption = None,
) -> None:
    """The active plan day by day, with the plain explanations the patient sees."""
    with opened_store(url) as store:
        stored = active_medication_plan(store.sessions, patient=patient, actor=cli_actor())
    if stored is None:
        raise _fail("the patient has no active medication plan", 1)
    for item in stored.plan.items:
        typer.echo(f"{item.drug_key}:")
        for day in plan_schedule(item, extra_days=days)[:days]:
            mark = {
                "start": " (start)",
                "increase": " (dose goes up)",
                "decrease": " (dose goes down)",
                "same": "",
            }[day.change]
            typer.echo(
                f"  {day.on.isoformat()}  {day.daily_mg:g} mg a day = {day.times_per_day} x "
                f"{day.dose_mg:g} mg{mark}"
            )
    for explained in explanations_for(stored.plan):
        typer.echo(f"About {explained.drug}:")
        for text in explained.items:
            typer.echo(f"  - {text.text}")
        if explained.benefit:
            typer.echo(f"  - {explained.benefit}")


def _record_dose(
    *, patient: str, drug: str, on: dt.date, dose: int, status: str, url: str | None
) -> None:
    with opened_store(url) as store:
        stored = record_dose(
            store.sessions,
            patient=patient,
            drug=drug,
            on=on,
            dose_number=dose,
            status=status,  # type: ignore[arg-type]
            actor=cli_actor(),
        )
    already = "" if stored.created else " (already recorded)"
    typer.echo(f"{stored.drug} dose {stored.dose_number} on {on.isoformat()}: {status}{already}")


@dose_app.command("taken")
def dose_taken(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    drug: Annotated[str, typer.Option(help="The medicine.")],
    dose: Annotated[int, typer.Option(min=1, max=6, help="Which dose of the day.")] = 1,
    on: DateOption = None,
    url: UrlOption = None,
) -> None:
    """Record a dose as taken."""
    _record_dose(patient=patient, drug=drug, on=_day(on), dose=dose, status="taken", url=url)


@dose_app.command("missed")
def dose_missed(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    drug: Annotated[str, typer.Option(help="The medicine.")],
    dose: Annotated[int, typer.Option(min=1, max=6, help="Which dose of the day.")] = 1,
    on: DateOption = None,
    url: UrlOption = None,
) -> None:
    """Record a dose as missed."""
    _record_dose(patient=patient, drug=drug, on=_day(on), dose=dose, status="missed", url=url)


def _show_programme(programme: Programme) -> None:
    typer.echo(
        f"Phase: {programme.phase} ({programme.procedure_family}, week "
        f"{programme.weeks_since_surgery:g})"
    )
    for restriction in programme.restrictions:
        typer.echo(f"  Limit: {restriction.text}")
    for exercise in programme.exercises:
        dose = exercise.dose
        parts = [
            f"{dose.sets} x {dose.reps}" if dose.sets and dose.reps else "",
            f"hold {dose.hold_seconds} s" if dose.hold_seconds else "",
            f"{dose.minutes} min" if dose.minutes else "",
            f"{dose.times_per_day} times a day",
        ]
        typer.echo(f"  {exercise.title}: {', '.join(p for p in parts if p)}")
        typer.echo(f"    How: {exercise.how}")
        typer.echo(f"    Normal: {exercise.normal} Stop if: {exercise.stop_if}")
    for adjunct in programme.adjuncts:
        extra = f" ({adjunct.evidence})" if adjunct.evidence else ""
        typer.echo(f"  Helper: {adjunct.title}{extra}")


@exercise_app.command("assign")
def exercise_assign(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    on: DateOption = None,
    url: UrlOption = None,
) -> None:
    """Start the exercise programme for the patient's operation."""
    with opened_store(url) as store:
        stored = assign_exercise_programme(
            store.sessions, patient=patient, on=_day(on), actor=cli_actor()
        )
    typer.echo(f"Programme {stored.id} assigned ({stored.procedure}).")


def _programme_today(url: str | None, patient: str, day: dt.date) -> Programme:
    with opened_store(url) as store:
        found = active_exercise_programme(store.sessions, patient=patient, actor=cli_actor())
    if found is None:
        raise _fail("the patient has no exercise programme (nervecare plan exercise assign)", 1)
    stored, surgery_on = found
    return programme_for(
        procedure=stored.procedure,
        days_since_surgery=max(0, (day - surgery_on).days),
        level=stored.level,
    )


@exercise_app.command("show")
def exercise_show(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    on: DateOption = None,
    url: UrlOption = None,
) -> None:
    """The programme, the last 7 days' adherence and what the progression rules say."""
    day = _day(on)
    _show_programme(_programme_today(url, patient, day))
    with opened_store(url) as store:
        summary = exercise_adherence(
            store.sessions,
            patient=patient,
            from_date=day - dt.timedelta(days=6),
            to_date=day,
            actor=cli_actor(),
        )
        decision = review_progression(store.sessions, patient=patient, as_of=day, actor=cli_actor())
    if summary is not None:
        overall = "n/a" if summary.percent is None else f"{summary.percent:g}%"
        typer.echo(f"Adherence, last 7 days: {overall}")
        for line in summary.lines:
            typer.echo(f"  {line.exercise}: {line.done} of {line.planned}")
    typer.echo(f"Progression: {decision.decision} ({decision.rule}): {decision.reason}")
    typer.echo(f"  sources: {', '.join(decision.sources)}")


@exercise_app.command("today")
def exercise_today(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    on: DateOption = None,
    url: UrlOption = None,
) -> None:
    """What is due today: medicines (with side-effect questions) and exercises."""
    day = _day(on)
    with opened_store(url) as store:
        stored = active_medication_plan(store.sessions, patient=patient, actor=cli_actor())
    typer.echo(f"Today, {day.isoformat()}")
    if stored is not None:
        for due in doses_on(stored.plan, on=day):
            typer.echo(
                f"  Medicine: {due.drug} {due.daily_mg:g} mg a day = {due.times_per_day} x "
                f"{due.dose_mg:g} mg"
            )
        questions = side_effect_questions(stored.plan, on=day)
        if questions:
            drugs = ", ".join(dict.fromkeys(q.drug for q in questions))
            typer.echo(
                f"  While starting {drugs}: {len(questions)} side-effect questions are asked in "
                f"today's check-in (nervecare checkin --patient {patient})."
            )
    _show_programme(_programme_today(url, patient, day))


@exercise_app.command("done")
def exercise_done(  # noqa: PLR0917 - Typer maps each option to one parameter
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    exercise: Annotated[str, typer.Option(help="Exercise key, e.g. walking.")],
    on: DateOption = None,
    minutes: Annotated[int | None, typer.Option(min=1, max=600)] = None,
    spread_down_leg: Annotated[
        bool, typer.Option(help="Symptoms went further down the leg.")
    ] = False,
    pain_hours: Annotated[
        float | None, typer.Option(min=0, max=72, help="Hours pain stayed raised afterwards.")
    ] = None,
    url: UrlOption = None,
) -> None:
    """Record an exercise session and how it went."""
    with opened_store(url) as store:
        record_exercise(
            store.sessions,
            patient=patient,
            on=_day(on),
            exercise=exercise,
            minutes=minutes,
            symptoms_further_down_leg=spread_down_leg,
            pain_raised_hours=pain_hours,
            actor=cli_actor(),
        )
    typer.echo(f"Recorded {exercise} on {_day(on).isoformat()}.")


@exercise_app.command("review")
def exercise_review(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    on: DateOption = None,
    apply: Annotated[bool, typer.Option(help="Store the new level.")] = False,
    url: UrlOption = None,
) -> None:
    """Apply the progression rules to the recent check-ins and feedback."""
    with opened_store(url) as store:
        decision = review_progression(
            store.sessions, patient=patient, as_of=_day(on), apply=apply, actor=cli_actor()
        )
    typer.echo(f"{decision.decision} ({decision.rule}): {decision.reason}")
    typer.echo(f"Level: {', '.join(f'{k} {v}' for k, v in decision.level.items())}")
