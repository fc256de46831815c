"""Matching stepped-care entries to one patient's history (implementation in progress)."""

from __future__ import annotations

from nervecare.careplan.models import Suggestion
from nervecare.recovery.models import PatientHistory, Trajectory

__all__ = ["suggest_care"]


def suggest_care(history: PatientHistory, trajectory: Trajectory) -> tuple[Suggestion, ...]:
    """Suggestions that apply to this patient, red-flag referral first."""
    raise NotImplementedError
