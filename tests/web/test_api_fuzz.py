"""Bad input everywhere (issue 6, point 7): the JSON check-in API never answers 500 and never
stores half a check-in, whatever it is sent.

Schema-driven fuzzing with hypothesis: documents built from the check-in contract's own field
names with values of every JSON type (right and wrong), plus arbitrary JSON and broken bytes.
Each request is followed by a count of stored check-ins: a refusal stores nothing, an acceptance
stores exactly one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from nervecare.store.models import CheckInRow
from nervecare.store.service import open_store
from tests.conftest import shared_file
from tests.web.conftest import make_client
from tests.web.helpers import PASSWORD, Seeded

_ACCEPTED = {200, 201}
_REFUSED = {400, 409, 413, 415, 422}


def _contract_fields() -> list[str]:
    schema = json.loads(shared_file("contracts", "checkin.schema.json").read_text())
    return sorted(schema.get("properties", {}))


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def checkin_like(draw: st.DrawFn, fields: list[str]) -> dict[str, Any]:
    """Mostly the contract's fields, some valid-looking, some of the wrong type or range."""
    document: dict[str, Any] = {}
    if draw(st.booleans()):
        document = {"schema_version": "1", "days_since_surgery": 10, "leg_pain": 4}
    for name in draw(st.lists(st.sampled_from(fields), max_size=6, unique=True)):
        document[name] = draw(
            json_values
            | st.integers(min_value=-5, max_value=400)
            | st.sampled_from(["new", "none", "", "retention", "1", "yes"])
            | st.lists(st.sampled_from(["retention", "pus", "incontinence", "x"]), max_size=3)
        )
    if draw(st.booleans()):
        document[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    return document


@pytest.fixture
def api(sqlite_url: str, seeded: Seeded) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    with make_client(sqlite_url) as client:
        answer = client.post(
            "/api/v1/session", json={"username": seeded["a"].patient, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        yield client, {"Authorization": f"Bearer {answer.json()['token']}"}, sqlite_url


def _stored(url: str) -> int:
    store = open_store(url)
    try:
        with store.sessions.begin() as session:
            return int(session.scalar(select(func.count()).select_from(CheckInRow)) or 0)
    finally:
        store.close()


def _post(client: TestClient, headers: dict[str, str], **kwargs: Any) -> Any:
    return client.post("/api/v1/checkins", headers=headers, **kwargs)


_FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_FUZZ
@given(data=st.data())
def test_any_checkin_like_document_is_answered_without_a_server_error(
    api: tuple[TestClient, dict[str, str], str], data: st.DataObject
):
    """Accepted (one stored) or refused with a reason (none stored); never a 500."""
    client, headers, url = api
    document = data.draw(checkin_like(_contract_fields()) | json_values)
    before = _stored(url)
    response = _post(
        client,
        {**headers, "Content-Type": "application/json"},
        content=json.dumps(document, allow_nan=True),
    )
    assert response.status_code in _ACCEPTED | _REFUSED, response.text
    after = _stored(url)
    if response.status_code in _ACCEPTED:
        assert after == before + 1
        assert response.json()["level"] in ("emergency", "urgent", "routine", "self_care")
    else:
        assert after == before, "a refused check-in stored nothing"
        assert response.json().get("detail"), "a refusal says why"


@_FUZZ
@given(body=st.binary(max_size=200))
def test_arbitrary_bytes_are_refused_cleanly(
    api: tuple[TestClient, dict[str, str], str], body: bytes
):
    """Broken JSON, binary junk or an empty body: a 4xx with a reason, nothing stored."""
    client, headers, url = api
    before = _stored(url)
    response = _post(client, {**headers, "Content-Type": "application/json"}, content=body)
    assert response.status_code in _ACCEPTED | _REFUSED, response.text
    if response.status_code not in _ACCEPTED:
        assert _stored(url) == before


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"leg_pain": 1e400}',
        b"[" * 5000 + b"]" * 5000,
        b'{"leg_pain": ' + b"9" * 5000 + b"}",
    ],
    ids=["empty", "truncated", "array", "null", "infinity", "deep", "huge-number"],
)
def test_malformed_bodies_get_a_clear_refusal(
    api: tuple[TestClient, dict[str, str], str], body: bytes
):
    """Each malformed body is refused with a 4xx and a reason; nothing is stored."""
    client, headers, url = api
    before = _stored(url)
    response = _post(client, {**headers, "Content-Type": "application/json"}, content=body)
    assert response.status_code in _REFUSED, response.text
    assert response.json().get("detail")
    assert _stored(url) == before


@pytest.mark.parametrize("body", [b"{}", b"null", b'{"days_since_surgery": 1, "leg_pain": 2}'])
def test_a_body_without_a_content_type_is_refused_not_a_crash(
    api: tuple[TestClient, dict[str, str], str], body: bytes
):
    """No Content-Type header: a 4xx saying what is wrong, never a server error."""
    client, headers, url = api
    before = _stored(url)
    response = _post(client, headers, content=body)
    assert response.status_code in _REFUSED
    assert _stored(url) == before


def test_an_oversized_body_is_refused_before_it_is_read(
    api: tuple[TestClient, dict[str, str], str],
):
    """A 5 MB check-in is refused with 413 and a reason."""
    client, headers, _url = api
    padding = "x" * (5 * 1024 * 1024)
    response = _post(
        client,
        headers,
        json={"schema_version": "1", "days_since_surgery": 10, "leg_pain": 4, "notes": padding},
    )
    assert response.status_code == 413
