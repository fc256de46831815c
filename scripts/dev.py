#!/usr/bin/env python3
"""Set up the project's virtual environment and run its jobs, with nothing but Python 3.11.

Why a script rather than a Makefile: a fresh machine has Python and the package registries and
nothing else we can count on. Every job first makes sure `.venv/` matches `requirements.lock`
(re-installing only when the lock changed), so the README's two commands work on a new clone.

    python3 scripts/dev.py run     # set up, then the main job: the web app with the demo cohort
    python3 scripts/dev.py test    # set up, then lint, type-check and the whole test suite
    python3 scripts/dev.py lock    # re-resolve requirements.lock from pyproject.toml (needs uv)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".nervecare-lock-sha256"


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run([str(a) for a in args], check=False, cwd=ROOT, env=env)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def _fingerprint() -> str:
    digest = hashlib.sha256(LOCK.read_bytes())
    digest.update((ROOT / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create `.venv/` and install the locked dependencies and the package, once per lock."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"nervecare needs Python 3.11; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    # --no-deps: the lock is complete and exact; pip must not re-resolve it.
    _run(BIN / "python", "-m", "pip", "install", "-qq", "--no-deps", "-r", LOCK)
    _run(BIN / "python", "-m", "pip", "install", "-qq", "--no-deps", "-e", ROOT)
    STAMP.write_text(_fingerprint())


def job_run(extra: list[str]) -> None:
    ensure_venv()
    _run(BIN / "nervecare", *(extra or ["serve"]))


def job_test(extra: list[str]) -> None:
    ensure_venv()
    _run(BIN / "ruff", "check", "src", "tests", "benchmarks", "scripts", "evaluation")
    _run(BIN / "ruff", "format", "--check", "src", "tests", "benchmarks", "scripts", "evaluation")
    _run(BIN / "mypy")
    _run(BIN / "pytest", *extra)


def job_lock(extra: list[str]) -> None:
    """Resolve the lock with uv, taking torch's CPU build from pip's local find-links."""
    find_links = os.environ.get("PIP_FIND_LINKS", "/opt/wheels")
    _run(
        "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "--extra",
        "dev",
        "--python-version",
        "3.11",
        "--find-links",
        find_links,
        "--no-emit-find-links",
        "-o",
        LOCK,
        "--custom-compile-command",
        "python3 scripts/dev.py lock",
        *extra,
    )


JOBS = {"run": job_run, "test": job_test, "lock": job_lock, "setup": lambda _: ensure_venv()}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in JOBS:
        sys.exit(f"usage: python3 scripts/dev.py {{{'|'.join(JOBS)}}} [args...]")
    JOBS[sys.argv[1]](sys.argv[2:])
