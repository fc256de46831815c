"""The care team's pages: patients ranked by need of attention, the alert queue with delivery
state (and sending a failed alert again), a patient's record (timeline, chart, trajectory,
stepped-care suggestions, daily reminder) and enrolment of a new patient."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, NoReturn

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from nervecare.alerts.followup import set_reminder
from nervecare.alerts.reminders import InvalidTimeZoneError, time_zone
from nervecare.careplan import CLINICAL_JUDGEMENT_NOTICE, suggest_care
from nervecare.knowledge import load_sources
from nervecare.recovery import Baseline, Surgery, assess_trajectory
from nervecare.store.accounts import issue_enrolment_code
from nervecare.store.alert_queue import (
    AlertNotFoundError,
    acknowledge_alert,
    alert_deliveries,
    alert_queue,
    delivery_status,
    resend_alert,
    resolve_alert,
)
from nervecare.store.errors import StoreError
from nervecare.store.schemas import NewPatient
from nervecare.store.service import add_patient, get_patient, rank_patients
from nervecare.store.views import PatientHiddenError, patient_overview, require_patient_access
from nervecare.web.charts import expected_upper_by_day, pain_chart_svg
from nervecare.web.deps import (
    ClinicianForm,
    ClockDep,
    CsrfChecked,
    CurrentClinician,
    PageDep,
    RowId,
    StoreDep,
)
from nervecare.web.team_followup import BURDEN_WINDOW, patient_reminder, team_followup

__all__ = ["router"]

router = APIRouter(tags=["clinician"], include_in_schema=False)


#: Patients listed per team at first: the most pressing; the rest are one link away.
DASHBOARD_LIMIT = 100


@router.get("/dashboard")
def dashboard(
    page: PageDep,
    principal: CurrentClinician,
    store: StoreDep,
    clock: ClockDep,
    limit: int = DASHBOARD_LIMIT,
) -> Response:
    shown = min(max(limit, 1), 100_000)
    teams = [
        (name, rank_patients(store.sessions, team=name, limit=shown, actor=principal.actor))
        for name in principal.team_names
    ]
    alerts = alert_queue(store.sessions, principal=principal, limit=10)
    followup = team_followup(store.sessions, principal=principal, now=clock())
    return page.render(
        "clinician/dashboard.html",
        teams=teams,
        alerts=alerts,
        limit=shown,
        delivery=delivery_status(store.sessions, principal=principal),
        followup=followup,
        burden_weeks=BURDEN_WINDOW.days // 7,
    )


@router.get("/alerts")
def alerts(
    page: PageDep, principal: CurrentClinician, store: StoreDep, resolved: bool = False
) -> Response:
    queue = alert_queue(store.sessions, principal=principal, include_resolved=resolved)
    return page.render(
        "clinician/alerts.html",
        alerts=queue,
        show_resolved=resolved,
        delivery=delivery_status(store.sessions, principal=principal),
    )


@router.get("/alerts/{alert_id}/deliveries")
def deliveries(
    alert_id: RowId, page: PageDep, principal: CurrentClinician, store: StoreDep
) -> Response:
    """Every attempt to deliver one alert: when, to which channel, and what went wrong."""
    try:
        found = alert_deliveries(store.sessions, principal=principal, alert_id=alert_id)
    except AlertNotFoundError:
        _refused(store, principal, f"alert {alert_id}")
    return page.render("clinician/deliveries.html", alert=found.alert, attempts=found.attempts)


@router.post("/alerts/{alert_id}/send-again")
def send_again(alert_id: RowId, principal: ClinicianForm, store: StoreDep) -> Response:
    """Put a dead-lettered alert back in the outbox (after its channel has been fixed)."""
    try:
        resend_alert(store.sessions, principal=principal, alert_id=alert_id)
    except AlertNotFoundError:
        _refused(store, principal, f"alert {alert_id}")
    except StoreError:
        raise HTTPException(
            status_code=409, detail="this alert is not waiting to be sent again"
        ) from None
    return RedirectResponse(f"/alerts#alert-{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(alert_id: RowId, principal: ClinicianForm, store: StoreDep) -> Response:
    try:
        acknowledge_alert(store.sessions, principal=principal, alert_id=alert_id)
    except AlertNotFoundError:
        _refused(store, principal, f"alert {alert_id}")
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/{alert_id}/resolve")
def resolve(
    alert_id: RowId,
    principal: ClinicianForm,
    store: StoreDep,
    note: Annotated[str, Form(max_length=4000)] = "",
    actionable: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Close an alert with a note and the answer to "did this alert lead to action?"."""
    if not note.strip():
        raise HTTPException(status_code=400, detail="write a short note on what was done")
    if actionable not in _YES_NO:
        raise HTTPException(status_code=400, detail="say whether this alert led to action")
    try:
        resolve_alert(
            store.sessions,
            principal=principal,
            alert_id=alert_id,
            note=note,
            actionable=_YES_NO[actionable],
        )
    except AlertNotFoundError:
        _refused(store, principal, f"alert {alert_id}")
    return RedirectResponse("/alerts", status_code=303)


