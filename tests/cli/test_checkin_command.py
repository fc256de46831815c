"""`nervecare checkin`: the questions asked one by one in the terminal, then the result."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from nervecare.checkin import parse_checkin
from nervecare.cli import app
from nervecare.cli.checkin import ask_checkin
from nervecare.questionnaire import load_questionnaire


def _answers_for(overrides: dict[str, str]) -> list[str]:
    """One typed answer per question, in order: Enter (skip) unless overridden."""
    required = {"days_since_surgery": "12", "leg_pain": "3"}
    return [
        overrides.get(q.field, required.get(q.field, "")) for q in load_questionnaire().questions()
    ]


def _scripted(answers: list[str]) -> tuple[Any, list[str]]:
    queue = list(answers)
    shown: list[str] = []

    def prompt(text: str) -> str:
        shown.append(text)
        return queue.pop(0)

    return prompt, shown


def test_every_contract_question_is_asked_in_plain_words() -> None:
    """The questionnaire asks every check-in question of contract v1 (not notes-only)."""
    asked = {q.field for q in load_questionnaire().questions()}
    assert {"days_since_surgery", "leg_pain", "saddle_numbness", "bladder", "notes"} <= asked


def test_skipping_every_optional_question_gives_a_valid_check_in() -> None:
    """Only the required answers are needed; the rest may be skipped with Enter."""
    prompt, _ = _scripted(_answers_for({}))
    document = ask_checkin(prompt, lambda _: None)
    assert parse_checkin(document).leg_pain == 3


def test_a_bad_answer_is_asked_again() -> None:
    """An answer that does not fit is explained and the question asked again."""
    answers = _answers_for({})
    pain_index = [q.field for q in load_questionnaire().questions()].index("leg_pain")
    answers[pain_index : pain_index + 1] = ["eleven", "11", "7"]
    prompt, _ = _scripted(answers)
    said: list[str] = []
    document = ask_checkin(prompt, said.append)
    assert document["leg_pain"] == 7
    assert any("whole number" in line for line in said)
    assert any("between 0 and 10" in line for line in said)


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("bladder", "1, 2", ["retention", "incontinence"]),
        ("saddle_numbness", "4", "new"),
        ("calf_pain_or_swelling", "yes", True),
        ("temperature_c", "38,5", 38.5),
        ("procedure", "fusion", "fusion"),
    ],
)
def test_answers_become_contract_values(field: str, typed: str, expected: Any) -> None:
    """Menu numbers, names, yes/no and decimals (with comma) map onto contract values."""
    prompt, _ = _scripted(_answers_for({field: typed}))
    assert ask_checkin(prompt, lambda _: None)[field] == expected


def test_the_command_prints_the_result_after_the_questions() -> None:
    """End to end: answering retention gives the emergency instruction first."""
    answers = _answers_for({"bladder": "1"})
    result = CliRunner().invoke(app, ["checkin"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "EMERGENCY: get help now" in result.output
    assert "cauda_equina" not in result.output.split("EMERGENCY")[0]


def test_stopping_half_way_saves_and_triages_nothing() -> None:
    """End of input before the last question is not a result: exit 1 with a message."""
    result = CliRunner().invoke(app, ["checkin"], input="12\n")
    assert result.exit_code == 1
    assert "not finished" in result.output
    assert "SELF CARE" not in result.output
