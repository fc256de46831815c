"""The FHIR and CDS Hooks routes in the real web app: every refusal is a clear 4xx -- for FHIR an
OperationOutcome with its status -- and never a 500 (issue 17 items 3 and 7, issue 16 items 5
and 10)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from nervecare.demo.load import load_demo
from nervecare.interop.cds_hooks import SERVICE_ID
from nervecare.interop.settings import InteropSettings, TrustedIssuer
from nervecare.settings import Settings
from nervecare.store.service import open_store
from nervecare.web import create_app

BASE = "https://cds.example.org"
ISSUER = "https://ehr.test.example/"
EHR_ORIGIN = "https://ehr.test.example"
SERVICE = f"/cds-services/{SERVICE_ID}"
FEEDBACK = f"{SERVICE}/feedback"
EVERYTHING = "/fhir/Patient/DEMO-003/$everything"
LIMIT = 300_000


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP384R1()),
    }


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('http') / 'http.sqlite3'}"
    store = open_store(url)
    load_demo(store.sessions, patients=6)
    store.close()
    return url


@pytest.fixture
def web(database: str, keys: dict[str, Any]) -> Iterator[TestClient]:
    """The whole web app (its body limit, security headers and error handlers included)."""
    app = create_app(
        Settings(database_url=database, environment="development", max_body_bytes=LIMIT)  # type: ignore[call-arg]
    )
    rsa_public = json.loads(RSAAlgorithm.to_jwk(keys["rsa"].public_key()))
    ec_public = json.loads(ECAlgorithm.to_jwk(keys["ec"].public_key()))
    app.state.interop_settings = InteropSettings(
        trusted_issuers={
            ISSUER: TrustedIssuer(
                jwks={"keys": [{**rsa_public, "kid": "test-rsa"}, {**ec_public, "kid": "test-ec"}]}
            )
        },
        public_base_url=BASE,
        cors_origins=(EHR_ORIGIN,),
    )
    with TestClient(app) as client:
        yield client


def bearer(
    keys: dict[str, Any],
    path: str,
    *,
    alg: str = "RS384",
    kid: str = "test-rsa",
    scheme: str = "Bearer",
) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": BASE + path,
        "exp": now + 60,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    key = keys["ec"] if alg.startswith("ES") else keys["rsa"]
    return {
        "Authorization": f"{scheme} {jwt.encode(claims, key, algorithm=alg, headers={'kid': kid})}"
    }


def assert_outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    outcome: dict[str, Any] = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"]
    assert all(issue["severity"] in ("error", "fatal") for issue in outcome["issue"])
    return outcome


def patient_view(patient: str = "DEMO-003", **extra: Any) -> dict[str, Any]:
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"patientId": patient},
        **extra,
    }


# ------------------------------------------------------------------ FHIR: OperationOutcomes


def test_a_bundle_over_the_size_limit_is_a_413_outcome(
    web: TestClient, keys: dict[str, Any]
) -> None:
    """Not `{"detail": ...}`: a FHIR client reads an OperationOutcome."""
    body = json.dumps({"resourceType": "Bundle", "type": "collection", "padding": "x" * LIMIT})
    response = web.post("/fhir", content=body, headers=bearer(keys, "/fhir"))
    outcome = assert_outcome(response, 413)
    assert outcome["issue"][0]["code"] == "too-costly"


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"resourceType": "Bundle", "type": "collection", "entry": '
        + "[" * 100_000
        + "]" * 100_000
        + "}",
        '{"resourceType": "Bundle", "type": "collection", "entry": '
        + '{"a":' * 5_000
        + "1"
        + "}" * 5_001,
    ],
    ids=["arrays", "entry-arrays", "entry-objects"],
)
def test_deeply_nested_json_is_a_400_outcome(
    web: TestClient, keys: dict[str, Any], body: str
) -> None:
    """100,000 nested arrays used to be a plain-text 500 (RecursionError)."""
    response = web.post("/fhir", content=body, headers=bearer(keys, "/fhir"))
    outcome = assert_outcome(response, 400)
    assert "nested" in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "entry", [{"a": 1}, ["x", 1, None], "abc", 7], ids=["object", "scalars", "string", "number"]
)
def test_malformed_entries_are_a_422_outcome(
    web: TestClient, keys: dict[str, Any], entry: Any
) -> None:
    """`"entry": {"a": 1}` and `["x", 1, null]` are named, not a 500."""
    body = {"resourceType": "Bundle", "type": "collection", "entry": entry}
    response = web.post("/fhir", json=body, headers=bearer(keys, "/fhir"))
    outcome = assert_outcome(response, 422)
    assert outcome["issue"][0]["expression"][0].startswith("Bundle.entry")


def test_a_call_without_a_token_is_a_401_outcome(web: TestClient) -> None:
    """The challenge header is kept; the body is an OperationOutcome."""
    response = web.get(EVERYTHING)
    outcome = assert_outcome(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert outcome["issue"][0]["code"] == "login"


@pytest.mark.parametrize("on", ["0001-01-01", "9999-12-31", "1800-02-30"])
def test_an_everything_day_out_of_range_is_a_4xx_outcome(
    web: TestClient, keys: dict[str, Any], on: str
) -> None:
    """`$everything?on=0001-01-01` used to be a 500."""
    response = web.get(f"{EVERYTHING}?on={on}", headers=bearer(keys, EVERYTHING))
    assert_outcome(response, 400 if on != "1800-02-30" else 422)


def test_a_numeric_route_id_is_never_an_internal_number(
    web: TestClient, keys: dict[str, Any]
) -> None:
    """Issue 16 item 1, in the whole app: `Patient/2` is nobody here."""
    path = "/fhir/Patient/2/$everything"
    assert_outcome(web.get(path, headers=bearer(keys, path)), 404)


# ------------------------------------------------------------------ who may call


ROUTES = [
    ("GET", EVERYTHING),
    ("POST", "/fhir"),
    ("GET", "/cds-services"),
    ("POST", SERVICE),
    ("POST", FEEDBACK),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_an_algorithm_that_does_not_fit_the_key_is_a_401(
    web: TestClient, keys: dict[str, Any], method: str, path: str
) -> None:
    """RS256 naming an EC key id raised TypeError before authentication on every route."""
    headers = bearer(keys, path, alg="RS256", kid="test-ec")
    response = web.request(method, path, json=patient_view(), headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_401_names_no_issuer_and_no_key(
    web: TestClient, keys: dict[str, Any], method: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The answer is generic; why the token was refused goes to the log only."""
    headers = bearer(keys, path, kid="no-such-key")
    with caplog.at_level(logging.INFO, logger="nervecare.interop.jwt_auth"):
        response = web.request(method, path, json=patient_view(), headers=headers)
    assert response.status_code == 401
    assert "no-such-key" not in response.text
    assert ISSUER not in response.text
    assert "no-such-key" in caplog.text


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_bearer_scheme_is_case_insensitive(
    web: TestClient, keys: dict[str, Any], scheme: str
) -> None:
    """RFC 6750 (and RFC 7235): the auth-scheme is case-insensitive."""
    response = web.get("/cds-services", headers=bearer(keys, "/cds-services", scheme=scheme))
    assert response.status_code == 200


