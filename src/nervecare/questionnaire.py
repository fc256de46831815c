"""The check-in questions as data: loaded, validated against the contract's fields, and turned
into answers. Shared by the terminal check-in and the web form so both ask the same thing."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nervecare.checkin import CheckIn
from nervecare.knowledge import load_sources, read_data

__all__ = [
    "NONE_OF_THESE",
    "Choice",
    "Question",
    "Questionnaire",
    "Section",
    "load_questionnaire",
]

#: The value a form posts for a "choices" question's "None of these" box.
NONE_OF_THESE = "none_of_these"

QuestionKind = Literal["whole_number", "number", "choice", "choices", "yes_no", "status", "text"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    value: str
    label: str


class Question(_Strict):
    field: str
    kind: QuestionKind
    text: str
    optional: bool = False
    #: A red-flag question the web form will not let go by unanswered, even though the contract
    #: lets a check-in leave it out: "none" must be said, not assumed from silence.
    explicit: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple[Choice, ...] = ()
    #: For an explicit "choices" question: the words of the box that says "none of
    #: these", so that having none is something the patient says, not a list left untouched.
    none_label: str | None = None

    @model_validator(mode="after")
    def _fits_the_contract(self) -> Question:
        if self.field not in CheckIn.model_fields:
            raise ValueError(f"{self.field!r} is not a check-in field")
        needs_choices = self.kind in ("choice", "choices")
        if needs_choices != bool(self.choices):
            raise ValueError(f"{self.field}: choices go with kind choice/choices only")
        if self.none_label is not None and self.kind != "choices":
            raise ValueError(f"{self.field}: none_label goes with kind choices only")
        if self.kind == "choices" and self.explicit and self.none_label is None:
            raise ValueError(f"{self.field}: an explicit choices question needs a none_label")
        if any(choice.value == NONE_OF_THESE for choice in self.choices):
            raise ValueError(f"{self.field}: {NONE_OF_THESE!r} is kept for the none_label box")
        return self


class Section(_Strict):
    title: str
    intro: str | None = None
    questions: tuple[Question, ...] = Field(min_length=1)


class Questionnaire(_Strict):
    sources: tuple[str, ...] = Field(min_length=1)
    status_choices: tuple[Choice, ...]
    sections: tuple[Section, ...]

    def questions(self) -> tuple[Question, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    def choices_for(self, question: Question) -> tuple[Choice, ...]:
        return self.status_choices if question.kind == "status" else question.choices


@cache
def load_questionnaire() -> Questionnaire:
    questionnaire = Questionnaire.model_validate(read_data("checkin", "questions.yaml"))
    load_sources().require(questionnaire.sources, cited_by="check-in questions")
    asked = {q.field for q in questionnaire.questions()}
    required = {name for name, field in CheckIn.model_fields.items() if field.is_required()}
    if not required <= asked:
        raise ValueError(f"questionnaire misses required fields: {sorted(required - asked)}")
    return questionnaire
