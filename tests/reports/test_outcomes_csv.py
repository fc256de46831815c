"""The team outcomes CSV: change from before the operation at 6 weeks, 3, 6 and 12 months."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from nervecare.knowledge import load_sources
from nervecare.recovery.models import Baseline, HistoryPoint, PatientHistory, Surgery
from nervecare.reports import OUTCOME_TIMEPOINTS, outcomes_csv
from nervecare.reports.outcomes import OUTCOME_TIMEPOINT_SOURCES
from nervecare.store.schemas import PatientRecord

SURGERY = Surgery(date=dt.date(2026, 1, 5), procedure="discectomy")


def record(reference: str) -> PatientRecord:
    return PatientRecord(
        id=1,
        reference=reference,
        display_name="A",
        team="T",
        birth_year=None,
        is_synthetic=False,
        surgery=SURGERY,
        baseline=Baseline(leg_pain=8),
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )


def history(points: dict[int, int], baseline: int | None = 8) -> PatientHistory:
    return PatientHistory(
        surgery=SURGERY,
        baseline=None if baseline is None else Baseline(leg_pain=baseline),
        points=tuple(HistoryPoint(days_since_surgery=d, leg_pain=p) for d, p in points.items()),
    )


def rows(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@pytest.mark.parametrize(
    ("points", "column", "expected"),
    [
        ({42: 3}, "6w_leg_pain_change", "5"),
        ({40: 2, 44: 4, 46: 6}, "6w_leg_pain", "4"),  # median of the window
        ({91: 4}, "3m_leg_pain_change_percent", "50.0"),
        ({182: 2}, "6m_leg_pain_change", "6"),
        ({365: 8}, "12m_leg_pain_change", "0"),
        ({20: 3}, "6w_leg_pain", ""),  # outside every window: left empty, not guessed
    ],
)
def test_change_at_each_time_point(points: dict[int, int], column: str, expected: str) -> None:
    """Change is before-the-operation minus the median in the time point's window."""
    [row, *_summary] = rows(outcomes_csv([(record("P-1"), history(points))]))
    assert row[column] == expected


def test_no_baseline_gives_no_change() -> None:
    """Without a pre-operative score there is a value but no change."""
    [row, *_summary] = rows(outcomes_csv([(record("P-1"), history({42: 3}, baseline=None))]))
    assert row["6w_leg_pain"] == "3"
    assert row["6w_leg_pain_change"] == ""


def test_summary_rows_count_and_average() -> None:
    """Summary rows give how many patients had data, and the median and mean change."""
    patients = [(record("P-1"), history({42: 2})), (record("P-2"), history({42: 6}))]
    summary = {row["reference"]: row for row in rows(outcomes_csv(patients))[2:]}
    assert summary["SUMMARY: patients with data"]["6w_leg_pain_change"] == "2"
    assert summary["SUMMARY: median change"]["6w_leg_pain_change"] == "4"
    assert summary["SUMMARY: mean change"]["6w_leg_pain_change"] == "4"


def test_every_time_point_has_its_columns() -> None:
    """Each time point has value, change and percent columns for each measure."""
    header = rows(outcomes_csv([(record("P-1"), history({}))]))[0].keys()
    for point in OUTCOME_TIMEPOINTS:
        for measure in ("leg_pain", "back_pain", "function_odi"):
            assert f"{point}_{measure}_change_percent" in header


def test_registry_time_points_cite_a_known_source() -> None:
    """The 3- and 12-month points name their registry source; the others are convention."""
    registry = load_sources()
    assert set(OUTCOME_TIMEPOINT_SOURCES) == {"3m", "12m"} <= set(OUTCOME_TIMEPOINTS)
    for keys in OUTCOME_TIMEPOINT_SOURCES.values():
        registry.require(keys, cited_by="outcome time points")
