"""`nervecare serve` as a real server (issue 16, points 2 and 6): production starts without the
demo cohort, and X-Forwarded-For is believed only from NERVECARE_TRUSTED_PROXIES."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from nervecare.demo import DEMO_SIGNINS, DEMO_TEAM, load_demo
from nervecare.store.models import CareTeam
from nervecare.store.service import open_store
from tests.alerts.receivers import free_port

pytestmark = pytest.mark.slow

PATIENT = DEMO_SIGNINS[1]


@contextmanager
def serving(cli_path: Path, database_url: str, *args: str, **env: str) -> Iterator[str]:
    """`nervecare serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "NERVECARE_DATABASE_URL": database_url,
        "NERVECARE_PRELOAD_NOTES_READER": "false",
        **env,
    }
    process = subprocess.Popen(
        [str(cli_path), "serve", "--port", str(port), *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _demo_team_exists(database_url: str) -> bool:
    store = open_store(database_url)
    try:
        with store.sessions.begin() as session:
            query = select(CareTeam).where(CareTeam.name == DEMO_TEAM)
            return session.scalars(query).one_or_none() is not None
    finally:
        store.close()


def test_serve_in_production_starts_without_the_demo_cohort(cli_path: Path, tmp_path: Path):
    """No flag: production serves, with no demo team and no demo sign-in."""
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    production = {"NERVECARE_ENVIRONMENT": "production", "NERVECARE_SECRET_KEY": "s" * 40}
    with serving(cli_path, url, **production) as base:
        credentials = {"username": PATIENT.username, "password": PATIENT.password}
        assert httpx.post(f"{base}/api/v1/session", json=credentials).status_code == 401
    assert not _demo_team_exists(url)


def _throttled_elsewhere(base: str) -> int:
    """Five wrong passwords "from" one forwarded address, then the right one "from" another."""
    wrong = {"username": PATIENT.username, "password": "not the password"}
    for _ in range(5):
        httpx.post(f"{base}/api/v1/session", json=wrong, headers={"X-Forwarded-For": "203.0.113.9"})
    right = {"username": PATIENT.username, "password": PATIENT.password}
    response = httpx.post(
        f"{base}/api/v1/session", json=right, headers={"X-Forwarded-For": "198.51.100.7"}
    )
    return response.status_code


@pytest.fixture
def demo_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    store = open_store(url)
    try:
        load_demo(store.sessions, patients=5)
    finally:
        store.close()
    return url


def test_forwarded_addresses_from_a_trusted_proxy_are_believed(cli_path: Path, demo_database: str):
    """Behind a trusted proxy each client is its own address: a stranger does not lock the owner."""
    with serving(
        cli_path, demo_database, "--no-demo", NERVECARE_TRUSTED_PROXIES='["127.0.0.1"]'
    ) as base:
        assert _throttled_elsewhere(base) == 200


def test_forwarded_addresses_from_anyone_else_are_ignored(cli_path: Path, demo_database: str):
    """Without trusted proxies X-Forwarded-For is ignored: a client cannot choose its address."""
    with serving(cli_path, demo_database, "--no-demo") as base:
        assert _throttled_elsewhere(base) == 429
