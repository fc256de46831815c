"""The exercise library, the phases after surgery and the progression rules, as strict data.

Texts a patient reads (an exercise's title, purpose, how-to, normal-to-feel, stop-if, evidence and
guidance conflict; a phase restriction) come in English and Spanish. Show them in the reader's
language with the one hook `entry.text_for(field, language)`, e.g.
`exercise.text_for("how", "es")` or `restriction.text_for("text", lang)` (see
`nervecare.medications._localised`): a missing Spanish text fails loading.
"""

from __future__ import annotations

import itertools
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nervecare.knowledge import load_sources, read_data
from nervecare.medications._localised import Localised
from nervecare.recovery.models import ProcedureFamily

__all__ = [
    "TRACKS",
    "Decision",
    "Exercise",
    "ExerciseDose",
    "Phase",
    "ProgressionRule",
    "ProgressionRules",
    "RehabKnowledge",
    "Restriction",
    "Track",
    "load_rehab_knowledge",
]

Track = Literal["movement", "core", "nerve", "adjunct"]
TRACKS: tuple[Track, ...] = ("movement", "core", "nerve", "adjunct")
Decision = Literal["pause", "step_back", "hold", "progress"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExerciseDose(_Strict):
    sets: int | None = Field(default=None, ge=1, le=10)
    reps: int | None = Field(default=None, ge=1, le=50)
    hold_seconds: int | None = Field(default=None, ge=1, le=120)
    minutes: int | None = Field(default=None, ge=1, le=120)
    times_per_day: int = Field(ge=1, le=6)


class Exercise(Localised):
    LOCALISED = ("title", "purpose", "how", "normal", "stop_if", "evidence", "guidance_conflict")

    key: str = Field(pattern=r"^[a-z_]+$")
    title: str
    track: Track
    stage: int = Field(ge=1, le=6)
    purpose: str
    how: str
    dose: ExerciseDose
    normal: str
    stop_if: str
    evidence: str | None = None
    guidance_conflict: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)


class Restriction(Localised):
    LOCALISED = ("text",)

    text: str
    sources: tuple[str, ...] = Field(min_length=1)
    conflict: bool = False


class Phase(_Strict):
    key: str
    from_week: float = Field(ge=0)
    basis: Literal["source", "project_rule"] = "source"
    max_stage: dict[Track, int]
    restrictions: tuple[Restriction, ...] = ()
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = ""

    @model_validator(mode="after")
    def _every_track(self) -> Phase:
        if set(self.max_stage) != set(TRACKS):
            raise ValueError(f"phase {self.key}: give max_stage for every track {TRACKS}")
        return self


class ProgressionRule(_Strict):
    key: str
    decision: Decision
    reason: str
    sources: tuple[str, ...] = Field(min_length=1)


class ProgressionRules(_Strict):
    min_days_at_level: int = Field(ge=1)
    min_days_basis: str
    min_days_sources: tuple[str, ...] = Field(min_length=1)
    settling_window_days: int = Field(ge=2)
    lasting_pain_hours: float = Field(gt=0)
    lasting_pain_basis: str
    rules: tuple[ProgressionRule, ...]

    def rule(self, key: str) -> ProgressionRule:
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(key)


class RehabKnowledge(_Strict):
    version: str
    exercises: dict[str, Exercise]
    phases: dict[ProcedureFamily, tuple[Phase, ...]]
    progression: ProgressionRules

    @model_validator(mode="after")
    def _phases_ordered(self) -> RehabKnowledge:
        for family, phases in self.phases.items():
            weeks = [phase.from_week for phase in phases]
            if not phases or weeks[0] != 0 or weeks != sorted(set(weeks)):
                raise ValueError(f"{family}: phases must start at week 0 and rise")
            for earlier, later in itertools.pairwise(phases):
                if any(later.max_stage[t] < earlier.max_stage[t] for t in TRACKS):
                    raise ValueError(
                        f"{family}: a later phase may not allow less than an earlier one"
                    )
        return self

    def phase_for(self, family: ProcedureFamily, weeks: float) -> Phase:
        return [phase for phase in self.phases[family] if phase.from_week <= weeks][-1]

    def track(self, track: Track) -> tuple[Exercise, ...]:
        return tuple(
            sorted((e for e in self.exercises.values() if e.track == track), key=lambda e: e.stage)
        )

    def source_keys(self) -> set[str]:
        keys: set[str] = set(self.progression.min_days_sources)
        for exercise in self.exercises.values():
            keys |= set(exercise.sources)
        for phases in self.phases.values():
            for phase in phases:
                keys |= set(phase.sources)
                for restriction in phase.restrictions:
                    keys |= set(restriction.sources)
        for rule in self.progression.rules:
            keys |= set(rule.sources)
        return keys


@cache
def load_rehab_knowledge() -> RehabKnowledge:
    library = read_data("rehab", "exercises.yaml")
    phases = read_data("rehab", "phases.yaml")
    exercises = {key: {"key": key, **fields} for key, fields in library["exercises"].items()}
    knowledge = RehabKnowledge.model_validate(
        {
            "version": f"{library['version']}+{phases['version']}",
            "exercises": exercises,
            "phases": phases["phases"],
            "progression": phases["progression"],
        }
    )
    load_sources().require(sorted(knowledge.source_keys()), cited_by="rehab knowledge")
    return knowledge
