"""The care team's pages: ranking, the alert queue, the patient page, enrolment with a code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecare.store.models import OutboxAlert, PatientSummary
from nervecare.store.service import Store
from tests.web.helpers import Seeded, csrf_from, sign_in

NEW_PATIENT = {
    "display_name": "New Person",
    "team": "Team a",
    "surgery_date": "2026-11-01",
    "procedure": "fusion",
    "spinal_levels": "L4-L5",
    "side": "left",
    "baseline_leg_pain": "7",
}


def _enrol(client: TestClient) -> str:
    token = csrf_from(client.get("/patients/new").text)
    page = client.post("/patients/new", data={"csrf_token": token, **NEW_PATIENT}).text
    found = re.search(r'id="enrolment-code">([^<]+)<', page)
    assert found
    return found.group(1)


def _redeem(client: TestClient, code: str, username: str) -> int:
    page = client.get("/enrol").text
    token = page.split('name="form_token" value="')[1].split('"')[0]
    data = {"form_token": token, "code": code, "username": username, "password": "ten chars!!"}
    return client.post("/enrol", data=data).status_code


def test_the_dashboard_lists_only_the_clinicians_team(client: TestClient, seeded: Seeded):
    """Team a's clinician sees team a's patient and not team b's."""
    sign_in(client, seeded["a"].clinician)
    page = client.get("/dashboard").text
    assert "P-a" in page
    assert "P-b" not in page


def test_resolving_needs_a_note(client: TestClient, seeded: Seeded):
    """An alert is closed only with a note of what was done."""
    sign_in(client, seeded["a"].clinician)
    token = csrf_from(client.get("/alerts").text)
    response = client.post(
        f"/alerts/{seeded['a'].alert_id}/resolve", data={"csrf_token": token, "note": "  "}
    )
    assert response.status_code == 400


def test_resolving_closes_the_alert_and_its_open_red_flag(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """After resolve, the alert has the note and the patient has no open alarm."""
    sign_in(client, seeded["a"].clinician)
    token = csrf_from(client.get("/alerts").text)
    client.post(f"/alerts/{seeded['a'].alert_id}/acknowledge", data={"csrf_token": token})
    client.post(
        f"/alerts/{seeded['a'].alert_id}/resolve",
        data={"csrf_token": token, "note": "Seen in clinic", "actionable": "yes"},
    )
    with app_store.sessions.begin() as session:
        alert = session.get(OutboxAlert, seeded["a"].alert_id)
        summary = session.get(PatientSummary, seeded["a"].patient_id)
        assert alert is not None
        assert summary is not None
        assert alert.acknowledged_at is not None
        assert alert.resolution_note == "Seen in clinic"
        assert summary.open_alarms == 0


def test_the_patient_page_shows_trajectory_suggestions_and_sources(
    client: TestClient, seeded: Seeded
):
    """Timeline, chart, trajectory and suggestions with their reasons and sources."""
    sign_in(client, seeded["a"].clinician)
    page = client.get(f"/patients/{seeded['a'].patient_id}").text
    for heading in ("Trajectory", "Stepped-care suggestions", "Check-ins", "Sources"):
        assert heading in page
    assert '<svg class="chart"' in page


def test_enrolment_gives_a_one_time_code(client: TestClient, seeded: Seeded):
    """The code sets the new patient's password once; a second use is refused."""
    sign_in(client, seeded["a"].clinician)
    code = _enrol(client)
    client.cookies.clear()
    assert _redeem(client, code, "new.person") == 200
    assert _redeem(client, code, "someone.else") == 400
    sign_in(client, "new.person", "ten chars!!")
    assert "Hello, New Person" in client.get("/home").text


def test_a_clinician_cannot_enrol_into_another_team(client: TestClient, seeded: Seeded):
    """Enrolment is into one's own teams only."""
    sign_in(client, seeded["a"].clinician)
    token = csrf_from(client.get("/patients/new").text)
    data = {"csrf_token": token, **NEW_PATIENT, "team": "Team b"}
    assert client.post("/patients/new", data=data).status_code == 403


def test_serve_refuses_production_with_the_default_secret(cli_path: Path, tmp_path: Path):
    """`nervecare serve` will not start for real patients with the demo secret key."""
    result = subprocess.run(
        [str(cli_path), "serve", "--no-demo", "--url", f"sqlite:///{tmp_path}/x.sqlite3"],
        env={"NERVECARE_ENVIRONMENT": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "NERVECARE_SECRET_KEY" in result.stderr


def test_alerts_of_another_team_are_not_listed(client: TestClient, seeded: Seeded):
    """The queue holds the clinician's teams' alerts only."""
    sign_in(client, seeded["a"].clinician)
    page = client.get("/alerts").text
    assert "P-a" in page
    assert "P-b" not in page


def test_store_alert_rows_are_untouched_by_a_refused_acknowledge(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """A refused acknowledge of another team's alert changes nothing."""
    sign_in(client, seeded["a"].clinician)
    token = csrf_from(client.get("/alerts").text)
    client.post(f"/alerts/{seeded['b'].alert_id}/acknowledge", data={"csrf_token": token})
    with app_store.sessions.begin() as session:
        acknowledged = session.scalar(
            select(OutboxAlert.acknowledged_at).where(OutboxAlert.id == seeded["b"].alert_id)
        )
    assert acknowledged is None
