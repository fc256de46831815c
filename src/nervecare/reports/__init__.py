"""Documents for the clinic: a one-page clinic summary (PDF) per patient for a visit, a
plain-language summary the patient can bring, and a CSV of a team's outcome figures for audit.

Each takes values read by the shell (`nervecare.interop.service.read_patient_export`) and returns
bytes or text: nothing here opens the store or reads the clock."""

from __future__ import annotations

from nervecare.reports.clinic import clinic_summary_pdf
from nervecare.reports.outcomes import OUTCOME_TIMEPOINTS, outcomes_csv
from nervecare.reports.patient import patient_summary_pdf

__all__ = ["OUTCOME_TIMEPOINTS", "clinic_summary_pdf", "outcomes_csv", "patient_summary_pdf"]
