"""The "Your new medicine" part of the check-in form: the side-effect questions due today.

Each question is a yes or no (required) with a few optional words. Field names carry the drug and
the side effect (`se.gabapentin.dizziness`, `se.gabapentin.dizziness.words`), so answers travel
with the form between steps like the check-in's own answers. The questions' words come from the
drug data in the reader's language, through the data's own localisation hook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nervecare.medications import (
    MAX_WORDS_LENGTH,
    SideEffectAnswer,
    SideEffectQuestion,
    load_drug_knowledge,
)

__all__ = [
    "answer_field",
    "side_effect_answers_from_form",
    "side_effect_problems",
    "side_effect_text",
    "words_field",
]

_PREFIX = "se."


def answer_field(question: SideEffectQuestion) -> str:
    return f"{_PREFIX}{question.drug}.{question.key}"


def words_field(question: SideEffectQuestion) -> str:
    return f"{answer_field(question)}.words"


def side_effect_text(question: SideEffectQuestion, field: str, language: str) -> str:
    """The question's `question` or `if_yes` text in `language`, through the drug data's own
    localisation hook; the stored words when the data no longer has the question."""
    drug = load_drug_knowledge().drugs.get(question.drug)
    effect = next((e for e in drug.side_effects if e.key == question.key), None) if drug else None
    if effect is None:
        return str(getattr(question, field) or "")
    return effect.text_for(field, language)


def side_effect_answers_from_form(
    items: Sequence[tuple[str, Any]], questions: Sequence[SideEffectQuestion]
) -> dict[str, list[str]]:
    """The posted answers to the questions due (unknown names and files ignored)."""
    known = {answer_field(q) for q in questions} | {words_field(q) for q in questions}
    answers: dict[str, list[str]] = {}
    for name, value in items:
        if name in known and isinstance(value, str):
            answers.setdefault(name, []).append(value[: MAX_WORDS_LENGTH * 4])
    return answers


def side_effect_problems(
    questions: Sequence[SideEffectQuestion], answers: Mapping[str, list[str]]
) -> tuple[tuple[SideEffectAnswer, ...], dict[str, str]]:
    """The answers, and problem codes by field: "required", "choice" or "too_long"."""
    parsed: list[SideEffectAnswer] = []
    problems: dict[str, str] = {}
    for question in questions:
        given = [v.strip() for v in answers.get(answer_field(question), []) if v.strip()]
        words = " ".join(
            v.strip() for v in answers.get(words_field(question), []) if v.strip()
        ).strip()
        if len(words) > MAX_WORDS_LENGTH:
            problems[words_field(question)] = "too_long"
        if not given:
            problems[answer_field(question)] = "required"
            continue
        if given[0] not in ("yes", "no"):
            problems[answer_field(question)] = "choice"
            continue
        if words_field(question) in problems:
            continue
        parsed.append(
            SideEffectAnswer(
                drug=question.drug, key=question.key, answer=given[0] == "yes", words=words
            )
        )
    return tuple(parsed), problems
