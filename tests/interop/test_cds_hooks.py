"""The CDS Hooks service, driven with the specification's own examples (tests/interop/examples)
on a minimal FastAPI app that includes only the interop routers, as the web app will."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pydantic import BaseModel, ConfigDict, Field

from nervecare.demo.load import load_demo
from nervecare.interop.api import routers
from nervecare.interop.cards import MAX_SUMMARY
from nervecare.interop.cds_hooks import SERVICE_ID
from nervecare.interop.service import read_patient_export
from nervecare.interop.settings import InteropSettings, TrustedIssuer
from nervecare.store.audit import audit_entries
from nervecare.store.service import Store, list_patients, open_store

EXAMPLES = Path(__file__).parent / "examples"
BASE = "https://cds.example.org"
ISSUER = "https://ehr.test.example/"
SPEC = json.loads((EXAMPLES / "jwt_example.json").read_text())


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


# ------------------------------------------------------------------ the specification's shapes


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1)
    url: str | None = None
    icon: str | None = None
    topic: dict[str, Any] | None = None


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    url: str
    type: str = Field(pattern="^(absolute|smart)$")
    appContext: str | None = None  # noqa: N815


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uuid: str | None = None
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY)
    detail: str | None = None
    indicator: str = Field(pattern="^(info|warning|critical)$")
    source: Source
    links: list[Link] | None = None


class CardsResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cards: list[Card]


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None


class Discovery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    services: list[Service]


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One stored demo cohort for this module (the calls only read, and append audit entries)."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('cds') / 'cds.sqlite3'}")
    load_demo(store.sessions, patients=10)
    yield store
    store.close()


@pytest.fixture
def client(demo: Store, rsa_key: rsa.RSAPrivateKey) -> TestClient:
    public = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key()))
    app = FastAPI()
    for router in routers():
        app.include_router(router)
    app.state.store = demo
    app.state.interop_settings = InteropSettings(
        trusted_issuers={
            ISSUER: TrustedIssuer(jwks={"keys": [{**public, "kid": "test-rsa"}]}),
            SPEC["payload"]["iss"]: TrustedIssuer(jwks=SPEC["jwks"], jku=SPEC["header"]["jku"]),
        },
        public_base_url=BASE,
    )
    return TestClient(app)


def token(
    key: Any,
    *,
    path: str,
    alg: str = "RS384",
    kid: str = "test-rsa",
    iss: str = ISSUER,
    lifetime: int = 120,
    jti: str | None = None,
    **headers: Any,
) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": iss,
        "aud": BASE + path,
        "exp": now + lifetime,
        "iat": now,
        "jti": jti or str(uuid.uuid4()),
    }
    signed = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, **headers})
    return {"Authorization": f"Bearer {signed}"}


SERVICE = f"/cds-services/{SERVICE_ID}"


def call(client: TestClient, key: Any, body: Any, path: str = SERVICE) -> Any:
    return client.post(path, json=body, headers=token(key, path=path))


def patient_with(demo: Store, predicate: Any) -> str:
    for patient in list_patients(demo.sessions):
        data = read_patient_export(demo.sessions, patient=patient.id, on=dt.date.today())
        if predicate(data):
            return patient.reference
    raise AssertionError("no demo patient fits")


# ------------------------------------------------------------------ golden examples


@pytest.mark.parametrize("name", ["discovery_response.json"])
def test_spec_discovery_example_round_trips(name: str) -> None:
    """Parse, serialise, parse again: the specification's discovery example keeps its shape."""
    parsed = Discovery.model_validate(example(name))
    assert Discovery.model_validate_json(parsed.model_dump_json(exclude_none=True)) == parsed


@pytest.mark.parametrize("name", ["cards_response.json", "no_cards_response.json"])
def test_spec_card_examples_fit_the_card_shape(name: str) -> None:
    """The specification's responses fit the same model our cards are checked against."""
    parsed = CardsResponse.model_validate(example(name))
    assert CardsResponse.model_validate_json(parsed.model_dump_json(exclude_none=True)) == parsed


