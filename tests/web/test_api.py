"""The JSON API: bearer sessions, check-ins with Idempotency-Key, patient data, OpenAPI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nervecare.store.models import CheckInRow
from nervecare.store.service import Store
from tests.web.helpers import PASSWORD, Seeded, sign_in

CHECKIN = {"schema_version": "1", "days_since_surgery": 20, "leg_pain": 4}


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _count(store: Store, patient_id: int) -> int:
    with store.sessions.begin() as session:
        query = select(func.count()).select_from(CheckInRow)
        return int(session.scalar(query.where(CheckInRow.patient_id == patient_id)) or 0)


def test_a_patient_posts_a_check_in_and_gets_the_triage(client: TestClient, seeded: Seeded):
    """201 with the stored check-in and its contract-v1 triage result."""
    response = client.post("/api/v1/checkins", json=CHECKIN, headers=_bearer(client, "patient.a"))
    assert response.status_code == 201
    body = response.json()
    assert body["level"] in ("self_care", "routine")
    assert body["triage"]["level"] == body["level"]
    assert body["patient_id"] == seeded["a"].patient_id


def test_the_same_idempotency_key_stores_once(client: TestClient, seeded: Seeded, app_store: Store):
    """A repeated submission with the same key returns the stored check-in (200), not a copy."""
    headers = {**_bearer(client, "patient.a"), "Idempotency-Key": "k-123"}
    first = client.post("/api/v1/checkins", json=CHECKIN, headers=headers)
    second = client.post("/api/v1/checkins", json=CHECKIN, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert _count(app_store, seeded["a"].patient_id) == 2


def test_the_same_key_with_a_different_check_in_is_a_conflict(client: TestClient):
    """A key reused for different content is refused (409), never merged."""
    headers = {**_bearer(client, "patient.a"), "Idempotency-Key": "k-9"}
    client.post("/api/v1/checkins", json=CHECKIN, headers=headers)
    other = client.post("/api/v1/checkins", json={**CHECKIN, "leg_pain": 9}, headers=headers)
    assert other.status_code == 409


def test_an_invalid_check_in_names_every_field(client: TestClient):
    """422 with the per-field problems; nothing stored, never a level."""
    response = client.post(
        "/api/v1/checkins",
        json={"leg_pain": 12},
        headers=_bearer(client, "patient.a"),
    )
    assert response.status_code == 422
    fields = {problem["field"] for problem in response.json()["detail"]["fields"]}
    assert {"leg_pain", "days_since_surgery"} <= fields


def test_an_emergency_through_the_api_creates_the_alert(client: TestClient):
    """The API's emergency is stored with its outbox alert like the form's."""
    headers = _bearer(client, "patient.a")
    body = client.post(
        "/api/v1/checkins", json={**CHECKIN, "bladder": ["retention"]}, headers=headers
    ).json()
    assert body["level"] == "emergency"


def test_cookie_writes_need_the_csrf_header(client: TestClient, seeded: Seeded):
    """With the session cookie (a browser), a write needs X-CSRF-Token."""
    sign_in(client, seeded["a"].patient)
    assert client.post("/api/v1/checkins", json=CHECKIN).status_code == 403


def test_a_clinician_cannot_post_a_patients_check_in(client: TestClient):
    """Check-ins come from the patient's own account."""
    headers = _bearer(client, "clinician.a")
    assert client.post("/api/v1/checkins", json=CHECKIN, headers=headers).status_code == 403


def test_a_clinician_reads_their_patients_data(client: TestClient, seeded: Seeded):
    """Patient data with trajectory and points, for the clinician's own team."""
    headers = _bearer(client, "clinician.a")
    body = client.get(f"/api/v1/patients/{seeded['a'].patient_id}", headers=headers).json()
    assert body["reference"] == "P-a"
    assert body["points"][0]["leg_pain"] == 6


def test_api_sign_in_is_rate_limited(client: TestClient):
    """The API's sign-in counts failures like the page's."""
    for _ in range(5):
        wrong = {"username": "patient.a", "password": "nope"}
        assert client.post("/api/v1/session", json=wrong).status_code == 401
    right = {"username": "patient.a", "password": PASSWORD}
    assert client.post("/api/v1/session", json=right).status_code == 429


@pytest.mark.parametrize(
    "path", ["/api/v1/checkins", "/api/v1/patients/{patient_id}", "/api/v1/session"]
)
def test_the_api_is_documented_in_openapi(client: TestClient, path: str):
    """Every API route is in the OpenAPI document; the HTML pages are not."""
    document = client.get("/api/openapi.json").json()
    assert path in document["paths"]
    assert "/dashboard" not in document["paths"]
