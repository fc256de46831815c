"""The JSON API (OpenAPI at /api/docs): check-ins and patient data, with the pages' rules.

Authentication: the session cookie, or `Authorization: Bearer <token>` with a token from
`POST /api/v1/session` (revoked by `DELETE /api/v1/session`). Cookie-authenticated writes also
need the `X-CSRF-Token` header; a bearer token cannot be sent by another site's page, so it
needs none. `Idempotency-Key` on a check-in
makes a repeated submission store once (the key is the check-in's client id).

While a medicine is being started, a check-in may carry the patient's side-effect answers beside
it: `{"checkin": {...contract v1...}, "side_effects": [{"drug", "key", "answer", "words"}]}`, or
`side_effects` next to the check-in's own fields. Either way the answers are stored beside the
check-in, whose document stays contract v1; a bare contract-v1 document is still accepted.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from nervecare.checkin import CheckInError
from nervecare.medications import SideEffectAnswer
from nervecare.recovery import assess_trajectory
from nervecare.store.accounts import (
    SignInRefusedError,
    TooManyAttemptsError,
    end_session,
    sign_in,
)
from nervecare.store.errors import ClientIdConflictError
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.side_effects import (
    SideEffectAnswersRefusedError,
    StoredSideEffectAnswer,
    checkin_side_effects,
)
from nervecare.store.views import PatientHiddenError, checkin_for, patient_overview
from nervecare.web.deps import (
    ClockDep,
    CurrentPatient,
    CurrentPrincipal,
    RowId,
    SettingsDep,
    StoreDep,
    bearer_token,
)
from nervecare.web.schemas import (
    AnswersIn,
    CheckInOut,
    MeOut,
    PatientOut,
    PointOut,
    SideEffectOut,
)
from nervecare.web.security import SESSION_COOKIE, tokens_match
from nervecare.web.submit import answer_questions, submit_checkin_with_side_effects

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])


class SessionIn(BaseModel):
    username: str
    password: str


class SessionOut(BaseModel):
    token: str
    kind: str


def _out(
    stored: StoredCheckIn, side_effects: tuple[StoredSideEffectAnswer, ...] = ()
) -> CheckInOut:
    return CheckInOut(
        id=stored.id,
        patient_id=stored.patient_id,
        recorded_at=stored.recorded_at,
        days_since_surgery=stored.days_since_surgery,
        leg_pain=stored.leg_pain,
        back_pain=stored.back_pain,
        level=stored.level,
        triage=stored.triage,
        created=stored.created,
        side_effects=tuple(
            SideEffectOut(
                drug=answer.drug,
                key=answer.key,
                answer=answer.answer,
                words=answer.words,
                needs_prompt_attention=answer.needs_prompt_attention,
                if_yes=answer.if_yes if answer.needs_prompt_attention else None,
                sources=answer.sources,
            )
            for answer in side_effects
        ),
    )


def _split_body(body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """(check-in document, side-effect answers) from `{checkin, side_effects}`, or from a
    contract-v1 document with `side_effects` beside its fields (taken out: the document is
    stored without it), or a bare contract-v1 document.

    A contract-v1 check-in always has its own fields (leg pain, days since surgery), so a body
    made only of `checkin` and `side_effects` cannot be one.
    """
    if isinstance(body.get("checkin"), dict) and set(body) <= {"checkin", "side_effects"}:
        return body["checkin"], body.get("side_effects") or []
    document = {key: value for key, value in body.items() if key != "side_effects"}
    return document, body.get("side_effects") or []


def _side_effect_answers(raw: Any) -> tuple[SideEffectAnswer, ...]:
    if not isinstance(raw, list):
        raise SideEffectAnswersRefusedError(["side_effects: a list of answers is expected"])
    answers: list[SideEffectAnswer] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        try:
            answers.append(SideEffectAnswer.model_validate(item))
        except ValidationError as error:
            problems += [
                f"side_effects[{index}].{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                for e in error.errors()
            ]
    if problems:
        raise SideEffectAnswersRefusedError(problems)
    return tuple(answers)


def _require_csrf_for_cookie(request: Request, principal: CurrentPrincipal) -> None:
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if request.cookies.get(SESSION_COOKIE) and not tokens_match(
        principal.csrf_token, request.headers.get("x-csrf-token")
    ):
        raise HTTPException(status_code=403, detail="X-CSRF-Token header missing or wrong")


@router.post("/session", response_model=SessionOut, responses={401: {}, 429: {}})
def open_session(
    body: SessionIn, request: Request, store: StoreDep, settings: SettingsDep
) -> SessionOut:
    """Sign in; the token goes in `Authorization: Bearer` (rate-limited like the page)."""
    try:
        token, principal = sign_in(
            store.sessions,
            username=body.username,
            password=body.password,
            client_address=request.client.host if request.client else "unknown",
            limits=settings.signin_limits,
            session_lifetime=dt.timedelta(hours=settings.session_hours),
            allow_synthetic=settings.environment != "production",
        )
    except TooManyAttemptsError as error:
        raise HTTPException(
            status_code=429,
            detail="too many attempts",
            headers={"Retry-After": str(error.retry_after_seconds)},
        ) from None
    except SignInRefusedError:
        raise HTTPException(status_code=401, detail="wrong name or password") from None
    return SessionOut(token=token, kind=principal.kind)


@router.delete("/session", status_code=204, responses={401: {}})
def close_session(request: Request, principal: CurrentPrincipal, store: StoreDep) -> Response:
    """Revoke the bearer token (or end the cookie session) this request is signed in with."""
    _require_csrf_for_cookie(request, principal)
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(store.sessions, token=token)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(principal: CurrentPrincipal) -> MeOut:
    return MeOut(
        kind=principal.kind,
        username=principal.username,
        display_name=principal.display_name,
        patient_id=principal.patient_id,
        teams=principal.team_names,
    )


@router.post(
    "/checkins",
    response_model=CheckInOut,
    status_code=201,
    responses={200: {"description": "Already stored (same Idempotency-Key)"}, 409: {}, 422: {}},
)
async def post_checkin(
    request: Request,
    principal: CurrentPatient,
    store: StoreDep,
    document: Annotated[
        dict[str, Any],
        Body(
            description="A check-in, contract v1; or {checkin, side_effects} with the patient's "
            "side-effect answers (drug, key, answer, words) while a medicine is being started."
        ),
    ],
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> Any:
    """Triage and store the signed-in patient's check-in; the result says what to do now."""
    _require_csrf_for_cookie(request, principal)
    from fastapi.responses import JSONResponse  # noqa: PLC0415

    checkin_document, raw_answers = _split_body(document)
    try:
        answers = _side_effect_answers(raw_answers)
        stored = await run_in_threadpool(
            lambda: submit_checkin_with_side_effects(
                store,
                principal=principal,
                document=checkin_document,
                client_id=idempotency_key,
                side_effects=answers,
            )
        )
    except CheckInError as error:
        return JSONResponse({"detail": error.to_dict()}, status_code=422)
    except SideEffectAnswersRefusedError as error:
        return JSONResponse({"detail": {"side_effects": list(error.problems)}}, status_code=422)
    except ClientIdConflictError as error:
        raise HTTPException(status_code=409, detail=str(error)) from None
    return JSONResponse(
        _out(stored.checkin, stored.side_effects).model_dump(mode="json"),
        status_code=201 if stored.checkin.created else 200,
    )


