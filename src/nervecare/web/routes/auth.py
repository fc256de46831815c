"""Signing in and out, choosing a language, and a patient's first sign-in with a one-time code."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from nervecare.store.accounts import (
    AccountError,
    SignInRefusedError,
    TooManyAttemptsError,
    end_session,
    redeem_enrolment_code,
    set_language,
    sign_in,
)
from nervecare.web.deps import (
    CsrfChecked,
    MaybePrincipal,
    PageDep,
    SettingsDep,
    StoreDep,
    bearer_token,
)
from nervecare.web.i18n import LANGUAGES
from nervecare.web.security import (
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    check_presession_token,
    new_presession,
)

__all__ = ["router"]

router = APIRouter(tags=["accounts"], include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //other.site), so sign-in cannot redirect elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _presession_form(
    page: PageDep, template: str, status_code: int = 200, **values: object
) -> Response:
    nonce, token = new_presession(page.settings.secret_key)
    response = page.render(template, status_code=status_code, form_token=token, **values)
    response.set_cookie(
        PRESESSION_COOKIE,
        nonce,
        httponly=True,
        samesite="strict",
        secure=page.settings.secure_cookies,
        max_age=7200,
    )
    return response


@router.get("/")
def root(principal: MaybePrincipal) -> RedirectResponse:
    if principal is None:
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse("/home" if principal.kind == "patient" else "/dashboard", 303)


@router.get("/signin")
def signin_form(page: PageDep, next: str | None = None) -> Response:
    return _presession_form(page, "signin.html", next=_safe_next(next))


@router.post("/signin")
def signin(
    *,
    request: Request,
    page: PageDep,
    store: StoreDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    form_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    _ = page.translate
    if not check_presession_token(
        settings.secret_key, cookie=request.cookies.get(PRESESSION_COOKIE), token=form_token
    ):
        raise HTTPException(status_code=403, detail=_("The form has expired. Please try again."))
    try:
        token, principal = sign_in(
            store.sessions,
            username=username,
            password=password,
            client_address=_client_address(request),
            limits=settings.signin_limits,
            session_lifetime=dt.timedelta(hours=settings.session_hours),
            allow_synthetic=settings.environment != "production",
        )
    except TooManyAttemptsError as error:
        response = _presession_form(
            page,
            "signin.html",
            status_code=429,
            error=_("Too many attempts. Please wait a few minutes and try again."),
            username=username,
            next=_safe_next(next),
        )
        response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    except SignInRefusedError:
        return _presession_form(
            page,
            "signin.html",
            status_code=401,
            error=_("The name or the password is not right."),
            username=username,
            next=_safe_next(next),
        )
    default = "/home" if principal.kind == "patient" else "/dashboard"
    target = _safe_next(next)
    response = RedirectResponse(default if target == "/" else target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(PRESESSION_COOKIE)
    return response


@router.post("/signout")
def signout(request: Request, principal: CsrfChecked, store: StoreDep) -> Response:
    for token in {request.cookies.get(SESSION_COOKIE), bearer_token(request)} - {None}:
        end_session(store.sessions, token=str(token))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
def choose_language(
    principal: CsrfChecked,
    store: StoreDep,
    language: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """The person's language, kept with their account."""
    chosen = language if language in LANGUAGES else None
    set_language(store.sessions, account_id=principal.account_id, language=chosen)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/enrol")
def enrol_form(page: PageDep, code: str = "") -> Response:
    return _presession_form(page, "enrol.html", code=code[:64])


@router.post("/enrol")
def enrol(
    *,
    request: Request,
    page: PageDep,
    store: StoreDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=64)] = "",
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    form_token: Annotated[str, Form()] = "",
) -> Response:
    """First sign-in: the one-time code from the care team, then the patient's own password."""
    _ = page.translate
    if not check_presession_token(
        settings.secret_key, cookie=request.cookies.get(PRESESSION_COOKIE), token=form_token
    ):
        raise HTTPException(status_code=403, detail=_("The form has expired. Please try again."))
    try:
        redeem_enrolment_code(store.sessions, code=code, username=username, password=password)
    except AccountError as error:
        return _presession_form(
            page,
            "enrol.html",
            status_code=400,
            error=_enrol_message(page, error),
            code=code,
            username=username,
        )
    return _presession_form(page, "signin.html", notice=_("Your account is ready. Please sign in."))


def _enrol_message(page: PageDep, error: AccountError) -> str:
    _ = page.translate
    text = str(error)
    if "password" in text:
        return _("Choose a password of at least 10 characters.")
    if "taken" in text:
        return _("This name is taken. Please choose another.")
    if "name of" in text:
        return _("Choose a name of 3 to 64 characters.")
    return _("This code is not valid. It may have been used already, or be too old.")