# ------------------------------------------------------------------ CDS Hooks requests


@pytest.mark.parametrize(
    "prefetch",
    [
        {"patient": {"resourceType": "Patient", "identifier": {"system": "x", "value": "y"}}},
        {"patient": {"resourceType": "Patient", "identifier": ["x", 1, None]}},
        {"patient": "abc"},
        {"painScores": {"resourceType": "Bundle", "entry": "abc"}},
        {"painScores": {"resourceType": "Bundle", "entry": ["abc", None, 1, {"resource": "x"}]}},
        {"painScores": {"resourceType": "Bundle", "entry": [{"resource": {
            "resourceType": "Observation", "effectiveDateTime": "2026-01-01",
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
            "bodySite": {"text": "leg"}, "valueQuantity": {"value": "inf"}}}]}},
        {"painScores": {"resourceType": "Bundle", "entry": [{"resource": {
            "resourceType": "Observation", "effectiveDateTime": "2026-01-01",
            "code": {"coding": "abc"}, "bodySite": "leg", "valueQuantity": {"value": 1e300}}}]}},
    ],
    ids=["identifier-dict", "identifier-scalars", "patient-string", "entry-string", "entry-scalars",
         "value-inf", "coding-string"],
)  # fmt: skip
def test_malformed_prefetch_is_ignored_not_a_500(
    web: TestClient, keys: dict[str, Any], prefetch: dict[str, Any]
) -> None:
    """What cannot be read in a prefetch adds nothing; the cards come from what can."""
    response = web.post(
        SERVICE, json=patient_view(prefetch=prefetch), headers=bearer(keys, SERVICE)
    )
    assert response.status_code == 200
    assert isinstance(response.json()["cards"], list)


