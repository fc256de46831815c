"""Drug facts and check rules as strict data models, loaded from the packaged YAML files.

Every entry names its sources, and every source key must exist in the registry: a drug fact that
cannot be traced to a label or guideline is refused at load time, not discovered in a clinic.

Texts a patient reads (side-effect questions, explanations, time to benefit, stopping advice) come
in English and Spanish; ask for them in the reader's language with the one hook
`entry.text_for(field, language)`, e.g. `effect.text_for("question", "es")` (see `_localised`).

`rxcui` is the RxNorm ingredient code; `rxcui_status` says whether it was confirmed against a
cited source (`rxcui_sources`) or is still `unconfirmed` (then exports should not rely on it).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nervecare.knowledge import load_sources, read_data
from nervecare.medications._localised import Localised
from nervecare.recovery.models import DrugClass

__all__ = [
    "SEVERITY_ORDER",
    "AgeRule",
    "BenefitTime",
    "CheckRules",
    "CombinationRule",
    "ConditionRule",
    "DialysisAdvice",
    "DrugFacts",
    "DrugKnowledge",
    "Explanation",
    "GroupCountLimit",
    "IndicationDosing",
    "InitialPeriod",
    "PaceRule",
    "RenalBand",
    "RxcuiStatus",
    "Severity",
    "SideEffect",
    "load_check_rules",
    "load_drug_knowledge",
    "load_explanations",
]

Severity = Literal["stop", "warning", "caution", "info"]
#: Most serious first; used to sort findings.
SEVERITY_ORDER: dict[Severity, int] = {"stop": 0, "warning": 1, "caution": 2, "info": 3}

PatientCondition = Literal[
    "chronic_kidney_disease",
    "lung_disease",
    "falls_history",
    "nsaids_restricted_after_fusion",
    "haemodialysis",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PaceRule(_Strict):
    """The fastest increase the label describes, from a given daily dose upwards."""

    from_daily_mg: float = Field(ge=0)
    max_step_mg: float = Field(gt=0)
    min_days: int = Field(ge=1)


class IndicationDosing(_Strict):
    key: str = Field(pattern=r"^[a-z_]+$")
    label: str
    start_daily_mg: float = Field(gt=0)
    first_day_max_mg: float = Field(gt=0)
    usual_daily_mg: float = Field(gt=0)
    max_daily_mg: float = Field(gt=0)
    times_per_day: int = Field(ge=1, le=6)
    pace: tuple[PaceRule, ...] = ()
    initial_period: InitialPeriod | None = None
    note: str = ""
    sources: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _doses_in_order(self) -> IndicationDosing:
        if not self.start_daily_mg <= self.first_day_max_mg:
            raise ValueError(f"{self.key}: start dose above the first-day maximum")
        if self.usual_daily_mg > self.max_daily_mg:
            raise ValueError(f"{self.key}: the usual dose must not exceed the maximum")
        if self.start_daily_mg > self.highest_daily_mg:
            raise ValueError(f"{self.key}: the start dose must not exceed the maximum")
        if self.initial_period is not None and (
            self.initial_period.max_daily_mg <= self.max_daily_mg
        ):
            raise ValueError(f"{self.key}: an initial period allows more than the maintenance")
        if any(
            later.from_daily_mg <= earlier.from_daily_mg
            for earlier, later in zip(self.pace, self.pace[1:], strict=False)
        ):
            raise ValueError(f"{self.key}: pace rules must rise in from_daily_mg")
        return self

    @property
    def highest_daily_mg(self) -> float:
        """The highest daily dose the label allows at any time (an initial period included)."""
        if self.initial_period is None:
            return self.max_daily_mg
        return self.initial_period.max_daily_mg

    def pace_at(self, daily_mg: float) -> PaceRule | None:
        """The pace rule that governs increases from this dose (None: the label sets no pace)."""
        governing = [rule for rule in self.pace if rule.from_daily_mg <= daily_mg]
        return governing[-1] if governing else None


class RenalBand(_Strict):
    """A label limit for a creatinine clearance band, by default [crcl_from, crcl_below) mL/min.

    Labels write their edges differently (gabapentin: ">30 to 59", ">15 to 29", "15"; pregabalin:
    "30-60", "15-30"), so each edge says whether it belongs to the band. Where a label leaves a
    value in two bands or in none, the data puts it in the band with the lower maximum (the safer
    reading), and tests pin every edge.

    `proportional_below`: the label cuts the dose in proportion to clearance in this band
    (gabapentin below 15 mL/min: 7.5 mL/min gets half the dose at 15), so the maximum at a
    clearance c is max_daily_mg x c / proportional_below.
    """

    crcl_from: float = Field(ge=0)
    crcl_below: float | None = None
    from_inclusive: bool = True
    below_inclusive: bool = False
    max_daily_mg: float | None = Field(default=None, gt=0)
    proportional_below: float | None = Field(default=None, gt=0)
    avoid: bool = False
    age_from: int | None = Field(default=None, description="Only from this age (Beers).")
    note: str = ""

    @model_validator(mode="after")
    def _band(self) -> RenalBand:
        if self.crcl_below is not None:
            single_value = self.from_inclusive and self.below_inclusive
            if self.crcl_below < self.crcl_from or (
                self.crcl_below == self.crcl_from and not single_value
            ):
                raise ValueError("crcl_below must be above crcl_from (or equal, both inclusive)")
        if self.avoid and self.max_daily_mg is not None:
            raise ValueError("a band is either 'avoid' or has a maximum")
        if not self.avoid and self.max_daily_mg is None and not self.note:
            raise ValueError("a band without a number must say why in a note")
        if self.proportional_below is not None and self.max_daily_mg is None:
            raise ValueError("a proportional band scales a maximum")
        return self

    def holds(self, crcl: float) -> bool:
        above = crcl >= self.crcl_from if self.from_inclusive else crcl > self.crcl_from
        if self.crcl_below is None:
            return above
        below = crcl <= self.crcl_below if self.below_inclusive else crcl < self.crcl_below
        return above and below

    def max_at(self, crcl: float) -> float | None:
        """The maximum daily dose at this clearance (None: avoid, or no number given)."""
        if self.max_daily_mg is None:
            return None
        if self.proportional_below is None:
            return self.max_daily_mg
        return self.max_daily_mg * min(crcl, self.proportional_below) / self.proportional_below


class DialysisAdvice(_Strict):
    """The label's dose after each haemodialysis session, on top of the maintenance dose."""

    supplement_min_mg: float | None = Field(default=None, gt=0)
    supplement_max_mg: float | None = Field(default=None, gt=0)
    text: str = Field(min_length=10)
    sources: tuple[str, ...] = Field(min_length=1)


