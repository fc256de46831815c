"""The application factory: settings in, a FastAPI app out; the store opens in the lifespan."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from nervecare.settings import Settings, get_settings
from nervecare.store.daily_cap import DailyCheckInLimitError
from nervecare.store.service import open_store
from nervecare.web.deps import NotSignedInError, get_page
from nervecare.web.highlight import highlight
from nervecare.web.routers import include_routers
from nervecare.web.security import BodyLimit, SecurityHeaders

__all__ = ["create_app"]


def _package_dir(name: str) -> Path:
    return Path(str(resources.files("nervecare.web").joinpath(name)))


def _preload_notes_reader() -> None:
    """Load the notes reader (spaCy, the embedding model) before the first patient needs it."""
    from nervecare.triage.service import default_notes_reader  # noqa: PLC0415

    reader = default_notes_reader()
    reader("warm up")


def _wants_json(request: Request) -> bool:
    """Machine clients (the JSON API, FHIR, CDS Hooks) get JSON errors, never an HTML page."""
    return request.url.path.startswith(("/api/", "/fhir", "/cds-services"))


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new application for `settings` (default: the environment's)."""
    config = settings if settings is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(config.database_url)
        app.state.store = store
        if config.preload_notes_reader:
            threading.Thread(target=_preload_notes_reader, daemon=True).start()
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="nervecare",
        version="1",
        summary="Check-ins, safety triage and recovery tracking after lumbar spine surgery.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = config
    templates = Jinja2Templates(directory=_package_dir("templates"))
    templates.env.globals["emergency_number"] = config.emergency_number
    templates.env.filters["highlight"] = highlight
    app.state.templates = templates
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(SecurityHeaders, hsts=config.secure_cookies)
    app.mount("/static", StaticFiles(directory=_package_dir("static")), name="static")
    include_routers(app)

    @app.exception_handler(NotSignedInError)
    async def _not_signed_in(request: Request, _error: NotSignedInError) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": "sign in first"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        page = get_page(request, config, getattr(request.state, "principal", None))
        return page.render(
            "error.html",
            status_code=error.status_code,
            status=error.status_code,
            detail=error.detail,
        )

    @app.exception_handler(DailyCheckInLimitError)
    async def _daily_cap(request: Request, error: DailyCheckInLimitError) -> Response:
        """The form and the API alike: 429 with what to do, never a 500."""
        if _wants_json(request):
            return JSONResponse({"detail": str(error)}, status_code=429)
        page = get_page(request, config, getattr(request.state, "principal", None))
        _ = page.translate
        detail = _(
            "You have sent many check-ins in the last day: this one was not stored. If anything "
            "is new or worse, call your care team, or the emergency number in an emergency."
        )
        return page.render("error.html", status_code=429, status=429, detail=detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        if _wants_json(request):
            # The raw input can be bytes (a body without Content-Type): never echo it back.
            problems = [
                {key: value for key, value in problem.items() if key not in ("input", "ctx")}
                for problem in error.errors()
            ]
            return JSONResponse({"detail": jsonable_encoder(problems)}, status_code=422)
        page = get_page(request, config, getattr(request.state, "principal", None))
        return page.render(
            "error.html", status_code=400, status=400, detail="the request was not understood"
        )

    return app