def test_a_prefetched_number_too_large_for_a_float_is_a_400(
    web: TestClient, keys: dict[str, Any]
) -> None:
    """`1e400` is not a number JSON readers agree on: refused clearly."""
    body = json.dumps(patient_view()).replace('"context"', '"big": 1e400, "context"')
    response = web.post(
        SERVICE, content=body, headers={**bearer(keys, SERVICE), "content-type": "application/json"}
    )
    assert response.status_code == 400


def test_a_deeply_nested_cds_call_is_a_400(web: TestClient, keys: dict[str, Any]) -> None:
    body = '{"hook": "patient-view", "context": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = web.post(
        SERVICE, content=body, headers={**bearer(keys, SERVICE), "content-type": "application/json"}
    )
    assert response.status_code == 400


def test_fhir_authorization_without_a_fhir_server_is_refused(
    web: TestClient, keys: dict[str, Any]
) -> None:
    """CDS Hooks 2.0: fhirAuthorization is only given with fhirServer."""
    authorization = {
        "access_token": "some-opaque-fhir-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/Patient.read user/Observation.read",
        "subject": "cds-service4",
    }
    body = patient_view(fhirAuthorization=authorization)
    response = web.post(SERVICE, json=body, headers=bearer(keys, SERVICE))
    assert response.status_code == 400
    assert "fhirServer" in response.text
    body["fhirServer"] = "https://fhir.example.org"
    assert web.post(SERVICE, json=body, headers=bearer(keys, SERVICE)).status_code == 200


NOW = "2026-11-25T09:00:00Z"


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({"outcome": "accepted", "outcomeTimestamp": NOW}, "acceptedSuggestions"),
        ({"outcome": "accepted", "acceptedSuggestions": [], "outcomeTimestamp": NOW},
         "acceptedSuggestions"),
        ({"outcome": "overridden", "outcomeTimestamp": "yesterday"}, "outcomeTimestamp"),
        ({"outcome": "overridden", "outcomeTimestamp": "2026-13-45T99:00:00Z"}, "outcomeTimestamp"),
        ({"outcome": "overridden", "outcomeTimestamp": "2026-11-25"}, "outcomeTimestamp"),
    ],
    ids=["accepted-without-suggestions", "accepted-with-none", "timestamp-words",
         "timestamp-impossible", "timestamp-date-only"],
)  # fmt: skip
def test_invalid_feedback_is_refused(
    web: TestClient, keys: dict[str, Any], item: dict[str, Any], words: str
) -> None:
    """CDS Hooks 2.0 feedback: accepted names the suggestions; outcomeTimestamp is a date-time."""
    body = {"feedback": [{"card": str(uuid.uuid4()), **item}]}
    response = web.post(FEEDBACK, json=body, headers=bearer(keys, FEEDBACK))
    assert response.status_code == 400
    assert words in response.text


# ------------------------------------------------------------------ CORS for browser CDS clients


def test_a_preflight_from_the_ehr_is_answered(web: TestClient) -> None:
    """Today a 405: a browser-based CDS client could not call at all."""
    response = web.options(
        SERVICE,
        headers={
            "Origin": EHR_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == EHR_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_a_call_from_the_ehr_carries_its_origin(web: TestClient, keys: dict[str, Any]) -> None:
    response = web.post(
        SERVICE, json=patient_view(), headers={**bearer(keys, SERVICE), "Origin": EHR_ORIGIN}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == EHR_ORIGIN


def test_another_origin_gets_no_cors(web: TestClient, keys: dict[str, Any]) -> None:
    stranger = "https://stranger.example"
    preflight = web.options(
        SERVICE, headers={"Origin": stranger, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    call = web.post(
        SERVICE, json=patient_view(), headers={**bearer(keys, SERVICE), "Origin": stranger}
    )
    assert "access-control-allow-origin" not in call.headers


# ------------------------------------------------------------------ the CLI


def test_the_cli_refuses_deeply_nested_json_without_a_traceback(
    tmp_path: Path, database: str
) -> None:
    """`nervecare import` of 100,000 nested arrays: an OperationOutcome, exit 1, no traceback."""
    from typer.testing import CliRunner  # noqa: PLC0415

    from nervecare.cli import app  # noqa: PLC0415

    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(app, ["import", str(nested), "--url", database])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "nested" in result.output
