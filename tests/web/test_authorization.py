"""Who may see what, for every route: anonymous people are sent to sign in (pages) or get 401
(API); a patient sees only their own record, a clinician only their team's patients; a request
for someone else's data gets 404 or 403 and leaves an audit entry. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nervecare.store.models import AuditEntry
from nervecare.store.service import Store, open_store
from tests.store.fixtures import create_postgres_database
from tests.web.conftest import make_client
from tests.web.helpers import Seeded, TeamSeed, csrf_from, seed_team, sign_in

#: (method, path template, who the route is for); {patient}, {checkin}, {alert} are team b's.
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/home", "patient"),
    ("GET", "/checkin", "patient"),
    ("POST", "/checkin", "patient"),
    ("GET", "/checkins/{checkin}", "patient"),
    ("POST", "/checkins/{checkin}/answers", "patient"),
    ("GET", "/dashboard", "clinician"),
    ("GET", "/alerts", "clinician"),
    ("POST", "/alerts/{alert}/acknowledge", "clinician"),
    ("POST", "/alerts/{alert}/resolve", "clinician"),
    ("GET", "/alerts/{alert}/deliveries", "clinician"),
    ("POST", "/alerts/{alert}/send-again", "clinician"),
    ("GET", "/patients/new", "clinician"),
    ("POST", "/patients/new", "clinician"),
    ("GET", "/patients/{patient}", "clinician"),
    ("POST", "/patients/{patient}/enrolment-code", "clinician"),
    ("POST", "/patients/{patient}/reminder", "clinician"),
    ("POST", "/language", "anyone"),
    ("POST", "/signout", "anyone"),
    ("GET", "/api/v1/me", "anyone"),
    ("POST", "/api/v1/checkins", "patient"),
    ("GET", "/api/v1/checkins/{checkin}", "anyone"),
    ("GET", "/api/v1/patients/{patient}", "anyone"),
)

#: Routes that name someone's record: another team's or patient's gives 404 and an audit entry.
RECORD_ROUTES = tuple(route for route in ROUTES if "{" in route[1])


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Seeded]]:
    """Two teams in one database per module and backend: refused requests change nothing but
    the audit log, so the matrix can share it (each test counts its own audit entries)."""
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('authz')}/web.sqlite3"
    else:
        url, drop = create_postgres_database()
    store = open_store(url)
    try:
        seeded = {"a": seed_team(store, suffix="a"), "b": seed_team(store, suffix="b")}
    finally:
        store.close()
    try:
        yield url, seeded
    finally:
        if drop is not None:
            drop()


def _path(template: str, other: TeamSeed) -> str:
    return template.format(patient=other.patient_id, checkin=other.checkin_id, alert=other.alert_id)


def _denials(url: str) -> int:
    store: Store = open_store(url)
    try:
        with store.sessions.begin() as session:
            query = (
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "access.denied")
            )
            return int(session.scalar(query) or 0)
    finally:
        store.close()


def _send(client: TestClient, method: str, path: str, csrf: str = "") -> int:
    if method == "GET":
        return client.get(path, follow_redirects=False).status_code
    if path.startswith("/api/"):
        headers = {"X-CSRF-Token": csrf} if csrf else {}
        return client.post(path, json={}, headers=headers, follow_redirects=False).status_code
    data = {
        "csrf_token": csrf,
        "note": "done",
        "actionable": "no",
        "language": "en",
        "team": "Team b",
        "email": "someone@example.org",
        "remind_at": "18:00",
        "time_zone": "Europe/London",
    }
    return client.post(path, data=data, follow_redirects=False).status_code


@pytest.mark.parametrize(("method", "template", "_for"), ROUTES)
def test_anonymous_requests_are_sent_to_sign_in(
    world: tuple[str, Seeded], method: str, template: str, _for: str
):
    """Without a session a page redirects to sign in and the API answers 401."""
    url, seeded = world
    with make_client(url) as client:
        status = _send(client, method, _path(template, seeded["b"]))
    assert status == (401 if template.startswith("/api/") else 303)


@pytest.mark.parametrize(("method", "template", "_for"), RECORD_ROUTES)
@pytest.mark.parametrize("kind", ["patient", "clinician"])
def test_someone_elses_record_is_not_found_and_audited(
    world: tuple[str, Seeded], method: str, template: str, _for: str, kind: str
):
    """Team a's patient or clinician asking for team b's record gets 403/404 and an audit entry."""
    url, seeded = world
    with make_client(url) as client:
        sign_in(client, getattr(seeded["a"], kind))
        csrf = csrf_from(client.get("/home" if kind == "patient" else "/dashboard").text)
        before = _denials(url)
        status = _send(client, method, _path(template, seeded["b"]), csrf)
    assert status in (403, 404)
    if status == 404:
        assert _denials(url) == before + 1


@pytest.mark.parametrize(
    ("method", "template", "_for"), [r for r in ROUTES if r[2] != "anyone" and "{" not in r[1]]
)
@pytest.mark.parametrize("kind", ["patient", "clinician"])
def test_pages_for_the_other_kind_of_account_are_forbidden(
    world: tuple[str, Seeded], method: str, template: str, _for: str, kind: str
):
    """A patient cannot open the care team's pages, nor a clinician the patient's forms."""
    if _for == kind:
        pytest.skip("the route is for this kind of account")
    url, seeded = world
    with make_client(url) as client:
        sign_in(client, getattr(seeded["a"], kind))
        csrf = csrf_from(client.get("/home" if kind == "patient" else "/dashboard").text)
        status = _send(client, method, template, csrf)
    assert status == 403


def test_own_records_are_visible(world: tuple[str, Seeded]):
    """The same routes answer for one's own record (the matrix above is not refusing everyone)."""
    url, seeded = world
    own = seeded["a"]
    with make_client(url) as client:
        sign_in(client, own.patient)
        assert client.get(f"/checkins/{own.checkin_id}").status_code == 200
        assert client.get(f"/api/v1/patients/{own.patient_id}").status_code == 200
        client.cookies.clear()
        sign_in(client, own.clinician)
        assert client.get(f"/patients/{own.patient_id}").status_code == 200
        assert client.get(f"/api/v1/checkins/{own.checkin_id}").status_code == 200


def test_viewing_a_record_is_audited(world: tuple[str, Seeded]):
    """Every view of a patient's record leaves an audit entry naming the viewer."""
    url, seeded = world
    own = seeded["a"]
    with make_client(url) as client:
        sign_in(client, own.clinician)
        client.get(f"/patients/{own.patient_id}")
    store = open_store(url)
    try:
        with store.sessions.begin() as session:
            actors = session.scalars(
                select(AuditEntry.actor).where(
                    AuditEntry.action == "patient.read", AuditEntry.patient_id == own.patient_id
                )
            ).all()
    finally:
        store.close()
    assert f"clinician:{own.clinician}" in actors
