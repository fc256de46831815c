"""What nervecare exports, checked by an independent FHIR R4 validator (Medplum's, see
validator.py) with zero errors as the bar: every Bundle of the demo cohort, the same Bundles
after a round trip through import, the Questionnaire, the StructureDefinitions the app serves,
and the OperationOutcomes of refusals and HTTP errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from nervecare.interop.api import routers
from nervecare.interop.fhir import FhirInputError, operation_outcome
from nervecare.interop.fhir.definitions import extension_definitions
from nervecare.interop.fhir.questionnaire import checkin_questionnaire
from nervecare.interop.http import outcome_body
from nervecare.interop.service import export_patient, import_fhir
from nervecare.interop.settings import InteropSettings, TrustedIssuer
from nervecare.store.service import Store, list_patients
from tests.interop.conftest import TODAY
from tests.interop.test_cds_hooks import BASE, ISSUER, token
from tests.interop.validator import FhirValidator

ON = TODAY.date()


def exported(store: Store, reference: str) -> dict[str, Any]:
    bundle = export_patient(store.sessions, patient=reference, on=ON, clock=lambda: TODAY)
    document: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return document


def test_every_demo_bundle_is_valid_r4(sqlite_demo: Store, fhir_validator: FhirValidator) -> None:
    """The demo cohort's exports: no errors (every resource, every profile it claims)."""
    bundles = {
        p.reference: exported(sqlite_demo, p.reference) for p in list_patients(sqlite_demo.sessions)
    }
    assert len(bundles) == 6
    assert fhir_validator.errors(bundles, extension_definitions()) == {}


def test_round_tripped_bundles_are_valid_r4(
    sqlite_demo: Store, sqlite_other: Store, fhir_validator: FhirValidator
) -> None:
    """Exported, imported into an empty store and exported again: still no errors."""
    bundles = {}
    for patient in list_patients(sqlite_demo.sessions):
        import_fhir(
            sqlite_other.sessions, exported(sqlite_demo, patient.reference), clock=lambda: TODAY
        )
        bundles[patient.reference] = exported(sqlite_other, patient.reference)
    assert fhir_validator.errors(bundles, extension_definitions()) == {}


def test_the_questionnaire_is_valid_r4(fhir_validator: FhirValidator) -> None:
    questionnaire = json.loads(checkin_questionnaire().model_dump_json(exclude_none=True))
    assert fhir_validator.errors({"Questionnaire": questionnaire}) == {}


@pytest.mark.parametrize(
    "document",
    [
        {
            "resourceType": "Bundle",
            "type": "nonsense",
            "entry": [None, {"resource": {"resourceType": "Foo"}}],
        },
        {"resourceType": "Patient", "birthDate": "yesterday"},
        {"resourceType": "QuestionnaireResponse", "status": "completed"},
        [1, 2],
    ],
    ids=["bundle", "patient", "response", "not-a-resource"],
)
def test_refusals_are_valid_operation_outcomes(
    sqlite_other: Store, fhir_validator: FhirValidator, document: Any
) -> None:
    with pytest.raises(FhirInputError) as raised:
        import_fhir(sqlite_other.sessions, document, clock=lambda: TODAY)
    outcome = operation_outcome(raised.value.problems)
    assert fhir_validator.errors({"refusal": outcome}) == {}


@pytest.mark.parametrize("status", [400, 401, 404, 405, 413, 422, 500])
def test_http_error_outcomes_are_valid(fhir_validator: FhirValidator, status: int) -> None:
    outcome = json.loads(outcome_body(status, "what went wrong"))
    assert fhir_validator.errors({str(status): outcome}) == {}


def test_the_import_result_is_a_valid_operation_outcome(
    sqlite_demo: Store, sqlite_other: Store, fhir_validator: FhirValidator
) -> None:
    """POST /fhir answers what it did (information, and a warning per note) as an
    OperationOutcome too."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app = FastAPI()
    for router in routers():
        app.include_router(router)
    app.state.store = sqlite_other
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    app.state.interop_settings = InteropSettings(
        trusted_issuers={ISSUER: TrustedIssuer(jwks={"keys": [{**public, "kid": "test-rsa"}]})},
        public_base_url=BASE,
    )
    bundle = exported(sqlite_demo, "DEMO-005")
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "Communication"
    ]
    response = TestClient(app).post("/fhir", json=bundle, headers=token(key, path="/fhir"))
    assert response.status_code == 201
    outcome = response.json()
    assert [issue["severity"] for issue in outcome["issue"]][:2] == ["information", "warning"]
    assert fhir_validator.errors({"import result": outcome}) == {}