class InitialPeriod(_Strict):
    """A higher daily maximum the label allows only for the first days of a course.

    Methocarbamol: 6 g a day (8 g in severe conditions) for the first 48-72 hours, then about
    4-4.5 g a day; `max_daily_mg` of the indication is the dose after this period.
    """

    days: int = Field(ge=1)
    max_daily_mg: float = Field(gt=0)
    note: str = Field(min_length=10)


class BenefitTime(Localised):
    LOCALISED = ("text",)

    weeks_from: float = Field(gt=0)
    weeks_to: float = Field(gt=0)
    text: str
    sources: tuple[str, ...] = Field(min_length=1)


class SideEffect(Localised):
    """A side effect to ask about while a medicine is started.

    `urgent` marks one the cited source says needs prompt medical attention; `if_yes` is that
    source's instruction to the patient, in our words (only with `urgent`: never an instruction
    the source does not give).
    """

    LOCALISED = ("question", "if_yes")

    key: str = Field(pattern=r"^[a-z_]+$")
    question: str = Field(min_length=10)
    urgent: bool = False
    if_yes: str | None = Field(default=None, min_length=10)
    #: The triage level a "yes" raises the check-in to (urgent side effects only), as the source
    #: words it: "seek medical attention immediately ... life-threatening" is an emergency.
    if_yes_level: Literal["urgent", "emergency"] | None = None
    sources: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _instruction_only_when_urgent(self) -> SideEffect:
        if self.if_yes is not None and not self.urgent:
            raise ValueError(f"{self.key}: if_yes is the instruction for an urgent side effect")
        if self.urgent and (self.if_yes is None or self.if_yes_level is None):
            raise ValueError(f"{self.key}: an urgent side effect needs if_yes and if_yes_level")
        if self.if_yes_level is not None and not self.urgent:
            raise ValueError(f"{self.key}: if_yes_level is for an urgent side effect")
        return self


