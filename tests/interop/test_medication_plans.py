"""Medication plans (issue 7) leave the system as MedicationRequests with their RxNorm code, and
dose and exercise adherence show on the clinic summary."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from nervecare.interop.service import export_patient, read_patient_export
from nervecare.medications import MedicationPlan, PatientFacts, PlanItem
from nervecare.reports import clinic_summary_pdf
from nervecare.store.plans import (
    activate_medication_plan,
    assign_exercise_programme,
    record_dose,
    save_medication_plan,
)
from nervecare.store.service import Store, add_patient, open_store
from tests.store.factories import SURGERY_DAY, new_patient

START = SURGERY_DAY + dt.timedelta(days=14)
TODAY = START + dt.timedelta(days=10)


@pytest.fixture
def planned(tmp_path: Path) -> Iterator[tuple[Store, int]]:
    """A patient on an active gabapentin plan with three doses recorded and a programme."""
    store = open_store(f"sqlite:///{tmp_path / 'plans.sqlite3'}")
    patient = add_patient(store.sessions, new=new_patient()).id
    plan = MedicationPlan(
        prescriber="Dr Rivera",
        items=(
            PlanItem(
                drug="gabapentin",
                start_on=START,
                start_daily_mg=300,
                target_daily_mg=900,
                step_mg=300,
                step_every_days=1,
            ),
        ),
    )
    saved = save_medication_plan(
        store.sessions, patient=patient, plan=plan, facts=PatientFacts(age_years=56, crcl_ml_min=90)
    )
    activate_medication_plan(store.sessions, plan_id=saved.id, accept_warnings=True)
    for day, status in ((0, "taken"), (1, "taken"), (2, "missed")):
        record_dose(
            store.sessions,
            patient=patient,
            drug="gabapentin",
            on=START + dt.timedelta(days=day),
            status=status,
        )  # type: ignore[arg-type]
    assign_exercise_programme(store.sessions, patient=patient, on=START)
    yield store, patient
    store.close()


def test_an_active_plan_is_an_active_medication_request(planned: tuple[Store, int]) -> None:
    """The plan's medicine carries RxNorm 25480 (gabapentin) and the prescriber's dosing."""
    store, patient = planned
    now = dt.datetime.combine(TODAY, dt.time(9), dt.UTC)
    bundle: dict[str, Any] = json.loads(
        export_patient(
            store.sessions, patient=patient, on=TODAY, clock=lambda: now
        ).model_dump_json(exclude_none=True)
    )
    [request] = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationRequest"
    ]
    assert request["status"] == "active"
    assert request["medicationCodeableConcept"]["coding"][0] == {
        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
        "code": "25480",
        "display": "gabapentin",
    }
    assert "start 300 mg a day, rising to 900 mg a day" in request["dosageInstruction"][0]["text"]


def test_clinic_summary_shows_dose_and_exercise_adherence(planned: tuple[Store, int]) -> None:
    """Doses taken of those due, and the share of planned exercise sessions, are on the page."""
    store, patient = planned
    data = read_patient_export(store.sessions, patient=patient, on=TODAY, since=START)
    pdf = pdfium.PdfDocument(clinic_summary_pdf(data, since=START, on=TODAY))
    try:
        text = " ".join(pdf[0].get_textpage().get_text_range().split())
    finally:
        pdf.close()
    assert "Plan adherence, gabapentin: 2 of" in text
    assert "1 missed" in text
    assert "Exercise programme:" in text