def test_discovery_lists_the_patient_view_service(client: TestClient, rsa_key: Any) -> None:
    """GET /cds-services answers in the specification's shape, with our prefetch templates."""
    response = client.get("/cds-services", headers=token(rsa_key, path="/cds-services"))
    assert response.status_code == 200
    discovery = Discovery.model_validate(response.json())
    [service] = discovery.services
    assert (service.hook, service.id) == ("patient-view", SERVICE_ID)
    assert service.prefetch is not None
    assert service.prefetch["patient"] == "Patient/{{context.patientId}}"


def test_spec_request_for_an_unknown_patient_gets_no_cards(
    client: TestClient, rsa_key: Any
) -> None:
    """The specification's patient-view request (patient 1288992) has nothing to say: no cards."""
    response = call(client, rsa_key, example("patient_view_request.json"))
    assert response.status_code == 200
    assert response.json() == example("no_cards_response.json")


def test_a_request_without_the_patient_gets_412(client: TestClient, rsa_key: Any) -> None:
    """No context.patientId and no patient prefetch: 412 Precondition Failed."""
    body = example("patient_view_request.json")
    body["context"].pop("patientId")
    body.pop("prefetch")
    assert call(client, rsa_key, body).status_code == 412


def test_an_open_red_flag_is_a_critical_card(client: TestClient, rsa_key: Any, demo: Store) -> None:
    """A patient with an unreviewed red flag gets a critical card first, linked to their page."""
    reference = patient_with(demo, lambda d: d.history.open_red_flags)
    body = example("patient_view_request.json")
    body["context"]["patientId"] = reference
    body["prefetch"] = {}
    response = call(client, rsa_key, body)
    cards = CardsResponse.model_validate(response.json()).cards
    assert cards[0].indicator == "critical"
    assert cards[0].source.url is not None
    assert cards[0].links is not None
    assert cards[0].links[0].url.startswith(f"{BASE}/patients/")


def test_a_worsening_recovery_is_a_warning_card(
    client: TestClient, rsa_key: Any, demo: Store
) -> None:
    """A slow, stalled or worsening trajectory gives one warning card citing its figures."""
    reference = patient_with(
        demo, lambda d: d.trajectory.classification in ("slow", "plateau", "worsening")
    )
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"patientId": reference, "userId": "Practitioner/example"},
    }
    cards = CardsResponse.model_validate(call(client, rsa_key, body).json()).cards
    warnings = [card for card in cards if card.indicator == "warning"]
    assert len(warnings) == 1
    assert warnings[0].summary.startswith("Recovery ")


def test_suggestions_are_info_cards_with_sources(
    client: TestClient, rsa_key: Any, demo: Store
) -> None:
    """Each stepped-care suggestion is an info card whose source is a cited guideline link."""
    reference = patient_with(demo, lambda d: d.suggestions)
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"patientId": reference},
    }
    cards = CardsResponse.model_validate(call(client, rsa_key, body).json()).cards
    info = [card for card in cards if card.indicator == "info"]
    assert info
    assert all(card.source.url and card.source.url.startswith("http") for card in info)
    assert all("Sources:" in (card.detail or "") for card in info)


def test_prefetched_pain_scores_join_the_history(
    client: TestClient, rsa_key: Any, demo: Store
) -> None:
    """Leg pain scores the EHR prefetches (LOINC 72514-3, leg) are counted; others are not."""
    reference = patient_with(demo, lambda d: d.trajectory.classification == "on_track")
    today = dt.date.today().isoformat()
    pain = {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": today,
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "bodySite": {"text": "left leg"},
        "valueQuantity": {"value": 10},
    }
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"patientId": reference},
        "prefetch": {
            "painScores": {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": pain}] * 3,
            }
        },
    }
    without = {**body, "prefetch": {}}
    before = CardsResponse.model_validate(call(client, rsa_key, without).json()).cards
    after = CardsResponse.model_validate(call(client, rsa_key, body).json()).cards
    assert "warning" not in [card.indicator for card in before]
    assert "warning" in [card.indicator for card in after]


