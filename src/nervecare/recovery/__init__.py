"""Recovery trajectory: change from baseline, MCID, a noise-robust trend and a class.

Pure functions over a `PatientHistory`; the figures come from cited data files and every
`Trajectory` names the figures it used.
"""

from __future__ import annotations

from nervecare.recovery._figures import RecoveryFigures, load_recovery_figures
from nervecare.recovery._trajectory import assess_trajectory
from nervecare.recovery.models import (
    CLASSIFICATION_CONCERN,
    Baseline,
    Classification,
    ExerciseSummary,
    ExpectedBand,
    FigureUsed,
    HistoryPoint,
    MeasureChange,
    MedicationTrial,
    PatientHistory,
    ProcedureDone,
    Surgery,
    Trajectory,
    Trend,
)

__all__ = [
    "CLASSIFICATION_CONCERN",
    "Baseline",
    "Classification",
    "ExerciseSummary",
    "ExpectedBand",
    "FigureUsed",
    "HistoryPoint",
    "MeasureChange",
    "MedicationTrial",
    "PatientHistory",
    "ProcedureDone",
    "RecoveryFigures",
    "Surgery",
    "Trajectory",
    "Trend",
    "assess_trajectory",
    "load_recovery_figures",
]
