"""What a stepped-care suggestion is: a data entry matched to one patient, with its reasons.

A suggestion supports a clinician's decision; it never replaces it (`CLINICAL_JUDGEMENT_NOTICE`).
Each one carries the evidence strength as its source states it, the sources themselves, the
patient data that triggered it, and any conflict between sources, shown rather than resolved.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CLINICAL_JUDGEMENT_NOTICE",
    "PILLAR_ORDER",
    "Conflict",
    "Evidence",
    "Pillar",
    "Suggestion",
    "TriggerFact",
]

CLINICAL_JUDGEMENT_NOTICE = (
    "These suggestions support the clinical team; they do not replace clinical judgement. "
    "Each one shows its sources, the strength of the evidence and the patient data behind it; "
    "check them against the patient in front of you."
)

Pillar = Literal["referral", "evaluation", "medication", "rehabilitation", "procedure"]

#: Display order: dangerous signs first, then investigation of a stalled recovery, then the
#: conservative pillars before procedures.
PILLAR_ORDER: tuple[Pillar, ...] = (
    "referral",
    "evaluation",
    "medication",
    "rehabilitation",
    "procedure",
)

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Evidence(BaseModel):
    """Strength of the evidence in the source's own terms (NICE wording, GRADE, ...)."""

    model_config = _FROZEN

    strength: str = Field(description="E.g. 'NICE: offer (strong)', 'GRADE: moderate'.")
    system: str = Field(description="Which grading the strength comes from.")
    sources: tuple[str, ...]


class Conflict(BaseModel):
    """One position in a disagreement between sources; a suggestion lists every side."""

    model_config = _FROZEN

    position: str
    sources: tuple[str, ...]


class TriggerFact(BaseModel):
    """One piece of the patient's data that made the suggestion apply."""

    model_config = _FROZEN

    field: str = Field(description="E.g. 'leg_pain.current', 'medications.gabapentinoid'.")
    value: str
    condition: str = Field(description="The rule it met, e.g. 'leg pain >= 4 for 6+ weeks'.")


class Suggestion(BaseModel):
    """One stepped-care suggestion for the clinical team."""

    model_config = _FROZEN

    key: str = Field(description="Key of the suggestion entry in the care-plan data.")
    pillar: Pillar
    title: str
    rationale: str
    evidence: tuple[Evidence, ...]
    sources: tuple[str, ...] = Field(min_length=1)
    triggered_by: tuple[TriggerFact, ...]
    conflicts: tuple[Conflict, ...] = ()
    notes: tuple[str, ...] = Field(
        default=(), description="Practical points: time to benefit, cautions, what to avoid."
    )
