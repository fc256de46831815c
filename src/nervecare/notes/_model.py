"""What reading a note gives back: findings that count, and mentions set aside (and why)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from nervecare.triage.findings import NoteFinding, NoteFindingValue

__all__ = ["ContextAttribute", "NotesReading", "SetAsideMention", "SetAsideReason"]

#: ConText attributes a mention can carry, in the words shown to clinicians.
ContextAttribute = Literal[
    "negated", "historical", "resolved", "hypothetical", "family", "uncertain", "recurrent"
]
#: Why a mention did not count.
SetAsideReason = Literal[
    "negated", "historical", "resolved", "hypothetical", "family", "unlikely_now"
]


class SetAsideMention(BaseModel):
    """A red-flag mention that did not count, kept so a clinician can see what was discounted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    words: str = Field(description="The patient's words, verbatim.")
    field: str
    value: NoteFindingValue
    because: SetAsideReason = Field(
        description="The ConText attribute that set it aside, or 'unlikely_now' when the learned "
        "reader read the whole note as carrying no sign present now."
    )
    context: tuple[ContextAttribute, ...] = ()
    detector: str = ""
    sources: tuple[str, ...] = ()


class NotesReading(BaseModel):
    """The result of reading one note."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    findings: tuple[NoteFinding, ...] = ()
    set_aside: tuple[SetAsideMention, ...] = ()
    #: The note's language ("en", "es", or another code when it could not be read).
    language: str = "en"
    #: False when the note is in a language the reader cannot read: never passed as read.
    read: bool = True
