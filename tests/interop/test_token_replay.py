"""A signed call's JWT id (`jti`) is accepted once across every web process: the replay cache
lives in the database (issue 16, item 10), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from nervecare.interop.api import routers
from nervecare.interop.settings import InteropSettings, TrustedIssuer
from nervecare.store.service import Store, open_store
from nervecare.store.token_ids import claim_token_id
from tests.interop.test_cds_hooks import BASE, ISSUER, token


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def process(database_url: str, key: rsa.RSAPrivateKey) -> Iterator[TestClient]:
    """One web process: its own app, its own connections to the shared database."""
    opened = open_store(database_url)
    app = FastAPI()
    for router in routers():
        app.include_router(router)
    app.state.store = opened
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    app.state.interop_settings = InteropSettings(
        trusted_issuers={ISSUER: TrustedIssuer(jwks={"keys": [{**public, "kid": "test-rsa"}]})},
        public_base_url=BASE,
    )
    try:
        yield TestClient(app)
    finally:
        opened.close()


@pytest.fixture
def two_processes(
    store: Store, database_url: str, key: rsa.RSAPrivateKey
) -> Iterator[tuple[TestClient, TestClient]]:
    first, second = process(database_url, key), process(database_url, key)
    yield next(first), next(second)
    for generator in (first, second):
        generator.close()


def test_a_token_used_in_one_process_is_refused_in_another(
    two_processes: tuple[TestClient, TestClient], key: Any
) -> None:
    first, second = two_processes
    headers = token(key, path="/cds-services", jti="used-once")
    assert first.get("/cds-services", headers=headers).status_code == 200
    assert second.get("/cds-services", headers=headers).status_code == 401
    fresh = token(key, path="/cds-services")
    assert second.get("/cds-services", headers=fresh).status_code == 200


def test_a_token_id_is_forgotten_once_its_token_has_expired(store: Store) -> None:
    """Rows do not pile up: an expired token's id is removed (its token is refused anyway)."""
    assert claim_token_id(store.sessions, key="iss|a", expires_at=1_000.0, now=900.0)
    assert not claim_token_id(store.sessions, key="iss|a", expires_at=1_000.0, now=950.0)
    assert claim_token_id(store.sessions, key="iss|b", expires_at=3_000.0, now=2_000.0)
    assert claim_token_id(store.sessions, key="iss|a", expires_at=3_000.0, now=2_000.0)
