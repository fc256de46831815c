"""Interoperability: HL7 FHIR (R4, via fhir.resources' R4B models) export and import, and a CDS
Hooks service. The mapping core (`nervecare.interop.fhir`) is pure; `service`, `api` and
`cds_hooks` are the shell around it."""

from __future__ import annotations

__all__: list[str] = []
