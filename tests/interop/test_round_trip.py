"""Export -> import into an empty store -> export again: nothing is lost.

What may differ, and is removed before comparing: the Bundle's own id and timestamp (made per
export). Everything else must be identical, resource by resource, alerts included: each alert
comes back as its Communication recorded it (see test_alerts_on_import.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from nervecare.interop.fhir import FhirInputError, operation_outcome
from nervecare.interop.service import export_patient, import_fhir
from nervecare.store.service import Store, add_patient, list_patients
from tests.interop.conftest import TODAY
from tests.store.factories import new_patient

ON = TODAY.date()


def _export(store: Store, patient: str) -> dict[str, Any]:
    bundle = export_patient(store.sessions, patient=patient, on=ON, clock=lambda: TODAY)
    document: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return document


def _comparable(bundle: dict[str, Any]) -> dict[str, Any]:
    """The Bundle without its own id and timestamp (see the module docstring)."""
    bundle = copy.deepcopy(bundle)
    bundle.pop("id")
    bundle.pop("timestamp")
    return bundle


def test_every_demo_patient_round_trips(demo_store: Store, other_store: Store) -> None:
    """Each demo patient's Bundle, imported into an empty store, exports to the same Bundle."""
    references = [p.reference for p in list_patients(demo_store.sessions)]
    assert len(references) == 6
    for reference in references:
        first = _export(demo_store, reference)
        import_fhir(other_store.sessions, first, clock=lambda: TODAY)
        second = _export(other_store, reference)
        assert _comparable(second) == _comparable(first), reference


def test_the_bundle_holds_every_kind_of_resource(sqlite_demo: Store) -> None:
    """A patient with red flags, medication and exercise gives every resource kind asked for."""
    kinds: set[str] = set()
    for patient in list_patients(sqlite_demo.sessions):
        kinds |= {
            e["resource"]["resourceType"] for e in _export(sqlite_demo, patient.reference)["entry"]
        }
    assert kinds >= {
        "Patient",
        "Procedure",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
        "Flag",
        "CarePlan",
        "MedicationStatement",
        "Communication",
    }


def test_importing_the_same_bundle_twice_stores_it_once(
    demo_store: Store, other_store: Store
) -> None:
    """The second import finds every check-in already stored (client ids) and adds nothing."""
    bundle = _export(demo_store, "DEMO-005")
    first = import_fhir(other_store.sessions, bundle, clock=lambda: TODAY)
    again = import_fhir(other_store.sessions, bundle, clock=lambda: TODAY)
    assert first.patient_created
    assert not again.patient_created
    assert again.checkins_created == 0
    assert again.checkins_already_stored == first.checkins_created > 0


def test_pain_observations_are_loinc_coded(sqlite_demo: Store) -> None:
    """Leg and back pain Observations carry LOINC 72514-3 and say which pain by body site."""
    bundle = _export(sqlite_demo, "DEMO-001")
    pain = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["system"] == "http://loinc.org"
    ]
    assert pain
    assert {o["code"]["coding"][0]["code"] for o in pain} == {"72514-3"}
    assert {o["bodySite"]["text"] for o in pain} == {"leg", "back"}


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        (lambda r: r.pop("name"), "Bundle.entry[0].resource.name"),
        (lambda r: r.update(birthDate="not a date"), "Bundle.entry[0].resource.birthDate"),
    ],
)
def test_an_invalid_patient_is_refused_with_its_path(
    sqlite_demo: Store, sqlite_other: Store, change: Any, expression: str
) -> None:
    """Nothing is stored, and the OperationOutcome names the element that is wrong."""
    bundle = _export(sqlite_demo, "DEMO-002")
    change(bundle["entry"][0]["resource"])
    with pytest.raises(FhirInputError) as raised:
        import_fhir(sqlite_other.sessions, bundle, clock=lambda: TODAY)
    outcome = operation_outcome(raised.value.problems)
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(expression in issue["expression"][0] for issue in outcome["issue"])
    assert list_patients(sqlite_other.sessions) == []


