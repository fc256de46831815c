"""Plans in the browser: the patient's "today" page (medicines and exercises due, doses and
sessions recorded) and the clinician's plan page (build and check a medication plan, activate
it, assign the exercise programme, see adherence and what the progression rules say).

Only adds routes: the pure cores decide, `nervecare.store.plans` stores, these render.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from nervecare.knowledge import load_sources
from nervecare.medications import (
    MedicationPlan,
    PatientFacts,
    PlanFinding,
    PlanItem,
    check_plan,
    doses_on,
    explanations_for,
    load_drug_knowledge,
    side_effect_questions,
)
from nervecare.rehab import Programme, load_rehab_knowledge, programme_for
from nervecare.store.accounts import Principal
from nervecare.store.errors import StoreError
from nervecare.store.plans import (
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
    side_effect_history,
)
from nervecare.store.service import Store, get_patient
from nervecare.store.side_effects import StoredSideEffectAnswer
from nervecare.store.views import PatientHiddenError, require_patient_access
from nervecare.web.deps import (
    ClinicianForm,
    CsrfChecked,
    CurrentClinician,
    CurrentPatient,
    PageDep,
    PatientForm,
    RowId,
    StoreDep,
)
from nervecare.web.side_effect_form import side_effect_text

__all__ = ["router"]

router = APIRouter(tags=["plans"], include_in_schema=False)

CONDITIONS = (
    "chronic_kidney_disease",
    "lung_disease",
    "falls_history",
    "nsaids_restricted_after_fusion",
)
_ITEM_ROWS = 3


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _programme(
    store: Store, principal: Principal, patient_id: int, day: dt.date
) -> Programme | None:
    found = active_exercise_programme(store.sessions, patient=patient_id, actor=principal.actor)
    if found is None:
        return None
    stored, surgery_on = found
    return programme_for(
        procedure=stored.procedure,
        days_since_surgery=max(0, (day - surgery_on).days),
        level=stored.level,
    )


def _side_effects_by_medicine(
    answers: tuple[StoredSideEffectAnswer, ...],
) -> list[tuple[str, list[tuple[dt.date, list[StoredSideEffectAnswer]]]]]:
    """(drug, [(day, that day's answers)]) with the days most recent first, as stored."""
    grouped: dict[str, dict[dt.date, list[StoredSideEffectAnswer]]] = {}
    for answer in answers:
        grouped.setdefault(answer.drug, {}).setdefault(answer.asked_on, []).append(answer)
    return [
        (drug, sorted(days.items(), key=lambda day: day[0], reverse=True))
        for drug, days in sorted(grouped.items())
    ]


def _citations(keys: list[str]) -> list[tuple[str, str]]:
    registry = load_sources()
    return [(k, registry[k].citation() if k in registry else k) for k in dict.fromkeys(keys)]


# ------------------------------------------------------------------ patient: today


@router.get("/today")
def today_page(page: PageDep, principal: CurrentPatient, store: StoreDep) -> Response:
    assert principal.patient_id is not None
    day = _today()
    plan = active_medication_plan(
        store.sessions, patient=principal.patient_id, actor=principal.actor
    )
    medicines = doses_on(plan.plan, on=day) if plan else ()
    # Data texts (questions, explanations, exercises) in the reader's language, like the page.
    questions = side_effect_questions(plan.plan, on=day, language=page.language) if plan else ()
    explanations = explanations_for(plan.plan, language=page.language) if plan else ()
    programme = _programme(store, principal, principal.patient_id, day)
    keys = [k for q in questions for k in q.sources]
    keys += [k for e in explanations for item in e.items for k in item.sources]
    if programme is not None:
        keys += [k for ex in (*programme.exercises, *programme.adjuncts) for k in ex.sources]
    return page.render(
        "plans/today.html",
        day=day,
        medicines=medicines,
        questions=questions,
        explanations=explanations,
        programme=programme,
        sources=_citations(keys),
    )


@router.post("/today/dose")
def today_dose(
    principal: PatientForm,
    store: StoreDep,
    drug: Annotated[str, Form()],
    dose_number: Annotated[int, Form(ge=1, le=24)],
    status: Annotated[str, Form()],
) -> Response:
    if status not in {"taken", "missed"}:
        raise HTTPException(status_code=400, detail="status must be taken or missed")
    assert principal.patient_id is not None  # PatientForm guarantees it
    try:
        record_dose(
            store.sessions,
            patient=principal.patient_id,
            drug=drug,
            on=_today(),
            dose_number=dose_number,
            status=status,  # type: ignore[arg-type]
            actor=principal.actor,
        )
    except StoreError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    return RedirectResponse("/today", status_code=303)


@router.post("/today/exercise")
def today_exercise(
    principal: PatientForm,
    store: StoreDep,
    exercise: Annotated[str, Form()],
    spread_down_leg: Annotated[bool, Form()] = False,
    pain_hours: Annotated[str, Form()] = "",
) -> Response:
    assert principal.patient_id is not None  # PatientForm guarantees it
    try:
        hours = float(pain_hours) if pain_hours.strip() else None
        record_exercise(
            store.sessions,
            patient=principal.patient_id,
            on=_today(),
            exercise=exercise,
            symptoms_further_down_leg=spread_down_leg,
            pain_raised_hours=hours,
            actor=principal.actor,
        )
    except (StoreError, ValueError) as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    return RedirectResponse("/today", status_code=303)


# ------------------------------------------------------------------ clinician: plans


def _require(store: Store, principal: Principal, patient_id: int) -> None:
    try:
        require_patient_access(
            store.sessions, principal=principal, patient_id=patient_id, what="plans"
        )
    except PatientHiddenError:
        raise HTTPException(status_code=404, detail="not found") from None


def _clinician_page(
    page: PageDep,
    principal: Principal,
    store: Store,
    patient_id: int,
    *,
    preview: tuple[PlanFinding, ...] | None = None,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    day = _today()
    record = get_patient(store.sessions, patient=patient_id, actor=principal.actor)
    plans = read_medication_plans(store.sessions, patient=patient_id, actor=principal.actor)
    doses = dose_summary(
        store.sessions,
        patient=patient_id,
        from_date=day - dt.timedelta(days=6),
        to_date=day,
        actor=principal.actor,
    )
    programme = _programme(store, principal, patient_id, day)
    adherence = exercise_adherence(
        store.sessions,
        patient=patient_id,
        from_date=day - dt.timedelta(days=6),
        to_date=day,
        actor=principal.actor,
    )
    decision = (
        review_progression(store.sessions, patient=patient_id, as_of=day, actor=principal.actor)
        if programme is not None
        else None
    )
    side_effects = side_effect_history(store.sessions, patient=patient_id, actor=principal.actor)
    keys = [k for p in plans for f in p.findings for k in f.sources]
    keys += [k for f in preview or () for k in f.sources]
    keys += [k for a in side_effects if a.needs_prompt_attention for k in a.sources]
    if decision is not None:
        keys += list(decision.sources)
    return page.render(
        "plans/clinician.html",
        status_code=status_code,
        record=record,
        plans=plans,
        doses=doses,
        programme=programme,
        adherence=adherence,
        decision=decision,
        side_effects=_side_effects_by_medicine(side_effects),
        side_effect_texts={
            (a.drug, a.key): side_effect_text(a.as_question(), "question", page.language)
            for a in side_effects
        },
        attention=[a for a in side_effects if a.needs_prompt_attention],
        preview=preview,
        form=form or {},
        error=error,
        drugs=sorted(load_drug_knowledge().drugs),
        conditions=CONDITIONS,
        rows=range(_ITEM_ROWS),
        sources=_citations(keys),
        exercises=sorted(load_rehab_knowledge().exercises),
    )


@router.get("/patients/{patient_id}/plans")
def plans_page(
    patient_id: RowId, page: PageDep, principal: CurrentClinician, store: StoreDep
) -> Response:
    _require(store, principal, patient_id)
    return _clinician_page(page, principal, store, patient_id)


def _number(value: Any) -> float | None:
    text = str(value or "").strip()
    return float(text) if text else None


#: How far from today a plan written on this form may start.
_START_WITHIN = dt.timedelta(days=365)


def _plan_from_form(form: dict[str, Any], prescriber: str) -> tuple[MedicationPlan, PatientFacts]:
    start_on = dt.date.fromisoformat(str(form.get("start_on") or _today().isoformat()))
    if abs(start_on - _today()) > _START_WITHIN:
        raise ValueError("the plan must start within a year of today")
    items: list[PlanItem] = []
    for row in range(_ITEM_ROWS):
        drug = str(form.get(f"drug_{row}") or "").strip()
        if not drug:
            continue
        start = _number(form.get(f"start_{row}"))
        target = _number(form.get(f"target_{row}")) or start
        items.append(
            PlanItem.model_validate(
                {
                    "drug": drug,
                    "start_on": start_on,
                    "start_daily_mg": start,
                    "target_daily_mg": target,
                    "step_mg": _number(form.get(f"step_{row}")),
                    "step_every_days": _number(form.get(f"every_{row}")),
                    "course_days": _number(form.get(f"course_{row}")),
                }
            )
        )
    if not items:
        raise ValueError("choose at least one medicine")
    others = tuple(
        name.strip() for name in str(form.get("taking") or "").split(",") if name.strip()
    )
    facts = PatientFacts.model_validate(
        {
            "age_years": _number(form.get("age")),
            "sex": form.get("sex") or None,
            "weight_kg": _number(form.get("weight")),
            "serum_creatinine_mg_dl": _number(form.get("creatinine")),
            "crcl_ml_min": _number(form.get("crcl")),
            "conditions": [c for c in CONDITIONS if form.get(c)],
            "other_medicines": others,
            "procedure": form.get("procedure") or None,
            "surgery_on": form.get("surgery_on") or None,
        }
    )
    return MedicationPlan(items=tuple(items), prescriber=prescriber), facts


@router.post("/patients/{patient_id}/plans")
async def plans_submit(
    patient_id: RowId, request: Request, page: PageDep, principal: CsrfChecked, store: StoreDep
) -> Response:
    """Check the plan (preview) or save it as a draft; bad input shows the form again."""
    received = await request.form()
    form = {key: str(value) for key, value in received.items() if isinstance(value, str)}
    return await run_in_threadpool(
        _submit, page=page, principal=principal, store=store, patient_id=patient_id, form=form
    )


def _submit(
    *, page: PageDep, principal: Principal, store: Store, patient_id: int, form: dict[str, Any]
) -> Response:
    if principal.kind != "clinician":
        raise HTTPException(status_code=403, detail="this page is for the care team")
    _require(store, principal, patient_id)
    record = get_patient(store.sessions, patient=patient_id, actor=principal.actor)
    form.update(procedure=record.surgery.procedure, surgery_on=record.surgery.date.isoformat())
    if not form.get("age") and record.birth_year is not None:
        form["age"] = str(max(18, _today().year - record.birth_year))
    try:
        plan, facts = _plan_from_form(form, principal.display_name)
    except (ValidationError, ValueError) as error:
        message = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        return _clinician_page(
            page, principal, store, patient_id, form=form, error=message, status_code=400
        )
    if form.get("action") == "save":
        try:
            save_medication_plan(
                store.sessions, patient=patient_id, plan=plan, facts=facts, actor=principal.actor
            )
        except StoreError as error:
            return _clinician_page(
                page, principal, store, patient_id, form=form, error=str(error), status_code=400
            )
        return RedirectResponse(f"/patients/{patient_id}/plans", status_code=303)
    preview = check_plan(plan, facts)
    return _clinician_page(page, principal, store, patient_id, preview=preview, form=form)


@router.post("/patients/{patient_id}/plans/{plan_id}/activate")
def plans_activate(
    patient_id: RowId,
    plan_id: RowId,
    page: PageDep,
    principal: ClinicianForm,
    store: StoreDep,
    *,
    accept_warnings: Annotated[bool, Form()] = False,
) -> Response:
    _require(store, principal, patient_id)
    owned = {
        p.id
        for p in read_medication_plans(store.sessions, patient=patient_id, actor=principal.actor)
    }
    if plan_id not in owned:
        raise HTTPException(status_code=404, detail="not found")
    try:
        activate_medication_plan(
            store.sessions, plan_id=plan_id, accept_warnings=accept_warnings, actor=principal.actor
        )
    except StoreError as error:
        return _clinician_page(
            page, principal, store, patient_id, error=str(error), status_code=409
        )
    return RedirectResponse(f"/patients/{patient_id}/plans", status_code=303)


@router.post("/patients/{patient_id}/programme")
def programme_assign(patient_id: RowId, principal: ClinicianForm, store: StoreDep) -> Response:
    _require(store, principal, patient_id)
    assign_exercise_programme(
        store.sessions, patient=patient_id, on=_today(), actor=principal.actor
    )
    return RedirectResponse(f"/patients/{patient_id}/plans", status_code=303)


@router.post("/patients/{patient_id}/programme/review")
def programme_review(patient_id: RowId, principal: ClinicianForm, store: StoreDep) -> Response:
    _require(store, principal, patient_id)
    try:
        review_progression(
            store.sessions, patient=patient_id, as_of=_today(), apply=True, actor=principal.actor
        )
    except StoreError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    return RedirectResponse(f"/patients/{patient_id}/plans", status_code=303)
