"""Plan pages: a clinician builds, checks and activates a medication plan and assigns exercises in
the browser; the patient follows them on "today" and records doses and sessions; nobody sees
another team's plans."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.helpers import Seeded, csrf_from, sign_in

PLAN_FORM = {
    "drug_0": "gabapentin",
    "start_0": "300",
    "target_0": "900",
    "step_0": "300",
    "every_0": "1",
    "crcl": "90",
}


def _clinician_plans(client: TestClient, seeded: Seeded) -> tuple[str, str]:
    sign_in(client, seeded["a"].clinician)
    path = f"/patients/{seeded['a'].patient_id}/plans"
    page = client.get(path)
    assert page.status_code == 200
    return path, csrf_from(page.text)


def test_clinician_checks_saves_and_activates_a_plan(client: TestClient, seeded: Seeded) -> None:
    """Check shows the findings with sources; save makes a draft; activate sends it out."""
    path, token = _clinician_plans(client, seeded)
    checked = client.post(
        path,
        data={
            **PLAN_FORM,
            "target_0": "1800",
            "crcl": "40",
            "action": "check",
            "csrf_token": token,
        },
    )
    assert checked.status_code == 200
    assert "above_renal_maximum" in checked.text
    assert "med_gabapentin_label" in checked.text
    saved = client.post(
        path, data={**PLAN_FORM, "action": "save", "csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    page = client.get(path).text
    assert "draft" in page
    plan_id = page.split("/plans/", 1)[1].split("/activate", 1)[0]
    activated = client.post(
        f"{path}/{plan_id}/activate", data={"csrf_token": token}, follow_redirects=False
    )
    assert activated.status_code == 303
    assert "active" in client.get(path).text


def test_bad_plan_input_is_shown_again_with_the_error(client: TestClient, seeded: Seeded) -> None:
    """A target below the start is refused with a message, nothing stored."""
    path, token = _clinician_plans(client, seeded)
    refused = client.post(
        path, data={**PLAN_FORM, "target_0": "100", "action": "save", "csrf_token": token}
    )
    assert refused.status_code == 400
    assert "No medication plans yet." in refused.text


def test_patient_follows_medicines_and_exercises_today(client: TestClient, seeded: Seeded) -> None:
    """The patient's today page lists the dose due and the exercises; both can be recorded."""
    path, token = _clinician_plans(client, seeded)
    client.post(path, data={**PLAN_FORM, "action": "save", "csrf_token": token})
    plan_id = client.get(path).text.split("/plans/", 1)[1].split("/activate", 1)[0]
    client.post(f"{path}/{plan_id}/activate", data={"csrf_token": token})
    client.post(f"/patients/{seeded['a'].patient_id}/programme", data={"csrf_token": token})
    client.cookies.clear()
    sign_in(client, seeded["a"].patient)
    today = client.get("/today")
    assert today.status_code == 200
    assert "gabapentin" in today.text
    assert "Walking" in today.text
    assert "short questions about side effects in today" in today.text  # asked there
    patient_token = csrf_from(today.text)
    dose = client.post(
        "/today/dose",
        data={
            "csrf_token": patient_token,
            "drug": "gabapentin",
            "dose_number": "1",
            "status": "taken",
        },
        follow_redirects=False,
    )
    assert dose.status_code == 303
    done = client.post(
        "/today/exercise",
        data={"csrf_token": patient_token, "exercise": "walking"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    client.cookies.clear()
    sign_in(client, seeded["a"].clinician)
    page = client.get(path).text
    assert "1 taken" in page
    assert "walking: 1 /" in page


def test_another_teams_plans_are_hidden(client: TestClient, seeded: Seeded) -> None:
    """A clinician of team a gets 404 for team b's plan page."""
    sign_in(client, seeded["a"].clinician)
    assert client.get(f"/patients/{seeded['b'].patient_id}/plans").status_code == 404


def test_today_is_for_patients(client: TestClient, seeded: Seeded) -> None:
    """A clinician cannot open the patient's today page."""
    sign_in(client, seeded["a"].clinician)
    assert client.get("/today").status_code == 403
