"""`nervecare checkin --patient`: while a medicine is being started, the side-effect questions are
asked after the check-in's own, an urgent yes gets the source's instruction at once, and the
answers are stored with the check-in (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from nervecare.cli import app
from nervecare.questionnaire import load_questionnaire
from nervecare.settings import get_settings
from nervecare.store.models import SideEffectAnswerRow
from nervecare.store.service import open_store
from tests.store.fixtures import database_url

__all__ = ["database_url"]

TODAY = dt.datetime.now(dt.UTC).date()
ADD_PATIENT = (
    "patient", "add", "--name", "Sam Test", "--surgery-date",
    (TODAY - dt.timedelta(days=20)).isoformat(), "--procedure", "discectomy", "--levels",
    "L5-S1", "--side", "left", "--reference", "P-1", "--team", "Spine A",
)  # fmt: skip


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("NERVECARE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    run(runner, *ADD_PATIENT)
    yield runner
    get_settings.cache_clear()


def run(cli: CliRunner, *args: str, code: int = 0, typed: str | None = None) -> Result:
    result = cli.invoke(app, list(args), input=typed)
    assert result.exit_code == code, result.output
    return result


def _start_gabapentin(cli: CliRunner) -> None:
    added = run(
        cli, "plan", "med", "add", "P-1", "--item",
        "drug=gabapentin,start=300,target=900,step=300,every=1", "--crcl", "90",
        "--on", TODAY.isoformat(),
    ).output  # fmt: skip
    plan_id = added.split("Plan ", 1)[1].split(" ", 1)[0]
    run(cli, "plan", "med", "activate", plan_id)


def _checkin_answers() -> list[str]:
    """The check-in's own questions: leg pain 3 and days since surgery, the rest skipped."""
    required = {"days_since_surgery": "20", "leg_pain": "3"}
    return [required.get(q.field, "") for q in load_questionnaire().questions()]


def _stored(database_url: str) -> list[tuple[str, bool, str]]:
    store = open_store(database_url)
    try:
        with store.sessions() as session:
            rows = session.scalars(select(SideEffectAnswerRow).order_by(SideEffectAnswerRow.id))
            return [(row.effect, row.answer, row.words) for row in rows]
    finally:
        store.close()


def test_the_side_effect_questions_are_asked_and_stored(cli: CliRunner, database_url: str):
    """Breathing (urgent) first: a yes prints the instruction straight away; a bad answer is
    asked again; the words are optional."""
    _start_gabapentin(cli)
    side_effects = ["maybe", "yes", "", "no", "", "yes", "after lunch"]
    typed = "\n".join([*_checkin_answers(), *side_effects]) + "\n"
    output = run(cli, "checkin", "--patient", "P-1", "--client-id", "c-1", typed=typed).output
    assert "== Your new medicine ==" in output
    assert "please answer yes or no" in output
    assert "!! Get medical help straight away" in output
    assert "Food and Drug Administration" in output
    assert "with 3 side-effect answer(s)" in output
    assert _stored(database_url) == [
        ("breathing", True, ""),
        ("dizziness", False, ""),
        ("sleepiness", True, "after lunch"),
    ]
    again = run(cli, "checkin", "--patient", "P-1", "--client-id", "c-1", typed=typed).output
    assert "not stored again" in again
    assert len(_stored(database_url)) == 3


def test_without_a_medicine_being_started_nothing_more_is_asked(cli: CliRunner, database_url: str):
    typed = "\n".join(_checkin_answers()) + "\n"
    output = run(cli, "checkin", "--patient", "P-1", typed=typed).output
    assert "Your new medicine" not in output
    assert "stored as check-in" in output
    assert _stored(database_url) == []


def test_plan_today_says_the_questions_come_in_the_check_in(cli: CliRunner):
    """`plan exercise today` no longer lists the questions: it points to the check-in."""
    _start_gabapentin(cli)
    run(cli, "plan", "exercise", "assign", "P-1")
    today = run(cli, "plan", "exercise", "today", "P-1", "--on", TODAY.isoformat()).output
    assert "3 side-effect questions are asked in today's check-in" in today
    assert "nervecare checkin --patient P-1" in today
    assert "Has your breathing felt slow" not in today
