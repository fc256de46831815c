"""Issue 16, point 7: surgery dates are checked at enrolment, and a red-flag answer is never
refused because of an unrelated field - it is stored and the team is told."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from nervecare.cli import app
from nervecare.recovery.models import Surgery
from nervecare.settings import get_settings
from nervecare.store.accounts import add_patient_account
from nervecare.store.models import OutboxAlert, Patient
from nervecare.store.schemas import NewPatient
from nervecare.store.service import Store
from nervecare.store.units import create_patient
from tests.web.helpers import PASSWORD, Seeded, csrf_from, sign_in

TODAY = dt.datetime.now(dt.UTC).date()


def _patients(store: Store) -> int:
    with store.sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(Patient)) or 0)


def _enrol(client: TestClient, surgery_date: str) -> int:
    sign_in(client, "clinician.a")
    token = csrf_from(client.get("/patients/new").text)
    return client.post(
        "/patients/new",
        data={
            "csrf_token": token,
            "display_name": "New Patient",
            "team": "Team a",
            "surgery_date": surgery_date,
            "procedure": "discectomy",
        },
    ).status_code


@pytest.mark.parametrize("surgery_date", ["0001-01-01", "9999-12-31", "1990-05-01"])
def test_enrolment_refuses_a_surgery_date_that_cannot_be_right(
    client: TestClient, app_store: Store, surgery_date: str
):
    """A date more than ten years ago or more than a year ahead is a 400 and no patient."""
    before = _patients(app_store)
    assert _enrol(client, surgery_date) == 400
    assert _patients(app_store) == before


def test_enrolment_accepts_a_recent_operation(client: TestClient, app_store: Store):
    """Last week's operation enrols the patient."""
    before = _patients(app_store)
    assert _enrol(client, (TODAY - dt.timedelta(days=7)).isoformat()) == 200
    assert _patients(app_store) == before + 1


def test_the_command_line_refuses_a_surgery_date_that_cannot_be_right(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, app_store: Store
):
    """`patient add --surgery-date 0001-01-01` stops with a reason and adds nobody."""
    monkeypatch.setenv("NERVECARE_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    before = _patients(app_store)
    result = CliRunner().invoke(
        app,
        ["patient", "add", "--name", "X", "--surgery-date", "0001-01-01", "--procedure", "fusion"],
    )
    get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "date of the operation" in result.output
    assert _patients(app_store) == before


@pytest.fixture
def ancient_surgery(app_store: Store) -> str:
    """A patient whose record says the operation was on 0001-01-01 (from before the check)."""
    with app_store.sessions.begin() as session:
        record = create_patient(
            session,
            new=NewPatient(
                team="Team a",
                reference="P-ancient",
                display_name="Ancient Record",
                surgery=Surgery(date=dt.date(1, 1, 1), procedure="discectomy"),
            ),
            actor="test",
            now=dt.datetime.now(dt.UTC),
        )
        add_patient_account(
            session,
            patient_id=record.id,
            username="patient.ancient",
            password=PASSWORD,
            is_synthetic=False,
            now=dt.datetime.now(dt.UTC),
        )
    return "patient.ancient"


def test_a_red_flag_is_stored_and_alerted_despite_an_unreadable_day_count(
    client: TestClient, app_store: Store, ancient_surgery: str, seeded: Seeded
):
    """Urinary retention with 739,000 days since surgery: stored, emergency, team alerted."""
    token = client.post(
        "/api/v1/session", json={"username": ancient_surgery, "password": PASSWORD}
    ).json()["token"]
    response = client.post(
        "/api/v1/checkins",
        json={"days_since_surgery": 739_000, "leg_pain": 3, "bladder": ["retention"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["level"] == "emergency"
    assert any("days_since_surgery" in warning for warning in body["triage"]["warnings"])
    with app_store.sessions.begin() as session:
        alerts = session.scalar(
            select(func.count())
            .select_from(OutboxAlert)
            .where(OutboxAlert.checkin_id == body["id"])
        )
    assert alerts == 1


def test_without_a_red_flag_the_unreadable_field_is_still_refused(
    client: TestClient, ancient_surgery: str
):
    """A routine check-in with the same problem is a 422 naming the field, as before."""
    token = client.post(
        "/api/v1/session", json={"username": ancient_surgery, "password": PASSWORD}
    ).json()["token"]
    response = client.post(
        "/api/v1/checkins",
        json={"days_since_surgery": 739_000, "leg_pain": 3},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert "days_since_surgery" in response.text


def test_the_web_check_in_of_that_patient_sends_a_red_flag(
    client: TestClient, app_store: Store, ancient_surgery: str
):
    """Through the check-in form too: 'I cannot pass urine' is stored as an emergency."""
    sign_in(client, ancient_surgery)
    page = client.get("/checkin")
    response = client.post(
        "/checkin",
        data={
            "csrf_token": csrf_from(page.text),
            "client_id": "form-1",
            "step": "0",
            "action": "send",
            "leg_pain": "3",
            "bladder": "retention",
        },
        follow_redirects=False,
    )
    assert response.status_code in (200, 303), response.text
    with app_store.sessions.begin() as session:
        alerts = session.scalar(select(func.count()).select_from(OutboxAlert))
    assert alerts == 3  # the two seeded teams' emergencies and this one
