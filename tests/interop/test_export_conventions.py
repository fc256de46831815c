"""The conventions FHIR users expect in an export (issue 17, items 4 to 6): temperatures as vital
signs, answer ranges and standard item codes in the Questionnaire, recorded_at as a dateTime, a
StructureDefinition for each nervecare extension (served and shipped), a standard tag for
synthetic patients, and a short narrative on what a clinician opens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nervecare.checkin import parse_checkin
from nervecare.interop.api import routers
from nervecare.interop.fhir.definitions import extension_definitions
from nervecare.interop.fhir.questionnaire import (
    checkin_from_response,
    checkin_questionnaire,
    response_from_checkin,
)
from nervecare.interop.service import export_patient
from nervecare.store.service import Store, list_patients
from tests.interop.conftest import TODAY
from tests.interop.validator import FhirValidator

ON = TODAY.date()
VITAL_SIGNS = "http://terminology.hl7.org/CodeSystem/observation-category"
BODY_TEMPERATURE_PROFILE = "http://hl7.org/fhir/StructureDefinition/bodytemp"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


@pytest.fixture(scope="module")
def resources(sqlite_demo: Store) -> list[dict[str, Any]]:
    """Every resource of every demo patient's export."""
    found: list[dict[str, Any]] = []
    for patient in list_patients(sqlite_demo.sessions):
        bundle = export_patient(
            sqlite_demo.sessions, patient=patient.reference, on=ON, clock=lambda: TODAY
        )
        found += [
            e["resource"] for e in json.loads(bundle.model_dump_json(exclude_none=True))["entry"]
        ]
    return found


def _items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _items(item.get("item", []))


def questionnaire_items() -> dict[str, dict[str, Any]]:
    document = json.loads(checkin_questionnaire().model_dump_json(exclude_none=True))
    return {item["linkId"]: item for item in _items(document["item"])}


# ------------------------------------------------------------------ item 4: vital signs


def test_temperatures_are_vital_signs(resources: list[dict[str, Any]]) -> None:
    """LOINC 8310-5, UCUM Cel, category vital-signs, the body temperature (vital signs) profile."""
    temperatures = [
        r
        for r in resources
        if r["resourceType"] == "Observation" and "temperature" in r["code"].get("text", "")
    ]
    assert temperatures, "the demo cohort has temperatures"
    for observation in temperatures:
        assert {"system": "http://loinc.org", "code": "8310-5", "display": "Body temperature"} in (
            observation["code"]["coding"]
        )
        assert observation["valueQuantity"]["system"] == "http://unitsofmeasure.org"
        assert observation["valueQuantity"]["code"] == "Cel"
        categories = [c for cat in observation["category"] for c in cat["coding"]]
        assert {
            "system": VITAL_SIGNS,
            "code": "vital-signs",
            "display": "Vital Signs",
        } in categories
        assert BODY_TEMPERATURE_PROFILE in observation["meta"]["profile"]


def test_temperatures_meet_the_vital_signs_profile(
    resources: list[dict[str, Any]], fhir_validator: FhirValidator
) -> None:
    """The independent validator checks each temperature against the profile it claims."""
    temperatures = {
        r["id"]: r
        for r in resources
        if BODY_TEMPERATURE_PROFILE in r.get("meta", {}).get("profile", [])
    }
    assert temperatures
    assert fhir_validator.errors(temperatures) == {}


# ------------------------------------------------------------------ item 5: the Questionnaire


@pytest.mark.parametrize(
    ("field", "low", "high"), [("leg_pain", 0, 10), ("back_pain", 0, 10), ("function_odi", 0, 100)]
)
def test_scores_state_their_answer_range(field: str, low: int, high: int) -> None:
    item = questionnaire_items()[field]
    extensions = {e["url"]: e for e in item.get("extension", [])}
    assert extensions[MIN_VALUE]["valueInteger"] == low
    assert extensions[MAX_VALUE]["valueInteger"] == high


@pytest.mark.parametrize(
    ("field", "code"),
    [("leg_pain", "72514-3"), ("back_pain", "72514-3"), ("temperature_c", "8310-5")],
)
def test_items_carry_their_standard_code(field: str, code: str) -> None:
    item = questionnaire_items()[field]
    assert {"system": "http://loinc.org", "code": code}.items() <= item["code"][0].items()


