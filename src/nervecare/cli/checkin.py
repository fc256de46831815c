"""`nervecare checkin`: ask the check-in questions one by one in the terminal, then triage.

Each answer is checked as it is typed and asked again when it does not fit, so a finished
questionnaire is always a valid check-in.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from nervecare.checkin import CheckIn, CheckInError, parse_checkin, parse_checkin_json
from nervecare.cli._app import app
from nervecare.cli._render import render_text
from nervecare.cli.db import cli_actor, opened_store
from nervecare.cli.patients import store_for_patient
from nervecare.knowledge import load_sources
from nervecare.medications import (
    MAX_WORDS_LENGTH,
    SideEffectAnswer,
    SideEffectQuestion,
    load_drug_knowledge,
    side_effect_reasons,
)
from nervecare.questionnaire import Choice, Question, Questionnaire, load_questionnaire
from nervecare.store.side_effects import due_side_effect_questions
from nervecare.triage import ConfirmAnswer, ConfirmQuestion, triage_checkin

__all__ = ["ask_checkin", "ask_side_effects"]

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


def _yes_or_no(text: str, prompt: Prompt, echo: Callable[[str], None]) -> bool:
    while True:
        answer = prompt(f"{text} (yes or no)").strip().lower()
        if answer in ("y", "yes", "n", "no"):
            return answer.startswith("y")
        echo("  Sorry, please answer yes or no.")


def _few_words(prompt: Prompt, echo: Callable[[str], None]) -> str:
    while True:
        words = prompt(f"  A few words, if you like{_SKIP_HINT}").strip()
        if len(words) <= MAX_WORDS_LENGTH:
            return words
        echo(f"  Sorry, please keep this to a few words (at most {MAX_WORDS_LENGTH} letters).")


def ask_side_effects(
    questions: Sequence[SideEffectQuestion], prompt: Prompt, echo: Callable[[str], None]
) -> tuple[SideEffectAnswer, ...]:
    """Ask the side-effect questions due (yes or no, then a few optional words).

    A yes to a question the source marks as needing prompt medical attention gets the source's
    instruction at once, before anything else is asked.
    """
    if not questions:
        return ()
    echo("\n== Your new medicine ==")
    echo(
        "You are starting a new medicine. Some people get side effects in the first weeks. "
        "Your answers help your care team check that the medicine suits you."
    )
    echo("Why we ask: the medicine's information lists each of these as a possible side effect.")
    answers: list[SideEffectAnswer] = []
    for question in questions:
        said_yes = _yes_or_no(f"{question.question} ({question.drug})", prompt, echo)
        if said_yes and question.urgent and question.if_yes:
            echo(f"  !! {question.if_yes}")
        words = _few_words(prompt, echo)
        answers.append(
            SideEffectAnswer(drug=question.drug, key=question.key, answer=said_yes, words=words)
        )
    registry = load_sources()
    keys = dict.fromkeys(k for q in questions for k in q.sources)
    echo("Sources: " + "; ".join(registry[k].citation() if k in registry else k for k in keys))
    return tuple(answers)


_CONFIRM_ANSWERS: dict[str, ConfirmAnswer] = {
    "y": "yes",
    "yes": "yes",
    "n": "no",
    "no": "no",
    "?": "not_sure",
    "not sure": "not_sure",
    "not_sure": "not_sure",
    "unsure": "not_sure",
}


def ask_confirm_questions(
    questions: Sequence[ConfirmQuestion], prompt: Prompt, echo: Callable[[str], None]
) -> dict[str, ConfirmAnswer]:
    """Ask each question the notes raised (yes / no / not sure) before showing the result."""
    echo("\n== Before your result ==")
    echo(
        "Something you wrote might describe a warning sign. Please tell us if it is happening now."
    )
    answers: dict[str, ConfirmAnswer] = {}
    for question in questions:
        while True:
            said = prompt(f"{question.question} (yes, no or not sure)").strip().lower()
            if said in _CONFIRM_ANSWERS:
                answers[question.key] = _CONFIRM_ANSWERS[said]
                break
            echo("  Sorry, please answer yes, no or not sure.")
    return answers


def _due_questions(patient: str) -> tuple[SideEffectQuestion, ...]:
    with opened_store() as store:
        return due_side_effect_questions(
            store.sessions,
            patient=patient,
            on=dt.datetime.now(dt.UTC).date(),
            actor=cli_actor(),
        )


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
    """Answer today's check-in questions one by one (or read FILE), then see what to do and why.

    With --patient and no FILE, a medicine being started in the patient's plan adds its
    side-effect questions; the answers are stored with the check-in.
    """
    side_effects: tuple[SideEffectAnswer, ...] = ()
    if file is not None:
        checkin_value = _read_checkin_file(file)
    else:
        questions = _due_questions(patient) if patient is not None else ()
        typer.echo(
            "nervecare daily check-in. If you feel very unwell now, stop and call your emergency "
            "number."
        )
        try:
            document = ask_checkin(_terminal_prompt, typer.echo)
            side_effects = ask_side_effects(questions, _terminal_prompt, typer.echo)
        except (typer.Abort, EOFError):
            typer.echo("\nCheck-in not finished: nothing was triaged or saved.", err=True)
            raise typer.Exit(1) from None
        try:
            checkin_value = parse_checkin(document)
        except CheckInError as error:  # the prompts validate, so this means a bug: say so
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from None
    extra = side_effect_reasons(side_effects, load_drug_knowledge())
    result = triage_checkin(checkin_value, extra_reasons=extra)
    if result.confirm and file is None:
        # Ask before alarming: the notes only possibly describe these; the patient answers first.
        try:
            answers = ask_confirm_questions(result.confirm, _terminal_prompt, typer.echo)
        except (typer.Abort, EOFError):
            answers = {}
            typer.echo("\nQuestions not answered: they wait for your answer.", err=True)
        if answers:
            result = triage_checkin(checkin_value, extra_reasons=extra, answers=answers)
    typer.echo("")
    typer.echo(render_text(result))
    if patient is not None:
        typer.echo("")
        typer.echo(
            store_for_patient(
                patient=patient,
                checkin=checkin_value,
                result=result,
                client_id=client_id,
                side_effects=side_effects,
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
