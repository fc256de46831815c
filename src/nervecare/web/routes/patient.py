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
from nervecare.medications import SideEffectQuestion
from nervecare.questionnaire import NONE_OF_THESE, Section, load_questionnaire
from nervecare.recovery import assess_trajectory
from nervecare.store.errors import ClientIdConflictError
from nervecare.store.service import get_patient
from nervecare.store.side_effects import (
    SideEffectAnswersRefusedError,
    checkin_side_effects,
    due_side_effect_questions,
)
from nervecare.store.views import (
    PatientHiddenError,
    checkin_for,
    patient_overview,
)
from nervecare.triage import ConfirmAnswer, confirm_key, triage
from nervecare.triage.levels import Level
from nervecare.web.catalogue import rule_patient_texts
from nervecare.web.charts import expected_upper_by_day, pain_chart_svg
from nervecare.web.checkin_form import (
    answers_from_form,
    build_document,
    section_problems,
    web_sections,
)
from nervecare.web.deps import (
    ClockDep,
    CsrfChecked,
    CurrentPatient,
    PageDep,
    PatientForm,
    RowId,
    StoreDep,
)
from nervecare.web.side_effect_form import (
    answer_field,
    side_effect_answers_from_form,
    side_effect_problems,
    side_effect_text,
    words_field,
)
from nervecare.web.submit import answer_questions, submit_checkin_with_side_effects

__all__ = ["router"]

router = APIRouter(tags=["patient"], include_in_schema=False)


def _not_found() -> HTTPException:
    return HTTPException(status_code=404, detail="not found")


@router.get("/home")
def home(page: PageDep, principal: CurrentPatient, store: StoreDep, clock: ClockDep) -> Response:
    assert principal.patient_id is not None
    overview = patient_overview(
        store.sessions, principal=principal, patient_id=principal.patient_id
    )
    history = overview.history
    today = clock().date()
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
        waiting=next((c.stored.id for c in overview.checkins if _pending(c.stored.triage)), None),
    )


class _Steps:
    """The check-in's parts: the questionnaire's sections, with "Your new medicine" (the
    side-effect questions due today) just before the last one when a medicine is being started."""

    def __init__(self, medicine: tuple[SideEffectQuestion, ...]) -> None:
        self.sections = web_sections()
        self.medicine = medicine
        self.medicine_step = len(self.sections) - 1 if medicine else None

    def __len__(self) -> int:
        return len(self.sections) + (1 if self.medicine else 0)

    def section_at(self, step: int) -> Section | None:
        """The questionnaire section shown at `step` (None: the medicine step)."""
        if self.medicine_step is None or step < self.medicine_step:
            return self.sections[step]
        return None if step == self.medicine_step else self.sections[step - 1]

    def first_with_problem(self, problems: dict[str, str]) -> int:
        for number in range(len(self)):
            section = self.section_at(number)
            fields = (
                {f(q) for q in self.medicine for f in (answer_field, words_field)}
                if section is None
                else {q.field for q in section.questions}
            )
            if fields & set(problems):
                return number
        return 0


def _medicine_questions(
    store: StoreDep, principal: CurrentPatient | CsrfChecked
) -> tuple[SideEffectQuestion, ...]:
    assert principal.patient_id is not None
    return due_side_effect_questions(
        store.sessions,
        patient=principal.patient_id,
        on=dt.datetime.now(dt.UTC).date(),
        actor=principal.actor,
    )


