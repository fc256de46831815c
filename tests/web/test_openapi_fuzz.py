"""Issue 16, "keep it true": schemathesis over every operation of the OpenAPI document, as a
signed-in patient and clinician: no answer is a server error, and a refused request writes
nothing (no half-stored check-in, no stray row).

The FHIR and CDS Hooks operations are called as the document describes them, without a trusted
issuer's token, so this run checks that they refuse cleanly before authentication; their own
fuzzing with a trusted test issuer belongs with the FHIR and CDS Hooks tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from nervecare.settings import Settings
from nervecare.store.accounts import sign_in
from nervecare.store.models import Base
from nervecare.store.service import Store, open_store
from nervecare.web import create_app
from tests.web.helpers import PASSWORD, Seeded

pytestmark = pytest.mark.slow

#: Per operation: about eleven operations, so a few hundred requests in all.
_EXAMPLES = 25

#: Tables a refused request may still write to: the record of the refusal itself.
_LOGS = frozenset({"audit_log", "signin_attempts", "signin_throttles", "web_sessions"})


def _labels() -> list[str]:
    """Every operation of the OpenAPI document (read without a database)."""
    document = create_app(Settings(database_url="sqlite://")).openapi()
    loaded = schemathesis.openapi.from_dict(document)
    return [result.ok().label for result in loaded.get_all_operations()]


@pytest.fixture
def fuzz_store(sqlite_url: str) -> Iterator[Store]:
    opened = open_store(sqlite_url)
    try:
        yield opened
    finally:
        opened.close()


def _token(store: Store, username: str) -> str:
    """A fresh bearer token, opened beside the fuzzed address so throttling never interferes."""
    token, _ = sign_in(
        store.sessions, username=username, password=PASSWORD, client_address="fuzz-setup"
    )
    return token


def _counts(store: Store) -> dict[str, int]:
    with store.sessions.begin() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name not in _LOGS
        }


@pytest.mark.parametrize("label", _labels())
def test_no_operation_answers_500_or_writes_half(
    label: str, sqlite_url: str, fuzz_store: Store, seeded: Seeded
):
    """Any generated request: never a 5xx; a refusal (4xx) leaves every table as it was."""
    app = create_app(Settings(database_url=sqlite_url, environment="development"))
    with TestClient(app):  # runs the lifespan: the store is open for the schema's calls
        loaded = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        operation = next(
            result.ok() for result in loaded.get_all_operations() if result.ok().label == label
        )
        who = seeded["a"].clinician if "/patients/" in label else seeded["a"].patient
        token = [_token(fuzz_store, who)]

        @given(case=operation.as_strategy())
        @settings(
            max_examples=_EXAMPLES,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            headers = {**(case.headers or {}), "Authorization": f"Bearer {token[0]}"}
            before = _counts(fuzz_store)
            response = case.call(headers=headers)
            assert response.status_code < 500, (label, response.text[:500])
            if response.status_code >= 400:
                assert _counts(fuzz_store) == before, (label, response.status_code)
            elif label == "DELETE /api/v1/session":
                token[0] = _token(fuzz_store, who)  # revoked: sign in again

        call()
