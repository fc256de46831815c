"""Issue 16, point 4: no patient can fill the database - unknown fields and check-ins per day are
capped with a clear error, and a red-flag check-in is never refused by the cap."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nervecare.store.models import CheckInRow
from nervecare.store.service import Store
from tests.web.helpers import NO_RED_FLAGS, PASSWORD, Seeded, csrf_from, sign_in

CHECKIN = {"schema_version": "1", "days_since_surgery": 20, "leg_pain": 4}
EMERGENCY = {**CHECKIN, "bladder": ["retention"], "saddle_numbness": "new"}


def _bearer(client: TestClient) -> dict[str, str]:
    response = client.post("/api/v1/session", json={"username": "patient.a", "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _count(store: Store, patient_id: int) -> int:
    with store.sessions.begin() as session:
        query = select(func.count()).select_from(CheckInRow)
        return int(session.scalar(query.where(CheckInRow.patient_id == patient_id)) or 0)


def test_900_kb_of_unknown_fields_are_refused(client: TestClient, app_store: Store, seeded: Seeded):
    """A check-in carrying ~900 KB of fields nervecare does not define is a 422, nothing stored."""
    before = _count(app_store, seeded["a"].patient_id)
    document = {**CHECKIN, **{f"extra_{n}": "x" * 18_000 for n in range(50)}}
    response = client.post("/api/v1/checkins", json=document, headers=_bearer(client))
    assert response.status_code == 422
    assert "does not define" in response.text
    assert _count(app_store, seeded["a"].patient_id) == before


def test_a_few_small_unknown_fields_are_still_accepted(client: TestClient):
    """The contract allows unknown fields: small ones are stored (and warned about)."""
    document = {**CHECKIN, "app_version": "2.1", "device": {"os": "android", "build": 7}}
    response = client.post("/api/v1/checkins", json=document, headers=_bearer(client))
    assert response.status_code == 201, response.text


def test_overlong_notes_are_refused_with_the_reason(client: TestClient):
    """Notes are capped (5,000 characters): longer ones get a 422 naming the field."""
    document = {**CHECKIN, "notes": "a" * 5001}
    response = client.post("/api/v1/checkins", json=document, headers=_bearer(client))
    assert response.status_code == 422
    assert "notes" in response.text


@pytest.fixture
def small_daily_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    from nervecare.store import daily_cap  # noqa: PLC0415

    monkeypatch.setattr(daily_cap, "MAX_CHECKINS_PER_DAY", 3)
    return 3


def test_check_ins_beyond_the_daily_cap_are_refused(
    client: TestClient, app_store: Store, seeded: Seeded, small_daily_cap: int
):
    """Past the day's cap a routine check-in gets 429 with a reason; nothing more is stored."""
    headers = _bearer(client)
    before = _count(app_store, seeded["a"].patient_id)
    for _ in range(small_daily_cap):
        assert client.post("/api/v1/checkins", json=CHECKIN, headers=headers).status_code == 201
    refused = client.post("/api/v1/checkins", json=CHECKIN, headers=headers)
    assert refused.status_code == 429
    assert "check-ins" in refused.json()["detail"]
    assert _count(app_store, seeded["a"].patient_id) == before + small_daily_cap


def test_a_red_flag_check_in_is_stored_beyond_the_daily_cap(
    client: TestClient, app_store: Store, seeded: Seeded, small_daily_cap: int
):
    """The cap never refuses an emergency: it is stored and the team alerted."""
    headers = _bearer(client)
    for _ in range(small_daily_cap):
        client.post("/api/v1/checkins", json=CHECKIN, headers=headers)
    response = client.post("/api/v1/checkins", json=EMERGENCY, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["level"] == "emergency"


def test_the_check_in_form_past_the_daily_cap_says_so_in_spanish(
    client: TestClient, small_daily_cap: int
):
    """The form's refusal is a 429 page in the patient's language, never a 500."""
    headers = _bearer(client)
    for _ in range(small_daily_cap):
        client.post("/api/v1/checkins", json=CHECKIN, headers=headers)
    sign_in(client, "patient.a")
    client.post(
        "/language", data={"csrf_token": csrf_from(client.get("/home").text), "language": "es"}
    )
    page = client.get("/checkin")
    response = client.post(
        "/checkin",
        data={
            "csrf_token": csrf_from(page.text),
            "client_id": "form-cap",
            "step": "0",
            "action": "send",
            "leg_pain": "2",
            **NO_RED_FLAGS,
        },
    )
    assert response.status_code == 429, response.text[:500]
    assert "Ha enviado muchos registros" in response.text