def _render_step(
    page: PageDep,
    *,
    steps: _Steps,
    step: int,
    answers: dict[str, list[str]],
    client_id: str,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    language = page.language
    return page.render(
        "patient/checkin.html",
        status_code=status_code,
        sections=steps.sections,
        total=len(steps),
        step=step,
        section=steps.section_at(step),
        medicine=[
            {
                "question": q,
                "text": side_effect_text(q, "question", language),
                "answer_field": answer_field(q),
                "words_field": words_field(q),
                "id": f"se-{q.drug}-{q.key}",
            }
            for q in steps.medicine
        ],
        medicine_sources=_source_citations([k for q in steps.medicine for k in q.sources]),
        answers=answers,
        client_id=client_id,
        problems=problems or {},
        questionnaire=load_questionnaire(),
        none_of_these=NONE_OF_THESE,
    )


def _source_citations(keys: list[str]) -> list[tuple[str, str]]:
    from nervecare.knowledge import load_sources  # noqa: PLC0415

    registry = load_sources()
    return [(k, registry[k].citation() if k in registry else k) for k in dict.fromkeys(keys)]


@router.get("/checkin")
def checkin_form(page: PageDep, principal: CurrentPatient, store: StoreDep) -> Response:
    steps = _Steps(_medicine_questions(store, principal))
    return _render_step(page, steps=steps, step=0, answers={}, client_id=str(uuid.uuid4()))


@router.post("/checkin")
async def checkin_post(
    request: Request, page: PageDep, principal: PatientForm, store: StoreDep
) -> Response:
    """Next, back, or send: every answer so far comes with each post."""
    form = await request.form()
    steps = _Steps(await run_in_threadpool(_medicine_questions, store, principal))
    items = list(form.multi_items())
    answers = answers_from_form(items, steps.sections)
    answers.update(side_effect_answers_from_form(items, steps.medicine))
    client_id = str(form.get("client_id") or uuid.uuid4())[:128]
    try:
        step = min(max(int(str(form.get("step", "0"))), 0), len(steps) - 1)
    except ValueError:
        step = 0
    action = str(form.get("action", "next"))
    if action == "back":
        return _render_step(
            page, steps=steps, step=max(0, step - 1), answers=answers, client_id=client_id
        )
    section = steps.section_at(step)
    problems = (
        side_effect_problems(steps.medicine, answers)[1]
        if section is None
        else section_problems(section, answers)
    )
    if problems and not (
        _only_missing(problems)
        and await _emergency_already(store, principal=principal, answers=answers)
    ):
        return _render_step(
            page,
            steps=steps,
            step=step,
            answers=answers,
            client_id=client_id,
            problems=problems,
            status_code=400,
        )
    if problems:  # an emergency answer is never held back by a question not yet answered
        return await _send(
            page, store, principal=principal, steps=steps, answers=answers, client_id=client_id
        )
    if step < len(steps) - 1 and action != "send":
        if await _emergency_already(store, principal=principal, answers=answers):
            # Do not keep someone with an emergency answering questions: send now.
            return await _send(
                page, store, principal=principal, steps=steps, answers=answers, client_id=client_id
            )
        return _render_step(page, steps=steps, step=step + 1, answers=answers, client_id=client_id)
    return await _send(
        page, store, principal=principal, steps=steps, answers=answers, client_id=client_id
    )


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
    )
    if not _only_missing(problems) or "leg_pain" not in document:
        return False
    return _is_emergency(document)


#: The contract's largest `days_since_surgery`.
_LONGEST_DAYS = 3650


def _only_missing(problems: dict[str, str]) -> bool:
    """Every problem is a question not answered yet (none is a wrong answer)."""
    return all(code == "required" for code in problems.values())


def _is_emergency(document: dict[str, Any]) -> bool:
    """Do these answers already make an emergency (structured rules only, fast)?

    The days since the operation are capped at the contract's longest for this question only: a
    record with an impossible surgery date is stored as it is (see the store), and its emergency
    answers are still emergencies.
    """
    days = min(int(document.get("days_since_surgery", 0)), _LONGEST_DAYS)
    try:
        return triage(parse_checkin({**document, "days_since_surgery": days})).level == "emergency"
    except CheckInError:
        return False


async def _send(
    page: PageDep,
    store: StoreDep,
    *,
    principal: CsrfChecked,
    steps: _Steps,
    answers: dict[str, list[str]],
    client_id: str,
) -> Response:
    """Store the check-in with the side-effect answers given so far (after an emergency answer
    the rest are not asked: the unanswered ones are simply not stored)."""
    assert principal.patient_id is not None
    record = await run_in_threadpool(
        get_patient, store.sessions, patient=principal.patient_id, actor=principal.actor
    )
    now = dt.datetime.now(dt.UTC)
    document, problems = build_document(
        answers,
        days_since_surgery=max(0, (now.date() - record.surgery.date).days),
        procedure=record.surgery.procedure,
    )
    side_effects, medicine_problems = side_effect_problems(steps.medicine, answers)
    medicine_problems = {
        field: code
        for field, code in medicine_problems.items()
        if not (code == "required" and field not in answers)
    }
    problems.update(medicine_problems)
    if problems and not (_only_missing(problems) and _is_emergency(document)):
        return _render_step(
            page,
            steps=steps,
            step=steps.first_with_problem(problems),
            answers=answers,
            client_id=client_id,
            problems=problems,
            status_code=400,
        )
    try:
        stored = await run_in_threadpool(
            lambda: submit_checkin_with_side_effects(
                store,
                principal=principal,
                document=document,
                client_id=client_id,
                side_effects=side_effects,
            )
        )
    except CheckInError as error:
        found = {problem.field: "invalid" for problem in error.problems}
        return _render_step(
            page,
            steps=steps,
            step=steps.first_with_problem(found),
            answers=answers,
            client_id=client_id,
            problems=found,
            status_code=400,
        )
    except ClientIdConflictError:
        raise HTTPException(status_code=409, detail="already sent") from None
    except SideEffectAnswersRefusedError:  # the plan changed while the form was open
        raise HTTPException(
            status_code=409, detail="the form has expired: please try again"
        ) from None
    return RedirectResponse(f"/checkins/{stored.checkin.id}", status_code=303)


