"""The triage result, contract version 2 (shared/contracts/triage-result.schema.json), with the
extra fields this project adds for clinicians: where each reason came from, the patient's answers
to the questions the notes raised, and the mentions that were set aside.

Version 2: `level` and `reasons` come only from what the patient definitely reported; what the
notes only possibly say is in `confirm`, questions the patient answers before the result is final
(`status` is "needs_confirmation" exactly when `confirm` is not empty).
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from nervecare.checkin import LIST_FIELDS
from nervecare.triage.findings import Certainty
from nervecare.triage.levels import Level

__all__ = [
    "ConfirmAnswer",
    "ConfirmQuestion",
    "ConfirmedAnswer",
    "Origin",
    "Reason",
    "SetAsideNote",
    "Status",
    "TriageResult",
]

Origin = Literal["answers", "notes", "answers_and_notes"]
Status = Literal["final", "needs_confirmation"]
#: "not_sure" counts as yes: a patient who cannot rule a red flag out is treated as having it.
ConfirmAnswer = Literal["yes", "no", "not_sure"]

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Reason(BaseModel):
    """One finding that set or raised the level."""

    model_config = ConfigDict(frozen=True)

    code: str
    level: Level
    summary: str
    evidence: str
    sources: tuple[str, ...]
    origin: Origin = "answers"
    certainty: Certainty = "definite"
    context: tuple[str, ...] = Field(
        default=(), description="ConText attributes that applied to the words in the notes."
    )
    confirm_fields: tuple[str, ...] = Field(
        default=(),
        description="For a 'possible' reason: the check-in questions to ask the patient again.",
    )

    def to_json_dict(self) -> dict[str, object]:
        document: dict[str, object] = {
            "code": self.code,
            "level": self.level,
            "summary": self.summary,
            "evidence": self.evidence,
            "sources": list(self.sources),
            "origin": self.origin,
            "certainty": self.certainty,
        }
        if self.context:
            document["context"] = list(self.context)
        if self.confirm_fields:
            document["confirm_fields"] = list(self.confirm_fields)
        return document


class ConfirmQuestion(BaseModel):
    """A sign the notes only possibly describe, put to the patient as one plain question."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="The rule it would fire, e.g. cauda_equina.urinary_retention.")
    field: str
    value: str | bool | int | float
    level: Level
    question: str
    evidence: str = Field(description="The words of the notes that prompted it.")

    @property
    def key(self) -> str:
        """What an answer is filed under: the field, and the item for a list field."""
        return confirm_key(self.field, self.value)

    def to_json_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "field": self.field,
            "value": self.value,
            "level": self.level,
            "question": self.question,
            "evidence": self.evidence,
        }


class ConfirmedAnswer(BaseModel):
    """The patient's answer to one confirm question, kept in the final result."""

    model_config = ConfigDict(frozen=True)

    code: str
    field: str
    value: str | bool | int | float
    level: Level
    question: str
    evidence: str
    answer: ConfirmAnswer


def confirm_key(field: str, value: object) -> str:
    """One key per question: list fields have one question per item, other fields one each."""
    return f"{field}={value}" if field in LIST_FIELDS else field


class SetAsideNote(BaseModel):
    """A mention in the notes that was not counted (negated, past, hypothetical, someone else)."""

    model_config = ConfigDict(frozen=True)

    words: str
    field: str
    because: str


class TriageResult(BaseModel):
    """What to do now, and every reason why."""

    model_config = ConfigDict(frozen=True)

    level: Level
    reasons: tuple[Reason, ...]
    advice: str
    ruleset_version: str
    warnings: tuple[str, ...] = ()
    notes_set_aside: tuple[SetAsideNote, ...] = ()
    status: Status = "final"
    confirm: tuple[ConfirmQuestion, ...] = ()
    unanswered: tuple[str, ...] = ()
    answers: tuple[ConfirmedAnswer, ...] = Field(
        default=(), description="The patient's answers to earlier confirm questions."
    )

    _json_line: str | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Equal when the content is; the memo of the encoding does not count."""
        if not isinstance(other, TriageResult):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((self.level, self.reasons, self.advice, self.ruleset_version))

    def to_json_line(self) -> str:
        """Compact JSON of `to_json_dict`, encoded once per (shared, immutable) result."""
        private = self.__pydantic_private__
        assert private is not None
        line = private.get("_json_line")
        if line is None:
            line = private["_json_line"] = _compact(self.to_json_dict())
        return line

    def to_json_dict(self) -> dict[str, object]:
        """The contract's JSON shape; empty optional extras are left out to keep lines short."""
        document: dict[str, object] = {
            "level": self.level,
            "reasons": [reason.to_json_dict() for reason in self.reasons],
            "advice": self.advice,
            "ruleset_version": self.ruleset_version,
            "status": self.status,
            "confirm": [question.to_json_dict() for question in self.confirm],
            "unanswered": list(self.unanswered),
        }
        if self.answers:
            document["answers"] = [answer.model_dump() for answer in self.answers]
        if self.warnings:
            document["warnings"] = list(self.warnings)
        if self.notes_set_aside:
            document["notes_set_aside"] = [note.model_dump() for note in self.notes_set_aside]
        return document
