"""The triage result, contract version 1 (shared/contracts/triage-result.schema.json), with the
extra fields this project adds for clinicians: where each reason came from and how sure it is."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from nervecare.triage.findings import Certainty
from nervecare.triage.levels import Level

__all__ = ["Origin", "Reason", "SetAsideNote", "TriageResult"]

Origin = Literal["answers", "notes", "answers_and_notes"]

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
        }
        if self.warnings:
            document["warnings"] = list(self.warnings)
        if self.notes_set_aside:
            document["notes_set_aside"] = [note.model_dump() for note in self.notes_set_aside]
        return document
