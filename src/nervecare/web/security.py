"""Security plumbing: response headers, cookies, and anti-forgery (CSRF) tokens.

Signed-in forms carry the session's own CSRF token (random, kept with the session). Forms shown
before sign-in (sign in, enrolment) carry a token signed with the secret key and bound to a
random value in a short-lived cookie (double submit), so a forged cross-site post fails too.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "PRESESSION_COOKIE",
    "SESSION_COOKIE",
    "BodyLimit",
    "SecurityHeaders",
    "check_presession_token",
    "new_presession",
    "tokens_match",
]

SESSION_COOKIE = "nervecare_session"
PRESESSION_COOKIE = "nervecare_presession"
_PRESESSION_MAX_AGE = 2 * 60 * 60

#: No inline scripts, nothing from other sites, no framing. Inline SVG styles are attributes,
#: which style-src 'self' permits for SVG presentation attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """Adds the security headers to every HTTP response (and HSTS when cookies are Secure)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.extra = _HEADERS + (
            ((b"strict-transport-security", b"max-age=31536000"),) if hsts else ()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [pair for pair in self.extra if pair[0] not in present]
                if scope.get("path", "").startswith(("/static/", "/healthz")) is False:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # A bug: answer 500 here, inside this middleware, so that even this response has
            # the headers; then let the server log the error as usual.
            if not started:
                await send_with_headers(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send_with_headers({"type": "http.response.body", "body": b"Server error"})
            raise


def tokens_match(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def new_presession(secret_key: str) -> tuple[str, str]:
    """(cookie value, form token) for a form shown before sign-in."""
    nonce = secrets.token_urlsafe(24)
    token = URLSafeTimedSerializer(secret_key, salt="presession").dumps(nonce)
    return nonce, token


def check_presession_token(secret_key: str, *, cookie: str | None, token: str | None) -> bool:
    if not cookie or not token:
        return False
    try:
        nonce = URLSafeTimedSerializer(secret_key, salt="presession").loads(
            token, max_age=_PRESESSION_MAX_AGE
        )
    except (BadSignature, SignatureExpired):
        return False
    return isinstance(nonce, str) and tokens_match(nonce, cookie)


class _TooLargeError(Exception):
    pass


class BodyLimit:
    """Refuses request bodies over `max_bytes` with 413, by the declared length before reading
    and by counting while reading (a chunked body declares none)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send) -> None:
        body = b'{"detail":"the request body is too large"}'
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._refuse(send)
                return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            # The application may catch this error (FastAPI turns any failure to read a body
            # into 400), so the 413 is sent from here and whatever the application answers
            # afterwards is dropped.
            nonlocal received, refused, started
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if not started:
                        started = refused = True
                        await self._refuse(send)
                    raise _TooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await self._refuse(send)
            return
