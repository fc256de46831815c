"""The stepped-care catalogue: suggestion entries loaded strictly from the cited data file."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nervecare.careplan.models import Pillar
from nervecare.knowledge import load_sources, read_data
from nervecare.recovery.models import DrugClass

__all__ = ["Catalogue", "DrugClassFacts", "Entry", "load_catalogue"]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class EvidenceEntry(BaseModel):
    model_config = _STRICT

    strength: str = Field(min_length=3)
    system: str = Field(min_length=3)
    sources: tuple[str, ...] = Field(min_length=1)


class ConflictEntry(BaseModel):
    model_config = _STRICT

    position: str = Field(min_length=3)
    sources: tuple[str, ...] = Field(min_length=1)


class Entry(BaseModel):
    """One suggestion as written in the data file, before it meets a patient."""

    model_config = _STRICT

    key: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)+$")
    pillar: Pillar
    title: str = Field(min_length=3)
    rationale: str = Field(min_length=10)
    when: tuple[dict[str, Any], ...] = Field(min_length=1)
    evidence: tuple[EvidenceEntry, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    conflicts: tuple[ConflictEntry, ...] = ()
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _conditions_and_conflicts_well_formed(self) -> Entry:
        for condition in self.when:
            if len(condition) != 1:
                raise ValueError(f"{self.key}: each condition has exactly one key: {condition}")
        if len(self.conflicts) == 1:
            raise ValueError(f"{self.key}: a conflict needs at least two positions")
        return self

    def cited_keys(self) -> set[str]:
        keys = set(self.sources)
        keys.update(key for item in self.evidence for key in item.sources)
        keys.update(key for item in self.conflicts for key in item.sources)
        return keys


class DrugClassFacts(BaseModel):
    """A first-line class; `adequate_trial_weeks_by_drug` overrides the class figure for one drug.

    (Gabapentin's adequate trial is titration, 3-8 weeks, plus 2 weeks at the highest tolerated
    dose: at least 5 weeks, not the 4 weeks that fit pregabalin.)
    """

    model_config = _STRICT

    first_line: bool
    adequate_trial_weeks: float = Field(gt=0)
    adequate_trial_weeks_by_drug: dict[str, float] = Field(default_factory=dict)
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = ""

    def adequate_weeks_for(self, drug: str) -> float:
        """The adequate trial length for this drug (the class figure unless the drug has one)."""
        return self.adequate_trial_weeks_by_drug.get(
            drug.strip().lower(), self.adequate_trial_weeks
        )


class Thresholds(BaseModel):
    model_config = _STRICT

    basis: Literal["project_rule"]
    moderate_leg_pain: int = Field(ge=0, le=10)
    severe_leg_pain: int = Field(ge=0, le=10)
    conservative_care_weeks: int = Field(ge=0)
    months_persisting_weeks: int = Field(ge=0)
    #: NICE TA159's pain level for spinal cord stimulation (50 mm or more on a 0-100 mm VAS).
    scs_leg_pain: int = Field(ge=0, le=10)


class Catalogue(BaseModel):
    model_config = _STRICT

    version: str
    notice: str
    review_status: str
    thresholds: Thresholds
    drug_classes: dict[DrugClass, DrugClassFacts]
    suggestions: tuple[Entry, ...]

    @model_validator(mode="after")
    def _unique_keys(self) -> Catalogue:
        keys = [entry.key for entry in self.suggestions]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"suggestion keys defined twice: {', '.join(duplicates)}")
        return self

    def threshold(self, value: int | float | str) -> float:
        """A number written inline, or the name of a project-rule threshold."""
        if isinstance(value, str):
            return float(getattr(self.thresholds, value))
        return float(value)


@cache
def load_catalogue() -> Catalogue:
    """The packaged catalogue, validated, with every cited source present in the registry."""
    catalogue = Catalogue.model_validate(read_data("careplan", "suggestions.yaml"))
    registry = load_sources()
    for entry in catalogue.suggestions:
        registry.require(sorted(entry.cited_keys()), cited_by=f"careplan entry {entry.key}")
    for drug_class, facts in catalogue.drug_classes.items():
        registry.require(facts.sources, cited_by=f"careplan drug class {drug_class}")
    # Every condition must be one the engine understands: fail at load, not at a patient.
    from nervecare.careplan._conditions import CONDITIONS  # noqa: PLC0415 - avoids an import cycle

    for entry in catalogue.suggestions:
        for condition in entry.when:
            (name,) = condition
            if name not in CONDITIONS:
                raise ValueError(f"careplan entry {entry.key}: unknown condition {name!r}")
    return catalogue
