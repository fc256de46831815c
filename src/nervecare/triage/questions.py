"""The questions triage puts to the patient, as data (knowledge/data/triage/questions.yaml).

Two kinds: a *confirm* question for each sign the notes only possibly describe (worded so that
yes means the sign is there now), and the plain names of red-flag questions a check-in left
unanswered, for advice that never claims no warning sign was found. English and Spanish.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nervecare.checkin import LIST_FIELDS
from nervecare.knowledge import load_sources, read_data
from nervecare.triage.rules import load_ruleset

__all__ = ["Language", "TriageQuestions", "load_questions", "unconfirmed_signs"]

Language = Literal["en", "es"]

#: The longest stretch of the patient's words quoted back in a question.
_QUOTE_LIMIT = 90


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Texts(_Strict):
    en: str = Field(min_length=3)
    es: str = Field(min_length=3)

    def text(self, language: Language) -> str:
        return self.es if language == "es" else self.en


class ConfirmText(_Texts):
    field: str
    value: str


class UnansweredName(_Texts):
    field: str


class _Unanswered(_Strict):
    fields: tuple[UnansweredName, ...] = Field(min_length=1)
    advice: _Texts


class TriageQuestions(_Strict):
    """The questions, validated: one confirm question per list item, one per other field."""

    version: str
    sources: tuple[str, ...] = Field(min_length=1)
    quote: _Texts
    confirm: tuple[ConfirmText, ...]
    unanswered: _Unanswered

    def confirm_question(
        self, field: str, value: object, words: str, language: Language = "en"
    ) -> str:
        """The question for a possible finding, quoting the patient's words when there are any."""
        key = str(value) if field in LIST_FIELDS else "any"
        entry = next(
            (q for q in self.confirm if q.field == field and q.value == key),
            None,
        )
        if entry is None:  # a data file without the question: a bug caught by the tests
            raise KeyError(f"no confirm question for {field}={value!r}")
        question = entry.text(language)
        quoted = _quotable(words)
        if not quoted:
            return question
        return f"{self.quote.text(language).format(words=quoted)} {question}"

    @property
    def red_flag_fields(self) -> tuple[str, ...]:
        return tuple(name.field for name in self.unanswered.fields)

    def unanswered_advice(self, fields: tuple[str, ...], language: Language = "en") -> str:
        names = [n.text(language) for n in self.unanswered.fields if n.field in fields]
        joined = ", ".join(names[:-1]) + (f" {_AND[language]} " if len(names) > 1 else "")
        return self.unanswered.advice.text(language).format(names=joined + names[-1])


_AND: dict[Language, str] = {"en": "and", "es": "y"}


def _quotable(words: str) -> str:
    """The patient's words, trimmed to a short quote (never the whole of a long note)."""
    cleaned = " ".join(words.split()).strip(" .,;:")
    if len(cleaned) <= _QUOTE_LIMIT:
        return cleaned
    cut = cleaned[:_QUOTE_LIMIT].rsplit(" ", 1)[0]
    return f"{cut}…"


@cache
def load_questions() -> TriageQuestions:
    """The packaged questions, validated and with their sources checked, once per process."""
    questions = TriageQuestions.model_validate(read_data("triage", "questions.yaml"))
    load_sources().require(list(questions.sources), cited_by="triage questions")
    return questions


def unconfirmed_signs(triage: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """(rule code, level, clinical summary) of each question a stored result still waits on, for
    the care team's task: what the notes may describe, in clinical words, never the patient's."""
    if triage.get("status") != "needs_confirmation":
        return ()
    summaries = {rule.code: rule.summary for rule in load_ruleset().rules}
    return tuple(
        (
            str(question.get("code", "")),
            str(question.get("level", "")),
            "Unconfirmed (the patient has not answered): "
            + summaries.get(str(question.get("code")), str(question.get("code"))),
        )
        for question in triage.get("confirm", [])
    )
