"""HTTP behaviour the FHIR and CDS Hooks routes need whatever app they are mounted in.

- `FhirOutcomes`: every error under `/fhir` is an OperationOutcome (application/fhir+json) with
  its status -- the body-size limit's 413, a 401 from the token check, FastAPI's own 404/405/422,
  and, as a last resort, an unexpected exception (500, logged) -- never `{"detail": ...}` or a
  plain-text page. FHIR clients read OperationOutcome, and nothing else.
- `CdsCors`: browser-based CDS clients (SMART apps, EHR front ends) call CDS Hooks from another
  origin, so `/cds-services` answers CORS preflights and sets Access-Control-Allow-Origin for the
  configured EHR origins only (`NERVECARE_INTEROP_CORS_ORIGINS`); other origins get no CORS
  headers (the browser then refuses), and a preflight from them 403.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nervecare.interop.settings import InteropSettings, get_interop_settings

__all__ = ["CdsCors", "FhirOutcomes", "install_interop_http"]

_log = logging.getLogger(__name__)
FHIR_JSON = b"application/fhir+json"
#: For an answer made here after an exception, which no inner middleware has decorated.
_BARE_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
]
#: HTTP status -> OperationOutcome issue type (FHIR R4 issue-type value set).
_ISSUE_TYPE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    412: "business-rule",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
}


def _diagnostics(body: bytes) -> str:
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        return body.decode("utf-8", "replace")[:500] or "the request failed"
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg')}"
            if isinstance(d, dict)
            else str(d)
            for d in detail
        )
    return str(detail)


def outcome_body(status: int, diagnostics: str) -> bytes:
    """An OperationOutcome with one error issue (validated by the tests' FHIR validator)."""
    issue = {
        "severity": "fatal" if status >= 500 else "error",
        "code": _ISSUE_TYPE.get(status, "exception" if status >= 500 else "processing"),
        "diagnostics": diagnostics,
    }
    return json.dumps({"resourceType": "OperationOutcome", "issue": [issue]}).encode()


class FhirOutcomes:
    """Rewrites non-FHIR error responses under `/fhir` into OperationOutcomes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not (path == "/fhir" or path.startswith("/fhir/")):
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        body = b""
        started = False

        async def rewriting_send(message: Message) -> None:
            nonlocal held, body, started
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if message["status"] >= 400 and not headers.get(b"content-type", b"").startswith(
                    FHIR_JSON
                ):
                    held = message
                    return
                started = True
                await send(message)
                return
            if held is None:
                await send(message)
                return
            body += message.get("body", b"")
            if message.get("more_body"):
                return
            await _send_outcome(send, held["status"], _diagnostics(body), held.get("headers"))
            started = True

        try:
            await self.app(scope, receive, rewriting_send)
        except Exception:
            _log.exception("unexpected error on %s", path)
            if started:
                raise
            await _send_outcome(send, 500, "the server could not process this request", None)


async def _send_outcome(
    send: Send, status: int, diagnostics: str, headers: list[tuple[bytes, bytes]] | None
) -> None:
    content = outcome_body(status, diagnostics)
    kept = [
        (name, value)
        for name, value in headers or []
        if name.lower() not in (b"content-type", b"content-length")
    ]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *kept,
                *([] if headers is not None else _BARE_HEADERS),
                (b"content-type", FHIR_JSON),
                (b"content-length", str(len(content)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


def _settings(scope: Scope) -> InteropSettings:
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "interop_settings", None)
    return settings if isinstance(settings, InteropSettings) else get_interop_settings()


class CdsCors:
    """CORS for `/cds-services` and the configured origins only (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith("/cds-services"):
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        origin = headers.get(b"origin", b"").decode("latin-1")
        allowed = bool(origin) and origin in _settings(scope).cors_origins
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await _preflight(send, origin if allowed else None)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def cors_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        (b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"vary", b"Origin"),
                    ],
                }
            await send(message)

        await self.app(scope, receive, cors_send)


async def _preflight(send: Send, origin: str | None) -> None:
    headers: list[tuple[bytes, bytes]] = [(b"vary", b"Origin"), (b"content-length", b"0")]
    if origin is not None:
        headers += [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
            (b"access-control-allow-headers", b"Authorization, Content-Type"),
            (b"access-control-max-age", b"600"),
        ]
    await send(
        {"type": "http.response.start", "status": 204 if origin else 403, "headers": headers}
    )
    await send({"type": "http.response.body", "body": b""})


def install_interop_http(app: Any) -> None:
    """Add both middlewares to a FastAPI/Starlette app (outermost, so that they also see the
    responses of middlewares added before, such as a body-size limit)."""
    app.add_middleware(FhirOutcomes)
    app.add_middleware(CdsCors)
