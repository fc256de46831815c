"""What a reader of free-text notes hands to the triage engine.

The engine never reads text itself. A notes reader (rules plus a semantic layer, see
`nervecare.notes`) turns the patient's words into `NoteFinding`s, each saying which structured
answer the words amount to ("I can't pee" is `bladder` containing `retention`). The engine then
treats the finding exactly as it would the structured answer, so a red flag written only in the
notes raises the level exactly as ticking the box would, through the same rule and its sources.

Only findings that should count are passed in: a reader drops negated, historical, hypothetical
and other-person mentions itself (and may report them separately for display).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Certainty", "NoteFinding", "NoteFindingValue"]

Certainty = Literal["definite", "possible"]

NoteFindingValue = str | bool | int | float


class NoteFinding(BaseModel):
    """One statement in the notes, mapped onto a check-in field.

    `field` and `value` use the check-in contract's names and values:
    - list fields (`bladder`, `bowel`, `wound`): `value` is the item, e.g. ("bladder", "retention");
    - status fields (`foot_drop`, `saddle_numbness`, ...): `value` is the status, e.g. "new";
    - boolean fields (`calf_pain_or_swelling`, `pain_onset_sudden`, ...): `value` is True;
    - ordinal fields (`leg_pain_change`, `pain_relieved_by_medication`): the stated value;
    - numbers (`temperature_c`, `leg_pain`, `back_pain`): the number written in the notes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    value: NoteFindingValue
    evidence: str = Field(description="The patient's words that gave this finding, verbatim.")
    certainty: Certainty = Field(
        default="definite",
        description="'possible' for a semantic match no rule confirmed: raises, asks to confirm.",
    )
    context: tuple[str, ...] = Field(
        default=(),
        description="ConText attributes that applied to the words (e.g. 'uncertain').",
    )
    detector: str = Field(default="", description="Which rule or layer found it, for audit.")
    sources: tuple[str, ...] = Field(
        default=(), description="Source keys of the lay-language rule, if it has its own."
    )
