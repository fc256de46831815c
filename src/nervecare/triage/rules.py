"""The triage ruleset as data: rules, their conditions, and the strict loader.

A rule's condition may only ask whether a finding is *at least* as bad as some value: a list field
holds an item, a status or ordinal field is at or beyond a value in its clinical order, a number is
at or above a threshold, a yes/no field is yes. Every such test can only become true, never false,
when a finding is added or worsened, so the level is monotone by construction: there is no
operator with which a data file could write "lower the level when this gets worse".

Two facts are not findings and may be tested either way: `days_since_surgery` and `procedure`
(the context a finding is judged in).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from nervecare.checkin import BOOLEAN_FIELDS, LIST_FIELDS, ORDINAL_FIELDS
from nervecare.knowledge import load_sources, read_data
from nervecare.triage.levels import Level

if TYPE_CHECKING:
    from nervecare.triage._compiled import CompiledRuleset

__all__ = [
    "AllOf",
    "AnyOf",
    "Condition",
    "ContextTest",
    "FindingTest",
    "Rule",
    "Ruleset",
    "load_ruleset",
]

NUMERIC_FIELDS: tuple[str, ...] = ("leg_pain", "back_pain", "temperature_c")
CONTEXT_FIELDS: tuple[str, ...] = ("days_since_surgery", "procedure")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FindingTest(_Strict):
    """True when any observation of `field` (answer or notes) is at least as bad as asked."""

    field: str
    has: str | None = None
    at_least: str | float | None = None
    is_: Literal[True] | None = Field(default=None, alias="is")

    @model_validator(mode="after")
    def _one_test_that_fits_the_field(self) -> FindingTest:
        given = [name for name in ("has", "at_least", "is_") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"{self.field}: give exactly one of has / at_least / is")
        if self.field in LIST_FIELDS:
            if self.has not in LIST_FIELDS[self.field]:
                raise ValueError(f"{self.field}: 'has' must be one of {LIST_FIELDS[self.field]}")
        elif self.field in ORDINAL_FIELDS:
            # The first value of an order ("none", "yes", "much_better") is not a finding.
            if self.at_least not in ORDINAL_FIELDS[self.field][1:]:
                raise ValueError(
                    f"{self.field}: 'at_least' must be one of {ORDINAL_FIELDS[self.field][1:]}"
                )
        elif self.field in NUMERIC_FIELDS:
            if isinstance(self.at_least, str) or self.at_least is None:
                raise ValueError(f"{self.field}: 'at_least' must be a number")
        elif self.field in BOOLEAN_FIELDS:
            if self.is_ is not True:
                raise ValueError(f"{self.field}: only 'is: true' can be tested")
        else:
            raise ValueError(f"{self.field!r} is not a check-in finding")
        return self


class ContextTest(_Strict):
    """A test on the circumstances (time since surgery, procedure), not on a finding."""

    context: Literal["days_since_surgery", "procedure"]
    at_least: int | None = None
    below: int | None = None
    one_of: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _fits(self) -> ContextTest:
        if self.context == "procedure" and (self.one_of is None or self.at_least or self.below):
            raise ValueError("procedure: use one_of")
        if self.context == "days_since_surgery" and (
            self.one_of is not None or (self.at_least is None and self.below is None)
        ):
            raise ValueError("days_since_surgery: use at_least and/or below")
        return self


class AllOf(_Strict):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Strict):
    any: tuple[Condition, ...] = Field(min_length=1)


Condition = Annotated[FindingTest | ContextTest | AllOf | AnyOf, Field(union_mode="left_to_right")]
AllOf.model_rebuild()
AnyOf.model_rebuild()


class Rule(_Strict):
    """One red flag or concern: when it applies, how urgent it is, what to say, and why."""

    code: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)+$")
    level: Level
    when: Condition
    summary: str = Field(min_length=10, description="For the care team: what and why it matters.")
    patient_text: str = Field(min_length=5, description="Plain words for the patient's advice.")
    advice: str | None = Field(
        default=None,
        description="What the patient should do about this sign, added to the level's advice.",
    )
    sources: tuple[str, ...] = Field(min_length=1)
    note: str | None = Field(default=None, description="Why this level; disagreements recorded.")
    group: str | None = Field(
        default=None,
        description="Rules about one sign at several levels: only the most urgent is reported.",
    )


class AdvicePhase(_Strict):
    """Self-care advice for a stretch of days after surgery."""

    from_day: int = Field(ge=0)
    text: str
    sources: tuple[str, ...] = Field(min_length=1)


class LevelAdvice(_Strict):
    level: Level
    text: str
    sources: tuple[str, ...] = Field(min_length=1)


class Ruleset(_Strict):
    """A versioned, validated ruleset. Loaded once; every result names its version."""

    version: str = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)
    level_advice: tuple[LevelAdvice, ...]
    self_care_phases: tuple[AdvicePhase, ...] = Field(min_length=1)
    disclaimer: str
    unanswered_reads_as: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Ordinal questions whose missing answer is read as this value, never as the best "
            "one: an unanswered 'does your pain medicine help?' is not 'yes, it helps'."
        ),
    )

    @field_validator("unanswered_reads_as")
    @classmethod
    def _reads_as_a_finding(cls, reads_as: dict[str, str]) -> dict[str, str]:
        for field, value in reads_as.items():
            if field not in ORDINAL_FIELDS or value not in ORDINAL_FIELDS[field][1:]:
                raise ValueError(
                    f"unanswered_reads_as: {field}={value!r} is not an ordinal finding"
                )
        return reads_as

    @field_validator("rules")
    @classmethod
    def _codes_unique(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        codes = [rule.code for rule in rules]
        duplicates = {code for code in codes if codes.count(code) > 1}
        if duplicates:
            raise ValueError(f"rule codes used twice: {sorted(duplicates)}")
        return rules

    @field_validator("self_care_phases")
    @classmethod
    def _phases_start_at_zero_in_order(
        cls, phases: tuple[AdvicePhase, ...]
    ) -> tuple[AdvicePhase, ...]:
        starts = [phase.from_day for phase in phases]
        if starts[0] != 0 or starts != sorted(set(starts)):
            raise ValueError("self_care_phases must start at day 0 and rise")
        return phases

    @model_validator(mode="after")
    def _every_level_has_advice(self) -> Ruleset:
        levels = {advice.level for advice in self.level_advice}
        if levels != {"emergency", "urgent", "routine", "self_care"}:
            raise ValueError("level_advice needs exactly one entry per level")
        return self

    _compiled: CompiledRuleset | None = PrivateAttr(default=None)

    def compiled(self) -> CompiledRuleset:
        """The ruleset compiled for fast matching, built once per ruleset."""
        # Read the private slot directly: pydantic's attribute fallback is slow on a hot path.
        private = self.__pydantic_private__
        assert private is not None
        compiled = private.get("_compiled")
        if compiled is None:
            from nervecare.triage._compiled import compile_ruleset  # noqa: PLC0415 - cycle

            compiled = private["_compiled"] = compile_ruleset(self)
        return compiled

    def all_source_keys(self) -> set[str]:
        keys = {key for rule in self.rules for key in rule.sources}
        keys |= {key for item in self.level_advice for key in item.sources}
        keys |= {key for phase in self.self_care_phases for key in phase.sources}
        return keys

    def advice_for(self, level: Level) -> LevelAdvice:
        return next(item for item in self.level_advice if item.level == level)

    def self_care_phase(self, days_since_surgery: int) -> AdvicePhase:
        return [p for p in self.self_care_phases if p.from_day <= days_since_surgery][-1]


def parse_ruleset(document: dict[str, Any]) -> Ruleset:
    """Validate a ruleset document and check that every source it cites is in the registry."""
    ruleset = Ruleset.model_validate(document)
    ruleset.compiled()  # refuse at load time a rule the fast matcher cannot index
    load_sources().require(sorted(ruleset.all_source_keys()), cited_by="triage ruleset")
    return ruleset


@cache
def load_ruleset() -> Ruleset:
    """The packaged ruleset (knowledge/data/triage/rules.yaml), validated, once per process."""
    return parse_ruleset(read_data("triage", "rules.yaml"))
