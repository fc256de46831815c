"""A bounded fuzz of the FHIR and CDS Hooks routes in the whole web app, with a trusted test
issuer (issue 16, "Keep it true"): whatever the body, the path or the token, never a 500, and a
refused call writes nothing. Plain hypothesis, a few hundred calls in all, so the suite stays
quick; the OpenAPI operations are fuzzed elsewhere (schemathesis).

The examples are the same on every run (derandomized, so CI is stable); to explore, run with
NERVECARE_FUZZ_RANDOM=1 and more examples, e.g. NERVECARE_FUZZ_EXAMPLES=500.
"""

from __future__ import annotations

import copy
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from nervecare.demo.load import load_demo
from nervecare.interop.cds_hooks import SERVICE_ID
from nervecare.interop.settings import InteropSettings, TrustedIssuer
from nervecare.settings import Settings
from nervecare.store.models import Base
from nervecare.store.service import Store, open_store
from nervecare.web import create_app

BASE = "https://cds.example.org"
ISSUER = "https://fuzz.test.example/"
SERVICE = f"/cds-services/{SERVICE_ID}"
EXAMPLES = Path(__file__).parent / "examples"
FUZZ = settings(
    max_examples=int(os.environ.get("NERVECARE_FUZZ_EXAMPLES", "40")),
    deadline=None,
    derandomize=os.environ.get("NERVECARE_FUZZ_RANDOM", "") == "",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}"
    store = open_store(url)
    load_demo(store.sessions, patients=3)
    store.close()
    return url


@pytest.fixture(scope="module")
def web(database: str, key: rsa.RSAPrivateKey) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database, environment="development"))  # type: ignore[call-arg]
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    app.state.interop_settings = InteropSettings(
        trusted_issuers={ISSUER: TrustedIssuer(jwks={"keys": [{**public, "kid": "fuzz"}]})},
        public_base_url=BASE,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def bundle(web: TestClient, key: rsa.RSAPrivateKey) -> dict[str, Any]:
    path = "/fhir/Patient/DEMO-002/$everything"
    document: dict[str, Any] = web.get(path, headers=signed(key, path)).json()
    return document


def signed(key: rsa.RSAPrivateKey, path: str) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": BASE + path,
        "exp": now + 60,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    encoded = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "fuzz"})
    return {"Authorization": f"Bearer {encoded}"}


def rows(web: TestClient) -> dict[str, int]:
    store: Store = web.app.state.store  # type: ignore[attr-defined]
    with store.engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name not in ("audit_log", "token_ids")
        }


def refused_cleanly(web: TestClient, method: str, path: str, **arguments: Any) -> Any:
    """The call answers without a 500; when refused, nothing (but the audit log and the used
    token id) was written."""
    before = rows(web)
    response = web.request(method, path, **arguments)
    assert response.status_code < 500, (path, response.status_code, response.text[:500])
    if response.status_code >= 400:
        assert rows(web) == before, f"a refused {method} {path} wrote something"
        if path.startswith("/fhir"):
            assert response.json()["resourceType"] == "OperationOutcome"
    return response


def mutate(document: Any, choices: list[int], replacement: Any) -> Any:
    """Walk into `document` by `choices` and replace what is found there."""
    mutated = copy.deepcopy(document)
    node = mutated
    for choice in choices:
        children = (
            list(node.keys())
            if isinstance(node, dict)
            else list(range(len(node)))
            if isinstance(node, list)
            else []
        )
        if not children:
            break
        pick = children[choice % len(children)]
        child = node[pick]
        if not isinstance(child, dict | list) or not child:
            node[pick] = replacement
            return mutated
        node = child
    if isinstance(node, dict) and node:
        node[next(iter(node))] = replacement
    elif isinstance(node, list) and node:
        node[0] = replacement
    return mutated


@FUZZ
@given(body=json_values)
def test_fuzz_post_fhir_with_any_json(web: TestClient, key: rsa.RSAPrivateKey, body: Any) -> None:
    refused_cleanly(web, "POST", "/fhir", json=body, headers=signed(key, "/fhir"))


@FUZZ
@given(choices=st.lists(st.integers(min_value=0, max_value=400), max_size=8), value=json_values)
def test_fuzz_post_fhir_with_a_damaged_bundle(
    web: TestClient, key: rsa.RSAPrivateKey, bundle: dict[str, Any], choices: list[int], value: Any
) -> None:
    """A real export with one element replaced by anything: imported, or refused unwritten."""
    damaged = mutate(bundle, choices, value)
    refused_cleanly(web, "POST", "/fhir", json=damaged, headers=signed(key, "/fhir"))


@FUZZ
@given(
    patient=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%"),
        min_size=1,
        max_size=30,
    ),
    on=st.one_of(st.none(), st.text(max_size=12), st.dates().map(str)),
)
def test_fuzz_everything(
    web: TestClient, key: rsa.RSAPrivateKey, patient: str, on: str | None
) -> None:
    path = f"/fhir/Patient/{patient}/$everything"
    params = {} if on is None else {"on": on}
    url = f"/fhir/Patient/{quote(patient, safe='')}/$everything"
    refused_cleanly(web, "GET", url, params=params, headers=signed(key, path))


@FUZZ
@given(choices=st.lists(st.integers(min_value=0, max_value=50), max_size=6), value=json_values)
def test_fuzz_patient_view(
    web: TestClient, key: rsa.RSAPrivateKey, choices: list[int], value: Any
) -> None:
    body = json.loads((EXAMPLES / "patient_view_request.json").read_text())
    body["context"]["patientId"] = "DEMO-001"
    refused_cleanly(
        web, "POST", SERVICE, json=mutate(body, choices, value), headers=signed(key, SERVICE)
    )


@FUZZ
@given(choices=st.lists(st.integers(min_value=0, max_value=50), max_size=5), value=json_values)
def test_fuzz_feedback(
    web: TestClient, key: rsa.RSAPrivateKey, choices: list[int], value: Any
) -> None:
    path = f"{SERVICE}/feedback"
    body = json.loads((EXAMPLES / "feedback_accepted.json").read_text())
    refused_cleanly(web, "POST", path, json=mutate(body, choices, value), headers=signed(key, path))


#: What an HTTP header value can carry (printable ASCII).
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@FUZZ
@given(
    authorization=st.one_of(
        header_text,
        st.builds(lambda t: f"Bearer {t}", header_text),
        st.builds(lambda a, b, c: f"bearer {a}.{b}.{c}", header_text, header_text, header_text),
    ),
    path=st.sampled_from(["/fhir", "/cds-services", SERVICE, f"{SERVICE}/feedback"]),
)
def test_fuzz_authorization_headers(web: TestClient, authorization: str, path: str) -> None:
    """Any Authorization header: 401, never a 500."""
    method = "GET" if path == "/cds-services" else "POST"
    headers = {"Authorization": authorization}
    response = refused_cleanly(web, method, path, json={}, headers=headers)
    assert response.status_code == 401