@pytest.mark.parametrize(
    "name", ["feedback_accepted.json", "feedback_overridden.json", "feedback_override_reason.json"]
)
def test_spec_feedback_examples_are_recorded(
    client: TestClient, rsa_key: Any, demo: Store, name: str
) -> None:
    """Each feedback example from the specification is accepted and kept in the audit log."""
    response = call(client, rsa_key, example(name), path=f"{SERVICE}/feedback")
    assert response.status_code == 200
    with demo.sessions.begin() as session:
        actions = [entry.action for entry in audit_entries(session)]
    assert "cds.feedback" in actions


def test_oversized_feedback_is_refused_and_not_audited(
    client: TestClient, rsa_key: Any, demo: Store
) -> None:
    """Feedback of hundreds of kilobytes is a 422 (issue 16, point 4); the audit log keeps none."""
    with demo.sessions.begin() as session:
        before = len(audit_entries(session))
    item = {
        "card": "c-1",
        "outcome": "overridden",
        "outcomeTimestamp": "2026-12-07T00:00:00Z",
        "overrideReason": {"reason": {"code": "x" * 900_000}},
    }
    response = call(client, rsa_key, {"feedback": [item]}, path=f"{SERVICE}/feedback")
    assert response.status_code == 400, response.text
    with demo.sessions.begin() as session:
        assert len(audit_entries(session)) == before


# ------------------------------------------------------------------ who may call


def test_a_call_without_a_token_is_refused(client: TestClient) -> None:
    """No Authorization header: 401 with a Bearer challenge."""
    response = client.post(SERVICE, json=example("patient_view_request.json"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_the_specs_own_example_token_has_expired(client: TestClient) -> None:
    """The specification's example JWT (exp 2015, audience some-service) is refused."""
    response = client.post(
        SERVICE,
        json=example("patient_view_request.json"),
        headers={"Authorization": f"Bearer {SPEC['token']}"},
    )
    assert response.status_code == 401


def test_the_specs_example_key_signs_a_trusted_es384_call(client: TestClient) -> None:
    """A fresh token signed with the specification's example ES384 key, kid and jku is trusted."""
    key = ECAlgorithm.from_jwk(json.dumps(SPEC["private_jwk"]))
    headers = token(
        key,
        path=SERVICE,
        alg="ES384",
        kid="example-kid",
        iss=SPEC["payload"]["iss"],
        jku=SPEC["header"]["jku"],
    )
    response = client.post(SERVICE, json=example("patient_view_request.json"), headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"iss": "https://stranger.example/"}, "untrusted issuer"),
        ({"lifetime": -60}, "expired"),
        ({"lifetime": 86400}, "lives too long"),
        ({"kid": "no-such-key"}, "unknown key"),
        ({"path": "/cds-services/another-service"}, "audience of another endpoint"),
    ],
)
def test_untrusted_tokens_are_refused(
    client: TestClient, rsa_key: Any, change: dict[str, Any], why: str
) -> None:
    """Every way a token can fail to be trusted gives 401."""
    arguments: dict[str, Any] = {"path": SERVICE, **change}
    response = client.post(
        SERVICE, json=example("patient_view_request.json"), headers=token(rsa_key, **arguments)
    )
    assert response.status_code == 401, why


def test_a_symmetric_token_is_refused(client: TestClient) -> None:
    """HS256 (a shared secret) is never accepted, as the specification requires."""
    claims = {
        "iss": ISSUER,
        "aud": BASE + SERVICE,
        "exp": int(time.time()) + 60,
        "iat": int(time.time()),
        "jti": "x",
    }
    signed = jwt.encode(claims, "secret" * 6, algorithm="HS256", headers={"kid": "test-rsa"})
    response = client.post(
        SERVICE,
        json=example("patient_view_request.json"),
        headers={"Authorization": f"Bearer {signed}"},
    )
    assert response.status_code == 401


