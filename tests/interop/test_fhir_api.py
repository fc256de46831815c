"""The FHIR routes on a minimal app: `GET /fhir/Patient/{id}/$everything` and `POST /fhir`."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.interop.test_cds_hooks import client, demo, rsa_key, token

__all__ = ["client", "demo", "rsa_key"]

EVERYTHING = "/fhir/Patient/DEMO-003/$everything"


def test_everything_returns_the_patients_bundle(client: TestClient, rsa_key: Any) -> None:
    """A trusted caller gets the Bundle as application/fhir+json."""
    response = client.get(EVERYTHING, headers=token(rsa_key, path=EVERYTHING))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"][0]["resource"]["id"] == "DEMO-003"


def test_everything_needs_a_trusted_caller(client: TestClient) -> None:
    """Without a signed token the record is not given out."""
    assert client.get(EVERYTHING).status_code == 401


def test_unknown_patient_is_a_not_found_outcome(client: TestClient, rsa_key: Any) -> None:
    """An unknown patient gives 404 with an OperationOutcome."""
    path = "/fhir/Patient/NOBODY/$everything"
    response = client.get(path, headers=token(rsa_key, path=path))
    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-found"


def test_posting_the_bundle_back_stores_nothing_twice(client: TestClient, rsa_key: Any) -> None:
    """POST /fhir with the patient's own Bundle: 200, every check-in already stored."""
    bundle = client.get(EVERYTHING, headers=token(rsa_key, path=EVERYTHING)).json()
    response = client.post("/fhir", json=bundle, headers=token(rsa_key, path="/fhir"))
    assert response.status_code == 200
    assert "0 check-ins stored" in response.json()["issue"][0]["diagnostics"]


def test_posting_invalid_fhir_gets_an_operation_outcome(client: TestClient, rsa_key: Any) -> None:
    """An invalid Patient gets 422 and an issue whose expression is the element's path."""
    patient = {"resourceType": "Patient", "birthDate": "yesterday"}
    response = client.post("/fhir", json=patient, headers=token(rsa_key, path="/fhir"))
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["Patient.birthDate"]


def test_posting_not_json_is_a_bad_request(client: TestClient, rsa_key: Any) -> None:
    """A body that is not JSON gets 400 with an OperationOutcome."""
    response = client.post("/fhir", content=b"{nope", headers=token(rsa_key, path="/fhir"))
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_new_alert_from_an_import_is_a_warning(client: TestClient, rsa_key: Any) -> None:
    """An urgent check-in sent without its alert record alerts the team again, and the
    OperationOutcome says so in a warning (nothing happens in silence)."""
    path = "/fhir/Patient/DEMO-005/$everything"
    bundle = client.get(path, headers=token(rsa_key, path=path)).json()
    alerts = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication"]
    bundle["entry"] = [e for e in bundle["entry"] if e not in alerts]
    # The same record under a new reference (every subject follows: one patient per Bundle).
    bundle = json.loads(json.dumps(bundle).replace("DEMO-005", "DEMO-005-COPY"))
    response = client.post("/fhir", json=bundle, headers=token(rsa_key, path="/fhir"))
    assert response.status_code == 201
    issues = response.json()["issue"]
    assert alerts
    assert f"{len(alerts)} new alerts pending" in issues[0]["diagnostics"]
    assert [i["severity"] for i in issues[1:]] == ["warning"] * len(alerts)
    assert all("a new alert is pending" in issue["diagnostics"] for issue in issues[1:])


def test_a_numeric_id_is_a_reference_never_an_internal_number(
    client: TestClient, rsa_key: Any
) -> None:
    """`Patient/2` is the patient whose reference is "2" (none here), never internal patient 2
    (issue 16, item 1)."""
    path = "/fhir/Patient/2/$everything"
    response = client.get(path, headers=token(rsa_key, path=path))
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_patient_whose_reference_is_a_number_is_found_by_it(
    client: TestClient, rsa_key: Any
) -> None:
    """Enrolled as "7" over FHIR, the patient is `Patient/7`, not internal patient 7."""
    source = client.get(EVERYTHING, headers=token(rsa_key, path=EVERYTHING)).json()
    bundle = json.loads(json.dumps(source).replace("DEMO-003", "7"))
    posted = client.post("/fhir", json=bundle, headers=token(rsa_key, path="/fhir"))
    assert posted.status_code == 201, posted.json()
    path = "/fhir/Patient/7/$everything"
    again = client.get(path, headers=token(rsa_key, path=path)).json()
    assert again["entry"][0]["resource"]["identifier"][0]["value"] == "7"