@pytest.mark.parametrize(
    "recorded_at",
    ["2026-11-20T08:30:00Z", "2026-11-20T08:30:00+00:00", "2026-11-20T09:30:00.25+01:00"],
)
def test_recorded_at_is_a_date_time_and_comes_back_as_sent(recorded_at: str) -> None:
    """A dateTime item and answer; the text as sent survives (an offset written as +00:00 too)."""
    assert questionnaire_items()["recorded_at"]["type"] == "dateTime"
    checkin = parse_checkin(
        {"schema_version": "1", "days_since_surgery": 10, "leg_pain": 3, "recorded_at": recorded_at}
    )
    response = response_from_checkin(checkin)
    document = json.loads(response.model_dump_json(exclude_none=True))
    answer = next(i for i in _items(document["item"]) if i["linkId"] == "recorded_at")["answer"][0]
    assert "valueDateTime" in answer
    assert checkin_from_response(response) == checkin


# ------------------------------------------------------------------ item 6: definitions, tags, text


def extension_urls(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("url"), str) and any(
            k.startswith("value") or k == "extension" for k in node
        ):
            yield node["url"]
        for value in node.values():
            yield from extension_urls(value)
    elif isinstance(node, list):
        for value in node:
            yield from extension_urls(value)


def extensions_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every top-level extension (not sub-extensions of a complex one) in a resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("extension", "modifierExtension") and isinstance(value, list):
                yield from (e for e in value if isinstance(e, dict))
                for extension in value:
                    for inner_key, inner in extension.items():
                        if inner_key != "extension":
                            yield from extensions_in(inner)
            else:
                yield from extensions_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from extensions_in(value)


def test_every_nervecare_extension_has_a_structure_definition(
    resources: list[dict[str, Any]], fhir_validator: FhirValidator
) -> None:
    """Each extension URL an export uses resolves to a StructureDefinition, valid R4."""
    definitions = {d["url"]: d for d in extension_definitions()}
    used = {
        url
        for resource in resources
        for url in extension_urls(resource.get("extension", []))
        if url.startswith("https://nervecare.example.org/")
    }
    used |= {
        url
        for resource in resources
        for url in extension_urls(resource)
        if url.startswith("https://nervecare.example.org/fhir/StructureDefinition/")
    }
    assert used
    assert used <= set(definitions)
    assert fhir_validator.errors({d["id"]: d for d in definitions.values()}) == {}
    # Each use carries the value type its definition states (the validator does not check
    # extensions by URL, so this does).
    for resource in resources:
        for extension in extensions_in(resource):
            definition = definitions.get(extension["url"])
            if definition is None:
                continue
            [value] = [
                e for e in definition["differential"]["element"] if e["id"] == "Extension.value[x]"
            ]
            if value.get("max") == "0":
                assert "extension" in extension, extension
            else:
                kind = value["type"][0]["code"]
                assert f"value{kind[0].upper()}{kind[1:]}" in extension, (extension, kind)


def test_the_app_serves_each_structure_definition(sqlite_demo: Store) -> None:
    """GET /fhir/StructureDefinition/{id}, no token needed (they are public definitions)."""
    app = FastAPI()
    for router in routers():
        app.include_router(router)
    app.state.store = sqlite_demo
    client = TestClient(app)
    for definition in extension_definitions():
        response = client.get(f"/fhir/StructureDefinition/{definition['id']}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/fhir+json")
        assert response.json() == definition
    assert client.get("/fhir/StructureDefinition/nothing-here").status_code == 404


def test_synthetic_patients_carry_the_standard_test_data_tag(
    resources: list[dict[str, Any]],
) -> None:
    """HL7's ActReason HTEST (test health data), not a code under the extension namespace."""
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert patients
    for patient in patients:
        assert patient["meta"]["tag"] == [
            {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                "code": "HTEST",
                "display": "test health data",
            }
        ]


@pytest.mark.parametrize("kind", ["Patient", "Procedure", "CarePlan", "Flag"])
def test_what_a_clinician_opens_has_a_narrative(resources: list[dict[str, Any]], kind: str) -> None:
    found = [r for r in resources if r["resourceType"] == kind]
    assert found
    for resource in found:
        assert resource["text"]["status"] == "generated"
        assert resource["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
        assert len(resource["text"]["div"]) < 2000