class StoppingAdvice(Localised):
    LOCALISED = ("text",)

    text: str
    sources: tuple[str, ...] = Field(min_length=1)


RxcuiStatus = Literal["confirmed", "unconfirmed"]


class DrugFacts(_Strict):
    key: str = Field(pattern=r"^[a-z_]+$")
    drug_class: DrugClass
    rxcui: str = Field(pattern=r"^\d{1,8}$")
    rxcui_status: RxcuiStatus
    rxcui_sources: tuple[str, ...] = ()
    plain_name: str
    groups: tuple[str, ...] = Field(min_length=1)
    indications: tuple[IndicationDosing, ...] = Field(min_length=1)
    renal: tuple[RenalBand, ...] = ()
    renal_sources: tuple[str, ...] = ()
    haemodialysis: DialysisAdvice | None = None
    benefit: BenefitTime | None = None
    side_effects: tuple[SideEffect, ...] = Field(min_length=1)
    stopping: StoppingAdvice
    max_course_days: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _renal_cited(self) -> DrugFacts:
        if self.renal and not self.renal_sources:
            raise ValueError(f"{self.key}: renal limits need renal_sources")
        if self.rxcui_status == "confirmed" and not self.rxcui_sources:
            raise ValueError(f"{self.key}: a confirmed RxCUI needs rxcui_sources")
        return self

    @property
    def rxcui_confirmed(self) -> bool:
        return self.rxcui_status == "confirmed"

    @property
    def label_max_daily_mg(self) -> float:
        """The highest maximum over all indications: no renal limit may exceed it."""
        return max(indication.highest_daily_mg for indication in self.indications)

    def indication(self, key: str | None) -> IndicationDosing:
        if key is None:
            return self.indications[0]
        for indication in self.indications:
            if indication.key == key:
                return indication
        known = ", ".join(item.key for item in self.indications)
        raise KeyError(f"{self.key} has no indication {key!r} (known: {known})")

    def source_keys(self) -> set[str]:
        keys = set(self.renal_sources) | set(self.stopping.sources) | set(self.rxcui_sources)
        for indication in self.indications:
            keys |= set(indication.sources)
        for effect in self.side_effects:
            keys |= set(effect.sources)
        if self.benefit is not None:
            keys |= set(self.benefit.sources)
        if self.haemodialysis is not None:
            keys |= set(self.haemodialysis.sources)
        return keys


class DrugKnowledge(_Strict):
    version: str
    review_status: str
    drugs: dict[str, DrugFacts]
    not_found: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _keys_into_entries(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("drugs"), dict):
            drugs = {key: {"key": key, **fields} for key, fields in data["drugs"].items()}
            return {**data, "drugs": drugs}
        return data

    @model_validator(mode="after")
    def _renal_never_above_label(self) -> DrugKnowledge:
        for drug in self.drugs.values():
            for band in drug.renal:
                if band.max_daily_mg is not None and band.max_daily_mg > drug.label_max_daily_mg:
                    raise ValueError(f"{drug.key}: renal maximum above the label maximum")
        return self

    def drug(self, key: str) -> DrugFacts:
        try:
            return self.drugs[key.strip().lower()]
        except KeyError:
            raise KeyError(
                f"unknown drug {key!r} (known: {', '.join(sorted(self.drugs))})"
            ) from None


