"""The published figures behind the trajectory, loaded from the cited data file.

`load_recovery_figures()` validates `recovery/trajectory.yaml` strictly (unknown keys are errors)
and checks that every source key exists, so a typo in the data fails loudly at load time rather
than producing a silently different classification.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nervecare.knowledge import load_sources, read_data
from nervecare.recovery.models import ProcedureFamily

__all__ = ["BandRow", "Mcid", "RecoveryFigures", "Smoothing", "load_recovery_figures"]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Mcid(BaseModel):
    model_config = _STRICT

    points: float = Field(gt=0)
    percent: float = Field(gt=0, le=100)
    rule: Literal["both", "either"]
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = ""


class AcceptableLevel(BaseModel):
    model_config = _STRICT

    value: float = Field(ge=0, le=10)
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = ""


class Smoothing(BaseModel):
    model_config = _STRICT

    basis: Literal["project_rule"]
    current_window_days: int = Field(ge=1)
    trend_window_days: int = Field(ge=2)
    min_trend_points: int = Field(ge=2)
    min_trend_span_days: int = Field(ge=1)
    min_points: int = Field(ge=1)
    stale_after_days: int = Field(ge=1)
    flat_improvement_per_window: float = Field(gt=0)


class BandRow(BaseModel):
    model_config = _STRICT

    from_week: float = Field(ge=0)
    judged: bool
    stall_means: Literal["slow", "plateau"] | None = None
    typical: str | None = None
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = ""

    @model_validator(mode="after")
    def _judged_rows_say_what_a_stall_is(self) -> BandRow:
        if self.judged and self.stall_means is None:
            raise ValueError(
                f"band row from week {self.from_week} is judged but has no stall_means"
            )
        return self


class RecoveryFigures(BaseModel):
    model_config = _STRICT

    version: str
    review_status: str
    mcid: dict[Literal["leg_pain", "back_pain", "function_odi"], Mcid]
    acceptable_leg_pain_below: AcceptableLevel
    smoothing: Smoothing
    bands: dict[ProcedureFamily, tuple[BandRow, ...]]
    rules: tuple[str, ...]

    @model_validator(mode="after")
    def _complete_and_ordered(self) -> RecoveryFigures:
        for measure in ("leg_pain", "back_pain", "function_odi"):
            if measure not in self.mcid:
                raise ValueError(f"mcid for {measure} is missing")
        families: tuple[ProcedureFamily, ...] = ("decompression", "fusion")
        for family in families:
            rows = self.bands.get(family)
            if not rows or rows[0].from_week != 0:
                raise ValueError(f"bands.{family} must start at week 0")
            weeks = [row.from_week for row in rows]
            if weeks != sorted(set(weeks)):
                raise ValueError(f"bands.{family} rows must be in increasing from_week order")
        return self

    def band_at(self, family: ProcedureFamily, weeks: float) -> BandRow:
        """The band row in force `weeks` after surgery."""
        current = self.bands[family][0]
        for row in self.bands[family]:
            if row.from_week <= weeks:
                current = row
        return current

    def source_keys(self) -> set[str]:
        keys = {key for mcid in self.mcid.values() for key in mcid.sources}
        keys.update(self.acceptable_leg_pain_below.sources)
        keys.update(key for rows in self.bands.values() for row in rows for key in row.sources)
        return keys


@cache
def load_recovery_figures() -> RecoveryFigures:
    """The packaged figures, validated, with every cited source present in the registry."""
    figures = RecoveryFigures.model_validate(read_data("recovery", "trajectory.yaml"))
    load_sources().require(sorted(figures.source_keys()), cited_by="recovery/trajectory.yaml")
    return figures
