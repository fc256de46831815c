"""A patient's medication plans, dose reports, exercise programme and exercise feedback (issue 7)
survive export -> import -> export unchanged, and come back in the store as the plan services
see them; a plan the import cannot take is refused with the element named, and nothing stored."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from nervecare.interop.fhir import FhirInputError, operation_outcome
from nervecare.interop.service import export_patient, import_fhir
from nervecare.medications import MedicationPlan, PatientFacts, PlanItem
from nervecare.rehab import load_rehab_knowledge
from nervecare.store.plans import (
    activate_medication_plan,
    active_exercise_programme,
    assign_exercise_programme,
    dose_summary,
    read_medication_plans,
    record_dose,
    record_exercise,
    save_medication_plan,
    stop_medication_plan,
)
from nervecare.store.service import Store, add_patient, list_patients
from tests.store.factories import SURGERY_DAY, new_patient

START = SURGERY_DAY + dt.timedelta(days=14)
TODAY = START + dt.timedelta(days=10)
NOW = dt.datetime.combine(TODAY, dt.time(9), dt.UTC)
FACTS = PatientFacts(age_years=56, crcl_ml_min=90)


def _clock() -> dt.datetime:
    return NOW


def _item(drug: str, **fields: Any) -> PlanItem:
    return PlanItem(drug=drug, start_on=START, **fields)


def _planned(store: Store) -> str:
    """A patient with a stopped plan, an active two-medicine plan with doses reported, a draft,
    an exercise programme and exercise feedback."""
    reference = add_patient(store.sessions, new=new_patient("PLAN-1")).reference
    assert reference is not None
    first = save_medication_plan(
        store.sessions,
        patient=reference,
        plan=MedicationPlan(
            prescriber="Dr Rivera",
            items=(_item("gabapentin", start_daily_mg=300, target_daily_mg=300),),
        ),
        facts=FACTS,
        note="first try",
    )
    activate_medication_plan(store.sessions, plan_id=first.id, accept_warnings=True)
    stop_medication_plan(store.sessions, plan_id=first.id, reason="too sleepy")
    active = save_medication_plan(
        store.sessions,
        patient=reference,
        plan=MedicationPlan(
            prescriber="Dr Rivera",
            items=(
                _item(
                    "pregabalin",
                    start_daily_mg=75,
                    target_daily_mg=150,
                    step_mg=75,
                    step_every_days=7,
                    times_per_day=2,
                    note="with food",
                ),
                _item("ibuprofen", start_daily_mg=1200, target_daily_mg=1200, course_days=14),
            ),
        ),
        facts=FACTS,
    )
    activate_medication_plan(store.sessions, plan_id=active.id, accept_warnings=True)
    for day, number, status in ((0, 1, "taken"), (0, 2, "missed"), (1, 1, "taken")):
        record_dose(
            store.sessions,
            patient=reference,
            drug="pregabalin",
            on=START + dt.timedelta(days=day),
            dose_number=number,
            status=status,  # type: ignore[arg-type]
        )
    save_medication_plan(
        store.sessions,
        patient=reference,
        plan=MedicationPlan(
            items=(
                _item(
                    "duloxetine",
                    start_daily_mg=30,
                    target_daily_mg=60,
                    step_mg=30,
                    step_every_days=7,
                ),
            )
        ),
        facts=FACTS,
        note="to discuss",
    )
    assign_exercise_programme(store.sessions, patient=reference, on=START, note="start gently")
    record_exercise(
        store.sessions,
        patient=reference,
        on=START + dt.timedelta(days=1),
        exercise=_an_exercise(),
        minutes=10,
        symptoms_further_down_leg=True,
        pain_raised_hours=2.5,
    )
    return reference


def _an_exercise() -> str:
    return sorted(load_rehab_knowledge().exercises)[0]


def _export(store: Store, reference: str) -> dict[str, Any]:
    bundle = export_patient(store.sessions, patient=reference, on=TODAY, clock=_clock)
    document: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return document


def _comparable(bundle: dict[str, Any]) -> dict[str, Any]:
    bundle = copy.deepcopy(bundle)
    bundle.pop("id")
    bundle.pop("timestamp")
    return bundle


def _entries(bundle: dict[str, Any], kind: str) -> list[tuple[int, dict[str, Any]]]:
    return [
        (index, entry["resource"])
        for index, entry in enumerate(bundle["entry"])
        if entry["resource"]["resourceType"] == kind
    ]


def test_a_patient_with_plans_round_trips(store: Store, other_store: Store) -> None:
    """Export -> import -> export gives the same Bundle, plans and programme included."""
    reference = _planned(store)
    first = _export(store, reference)
    summary = import_fhir(other_store.sessions, first, clock=_clock)
    assert summary.medication_plans_created == 3
    assert summary.notes == ()
    second = _export(other_store, reference)
    assert _comparable(second) == _comparable(first)


def test_imported_plans_are_what_the_plan_services_see(store: Store, other_store: Store) -> None:
    """Status, medicines, findings, doses and programme level read back the same."""
    reference = _planned(store)
    import_fhir(other_store.sessions, _export(store, reference), clock=_clock)

    def seen(target: Store) -> Any:
        plans = read_medication_plans(target.sessions, patient=reference)
        doses = dose_summary(target.sessions, patient=reference, from_date=START, to_date=TODAY)
        programme = active_exercise_programme(target.sessions, patient=reference)
        assert programme is not None
        return (
            [(p.status, p.prescriber, p.note, p.plan, p.findings, p.created_at) for p in plans],
            doses,
            programme[0].model_dump(exclude={"id", "patient_id"}),
        )

    assert seen(other_store) == seen(store)


def test_the_bundle_carries_every_plan_resource(store: Store) -> None:
    """Requests grouped per plan, doses as administrations, programme CarePlan, feedback."""
    bundle = _export(store, _planned(store))
    requests = [r for _, r in _entries(bundle, "MedicationRequest")]
    assert [r["status"] for r in requests] == ["stopped", "active", "active", "draft"]
    assert len({r["groupIdentifier"]["value"] for r in requests}) == 3
    doses = [r for _, r in _entries(bundle, "MedicationAdministration")]
    assert [d["status"] for d in doses] == ["completed", "not-done", "completed"]
    assert {d["request"]["reference"] for d in doses} == {f"MedicationRequest/{requests[1]['id']}"}
    plans = [r for _, r in _entries(bundle, "CarePlan")]
    assert any(p["title"] == "Exercise programme level" for p in plans)
    feedback = [
        r for _, r in _entries(bundle, "Observation") if r["code"]["text"] == "exercise feedback"
    ]
    assert len(feedback) == 1


def test_a_plan_with_an_unknown_medicine_is_refused_with_its_path(
    store: Store, other_store: Store
) -> None:
    """The OperationOutcome names the MedicationRequest; nothing at all is stored."""
    bundle = _export(store, _planned(store))
    index, request = _entries(bundle, "MedicationRequest")[1]
    item = next(e for e in request["extension"] if e["url"].endswith("/medication-plan-item"))
    next(part for part in item["extension"] if part["url"] == "drug")["valueString"] = "unobtanium"
    with pytest.raises(FhirInputError) as raised:
        import_fhir(other_store.sessions, bundle, clock=_clock)
    outcome = operation_outcome(raised.value.problems)
    assert any(
        issue["expression"][0] == f"Bundle.entry[{index}].resource.medicationCodeableConcept"
        for issue in outcome["issue"]
    )
    assert list_patients(other_store.sessions) == []


def test_a_dose_outside_its_schedule_is_refused(store: Store, other_store: Store) -> None:
    """A dose reported before its medicine started names the MedicationAdministration."""
    bundle = _export(store, _planned(store))
    index, dose = _entries(bundle, "MedicationAdministration")[0]
    dose["effectiveDateTime"] = (START - dt.timedelta(days=3)).isoformat()
    with pytest.raises(FhirInputError) as raised:
        import_fhir(other_store.sessions, bundle, clock=_clock)
    assert [p.expression for p in raised.value.problems] == [
        f"Bundle.entry[{index}].resource.effectiveDateTime"
    ]
    assert list_patients(other_store.sessions) == []


def test_a_broken_titration_is_refused(store: Store, other_store: Store) -> None:
    """A target above the start without steps is not a plan: refused at the extension."""
    bundle = _export(store, _planned(store))
    index, request = _entries(bundle, "MedicationRequest")[1]
    item = next(e for e in request["extension"] if e["url"].endswith("/medication-plan-item"))
    item["extension"] = [p for p in item["extension"] if p["url"] != "step-mg"]
    with pytest.raises(FhirInputError) as raised:
        import_fhir(other_store.sessions, bundle, clock=_clock)
    assert any(
        p.expression.startswith(f"Bundle.entry[{index}].resource.extension")
        for p in raised.value.problems
    )
    assert list_patients(other_store.sessions) == []


def test_a_foreign_medication_request_is_reported_not_dropped_silently(
    store: Store, other_store: Store
) -> None:
    """A MedicationRequest without nervecare's plan extensions (free-text dose) cannot become a
    checked plan: the patient is imported and the result says what was left out."""
    bundle = _export(store, _planned(store))
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "MedicationRequest",
                "id": "ehr-1",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {"text": "amitriptyline 10 mg at night"},
                "subject": {"reference": "Patient/PLAN-1"},
            }
        }
    )
    summary = import_fhir(other_store.sessions, bundle, clock=_clock)
    assert summary.medication_plans_created == 3
    assert len(summary.notes) == 1
    assert "amitriptyline 10 mg at night" in summary.notes[0]
    assert "not imported" in summary.notes[0]


def test_exercise_feedback_out_of_range_is_refused_with_its_path(
    store: Store, other_store: Store
) -> None:
    """Pain raised for longer than the 72 hours the store accepts names the Observation."""
    bundle = _export(store, _planned(store))
    index, feedback = next(
        (i, r)
        for i, r in _entries(bundle, "Observation")
        if r["code"]["text"] == "exercise feedback"
    )
    hours = next(c for c in feedback["component"] if "valueQuantity" in c)
    hours["valueQuantity"]["value"] = 100
    with pytest.raises(FhirInputError) as raised:
        import_fhir(other_store.sessions, bundle, clock=_clock)
    assert [p.expression for p in raised.value.problems] == [f"Bundle.entry[{index}].resource"]
    assert "pain_raised_hours" in raised.value.problems[0].message
    assert list_patients(other_store.sessions) == []


def test_a_foreign_administration_is_reported_not_dropped_silently(
    store: Store, other_store: Store
) -> None:
    """A MedicationAdministration that is not a dose of a nervecare plan is left out, said so."""
    bundle = _export(store, _planned(store))
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "MedicationAdministration",
                "status": "completed",
                "medicationCodeableConcept": {"text": "morphine 5 mg"},
                "subject": {"reference": "Patient/PLAN-1"},
                "effectiveDateTime": START.isoformat(),
            }
        }
    )
    summary = import_fhir(other_store.sessions, bundle, clock=_clock)
    assert summary.patient_created
    assert ["not a dose of a nervecare plan" in note for note in summary.notes] == [True]


def test_only_a_confirmed_rxcui_is_sent_as_an_rxnorm_code(store: Store, other_store: Store) -> None:
    """Gabapentin's RxCUI is confirmed against a cited source, pregabalin's is not: pregabalin
    travels by name and nervecare's drug key, never as an unverified RxNorm code, and still
    imports as pregabalin."""
    bundle = _export(store, _planned(store))
    requests = [r for _, r in _entries(bundle, "MedicationRequest")]
    concepts = {
        r["medicationCodeableConcept"]["text"]: r["medicationCodeableConcept"] for r in requests
    }
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    assert concepts["gabapentin"]["coding"] == [
        {"system": rxnorm, "code": "25480", "display": "gabapentin"}
    ]
    assert "coding" not in concepts["pregabalin"]
    import_fhir(other_store.sessions, bundle, clock=_clock)
    [active] = [
        p
        for p in read_medication_plans(other_store.sessions, patient="PLAN-1")
        if p.status == "active"
    ]
    assert [item.drug for item in active.plan.items] == ["pregabalin", "ibuprofen"]