@router.post(
    "/checkins/{checkin_id}/answers", response_model=CheckInOut, responses={404: {}, 422: {}}
)
async def post_answers(
    checkin_id: RowId,
    request: Request,
    principal: CurrentPatient,
    store: StoreDep,
    body: AnswersIn,
) -> CheckInOut:
    """Answer the questions a check-in's notes raised (triage `confirm`); returns the final
    result. Idempotent: each question keeps its first answer, so a retry changes nothing."""
    _require_csrf_for_cookie(request, principal)
    try:
        stored = await run_in_threadpool(
            lambda: answer_questions(
                store,
                principal=principal,
                checkin_id=checkin_id,
                answers=body.answers,
                language="es" if principal.language == "es" else "en",
            )
        )
    except PatientHiddenError:
        raise HTTPException(status_code=404, detail="not found") from None
    answers = checkin_side_effects(store.sessions, checkin_id=checkin_id, actor=principal.actor)
    return _out(stored, answers)


@router.get("/checkins/{checkin_id}", response_model=CheckInOut, responses={404: {}})
def get_checkin(checkin_id: RowId, principal: CurrentPrincipal, store: StoreDep) -> CheckInOut:
    try:
        view = checkin_for(store.sessions, principal=principal, checkin_id=checkin_id)
    except PatientHiddenError:
        raise HTTPException(status_code=404, detail="not found") from None
    answers = checkin_side_effects(store.sessions, checkin_id=checkin_id, actor=principal.actor)
    return _out(view.stored, answers)


@router.get("/patients/{patient_id}", response_model=PatientOut, responses={404: {}})
def get_patient_data(
    patient_id: RowId, principal: CurrentPrincipal, store: StoreDep, clock: ClockDep
) -> PatientOut:
    """A patient's record, trajectory and pain history (their own, or their team's)."""
    try:
        overview = patient_overview(store.sessions, principal=principal, patient_id=patient_id)
    except PatientHiddenError:
        raise HTTPException(status_code=404, detail="not found") from None
    history = overview.history
    trajectory = assess_trajectory(history, on=clock().date())
    record = overview.record
    return PatientOut(
        id=record.id,
        reference=record.reference,
        display_name=record.display_name,
        team=record.team,
        is_synthetic=record.is_synthetic,
        surgery_date=record.surgery.date,
        procedure=record.surgery.procedure,
        trajectory=trajectory.classification,
        trajectory_reasons=trajectory.reasons,
        open_red_flags=history.open_red_flags,
        points=tuple(
            PointOut(
                days_since_surgery=p.days_since_surgery,
                recorded_on=p.recorded_on,
                leg_pain=p.leg_pain,
                back_pain=p.back_pain,
                triage_level=p.triage_level,
            )
            for p in history.points
        ),
    )
