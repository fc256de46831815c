"""Every public vignette (shared/vignettes/triage-public.jsonl) reaches an acceptable level."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nervecare.checkin import parse_checkin
from nervecare.triage import triage_checkin
from tests.conftest import REPO, shared_file
from tests.played_out import played_out


def test_every_public_vignette_is_triaged_acceptably(
    public_vignettes: list[dict[str, Any]],
) -> None:
    """In process, with the notes reader: each case's level, once a truthful patient has answered
    the questions its notes raise, is in its acceptable list."""
    misses = []
    for case in public_vignettes:
        result = triage_checkin(parse_checkin(case["checkin"]))
        level = played_out(result, case["acceptable"])
        if level not in case["acceptable"]:
            misses.append(f"{case['id']}: got {level}, want {case['acceptable']}")
    assert not misses, "\n".join(misses)


@pytest.mark.slow
def test_the_shared_scorer_passes_through_the_cli(cli_path: Path) -> None:
    """shared/tools/score_triage.py, run on the installed CLI, accepts every case."""
    scorer = shared_file("tools", "score_triage.py")
    vignettes = shared_file("vignettes", "triage-public.jsonl")
    completed = subprocess.run(
        [
            sys.executable,
            str(scorer),
            str(vignettes),
            "--cli",
            str(cli_path),
            "--min-accept",
            "1",
            "--max-asked",
            "0.15",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "emergencies missed 0" in completed.stdout