def test_a_replayed_token_is_refused(client: TestClient, rsa_key: Any) -> None:
    """The same jti twice: the second call is refused (replay protection)."""
    headers = token(rsa_key, path=SERVICE, jti="once-only")
    body = example("patient_view_request.json")
    assert client.post(SERVICE, json=body, headers=headers).status_code == 200
    assert client.post(SERVICE, json=body, headers=headers).status_code == 401


def test_an_ec_key_generated_here_is_trusted_too(demo: Store) -> None:
    """An issuer configured with an EC P-384 key (ES384, as recommended) is trusted."""
    key = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    app = FastAPI()
    for router in routers():
        app.include_router(router)
    app.state.store = demo
    app.state.interop_settings = InteropSettings(
        trusted_issuers={ISSUER: TrustedIssuer(jwks={"keys": [{**public, "kid": "ec"}]})},
        public_base_url=BASE,
    )
    headers = token(key, path="/cds-services", alg="ES384", kid="ec")
    assert TestClient(app).get("/cds-services", headers=headers).status_code == 200


def test_a_numeric_patient_id_is_a_reference_never_an_internal_number(
    client: TestClient, rsa_key: Any
) -> None:
    """context.patientId "3" is the patient whose reference is "3" (none here): no cards, never
    internal patient 3's red flags (issue 16, item 1)."""
    for number in range(1, 11):
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {"patientId": str(number)},
        }
        assert call(client, rsa_key, body).json() == {"cards": []}, number


def test_a_cards_summary_and_indicator_come_from_the_same_data(
    client: TestClient, rsa_key: Any, demo: Store
) -> None:
    """Prefetched 9/10 scores dated before the latest stored check-in: the trajectory card's
    indicator and its "N now" are read from the same history, in date order (issue 17 item 8)."""
    import re  # noqa: PLC0415

    from nervecare.recovery import PatientHistory, assess_trajectory  # noqa: PLC0415

    today = dt.date.today()
    reference = patient_with(
        demo, lambda d: d.trajectory.classification == "plateau" and d.history.baseline
    )
    [patient] = [p for p in list_patients(demo.sessions) if p.reference == reference]
    stored = read_patient_export(demo.sessions, patient=patient.id, on=today)
    last = max(point.recorded_on for point in stored.history.points)
    days = [last - dt.timedelta(days=n) for n in (1, 2, 3, 4)]
    pain = [
        {
            "resourceType": "Observation",
            "status": "final",
            "effectiveDateTime": day.isoformat(),
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
            "bodySite": {"text": "leg"},
            "valueQuantity": {"value": 9},
        }
        for day in days
    ]
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"patientId": reference},
        "prefetch": {
            "painScores": {"resourceType": "Bundle", "entry": [{"resource": r} for r in pain]}
        },
    }
    cards = CardsResponse.model_validate(call(client, rsa_key, body).json()).cards
    merged = sorted(
        [
            *stored.history.points,
            *(
                point.model_copy(
                    update={
                        "days_since_surgery": (day - stored.history.surgery.date).days,
                        "recorded_on": day,
                        "leg_pain": 9,
                        "back_pain": None,
                        "function_odi": None,
                    }
                )
                for day, point in zip(days, [stored.history.points[-1]] * 4, strict=True)
            ),
        ],
        key=lambda p: p.days_since_surgery,
    )
    history = PatientHistory.model_validate({**stored.history.model_dump(), "points": merged})
    expected = assess_trajectory(history, on=today)
    warnings = [card for card in cards if card.indicator == "warning"]
    assert expected.classification == "worsening"
    [warning] = warnings
    # The summary says why, in the assessment's own words (the indicator's reason) ...
    assert warning.summary.startswith(
        f"Recovery worsening at week {expected.days_since_surgery // 7}: "
    )
    assert expected.reasons[0][:60] in warning.summary
    # ... and the figures in the detail are that assessment's, EHR scores included.
    if expected.leg_pain is not None:
        now = re.search(r", ([\d.]+)/10 now", warning.detail or "")
        assert now is not None
        assert float(now.group(1)) == expected.leg_pain.current