#: The answers a patient can give to a question the notes raised.
_ANSWERS: tuple[ConfirmAnswer, ...] = ("yes", "no", "not_sure")


def _pending(triage: dict[str, Any]) -> list[dict[str, Any]]:
    """The questions still to answer before the result is final (contract v2 `confirm`)."""
    if triage.get("status") != "needs_confirmation":
        return []
    return list(triage.get("confirm", []))


def _question_key(question: dict[str, Any]) -> str:
    return confirm_key(str(question["field"]), question.get("value"))


@router.get("/checkins/{checkin_id}")
def result(
    checkin_id: RowId,
    page: PageDep,
    principal: CurrentPatient,
    store: StoreDep,
    answered: str | None = None,
) -> Response:
    """What to do now comes first; then why. If the notes only possibly describe a warning sign,
    the questions come first, before any result (ask before alarming)."""
    try:
        view = checkin_for(store.sessions, principal=principal, checkin_id=checkin_id)
    except PatientHiddenError:
        raise _not_found() from None
    pending = _pending(view.stored.triage)
    if pending:
        return page.render(
            "patient/questions.html",
            view=view,
            questions=[{**q, "key": _question_key(q)} for q in pending],
            answer_labels=_answer_labels(page),
            problems=set(),
        )
    level: Level = view.stored.level
    side_effects = checkin_side_effects(
        store.sessions, checkin_id=checkin_id, actor=principal.actor
    )
    language = page.language
    attention = [
        {
            "drug": answer.drug,
            "question": side_effect_text(answer.as_question(), "question", language),
            "if_yes": side_effect_text(answer.as_question(), "if_yes", language),
            "sources": _source_citations(list(answer.sources)),
        }
        for answer in side_effects
        if answer.needs_prompt_attention and answer.if_yes
    ]
    return page.render(
        "patient/result.html",
        view=view,
        level=level,
        triage=view.stored.triage,
        answered=answered,
        patient_texts=rule_patient_texts(),
        side_effects=side_effects,
        attention=attention,
    )


def _answer_labels(page: Any) -> list[tuple[str, str]]:
    translate = page.translate
    return [("yes", translate("Yes")), ("no", translate("No")), ("not_sure", translate("Not sure"))]


@router.post("/checkins/{checkin_id}/answers")
async def answer(
    checkin_id: RowId, request: Request, page: PageDep, principal: PatientForm, store: StoreDep
) -> Response:
    """The patient's answers to the questions their notes raised. Yes or not sure counts as the
    sign (the level follows at once); no keeps the level and is recorded for the care team. Sent
    again, nothing changes."""
    try:
        view = await run_in_threadpool(
            lambda: checkin_for(store.sessions, principal=principal, checkin_id=checkin_id)
        )
    except PatientHiddenError:
        raise _not_found() from None
    pending = _pending(view.stored.triage)
    form = await request.form()
    given: dict[str, ConfirmAnswer] = {}
    problems: set[str] = set()
    for question in pending:
        key = _question_key(question)
        raw = form.get(f"answer-{key}")
        if raw in _ANSWERS:
            given[key] = raw
        else:
            problems.add(key)
    if problems:
        return page.render(
            "patient/questions.html",
            view=view,
            questions=[{**q, "key": _question_key(q)} for q in pending],
            answer_labels=_answer_labels(page),
            problems=problems,
            chosen=dict(given),
            status_code=400,
        )
    if given:
        await run_in_threadpool(
            lambda: answer_questions(
                store,
                principal=principal,
                checkin_id=checkin_id,
                answers=given,
                language="es" if page.language == "es" else "en",
            )
        )
    return RedirectResponse(f"/checkins/{checkin_id}?answered=1", status_code=303)
