"""Signing in, sessions, CSRF, rate limiting, security headers and production settings."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from nervecare.settings import DEFAULT_SECRET_KEY, Settings
from tests.web.conftest import make_client
from tests.web.helpers import PASSWORD, Seeded, csrf_from, sign_in


def _form_token(client: TestClient) -> str:
    page = client.get("/signin").text
    return page.split('name="form_token" value="')[1].split('"')[0]


def _attempt(client: TestClient, username: str, password: str) -> int:
    token = _form_token(client)
    return client.post(
        "/signin",
        data={"username": username, "password": password, "form_token": token},
        follow_redirects=False,
    ).status_code


def test_a_patient_signs_in_and_lands_on_their_home(client: TestClient, seeded: Seeded):
    """The right password opens a session and goes to the patient's home page."""
    token = _form_token(client)
    response = client.post(
        "/signin",
        data={"username": seeded["a"].patient, "password": PASSWORD, "form_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/home"


def test_the_session_cookie_is_http_only_and_same_site(client: TestClient, seeded: Seeded):
    """The session cookie cannot be read by scripts or sent by other sites' forms."""
    token = _form_token(client)
    response = client.post(
        "/signin",
        data={"username": seeded["a"].clinician, "password": PASSWORD, "form_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_cookies_are_secure_in_production(sqlite_url: str, seeded: Seeded):
    """In production the session cookie is sent over HTTPS only."""
    settings = {"secret_key": "x" * 40}
    with make_client(sqlite_url, environment="production", **settings) as client:
        client.base_url = client.base_url.copy_with(scheme="https")
        token = _form_token(client)
        response = client.post(
            "/signin",
            data={"username": seeded["a"].patient, "password": PASSWORD, "form_token": token},
            follow_redirects=False,
        )
    assert "secure" in response.headers["set-cookie"].lower()
    assert "strict-transport-security" in response.headers


def test_a_wrong_password_is_refused_without_saying_which_part(client: TestClient, seeded: Seeded):
    """A wrong password and an unknown name get the same answer."""
    assert _attempt(client, seeded["a"].patient, "wrong password") == 401
    assert _attempt(client, "nobody.at.all", "wrong password") == 401


def test_sign_in_is_rate_limited(client: TestClient, seeded: Seeded):
    """After five failures for a name from one address, even the right password waits."""
    for _ in range(5):
        assert _attempt(client, seeded["a"].patient, "wrong password") == 401
    assert _attempt(client, seeded["a"].patient, PASSWORD) == 429


def test_sign_in_needs_the_forms_own_token(client: TestClient, seeded: Seeded):
    """A sign-in posted from another site (no form token) is refused: no login CSRF."""
    response = client.post(
        "/signin",
        data={"username": seeded["a"].patient, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_sign_in_never_redirects_to_another_site(client: TestClient, seeded: Seeded):
    """The `next` target must be a path on this site."""
    token = _form_token(client)
    response = client.post(
        "/signin",
        data={
            "username": seeded["a"].patient,
            "password": PASSWORD,
            "form_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/home"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/checkin", {"step": "0", "leg_pain": "3"}),
        ("/language", {"language": "es"}),
        ("/signout", {}),
    ],
)
def test_patient_forms_without_the_csrf_token_are_refused(
    client: TestClient, seeded: Seeded, path: str, data: dict[str, str]
):
    """Every signed-in form needs the session's CSRF token."""
    sign_in(client, seeded["a"].patient)
    assert client.post(path, data=data, follow_redirects=False).status_code == 403
    wrong = {**data, "csrf_token": "not-the-token"}
    assert client.post(path, data=wrong, follow_redirects=False).status_code == 403


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_alert_forms_without_the_csrf_token_are_refused(
    client: TestClient, seeded: Seeded, action: str
):
    """Acknowledging or resolving an alert needs the CSRF token too."""
    sign_in(client, seeded["a"].clinician)
    response = client.post(
        f"/alerts/{seeded['a'].alert_id}/{action}", data={"note": "x"}, follow_redirects=False
    )
    assert response.status_code == 403


def test_signing_out_ends_the_session(client: TestClient, seeded: Seeded):
    """After signing out, the old session cookie opens nothing."""
    sign_in(client, seeded["a"].patient)
    token = csrf_from(client.get("/home").text)
    old = dict(client.cookies)
    client.post("/signout", data={"csrf_token": token})
    client.cookies.update(old)
    assert client.get("/home", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("path", ["/signin", "/healthz", "/learn", "/api/openapi.json"])
def test_security_headers_on_every_response(client: TestClient, path: str):
    """CSP without inline scripts, no framing, no sniffing, on pages and API alike."""
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_pages_load_nothing_from_other_sites(client: TestClient, seeded: Seeded):
    """No CDN: every script and style sheet is served by the app itself."""
    sign_in(client, seeded["a"].patient)
    page = client.get("/home").text
    assert "http://" not in page.split("<main")[0].replace("http://www.w3.org", "")
    assert "https://" not in page.split("<main")[0]


def test_production_refuses_the_default_secret_key():
    """Settings for real patients refuse the demo secret key."""
    with pytest.raises(ValidationError, match="NERVECARE_SECRET_KEY"):
        Settings(environment="production", secret_key=DEFAULT_SECRET_KEY)


def test_production_refuses_cookies_without_secure():
    """Settings for real patients refuse cookies that would travel over plain HTTP."""
    with pytest.raises(ValidationError, match="Secure"):
        Settings(environment="production", secret_key="y" * 40, cookie_secure=False)


def test_health_check_answers_when_ready(client: TestClient):
    """GET /healthz answers once the database does."""
    assert client.get("/healthz").json() == {"status": "ok"}