_YES_NO = {"yes": True, "no": False}


def _refused(store: StoreDep, principal: CsrfChecked, what: str) -> NoReturn:
    from nervecare.store.accounts import record_denied_access  # noqa: PLC0415

    record_denied_access(store.sessions, principal=principal, patient_id=None, what=what)
    raise HTTPException(status_code=404, detail="not found")


@router.get("/patients/new")
def new_patient_form(page: PageDep, principal: CurrentClinician) -> Response:
    return page.render("clinician/enrol.html", values={}, error=None)


@router.post("/patients/new")
def new_patient(
    page: PageDep,
    principal: ClinicianForm,
    store: StoreDep,
    *,
    display_name: Annotated[str, Form(max_length=200)] = "",
    team: Annotated[str, Form(max_length=200)] = "",
    surgery_date: Annotated[str, Form(max_length=10)] = "",
    procedure: Annotated[str, Form(max_length=32)] = "",
    spinal_levels: Annotated[str, Form(max_length=100)] = "",
    side: Annotated[str, Form(max_length=16)] = "unknown",
    baseline_leg_pain: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    """Register a patient in one of the clinician's teams and give them a one-time code."""
    values = {
        "display_name": display_name,
        "team": team,
        "surgery_date": surgery_date,
        "procedure": procedure,
        "spinal_levels": spinal_levels,
        "side": side,
        "baseline_leg_pain": baseline_leg_pain,
    }
    if team not in principal.team_names:
        raise HTTPException(status_code=403, detail="you can enrol patients in your teams only")
    try:
        new = NewPatient(
            team=team,
            display_name=display_name.strip(),
            surgery=Surgery(
                date=dt.date.fromisoformat(surgery_date),
                procedure=procedure,
                spinal_levels=tuple(x.strip() for x in spinal_levels.split(",") if x.strip()),
                side=side,
            ),
            baseline=(
                Baseline(leg_pain=int(baseline_leg_pain)) if baseline_leg_pain.strip() else None
            ),
        )
    except (ValidationError, ValueError):
        return page.render(
            "clinician/enrol.html",
            status_code=400,
            values=values,
            error=page.translate(
                "Please check the name, the date of the operation and the scores."
            ),
        )
    try:
        record = add_patient(store.sessions, new=new, actor=principal.actor)
    except StoreError as error:
        return page.render("clinician/enrol.html", status_code=400, values=values, error=str(error))
    code = issue_enrolment_code(
        store.sessions,
        patient_id=record.id,
        clinician_id=principal.clinician_id,
        actor=principal.actor,
    )
    return page.render("clinician/enrolled.html", record=record, code=code)


@router.get("/patients/{patient_id}")
def patient_page(
    patient_id: RowId, page: PageDep, principal: CurrentClinician, store: StoreDep
) -> Response:
    return _patient_page(page, principal, store, patient_id=patient_id)


def _patient_page(
    page: PageDep,
    principal: CsrfChecked,
    store: StoreDep,
    *,
    patient_id: int,
    reminder_error: str | None = None,
    reminder_values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        overview = patient_overview(store.sessions, principal=principal, patient_id=patient_id)
    except PatientHiddenError:
        raise HTTPException(status_code=404, detail="not found") from None
    history = overview.history
    today = dt.datetime.now(dt.UTC).date()
    trajectory = assess_trajectory(history, on=today)
    suggestions = suggest_care(history, trajectory)
    last_day = max((p.days_since_surgery for p in history.points), default=0)
    chart = pain_chart_svg(
        history.points,
        band=expected_upper_by_day(history, last_day=last_day),
        baseline_leg_pain=None if history.baseline is None else history.baseline.leg_pain,
        translate=page.translate,
    )
    registry = load_sources()
    keys = [key for figure in trajectory.figures_used for key in figure.sources]
    keys += [key for suggestion in suggestions for key in suggestion.sources]
    sources = [
        (key, registry[key].citation() if key in registry else key) for key in dict.fromkeys(keys)
    ]
    alerts = alert_queue(
        store.sessions, principal=principal, patient_id=patient_id, include_resolved=True
    )
    reminder = patient_reminder(store.sessions, patient_id=patient_id)
    if reminder_values is None:
        reminder_values = {
            "email": reminder.email if reminder else "",
            "remind_at": reminder.remind_at.strftime("%H:%M") if reminder else "18:00",
            "time_zone": reminder.time_zone if reminder else DEFAULT_TIME_ZONE,
            "enabled": "yes" if reminder is None or reminder.enabled else "",
        }
    return page.render(
        "clinician/patient.html",
        status_code=status_code,
        reminder=reminder,
        reminder_values=reminder_values,
        reminder_error=reminder_error,
        overview=overview,
        trajectory=trajectory,
        suggestions=suggestions,
        chart=chart,
        sources=sources,
        alerts=alerts,
        notice=CLINICAL_JUDGEMENT_NOTICE,
    )


@router.post("/patients/{patient_id}/enrolment-code")
def new_code(
    patient_id: RowId, page: PageDep, principal: ClinicianForm, store: StoreDep
) -> Response:
    """A fresh one-time code for a patient who lost theirs."""
    try:
        require_patient_access(
            store.sessions, principal=principal, patient_id=patient_id, what="enrolment code"
        )
    except PatientHiddenError:
        raise HTTPException(status_code=404, detail="not found") from None
    code = issue_enrolment_code(
        store.sessions,
        patient_id=patient_id,
        clinician_id=principal.clinician_id,
        actor=principal.actor,
    )
    overview = patient_overview(store.sessions, principal=principal, patient_id=patient_id)
    return page.render("clinician/enrolled.html", record=overview.record, code=code)


#: Suggested for a new reminder; the clinician changes it to the patient's own zone.
DEFAULT_TIME_ZONE = "Europe/London"


@router.post("/patients/{patient_id}/reminder")
def set_patient_reminder(
    patient_id: RowId,
    page: PageDep,
    principal: ClinicianForm,
    store: StoreDep,
    clock: ClockDep,
    *,
    email: Annotated[str, Form(max_length=320)] = "",
    remind_at: Annotated[str, Form(max_length=8)] = "",
    time_zone_name: Annotated[str, Form(alias="time_zone", max_length=64)] = "",
    enabled: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Set when (patient's local time) and where the daily check-in reminder goes."""
    try:
        require_patient_access(
            store.sessions, principal=principal, patient_id=patient_id, what="reminder"
        )
    except PatientHiddenError:
        raise HTTPException(status_code=404, detail="not found") from None
    values = {
        "email": email.strip(),
        "remind_at": remind_at.strip(),
        "time_zone": time_zone_name.strip(),
        "enabled": enabled,
    }
    try:
        at = dt.time.fromisoformat(values["remind_at"])
        time_zone(values["time_zone"])
        if not _looks_like_email(values["email"]):
            raise ValueError("not an email address")
    except (ValueError, InvalidTimeZoneError):
        return _patient_page(
            page,
            principal,
            store,
            patient_id=patient_id,
            reminder_error=page.translate(
                "Please check the email address, the time (such as 18:00) and the time zone "
                "(such as Europe/London)."
            ),
            reminder_values=values,
            status_code=400,
        )
    record = get_patient(store.sessions, patient=patient_id, actor=principal.actor)
    set_reminder(
        store.sessions,
        patient=record.reference,
        email=values["email"],
        remind_at=at,
        zone=values["time_zone"],
        actor=principal.actor,
        now=clock(),
        enabled=enabled == "yes",
    )
    return RedirectResponse(f"/patients/{patient_id}#reminder-heading", status_code=303)


def _looks_like_email(text: str) -> bool:
    """One @ with something either side and no spaces: enough to catch typing slips."""
    local, at, domain = text.partition("@")
    return bool(local and at and "." in domain and not any(c.isspace() for c in text))