def test_a_bad_checkin_in_a_bundle_stores_nothing(sqlite_demo: Store, sqlite_other: Store) -> None:
    """One invalid QuestionnaireResponse refuses the whole Bundle, naming its entry."""
    bundle = _export(sqlite_demo, "DEMO-003")
    index = next(
        i
        for i, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    response = bundle["entry"][index]["resource"]
    leg = next(
        item for group in response["item"] for item in group["item"] if item["linkId"] == "leg_pain"
    )
    leg["answer"][0]["valueInteger"] = 12
    with pytest.raises(FhirInputError) as raised:
        import_fhir(sqlite_other.sessions, bundle, clock=lambda: TODAY)
    assert raised.value.problems[0].expression.startswith(f"Bundle.entry[{index}].resource.item[")
    assert list_patients(sqlite_other.sessions) == []


def test_a_checkin_for_an_enrolled_patient_is_taken_alone(
    demo_store: Store, other_store: Store
) -> None:
    """A single QuestionnaireResponse naming a known patient is stored for them."""
    bundle = _export(demo_store, "DEMO-001")
    enrol = {
        **bundle,
        "entry": [
            e for e in bundle["entry"] if e["resource"]["resourceType"] in ("Patient", "Procedure")
        ],
    }
    summary = import_fhir(other_store.sessions, enrol, clock=lambda: TODAY)
    assert summary.patient_created
    assert summary.checkins_created == 0
    response = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    taken = import_fhir(other_store.sessions, response, clock=lambda: TODAY + dt.timedelta(hours=1))
    assert taken.checkins_created == 1
    assert import_fhir(other_store.sessions, response).checkins_already_stored == 1


def test_a_checkin_for_an_unknown_patient_is_not_found(
    sqlite_other: Store, sqlite_demo: Store
) -> None:
    """A QuestionnaireResponse about nobody we know gets a not-found issue."""
    bundle = _export(sqlite_demo, "DEMO-001")
    response = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    with pytest.raises(FhirInputError) as raised:
        import_fhir(sqlite_other.sessions, response)
    assert raised.value.problems[0].code == "not-found"


def _surgery(bundle: dict[str, Any]) -> dict[str, Any]:
    surgery: dict[str, Any] = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Procedure"
        and e["resource"]["category"]["coding"][0]["code"] == "index-operation"
    )
    return surgery


@pytest.mark.parametrize(
    ("procedure", "snomed", "term"),
    [
        (
            "discectomy",
            "89355001",
            "Discectomy for intervertebral herniated disc, nucleus pulposus",
        ),
        ("laminectomy", "387731002", "Laminectomy"),
        ("fusion", "50172003", "Lumbar spinal fusion"),
    ],
)
def test_the_operation_is_snomed_coded_and_read_back(
    sqlite_other: Store, procedure: str, snomed: str, term: str
) -> None:
    """Procedure.code carries the cited SNOMED CT concept first, then the project's code, and
    the text; a Procedure coded in SNOMED CT alone imports as the same operation."""
    reference = _enrolled(sqlite_other, procedure)
    bundle = _export(sqlite_other, reference)
    code = _surgery(bundle)["code"]
    assert code["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": snomed,
        "display": term,
    }
    assert code["coding"][1]["code"] == procedure
    assert code["text"]
    bundle["entry"] = [
        e
        for e in bundle["entry"]
        if e["resource"]["resourceType"] in ("Patient", "Procedure")
        and e["resource"].get("category", {}).get("coding", [{}])[0].get("code")
        in (None, "index-operation")
    ]
    bundle = json.loads(json.dumps(bundle).replace(reference, "SNOMED-ONLY"))
    _surgery(bundle)["code"]["coding"] = [code["coding"][0]]
    imported = import_fhir(sqlite_other.sessions, bundle, clock=lambda: TODAY)
    assert imported.patient_created
    assert imported.patient.surgery.procedure == procedure


def test_other_operations_stay_text_only(sqlite_other: Store) -> None:
    """No single SNOMED CT concept was confirmed for 'other': the project's code and text only."""
    code = _surgery(_export(sqlite_other, _enrolled(sqlite_other, "other")))["code"]
    assert [c["system"] for c in code["coding"]] == [
        "https://nervecare.example.org/fhir/CodeSystem/procedure"
    ]
    assert code["text"] == "Other lumbar spine operation"


def _enrolled(store: Store, procedure: str) -> str:
    patient = new_patient(f"OP-{procedure}")
    surgery = patient.surgery.model_copy(update={"procedure": procedure})
    add_patient(store.sessions, new=patient.model_copy(update={"surgery": surgery}))
    return f"OP-{procedure}"
