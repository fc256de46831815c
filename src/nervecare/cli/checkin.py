"""`nervecare checkin`: ask the check-in questions one by one in the terminal, then triage.

Each answer is checked as it is typed and asked again when it does not fit, so a finished
questionnaire is always a valid check-in.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from nervecare.checkin import CheckIn, CheckInError, parse_checkin, parse_checkin_json
from nervecare.cli._app import app
from nervecare.cli._render import render_text
from nervecare.cli.patients import store_for_patient
from nervecare.questionnaire import Choice, Question, Questionnaire, load_questionnaire
from nervecare.triage import triage_checkin

__all__ = ["ask_checkin"]

Prompt = Callable[[str], str]

_SKIP_HINT = " (press Enter to skip)"


class _AnswerDoesNotFitError(ValueError):
    """The answer does not fit; the message says how to answer."""


def _menu(choices: tuple[Choice, ...]) -> str:
    return "\n".join(f"  {number}. {choice.label}" for number, choice in enumerate(choices, 1))


def _pick(answer: str, choices: tuple[Choice, ...]) -> str:
    if answer.isdigit() and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1].value
    for choice in choices:
        if answer.lower() in (choice.value, choice.label.lower()):
            return choice.value
    raise _AnswerDoesNotFitError(f"please answer with a number from 1 to {len(choices)}")


def _interpret(question: Question, answer: str, choices: tuple[Choice, ...]) -> Any:
    kind = question.kind
    if kind == "whole_number":
        if not answer.isdigit():
            raise _AnswerDoesNotFitError("please answer with a whole number")
        value: Any = int(answer)
    elif kind == "number":
        try:
            value = float(answer.replace(",", "."))
        except ValueError:
            raise _AnswerDoesNotFitError("please answer with a number, such as 37.5") from None
    elif kind == "yes_no":
        if answer.lower() not in ("y", "yes", "n", "no"):
            raise _AnswerDoesNotFitError("please answer yes or no")
        return answer.lower().startswith("y")
    elif kind in ("choice", "status"):
        return _pick(answer, choices)
    elif kind == "choices":
        picked = [_pick(part.strip(), choices) for part in answer.split(",") if part.strip()]
        return list(dict.fromkeys(picked))
    else:
        return answer
    low = question.min if question.min is not None else value
    high = question.max if question.max is not None else value
    if not low <= value <= high:
        raise _AnswerDoesNotFitError(f"please answer between {question.min:g} and {question.max:g}")
    return value


def _ask_one(
    question: Question, questionnaire: Questionnaire, prompt: Prompt, echo: Callable[[str], None]
) -> Any:
    choices = questionnaire.choices_for(question)
    text = question.text
    if choices:
        many = (
            " (numbers separated by commas; Enter for none)" if question.kind == "choices" else ""
        )
        text = f"{text}{many}\n{_menu(choices)}\n"
    elif question.optional:
        text += _SKIP_HINT
    while True:
        answer = prompt(text).strip()
        if not answer:
            if question.kind == "choices":
                return []
            if question.optional:
                return None
            echo("  This question needs an answer.")
            continue
        try:
            return _interpret(question, answer, choices)
        except _AnswerDoesNotFitError as retry:
            echo(f"  Sorry, {retry}.")


def ask_checkin(
    prompt: Prompt, echo: Callable[[str], None], questionnaire: Questionnaire | None = None
) -> dict[str, Any]:
    """Ask every question, section by section; return the answers as a check-in document."""
    questionnaire = questionnaire or load_questionnaire()
    answers: dict[str, Any] = {"schema_version": "1"}
    for section in questionnaire.sections:
        echo(f"\n== {section.title} ==")
        if section.intro:
            echo(section.intro)
        for question in section.questions:
            value = _ask_one(question, questionnaire, prompt, echo)
            if value is not None and value != []:
                answers[question.field] = value
    return answers


def _terminal_prompt(text: str) -> str:
    return str(typer.prompt(text, default="", show_default=False, prompt_suffix=" > "))


@app.command()
def checkin(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="A check-in JSON file ('-' for standard input). Without it, the questions "
            "are asked one by one.",
            show_default=False,
        ),
    ] = None,
    patient: Annotated[
        str | None,
        typer.Option(
            help="Store the check-in and its triage for this patient (number or reference).",
            show_default=False,
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option(
            help="The sender's id for this check-in: sent again, it is stored only once.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Answer today's check-in questions one by one (or read FILE), then see what to do and why."""
    if file is not None:
        checkin_value = _read_checkin_file(file)
    else:
        typer.echo(
            "nervecare daily check-in. If you feel very unwell now, stop and call your emergency "
            "number."
        )
        try:
            document = ask_checkin(_terminal_prompt, typer.echo)
        except (typer.Abort, EOFError):
            typer.echo("\nCheck-in not finished: nothing was triaged or saved.", err=True)
            raise typer.Exit(1) from None
        try:
            checkin_value = parse_checkin(document)
        except CheckInError as error:  # the prompts validate, so this means a bug: say so
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from None
    result = triage_checkin(checkin_value)
    typer.echo("")
    typer.echo(render_text(result))
    if patient is not None:
        typer.echo("")
        typer.echo(
            store_for_patient(
                patient=patient, checkin=checkin_value, result=result, client_id=client_id
            )
        )


def _read_checkin_file(file: Path) -> CheckIn:
    """A check-in from a file; an unreadable or invalid one is refused with every problem."""
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        typer.echo(f"error: cannot read {file}: {error}", err=True)
        raise typer.Exit(1) from None
    try:
        return parse_checkin_json(text)
    except CheckInError as error:
        typer.echo(f"error: {error} (nothing was triaged or stored)", err=True)
        raise typer.Exit(1) from None
