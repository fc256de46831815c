"""`nervecare plan` end to end on SQLite and PostgreSQL: check, add, activate, schedule, doses,
exercise programme, today, feedback and review."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from nervecare.cli import app
from nervecare.settings import get_settings
from tests.store.fixtures import database_url

__all__ = ["database_url"]

ADD_PATIENT = (
    "patient", "add", "--name", "Sam Test", "--surgery-date", "2026-10-01",
    "--procedure", "discectomy", "--levels", "L5-S1", "--side", "left", "--reference", "P-1",
    "--baseline-leg-pain", "8", "--team", "Spine A",
)  # fmt: skip
GABAPENTIN = "drug=gabapentin,start=300,target=900,step=300,every=1"


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner on the test's own database, with one registered patient."""
    monkeypatch.setenv("NERVECARE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    run(runner, *ADD_PATIENT)
    yield runner
    get_settings.cache_clear()


def run(cli: CliRunner, *args: str, code: int = 0) -> Result:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def test_check_shows_findings_with_sources_without_storing(cli: CliRunner) -> None:
    """A plan above the renal maximum is reported as STOP, with its label source."""
    output = run(
        cli, "plan", "med", "check", "P-1", "--item", "drug=gabapentin,start=300,target=1800,"
        "step=300,every=1", "--crcl", "40", "--on", "2026-11-02",
    ).output  # fmt: skip
    assert "STOP" in output
    assert "above_renal_maximum" in output
    assert "med_gabapentin_label" in output
    assert "No medication plans." in run(cli, "plan", "med", "show", "P-1").output


def test_add_activate_schedule_and_doses(cli: CliRunner) -> None:
    """The clinician builds and sends a plan; the patient follows it day by day."""
    added = run(
        cli, "plan", "med", "add", "P-1", "--item", GABAPENTIN, "--crcl", "90",
        "--on", "2026-11-02", "--prescriber", "Dr Rivera",
    ).output  # fmt: skip
    assert "Saved as draft" in added
    plan_id = added.split("Plan ", 1)[1].split(" ", 1)[0]
    assert "(active)" in run(cli, "plan", "med", "activate", plan_id).output
    schedule = run(cli, "plan", "med", "schedule", "P-1", "--days", "4").output
    assert "2026-11-03  600 mg a day = 3 x 200 mg (dose goes up)" in schedule
    assert "Do not stop suddenly" in schedule
    taken = ("plan", "dose", "taken", "P-1", "--drug", "gabapentin", "--on", "2026-11-02")
    assert "taken" in run(cli, *taken).output
    assert "already recorded" in run(cli, *taken).output
    missed = run(cli, "plan", "dose", "missed", "P-1", "--drug", "gabapentin", "--dose", "5",
                 "--on", "2026-11-02", code=1).output  # fmt: skip
    assert "does not exist" in missed


def test_activation_refused_while_a_warning_is_not_accepted(cli: CliRunner) -> None:
    """An opioid alongside a gabapentinoid needs --accept-warnings."""
    added = run(
        cli, "plan", "med", "add", "P-1", "--item", GABAPENTIN, "--crcl", "90",
        "--taking", "oxycodone", "--on", "2026-11-02",
    ).output  # fmt: skip
    plan_id = added.split("Plan ", 1)[1].split(" ", 1)[0]
    refused = run(cli, "plan", "med", "activate", plan_id, code=1).output
    assert "gabapentinoid_with_opioid" in refused
    run(cli, "plan", "med", "activate", plan_id, "--accept-warnings")


@pytest.mark.parametrize(
    ("item", "message"),
    [("drug=gabapentin,begin=300", "use key=value"), ("drug=gabapentin,start=-1", "greater than")],
)
def test_bad_items_are_clear_errors(cli: CliRunner, item: str, message: str) -> None:
    """A malformed --item is refused with a message, exit status 2."""
    output = run(cli, "plan", "med", "check", "P-1", "--item", item, code=2).output
    assert message in output


def test_exercise_assign_today_done_and_review(cli: CliRunner) -> None:
    """Programme by phase, today's list, a session with feedback, and the review."""
    run(cli, "plan", "exercise", "assign", "P-1", "--on", "2026-11-02")
    today = run(cli, "plan", "exercise", "today", "P-1", "--on", "2026-11-10").output
    assert "Phase: active (decompression" in today
    assert "Walking" in today
    assert "NICE does not recommend TENS" in today
    run(cli, "plan", "exercise", "done", "P-1", "--exercise", "nerve_slider_seated",
        "--spread-down-leg", "--on", "2026-11-10")  # fmt: skip
    review = run(cli, "plan", "exercise", "review", "P-1", "--on", "2026-11-10").output
    assert "step_back_peripheralising" in review
    shown = run(cli, "plan", "exercise", "show", "P-1", "--on", "2026-11-10").output
    assert "Adherence, last 7 days" in shown
    assert "nerve_slider_seated: 1 of" in shown
