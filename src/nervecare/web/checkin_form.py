"""The check-in as a web form: the packaged questions, one short section at a time.

Answers travel with the form (hidden fields for the sections not on screen), so the server keeps
no half-finished check-in and a patient can go back and forth. Values the record already holds
(days since the operation, which operation) are filled in, not asked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nervecare.questionnaire import (
    NONE_OF_THESE,
    Question,
    Questionnaire,
    Section,
    load_questionnaire,
)

__all__ = [
    "FROM_RECORD",
    "FormAnswers",
    "answers_from_form",
    "build_document",
    "parse_answer",
    "section_problems",
    "web_sections",
]

#: Fields taken from the patient's record instead of asking.
FROM_RECORD = frozenset({"days_since_surgery", "procedure"})

_WHOLE = re.compile(r"^\s*\d{1,4}\s*$")
_MAX_NOTES = 4000

#: field name -> the raw values posted (several for a "choices" question).
FormAnswers = dict[str, list[str]]


def web_sections(questionnaire: Questionnaire | None = None) -> tuple[Section, ...]:
    """The questionnaire's sections with the questions the record answers taken out."""
    source = questionnaire or load_questionnaire()
    sections = []
    for section in source.sections:
        asked = tuple(q for q in section.questions if q.field not in FROM_RECORD)
        if asked:
            sections.append(section.model_copy(update={"questions": asked}))
    return tuple(sections)


def answers_from_form(items: Sequence[tuple[str, Any]], sections: Sequence[Section]) -> FormAnswers:
    """The posted answers to known questions, as strings (files and unknown names ignored)."""
    known = {q.field for section in sections for q in section.questions}
    answers: FormAnswers = {}
    for name, value in items:
        if name in known and isinstance(value, str):
            answers.setdefault(name, []).append(value[:_MAX_NOTES])
    return answers


@dataclass
class _Parsed:
    document: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def _allowed(questionnaire: Questionnaire, question: Question) -> set[str]:
    return {choice.value for choice in questionnaire.choices_for(question)}


def _needs_answer(question: Question) -> bool:
    return question.explicit or not question.optional


def _parse_choices(
    questionnaire: Questionnaire, question: Question, values: list[str]
) -> tuple[object | None, str | None]:
    """A list of choices; "None of these" is the empty list, and only alone.

    Both "None of these" and a problem ticked is a contradiction the patient must settle: reading
    it either way would be a guess about a red-flag answer.
    """
    says_none = question.none_label is not None and NONE_OF_THESE in values
    picked = [value for value in values if value != NONE_OF_THESE]
    if not set(picked) <= _allowed(questionnaire, question):
        return None, "choice"
    if says_none and picked:
        return None, "none_and_some"
    if not picked and not says_none and _needs_answer(question):
        return None, "required"
    return list(dict.fromkeys(picked)), None


def parse_answer(  # noqa: PLR0911 - one return per kind of question
    questionnaire: Questionnaire, question: Question, raw: list[str]
) -> tuple[object | None, str | None]:
    """(value, None), (None, None) when unanswered, or (None, a problem code)."""
    values = [value.strip() for value in raw if value.strip()]
    if question.kind == "choices":
        return _parse_choices(questionnaire, question, values)
    if not values:
        return None, "required" if _needs_answer(question) else None
    value = values[0]
    if question.kind == "whole_number":
        if not _WHOLE.match(value):
            return None, "whole_number"
        number: float = int(value)
    elif question.kind == "number":
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            return None, "number"
        if not math.isfinite(number):
            return None, "number"
    elif question.kind in ("choice", "status"):
        return (value, None) if value in _allowed(questionnaire, question) else (None, "choice")
    elif question.kind == "yes_no":
        return (
            ({"yes": True, "no": False}[value], None)
            if value in ("yes", "no")
            else (
                None,
                "choice",
            )
        )
    else:
        return value, None
    low = -math.inf if question.min is None else question.min
    high = math.inf if question.max is None else question.max
    if not low <= number <= high:
        return None, "range"
    return number, None


def _parse(
    questionnaire: Questionnaire, questions: Sequence[Question], answers: Mapping[str, list[str]]
) -> _Parsed:
    parsed = _Parsed()
    for question in questions:
        value, problem = parse_answer(questionnaire, question, answers.get(question.field, []))
        if problem is not None:
            parsed.problems[question.field] = problem
        elif value is not None and value != []:
            parsed.document[question.field] = value
    return parsed


def section_problems(section: Section, answers: Mapping[str, list[str]]) -> dict[str, str]:
    """Problem codes for the answers on one section (empty when it can go on)."""
    return _parse(load_questionnaire(), section.questions, answers).problems


def build_document(
    answers: Mapping[str, list[str]],
    *,
    days_since_surgery: int,
    procedure: str | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The check-in document (contract v1) from every answer, and any problems by field.

    It has no `recorded_at`: the store stamps the check-in with the time it arrives. So a form
    sent again (a double tap, a retry after a lost response, a second later) is the same
    document and is recognised by its client id, not refused as a different check-in.
    """
    questionnaire = load_questionnaire()
    questions = [q for section in web_sections(questionnaire) for q in section.questions]
    parsed = _parse(questionnaire, questions, answers)
    document: dict[str, Any] = {
        "schema_version": "1",
        "days_since_surgery": days_since_surgery,
        **parsed.document,
    }
    if procedure in ("discectomy", "laminectomy", "fusion", "other"):
        document["procedure"] = procedure
    return document, parsed.problems
