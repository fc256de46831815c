"""A team's outcome figures for audit, as CSV: change from before the operation at 6 weeks, 3, 6
and 12 months, per patient and in summary.

The value at a time point is the median of the patient's check-ins within its window. The 3- and
12-month time points are those of the Norwegian spine surgery registry (NORspine reports patient
outcomes at 3 and 12 months, main outcome ODI at 12 months; `OUTCOME_TIMEPOINT_SOURCES`), so the
figures can be set beside a registry's. The 6-week and 6-month points, and every window (how close
to the time point a check-in must be to count), are a reporting convention of this project: no
registry source for them was found. They are not clinical thresholds, and they are written in the
file's header so the figures can be read as they were made.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Sequence

from nervecare.recovery.models import HistoryPoint, PatientHistory
from nervecare.store.schemas import PatientRecord

__all__ = ["OUTCOME_TIMEPOINTS", "OUTCOME_TIMEPOINT_SOURCES", "outcomes_csv"]

#: name -> (day since the operation, +/- days that still count).
OUTCOME_TIMEPOINTS: dict[str, tuple[int, int]] = {
    "6w": (42, 7),
    "3m": (91, 14),
    "6m": (182, 21),
    "12m": (365, 30),
}
#: Where the 3- and 12-month points come from (source keys; the rest is project convention).
OUTCOME_TIMEPOINT_SOURCES: dict[str, tuple[str, ...]] = {
    "3m": ("interop_reports_norspine_follow_up",),
    "12m": ("interop_reports_norspine_follow_up",),
}
_MEASURES = ("leg_pain", "back_pain", "function_odi")


def _value(points: Sequence[HistoryPoint], measure: str, day: int, within: int) -> float | None:
    values = [
        getattr(p, measure)
        for p in points
        if abs(p.days_since_surgery - day) <= within and getattr(p, measure) is not None
    ]
    return float(statistics.median(values)) if values else None


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def outcomes_csv(patients: Sequence[tuple[PatientRecord, PatientHistory]]) -> str:
    """One row per patient, then summary rows (patients with data, median and mean change)."""
    header = ["team", "reference", "synthetic", "procedure", "surgery_date"]
    header += [f"baseline_{m}" for m in _MEASURES]
    for point in OUTCOME_TIMEPOINTS:
        for m in _MEASURES:
            header += [f"{point}_{m}", f"{point}_{m}_change", f"{point}_{m}_change_percent"]
    rows: list[list[str]] = []
    changes: dict[str, list[float]] = {}
    for record, history in patients:
        baseline = history.baseline
        row = [
            record.team,
            record.reference,
            str(record.is_synthetic).lower(),
            history.surgery.procedure,
            history.surgery.date.isoformat(),
        ]
        before = {m: None if baseline is None else getattr(baseline, m) for m in _MEASURES}
        row += [_fmt(before[m]) for m in _MEASURES]
        for point, (day, within) in OUTCOME_TIMEPOINTS.items():
            for m in _MEASURES:
                now = _value(history.points, m, day, within)
                start = before[m]
                change = None if now is None or start is None else start - now
                percent = None if change is None or not start else 100 * change / start
                if change is not None:
                    changes.setdefault(f"{point}_{m}_change", []).append(change)
                row += [_fmt(now), _fmt(change), "" if percent is None else f"{percent:.1f}"]
        rows.append(row)
    summaries = []
    folds: tuple[tuple[str, Callable[[list[float]], float]], ...] = (
        ("patients with data", lambda v: float(len(v))),
        ("median change", lambda v: float(statistics.median(v))),
        ("mean change", lambda v: round(statistics.fmean(v), 2)),
    )
    for label, fold in folds:
        summary = ["", f"SUMMARY: {label}", "", "", ""] + [""] * len(_MEASURES)
        for column in header[len(summary) :]:
            values = changes.get(column, [])
            summary.append(_fmt(fold(values)) if column in changes and values else "")
        summaries.append(summary)
    out = io.StringIO()
    windows = ", ".join(f"{k}: day {d} +/- {w}" for k, (d, w) in OUTCOME_TIMEPOINTS.items())
    out.write(
        f"# change = before the operation minus the median at the time point ({windows}); "
        "positive is better\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    writer.writerows(summaries)
    return out.getvalue()
