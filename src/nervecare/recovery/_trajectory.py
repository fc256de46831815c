"""Assessing one patient's recovery against the expected band (implementation in progress)."""

from __future__ import annotations

import datetime as dt

from nervecare.recovery.models import PatientHistory, Trajectory

__all__ = ["assess_trajectory"]


def assess_trajectory(history: PatientHistory, *, on: dt.date) -> Trajectory:
    """Classify the recovery as of `on` (passed in: the core never reads the clock)."""
    raise NotImplementedError
