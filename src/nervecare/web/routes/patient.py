"""The patient's pages: home (chart, latest result, medicines, exercise), the check-in form, and
the result page with its confirm step."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecare.checkin import CheckInError, parse_checkin
from nervecare.questionnaire import Question, load_questionnaire
from nervecare.recovery import assess_trajectory
from nervecare.store.errors import ClientIdConflictError
from nervecare.store.service import get_patient
from nervecare.store.views import (
    PatientHiddenError,
    checkin_for,
    patient_overview,
    record_confirmation,
)
from nervecare.triage import level_rank, triage
from nervecare.triage.levels import Level
from nervecare.web.catalogue import rule_patient_texts
from nervecare.web.charts import expected_upper_by_day, pain_chart_svg
from nervecare.web.checkin_form import (
    answers_from_form,
    build_document,
    parse_answer,
    section_problems,
    web_sections,
)
from nervecare.web.deps import CsrfChecked, CurrentPatient, PageDep, StoreDep
from nervecare.web.submit import CONFIRM_PREFIX, submit_checkin

__all__ = ["router"]

router = APIRouter(tags=["patient"], include_in_schema=False)


def _not_found() -> HTTPException:
    return HTTPException(status_code=404, detail="not found")


@router.get("/home")
def home(page: PageDep, principal: CurrentPatient, store: StoreDep) -> Response:
    assert principal.patient_id is not None
    overview = patient_overview(
        store.sessions, principal=principal, patient_id=principal.patient_id
    )
    history = overview.history
    today = dt.datetime.now(dt.UTC).date()
    last_day = max((p.days_since_surgery for p in history.points), default=0)
    chart = pain_chart_svg(
        history.points,
        band=expected_upper_by_day(history, last_day=last_day),
        baseline_leg_pain=None if history.baseline is None else history.baseline.leg_pain,
        translate=page.translate,
    )
    trajectory = assess_trajectory(history, on=today)
    medicines = [m for m in history.medications if m.stopped_on is None or m.stopped_on >= today]
    return page.render(
        "patient/home.html",
        overview=overview,
        chart=chart,
        trajectory=trajectory,
        medicines=medicines,
        exercise=history.exercise,
        latest=overview.checkins[0] if overview.checkins else None,
        days_since_surgery=max(0, (today - history.surgery.date).days),
    )


def _render_step(
    page: PageDep,
    *,
    step: int,
    answers: dict[str, list[str]],
    client_id: str,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    sections = web_sections()
    return page.render(
        "patient/checkin.html",
        status_code=status_code,
        sections=sections,
        step=step,
        section=sections[step],
        answers=answers,
        client_id=client_id,
        problems=problems or {},
        questionnaire=load_questionnaire(),
    )


@router.get("/checkin")
def checkin_form(page: PageDep, principal: CurrentPatient) -> Response:
    return _render_step(page, step=0, answers={}, client_id=str(uuid.uuid4()))


def _first_step_with_problem(problems: dict[str, str]) -> int:
    for number, section in enumerate(web_sections()):
        if any(q.field in problems for q in section.questions):
            return number
    return 0


@router.post("/checkin")
async def checkin_post(
    request: Request, page: PageDep, principal: CsrfChecked, store: StoreDep
) -> Response:
    """Next, back, or send: every answer so far comes with each post."""
    if principal.kind != "patient" or principal.patient_id is None:
        raise HTTPException(status_code=403, detail="this page is for patients")
    form = await request.form()
    sections = web_sections()
    answers = answers_from_form(list(form.multi_items()), sections)
    client_id = str(form.get("client_id") or uuid.uuid4())[:128]
    try:
        step = min(max(int(str(form.get("step", "0"))), 0), len(sections) - 1)
    except ValueError:
        step = 0
    action = str(form.get("action", "next"))
    if action == "back":
        return _render_step(page, step=max(0, step - 1), answers=answers, client_id=client_id)
    problems = section_problems(sections[step], answers)
    if problems:
        return _render_step(
            page,
            step=step,
            answers=answers,
            client_id=client_id,
            problems=problems,
            status_code=400,
        )
    if step < len(sections) - 1 and action != "send":
        if await _emergency_already(store, principal=principal, answers=answers):
            # Do not keep someone with an emergency answering questions: send now.
            return await _send(
                page, store, principal=principal, answers=answers, client_id=client_id
            )
        return _render_step(page, step=step + 1, answers=answers, client_id=client_id)
    return await _send(page, store, principal=principal, answers=answers, client_id=client_id)


async def _emergency_already(
    store: StoreDep, *, principal: CsrfChecked, answers: dict[str, list[str]]
) -> bool:
    """Do the answers so far already make this an emergency (structured rules only, fast)?"""
    assert principal.patient_id is not None
    record = await run_in_threadpool(
        get_patient, store.sessions, patient=principal.patient_id, actor=principal.actor
    )
    today = dt.datetime.now(dt.UTC).date()
    document, problems = build_document(
        {field: values for field, values in answers.items() if field != "notes"},
        days_since_surgery=max(0, (today - record.surgery.date).days),
        procedure=record.surgery.procedure,
        recorded_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    )
    if problems or "leg_pain" not in document:
        return False
    try:
        return triage(parse_checkin(document)).level == "emergency"
    except CheckInError:
        return False


async def _send(
    page: PageDep,
    store: StoreDep,
    *,
    principal: CsrfChecked,
    answers: dict[str, list[str]],
    client_id: str,
) -> Response:
    assert principal.patient_id is not None
    record = await run_in_threadpool(
        get_patient, store.sessions, patient=principal.patient_id, actor=principal.actor
    )
    now = dt.datetime.now(dt.UTC)
    document, problems = build_document(
        answers,
        days_since_surgery=max(0, (now.date() - record.surgery.date).days),
        procedure=record.surgery.procedure,
        recorded_at=now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    )
    if problems:
        return _render_step(
            page,
            step=_first_step_with_problem(problems),
            answers=answers,
            client_id=client_id,
            problems=problems,
            status_code=400,
        )
    try:
        stored = await run_in_threadpool(
            lambda: submit_checkin(
                store, principal=principal, document=document, client_id=client_id
            )
        )
    except CheckInError as error:
        found = {problem.field: "invalid" for problem in error.problems}
        return _render_step(
            page,
            step=_first_step_with_problem(found),
            answers=answers,
            client_id=client_id,
            problems=found,
            status_code=400,
        )
    except ClientIdConflictError:
        raise HTTPException(status_code=409, detail="already sent") from None
    return RedirectResponse(f"/checkins/{stored.id}", status_code=303)


def _confirm_questions(triage: dict[str, Any]) -> list[Question]:
    fields: list[str] = []
    for reason in triage.get("reasons", []):
        if reason.get("certainty") == "possible":
            fields += [f for f in reason.get("confirm_fields", ()) if f not in fields]
    by_field = {q.field: q for q in load_questionnaire().questions()}
    return [by_field[f] for f in fields if f in by_field]


@router.get("/checkins/{checkin_id}")
def result(
    checkin_id: int,
    page: PageDep,
    principal: CurrentPatient,
    store: StoreDep,
    confirmed: str | None = None,
) -> Response:
    """What to do now comes first; then why; then, if the notes suggest a warning sign the
    answers did not, the questions again."""
    try:
        view = checkin_for(store.sessions, principal=principal, checkin_id=checkin_id)
    except PatientHiddenError:
        raise _not_found() from None
    level: Level = view.stored.level
    client_id = view.stored.client_id or ""
    if client_id.startswith(CONFIRM_PREFIX):
        try:
            original = checkin_for(
                store.sessions,
                principal=principal,
                checkin_id=int(client_id.removeprefix(CONFIRM_PREFIX)),
            )
            if level_rank(original.stored.level) > level_rank(level):
                level = original.stored.level  # never lowered by the confirm step
        except (PatientHiddenError, ValueError):
            pass
    questions = (
        []
        if confirmed or client_id.startswith(CONFIRM_PREFIX)
        else _confirm_questions(view.stored.triage)
    )
    return page.render(
        "patient/result.html",
        view=view,
        level=level,
        triage=view.stored.triage,
        confirm_questions=questions,
        questionnaire=load_questionnaire(),
        confirmed=confirmed,
        patient_texts=rule_patient_texts(),
    )


@router.post("/checkins/{checkin_id}/confirm")
async def confirm(
    checkin_id: int, request: Request, page: PageDep, principal: CsrfChecked, store: StoreDep
) -> Response:
    """Answer "no" keeps the result and records the answer; any sign reported is triaged again
    with the structured answer (a new check-in), and the shown level is never lowered."""
    if principal.kind != "patient":
        raise HTTPException(status_code=403, detail="this page is for patients")
    try:
        view = await run_in_threadpool(
            lambda: checkin_for(store.sessions, principal=principal, checkin_id=checkin_id)
        )
    except PatientHiddenError:
        raise _not_found() from None
    questions = _confirm_questions(view.stored.triage)
    form = await request.form()
    sections = [s for s in web_sections() if any(q in questions for q in s.questions)]
    answers = answers_from_form(list(form.multi_items()), sections)
    structured: dict[str, object] = {}
    questionnaire = load_questionnaire()
    for question in questions:
        value, problem = parse_answer(questionnaire, question, answers.get(question.field, []))
        if problem is None and value not in (None, [], False, "none"):
            structured[question.field] = value
    await run_in_threadpool(
        lambda: record_confirmation(
            store.sessions,
            principal=principal,
            checkin_id=checkin_id,
            answers={q.field: answers.get(q.field, []) for q in questions},
            reported=bool(structured),
        )
    )
    if not structured:
        return RedirectResponse(f"/checkins/{checkin_id}?confirmed=no", status_code=303)
    document = {k: v for k, v in view.document.items() if k != "recorded_at"}
    document.update(structured)
    stored = await run_in_threadpool(
        lambda: submit_checkin(
            store,
            principal=principal,
            document=document,
            client_id=f"{CONFIRM_PREFIX}{checkin_id}",
        )
    )
    return RedirectResponse(f"/checkins/{stored.id}", status_code=303)
