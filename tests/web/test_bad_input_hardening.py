"""Issue 16, point 5 (web and API): bad input is a clear 4xx, and even a crash carries the
security headers."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from nervecare.settings import Settings
from nervecare.web import create_app
from tests.web.helpers import PASSWORD, Seeded, csrf_from, sign_in

_HUGE = 2**63

CHECKIN = {"schema_version": "1", "days_since_surgery": 20, "leg_pain": 4}


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/checkins/{_HUGE}",
        f"/api/v1/patients/{_HUGE}",
        f"/patients/{_HUGE}",
        f"/patients/{_HUGE}/plans",
        f"/alerts/{_HUGE}/deliveries",
    ],
)
def test_a_clinician_asking_for_an_id_beyond_64_bits_gets_a_4xx(client: TestClient, path: str):
    """An id of 2^63 or more is refused as not understood or not found, never a 500."""
    sign_in(client, "clinician.a")
    response = client.get(path)
    assert 400 <= response.status_code < 500, response.text


def test_a_patient_asking_for_a_check_in_id_beyond_64_bits_gets_a_4xx(client: TestClient):
    """The patient's own check-in page refuses an id of 2^63 cleanly."""
    sign_in(client, "patient.a")
    assert 400 <= client.get(f"/checkins/{_HUGE}").status_code < 500


@pytest.mark.parametrize(
    "path",
    [
        f"/alerts/{_HUGE}/send-again",
        f"/alerts/{_HUGE}/acknowledge",
        f"/alerts/{_HUGE}/resolve",
        f"/patients/{_HUGE}/enrolment-code",
        f"/patients/{_HUGE}/reminder",
        f"/patients/{_HUGE}/plans",
        f"/patients/1/plans/{_HUGE}/activate",
        f"/patients/{_HUGE}/programme",
        f"/patients/{_HUGE}/programme/review",
    ],
)
def test_forms_posted_to_an_id_beyond_64_bits_get_a_4xx(client: TestClient, path: str):
    """Every form with an id in its address refuses 2^63 cleanly."""
    sign_in(client, "clinician.a")
    token = csrf_from(client.get("/dashboard").text)
    response = client.post(path, data={"csrf_token": token}, follow_redirects=False)
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize(
    "recorded_at",
    [
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59.999999-12:00",
        "0001-01-01T00:00:00+14:00",
    ],
)
def test_recorded_at_at_the_edges_of_the_calendar_is_refused(client: TestClient, recorded_at: str):
    """A time that cannot be moved to UTC (or is centuries away) is a 422 naming the field."""
    response = client.post(
        "/api/v1/checkins",
        json={**CHECKIN, "recorded_at": recorded_at},
        headers=_bearer(client, "patient.a"),
    )
    assert response.status_code == 422, response.text
    assert "recorded_at" in response.text


@pytest.mark.parametrize(
    "recorded_at",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59+23:59",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00-23:59",
    ],
)
def test_recorded_at_at_the_edges_that_exist_in_utc_is_never_a_500(
    client: TestClient, recorded_at: str
):
    """A valid date-time at the far ends of the calendar is stored or refused, never a 500."""
    response = client.post(
        "/api/v1/checkins",
        json={**CHECKIN, "recorded_at": recorded_at},
        headers=_bearer(client, "patient.a"),
    )
    assert response.status_code in (201, 422), response.text


def test_extra_fields_nested_900_deep_are_refused(client: TestClient):
    """Unknown fields nested far deeper than any real answer are a 422, not a crash."""
    nested: object = 1
    for _ in range(900):
        nested = {"a": nested}
    body = '{"schema_version": "1", "days_since_surgery": 20, "leg_pain": 4, "x": '
    body += '{"a": ' * 900 + "1" + "}" * 900 + "}"
    response = client.post(
        "/api/v1/checkins",
        content=body,
        headers={**_bearer(client, "patient.a"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text


def test_an_uncaught_error_still_carries_the_security_headers(sqlite_url: str, seeded: Seeded):
    """A 500 from a bug is still served with the CSP, frame and no-store headers."""
    app = create_app(Settings(database_url=sqlite_url, environment="development"))
    broken = APIRouter()

    @broken.get("/broken-for-test")
    def _broken() -> None:
        raise RuntimeError("a bug")

    app.include_router(broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken-for-test")
    assert response.status_code == 500
    assert "content-security-policy" in response.headers
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_a_chunked_body_over_the_limit_gets_413(client: TestClient):
    """A body sent in chunks, with no declared length, is refused with 413 once it is too big."""

    def chunks() -> object:
        for _ in range(40):
            yield b" " * 50_000

    response = client.post(
        "/api/v1/checkins",
        content=chunks(),  # type: ignore[arg-type]
        headers={**_bearer(client, "patient.a"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
