"""The store-backed command line end to end, on a fresh SQLite and a fresh PostgreSQL database:
`db upgrade`, `patient add|list|show`, `checkin --patient`, `report` and `demo`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from nervecare.cli import app
from nervecare.questionnaire import load_questionnaire
from nervecare.settings import get_settings
from nervecare.store.migrate import head_revision
from tests.store.fixtures import database_url

__all__ = ["database_url"]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner whose commands use the test's own database (via NERVECARE_DATABASE_URL)."""
    monkeypatch.setenv("NERVECARE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(cli: CliRunner, *args: str, code: int = 0) -> Result:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def _file(tmp_path: Path, name: str, document: dict[str, object]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


ADD = (
    "patient", "add", "--name", "Sam Test", "--surgery-date", "2026-10-01",
    "--procedure", "discectomy", "--levels", "L5-S1", "--side", "left", "--reference", "P-1",
    "--baseline-leg-pain", "8", "--baseline-back-pain", "5", "--team", "Spine A",
)  # fmt: skip


def test_fresh_database_end_to_end(cli: CliRunner, tmp_path: Path):
    """Upgrade, register, store check-ins (one twice), list by attention, show and report."""
    assert "upgraded from revision (empty)" in run(cli, "db", "upgrade").output
    assert "added patient 1 (P-1)" in run(cli, *ADD).output
    calm = _file(tmp_path, "calm.json", {"days_since_surgery": 14, "leg_pain": 3})
    first = run(cli, "checkin", "--patient", "P-1", "--client-id", "c-1", calm).output
    assert "stored as check-in 1 for patient 1" in first
    again = run(cli, "checkin", "--patient", "P-1", "--client-id", "c-1", calm).output
    assert "already stored as check-in 1" in again
    alarm = _file(tmp_path, "alarm.json", {"days_since_surgery": 20, "leg_pain": 6,
                                            "bladder": ["retention"]})  # fmt: skip
    stored = run(cli, "checkin", "--patient", "1", alarm).output
    assert "EMERGENCY" in stored
    assert "stored as check-in 2" in stored

    listed = run(cli, "patient", "list").output
    assert "P-1" in listed
    assert "1 unreviewed urgent/emergency check-in (latest: emergency)" in listed
    shown = run(cli, "patient", "show", "P-1").output
    assert "OPEN RED FLAGS" in shown
    assert "check-ins: 2" in shown
    report = run(cli, "report", "P-1", "--on", "2026-10-25").output
    assert "Trajectory:" in report
    assert "Pain over time:" in report
    assert "Suggestions" in report
    assert "do not replace clinical judgement" in report


def test_invalid_checkin_file_is_refused_and_not_stored(cli: CliRunner, tmp_path: Path):
    """A check-in that breaks the contract is refused with the reason; nothing is stored."""
    run(cli, *ADD)
    bad = _file(tmp_path, "bad.json", {"days_since_surgery": 14, "leg_pain": 11})
    result = run(cli, "checkin", "--patient", "P-1", bad, code=1)
    assert "leg_pain" in result.output
    assert "check-ins: 0" in run(cli, "patient", "show", "P-1").output


def test_checkin_for_an_unknown_patient_is_refused(cli: CliRunner, tmp_path: Path):
    """Storing for a patient who does not exist fails clearly, after showing the triage."""
    run(cli, "db", "upgrade")
    calm = _file(tmp_path, "calm.json", {"days_since_surgery": 14, "leg_pain": 3})
    result = run(cli, "checkin", "--patient", "P-404", calm, code=1)
    assert "no patient 'P-404'" in result.output


def test_checkin_naming_another_patient_is_refused(cli: CliRunner, tmp_path: Path):
    """A check-in whose own patient_id is someone else's is not stored under this patient."""
    run(cli, *ADD)
    other = _file(tmp_path, "o.json", {"patient_id": "P-2", "days_since_surgery": 9, "leg_pain": 3})
    result = run(cli, "checkin", "--patient", "P-1", other, code=2)
    assert "nothing was stored" in result.output


def test_duplicate_reference_is_refused(cli: CliRunner):
    """Two patients cannot share a reference."""
    run(cli, *ADD)
    assert "already exists" in run(cli, *ADD, code=1).output


def test_patient_list_as_json_is_ranked(cli: CliRunner, tmp_path: Path):
    """The JSON listing has every patient, most in need of attention first."""
    run(cli, *ADD)
    run(cli, *[arg if arg != "P-1" else "P-2" for arg in ADD])
    alarm = _file(tmp_path, "a.json", {"days_since_surgery": 20, "leg_pain": 6,
                                        "saddle_numbness": "new"})  # fmt: skip
    run(cli, "checkin", "--patient", "P-2", alarm)
    listed = json.loads(run(cli, "patient", "list", "--format", "json").output)
    assert [row["reference"] for row in listed] == ["P-2", "P-1"]


def test_demo_is_created_once_and_rebuilt_on_reset(cli: CliRunner):
    """`demo` makes a synthetic cohort; again it changes nothing; --reset rebuilds it."""
    created = run(cli, "demo", "--patients", "10").output
    assert "created 10 SYNTHETIC patients" in created
    assert "already exists: nothing changed" in run(cli, "demo", "--patients", "10").output
    assert "created 10 SYNTHETIC patients" in run(cli, "demo", "--patients", "10", "--reset").output
    listed = json.loads(run(cli, "patient", "list", "--format", "json").output)
    assert len(listed) == 10
    assert all(row["reference"].startswith("DEMO-") for row in listed)


def test_database_commands_report_the_revision(cli: CliRunner):
    """`db current` says where the database is and what this nervecare needs."""
    assert "database: (empty)" in run(cli, "db", "current").output
    run(cli, "db", "upgrade")
    assert "database already at revision" in run(cli, "db", "upgrade").output
    head = head_revision()
    assert f"database: {head}; nervecare needs: {head}" in run(cli, "db", "current").output


@pytest.mark.slow
def test_installed_command_runs_demo_and_report(
    cli_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
):
    """The installed `nervecare` program works as a separate process against the database."""
    env = {"NERVECARE_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    for args in (["demo", "--patients", "8"], ["patient", "list"], ["report", "DEMO-005"]):
        completed = subprocess.run(
            [str(cli_path), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert completed.returncode == 0, completed.stderr
    assert "SYNTHETIC" in completed.stdout


def test_interactive_checkin_is_stored_for_the_patient(cli: CliRunner):
    """Without a file the questions are asked, and the answers are stored for the patient."""
    run(cli, *ADD)
    required = {"days_since_surgery": "12", "leg_pain": "3"}
    answers = [required.get(q.field, "") for q in load_questionnaire().questions()]
    result = cli.invoke(app, ["checkin", "--patient", "P-1"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "stored as check-in 1 for patient 1" in result.output
    assert "check-ins: 1" in run(cli, "patient", "show", "P-1").output
