"""Typed dependencies: the store, who is signed in, their language, and page rendering.

Routes declare what they need (`CurrentPatient`, `CurrentClinician`, `StoreDep`, `PageDep`) and
never reach into the application state themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from nervecare.settings import Settings
from nervecare.store.accounts import Principal, resolve_session
from nervecare.store.clock import Clock, utc_now
from nervecare.store.service import Store
from nervecare.web.i18n import LANGUAGES, Translator, negotiate_language
from nervecare.web.security import SESSION_COOKIE, tokens_match

__all__ = [
    "CsrfChecked",
    "CurrentClinician",
    "CurrentPatient",
    "CurrentPrincipal",
    "MaybePrincipal",
    "NotSignedInError",
    "Page",
    "PageDep",
    "RowId",
    "SettingsDep",
    "StoreDep",
    "bearer_token",
]


class NotSignedInError(Exception):
    """No valid session: pages send the person to sign in, the API answers 401."""


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]

#: A row id in an address: a positive 64-bit integer, so a larger number is a clear 4xx before
#: it reaches the database driver (which cannot bind it: a 500).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header, if the request has one."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _bearer_or_cookie(request: Request) -> str | None:
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return bearer_token(request)
    return request.cookies.get(SESSION_COOKIE)


def get_maybe_principal(
    request: Request, store: StoreDep, settings: SettingsDep
) -> Principal | None:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = _bearer_or_cookie(request)
    principal = None if token is None else resolve_session(store.sessions, token=token)
    if principal is not None and principal.is_synthetic and settings.environment == "production":
        principal = None  # a demo account's session is never honoured in production
    request.state.principal = principal
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(get_maybe_principal)]


def get_principal(principal: MaybePrincipal) -> Principal:
    if principal is None:
        raise NotSignedInError
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def _as_patient(principal: Principal) -> Principal:
    if principal.kind != "patient" or principal.patient_id is None:
        raise HTTPException(status_code=403, detail="this page is for patients")
    return principal


def _as_clinician(principal: Principal) -> Principal:
    if principal.kind != "clinician":
        raise HTTPException(status_code=403, detail="this page is for the care team")
    return principal


def get_patient(principal: CurrentPrincipal) -> Principal:
    return _as_patient(principal)


def get_clinician(principal: CurrentPrincipal) -> Principal:
    return _as_clinician(principal)


CurrentPatient = Annotated[Principal, Depends(get_patient)]
CurrentClinician = Annotated[Principal, Depends(get_clinician)]


def check_csrf(
    request: Request, principal: CurrentPrincipal, csrf_token: Annotated[str, Form()] = ""
) -> Principal:
    """Every signed-in form posts the session's token; a cross-site forgery cannot know it."""
    given = csrf_token or request.headers.get("x-csrf-token")
    if not tokens_match(principal.csrf_token, given):
        raise HTTPException(status_code=403, detail="the form has expired: please try again")
    return principal


CsrfChecked = Annotated[Principal, Depends(check_csrf)]


def check_patient_form(principal: CsrfChecked) -> Principal:
    """A form only a patient may send (with its CSRF token checked)."""
    return _as_patient(principal)


def check_clinician_form(principal: CsrfChecked) -> Principal:
    """A form only a member of a care team may send (with its CSRF token checked)."""
    return _as_clinician(principal)


PatientForm = Annotated[Principal, Depends(check_patient_form)]
ClinicianForm = Annotated[Principal, Depends(check_clinician_form)]


def get_clock(request: Request) -> Clock:
    """The app's clock (`app.state.clock`, which a test may set), else the UTC wall clock:
    routes never read the time themselves, so a test can move it."""
    clock: Clock = getattr(request.app.state, "clock", None) or utc_now
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]


@dataclass
class Page:
    """Renders a template with the person's language, the CSRF token and the common values."""

    request: Request
    templates: Jinja2Templates
    settings: Settings
    principal: Principal | None
    language: str

    @property
    def translate(self) -> Translator:
        return Translator(self.language)

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        context: dict[str, Any] = {
            "request": self.request,
            "_": self.translate,
            "lang": self.language,
            "languages": LANGUAGES,
            "principal": self.principal,
            "csrf_token": self.principal.csrf_token if self.principal else "",
            "settings": self.settings,
            **values,
        }
        return self.templates.TemplateResponse(
            self.request, template, context, status_code=status_code
        )


def get_page(request: Request, settings: SettingsDep, principal: MaybePrincipal) -> Page:
    chosen = principal.language if principal else request.cookies.get("nervecare_lang")
    language = negotiate_language(
        chosen=chosen,
        accept_language=request.headers.get("accept-language"),
        default=settings.default_language,
    )
    return Page(
        request=request,
        templates=request.app.state.templates,
        settings=settings,
        principal=principal,
        language=language,
    )


PageDep = Annotated[Page, Depends(get_page)]
