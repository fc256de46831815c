"""The pure FHIR mapping core: nervecare's values to fhir.resources (R4B) models and back.

R4 is what the issue asks for; fhir.resources 8 ships R4B (4.3) and R5, not R4. R4B changed none
of the resources used here in a way that matters (R4B's changes are in medication definition,
evidence and subscription resources), so R4B's models validate what an R4 server expects.
"""

from __future__ import annotations

from nervecare.interop.fhir.export import PatientExport, bundle_for_patient
from nervecare.interop.fhir.imports import ImportRequest, parse_import
from nervecare.interop.fhir.problems import FhirInputError, Problem, operation_outcome
from nervecare.interop.fhir.questionnaire import (
    checkin_from_response,
    checkin_questionnaire,
    response_from_checkin,
)

__all__ = [
    "FhirInputError",
    "ImportRequest",
    "PatientExport",
    "Problem",
    "bundle_for_patient",
    "checkin_from_response",
    "checkin_questionnaire",
    "operation_outcome",
    "parse_import",
    "response_from_checkin",
]
