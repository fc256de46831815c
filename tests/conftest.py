"""Project-wide test fixtures. Area-specific fixtures live in each test folder's conftest."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Deterministic property tests: the same examples on every run and in CI.
settings.register_profile(
    "nervecare",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "nervecare"))


def shared_file(*parts: str) -> Path:
    """A file from ../shared, or skip the test with a clear reason when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not found: this check needs the shared/ folder beside the repository")
    return path


@pytest.fixture(scope="session")
def checkin_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(shared_file("contracts", "checkin.schema.json").read_text())
    return loaded


@pytest.fixture(scope="session")
def result_schema() -> dict[str, Any]:
    path = shared_file("contracts", "triage-result.schema.json")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


@pytest.fixture(scope="session")
def public_vignettes() -> list[dict[str, Any]]:
    path = shared_file("vignettes", "triage-public.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def cli_path() -> Path:
    path = Path(sys.executable).parent / "nervecare"
    if not path.exists():
        pytest.skip(f"no nervecare CLI beside {sys.executable} (run python3 scripts/dev.py setup)")
    return path
