"""Issue 16, point 3: every number and date a plan form accepts is bounded to what is clinically
meaningful, so no request can build an endless schedule or a date past the calendar."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from nervecare.medications import PlanItem
from tests.web.helpers import Seeded, csrf_from, sign_in

PLAN_FORM = {
    "drug_0": "gabapentin",
    "start_0": "300",
    "target_0": "900",
    "step_0": "300",
    "every_0": "1",
    "crcl": "90",
}
TODAY = dt.datetime.now(dt.UTC).date()


def _plans(client: TestClient, seeded: Seeded) -> tuple[str, str]:
    sign_in(client, seeded["a"].clinician)
    path = f"/patients/{seeded['a'].patient_id}/plans"
    return path, csrf_from(client.get(path).text)


@pytest.mark.parametrize("action", ["check", "save"])
def test_a_titration_of_endless_tiny_steps_is_refused_at_once(
    client: TestClient, seeded: Seeded, action: str
):
    """target 100,000 mg in steps of 1e-300 mg: a 400 with the reason, in well under a second."""
    path, token = _plans(client, seeded)
    started = time.perf_counter()
    response = client.post(
        path,
        data={
            **PLAN_FORM,
            "target_0": "100000",
            "step_0": "1e-300",
            "action": action,
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    assert time.perf_counter() - started < 5
    assert "No medication plans yet." in response.text


@pytest.mark.parametrize(
    "start_on", ["9999-12-31", "0001-01-01", (TODAY + dt.timedelta(days=400)).isoformat()]
)
def test_a_start_date_far_from_today_is_refused(client: TestClient, seeded: Seeded, start_on: str):
    """A plan starting centuries (or more than a year) away is a 400, never a 500."""
    path, token = _plans(client, seeded)
    response = client.post(
        path, data={**PLAN_FORM, "start_on": start_on, "action": "check", "csrf_token": token}
    )
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_0", "nan"),
        ("start_0", "1e400"),
        ("target_0", "inf"),
        ("step_0", "-300"),
        ("every_0", "1e300"),
        ("course_0", "99999999999999999999"),
        ("weight", "1e9"),
        ("crcl", "nan"),
        ("age", "9" * 30),
    ],
)
def test_numbers_out_of_any_clinical_range_are_refused(
    client: TestClient, seeded: Seeded, field: str, value: str
):
    """NaN, infinity, negatives and absurd sizes in any plan field are a 400 with the form."""
    path, token = _plans(client, seeded)
    response = client.post(
        path, data={**PLAN_FORM, field: value, "action": "check", "csrf_token": token}
    )
    assert response.status_code == 400, response.text


def test_a_plan_item_longer_than_ten_years_to_titrate_is_invalid():
    """The model itself refuses a titration that would take more than ten years."""
    with pytest.raises(ValidationError, match="titration"):
        PlanItem(
            drug="gabapentin",
            start_on=dt.date(2026, 12, 1),
            start_daily_mg=300,
            target_daily_mg=3600,
            step_mg=1,
            step_every_days=14,
        )


@pytest.mark.parametrize("start_on", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_a_plan_item_starting_off_the_calendar_is_invalid(start_on: dt.date):
    """The model refuses start dates no schedule can be built from (before 2000, after 2100)."""
    with pytest.raises(ValidationError, match="start_on"):
        PlanItem(drug="gabapentin", start_on=start_on, start_daily_mg=300, target_daily_mg=300)


def test_a_dose_number_beyond_64_bits_is_refused(client: TestClient, seeded: Seeded):
    """The patient's dose form refuses an absurd dose number with a 4xx."""
    sign_in(client, seeded["a"].patient)
    token = csrf_from(client.get("/home").text)
    response = client.post(
        "/today/dose",
        data={
            "csrf_token": token,
            "drug": "gabapentin",
            "dose_number": str(2**64),
            "status": "taken",
        },
    )
    assert 400 <= response.status_code < 500
