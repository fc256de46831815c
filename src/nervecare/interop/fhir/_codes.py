"""The codes nervecare writes into FHIR resources, loaded from the cited data file."""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nervecare.knowledge import load_sources, read_data
from nervecare.recovery.models import SurgicalProcedure

__all__ = ["Codes", "ProcedureCode", "load_codes"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProcedureCode(_Strict):
    """The project's display, and the SNOMED CT concept with its display term when a cited
    value set confirms it (never one without the other, never without a source)."""

    display: str
    snomed: str | None = Field(default=None, pattern=r"^\d{6,18}$")
    snomed_display: str | None = None
    sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _cited(self) -> ProcedureCode:
        if self.snomed is not None and (not self.snomed_display or not self.sources):
            raise ValueError("a SNOMED CT code needs its display term and a source")
        return self


class PainSeverityCode(_Strict):
    """A standard code (system, code, display) with the sources that confirm it."""

    system: str
    code: str
    display: str
    sources: tuple[str, ...] = Field(min_length=1)


class RxNormSystem(_Strict):
    system: str
    sources: tuple[str, ...] = Field(min_length=1)


class Systems(_Strict):
    procedure: str
    measure: str
    red_flag: str
    drug_class: str
    outcome: str
    exercise_stage: str
    suggestion: str
    patient_reference: str
    checkin_client_id: str
    medication_plan: str
    extension: str


class Codes(_Strict):
    sources: tuple[str, ...] = Field(min_length=1)
    systems: Systems
    procedures: dict[SurgicalProcedure, ProcedureCode]
    pain_severity: PainSeverityCode
    body_temperature: PainSeverityCode
    test_data_tag: PainSeverityCode
    rxnorm: RxNormSystem

    def extension_url(self, name: str) -> str:
        return f"{self.systems.extension}/{name}"


@cache
def load_codes() -> Codes:
    codes = Codes.model_validate(read_data("interop", "codes.yaml"))
    registry = load_sources()
    registry.require(codes.sources, cited_by="interop codes")
    registry.require(codes.pain_severity.sources, cited_by="interop pain severity code")
    registry.require(codes.rxnorm.sources, cited_by="interop RxNorm system")
    registry.require(codes.body_temperature.sources, cited_by="interop body temperature code")
    registry.require(codes.test_data_tag.sources, cited_by="interop test data tag")
    for name, procedure in codes.procedures.items():
        registry.require(procedure.sources, cited_by=f"interop procedure code {name}")
    return codes
