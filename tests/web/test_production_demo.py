"""Issue 16, point 6: production refuses the SYNTHETIC demo data and its sign-ins, whatever the
flags."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nervecare.cli import app
from nervecare.demo import DEMO_SIGNINS, DEMO_TEAM, load_demo
from nervecare.settings import get_settings
from nervecare.store.models import CareTeam
from nervecare.store.service import Store
from tests.web.conftest import make_client

PRODUCTION = {"environment": "production", "secret_key": "s" * 40}
CLINICIAN = {"username": DEMO_SIGNINS[0].username, "password": DEMO_SIGNINS[0].password}


@pytest.fixture
def demo_loaded(app_store: Store) -> Store:
    load_demo(app_store.sessions, patients=5)
    return app_store


def test_demo_credentials_are_refused_in_production(sqlite_url: str, demo_loaded: Store):
    """demo.clinician / demo-clinician-2026 does not sign in to a production app."""
    with make_client(sqlite_url, **PRODUCTION) as client:
        assert client.post("/api/v1/session", json=CLINICIAN).status_code == 401


def test_a_demo_session_opened_elsewhere_does_not_work_in_production(
    sqlite_url: str, demo_loaded: Store
):
    """A token of a demo account, opened outside production, is not honoured in production."""
    with make_client(sqlite_url) as development:
        token = development.post("/api/v1/session", json=CLINICIAN).json()["token"]
    with make_client(sqlite_url, **PRODUCTION) as client:
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_demo_credentials_still_work_outside_production(sqlite_url: str, demo_loaded: Store):
    """On one's own computer (development, demo) the demo sign-ins are what they are for."""
    with make_client(sqlite_url) as client:
        assert client.post("/api/v1/session", json=CLINICIAN).status_code == 200


@pytest.fixture
def production_cli(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("NERVECARE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NERVECARE_ENVIRONMENT", "production")
    monkeypatch.setenv("NERVECARE_SECRET_KEY", "s" * 40)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _demo_team_exists(store: Store) -> bool:
    with store.sessions.begin() as session:
        found = session.scalars(select(CareTeam).where(CareTeam.name == DEMO_TEAM)).one_or_none()
        return found is not None


def test_the_demo_command_refuses_in_production(production_cli: CliRunner, app_store: Store):
    """`nervecare demo` with NERVECARE_ENVIRONMENT=production stops with a reason, loads nothing."""
    result = production_cli.invoke(app, ["demo", "--patients", "5"])
    assert result.exit_code == 2, result.output
    assert "production" in result.output
    assert not _demo_team_exists(app_store)


def test_serve_with_demo_refuses_to_start_in_production(
    production_cli: CliRunner, app_store: Store
):
    """`nervecare serve --demo` in production stops before serving and loads nothing."""
    result = production_cli.invoke(app, ["serve", "--demo"])
    assert result.exit_code == 2, result.output
    assert "production" in result.output
    assert not _demo_team_exists(app_store)


def test_reset_of_the_demo_refuses_in_production(production_cli: CliRunner, app_store: Store):
    """Not even `demo --reset` touches a production database."""
    result = production_cli.invoke(app, ["demo", "--reset"])
    assert result.exit_code == 2, result.output
    assert not _demo_team_exists(app_store)