class CombinationRule(_Strict):
    """A plan drug in `drug_in` taken with a medicine in `with`.

    `washout_days`: the label's interval; a medicine of the `with` group stopped fewer days than
    this before the plan drug starts still counts (MAOIs: 14 days before duloxetine, a tricyclic
    or cyclobenzaprine).
    """

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    drug_in: str
    with_: str = Field(alias="with")
    severity: Severity
    reason: str
    washout_days: int | None = Field(default=None, ge=1)
    age_from: int | None = Field(default=None, ge=18, description="Only from this age (Beers).")
    sources: tuple[str, ...] = Field(min_length=1)


class ConditionRule(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    drug_in: str
    condition: PatientCondition | None = None
    severity: Severity
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)


class AgeRule(_Strict):
    """A check for a plan drug from a given age (an ECG before a tricyclic over 40)."""

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    drug_in: str
    age_from: int = Field(ge=18)
    severity: Severity
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)


class GroupCountLimit(_Strict):
    """Too many medicines of one group together (plan and current), for older adults."""

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    group: str
    at_least: int = Field(ge=2)
    severity: Severity
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)


class FusionRule(_Strict):
    key: str
    severity: Severity
    weeks_after_fusion: int = Field(ge=1)
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = ""


class CnsActiveLimit(_Strict):
    key: str
    at_least: int = Field(ge=2)
    severity: Severity
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)


class OlderAdultRules(_Strict):
    age_from: int = Field(ge=50)
    sources: tuple[str, ...] = Field(min_length=1)
    rules: tuple[ConditionRule, ...]
    cns_active_limit: CnsActiveLimit
    group_limits: tuple[GroupCountLimit, ...] = ()


class CheckRules(_Strict):
    version: str
    other_medicine_groups: dict[str, tuple[str, ...]]
    group_sources: tuple[str, ...]
    combinations: tuple[CombinationRule, ...]
    conditions: tuple[ConditionRule, ...]
    age_rules: tuple[AgeRule, ...] = ()
    fusion_without_instruction: FusionRule
    older_adults: OlderAdultRules

    def source_keys(self) -> set[str]:
        keys = set(self.group_sources) | set(self.older_adults.sources)
        keys |= set(self.fusion_without_instruction.sources)
        keys |= set(self.older_adults.cns_active_limit.sources)
        for combination in self.combinations:
            keys |= set(combination.sources)
        for rule in (*self.conditions, *self.older_adults.rules):
            keys |= set(rule.sources)
        for age_rule in self.age_rules:
            keys |= set(age_rule.sources)
        for group_limit in self.older_adults.group_limits:
            keys |= set(group_limit.sources)
        return keys


class Explanation(Localised):
    LOCALISED = ("text",)

    key: str
    text: str = Field(min_length=10)
    sources: tuple[str, ...] = Field(min_length=1)


class Explanations(_Strict):
    version: str
    explanations: dict[str, tuple[Explanation, ...]]


@cache
def load_drug_knowledge() -> DrugKnowledge:
    """The packaged drug facts, validated, with every source key checked against the registry."""
    knowledge = DrugKnowledge.model_validate(read_data("medications", "drugs.yaml"))
    registry = load_sources()
    for drug in knowledge.drugs.values():
        registry.require(sorted(drug.source_keys()), cited_by=f"drug {drug.key}")
    return knowledge


@cache
def load_check_rules() -> CheckRules:
    rules = CheckRules.model_validate(read_data("medications", "checks.yaml"))
    load_sources().require(sorted(rules.source_keys()), cited_by="medication checks")
    return rules


@cache
def load_explanations() -> dict[str, tuple[Explanation, ...]]:
    data = Explanations.model_validate(read_data("medications", "explanations.yaml"))
    registry = load_sources()
    for group, items in data.explanations.items():
        for item in items:
            registry.require(item.sources, cited_by=f"explanation {group}.{item.key}")
    return data.explanations
