"""`nervecare report PATIENT`: the recovery trajectory, a text chart of pain over time, and the
stepped-care suggestions with their reasons and sources."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from typing import Annotated

import typer

from nervecare.careplan import CLINICAL_JUDGEMENT_NOTICE, Suggestion, suggest_care
from nervecare.cli._app import app
from nervecare.cli._render import wrap
from nervecare.cli.db import UrlOption, cli_actor, opened_store
from nervecare.knowledge import load_sources
from nervecare.recovery import HistoryPoint, MeasureChange, Trajectory, assess_trajectory
from nervecare.store.service import read_patient_history
from nervecare.triage.levels import alerts_team

__all__ = ["render_pain_chart", "report"]

_HEIGHT = 10  # the 0-10 pain scale, one row per point


def _wrap(text: str, indent: str = "  ") -> str:
    return wrap(text, indent, width=96)


def render_pain_chart(
    points: Sequence[HistoryPoint], *, baseline_leg_pain: int | None, width: int = 60
) -> str:
    """Leg pain (*) and back pain (o) by day since surgery; '-' marks the pre-operative leg pain,
    '!' above a column marks an urgent or emergency check-in. Each column is the median of the
    check-ins in its span of days."""
    if not points:
        return "  (no check-ins yet)"
    first = points[0].days_since_surgery
    last = max(points[-1].days_since_surgery, first + 1)
    columns = min(width, last - first + 1)
    span = (last - first + 1) / columns
    buckets: list[list[HistoryPoint]] = [[] for _ in range(columns)]
    for point in points:
        buckets[min(columns - 1, int((point.days_since_surgery - first) / span))].append(point)
    leg = [_median([p.leg_pain for p in bucket]) for bucket in buckets]
    back = [_median([p.back_pain for p in bucket if p.back_pain is not None]) for bucket in buckets]
    alarms = ["!" if any(alerts_team(p.triage_level) for p in b) else " " for b in buckets]
    lines = ["      " + "".join(alarms).rstrip()]
    for level in range(_HEIGHT, -1, -1):
        row = []
        for column in range(columns):
            if leg[column] == level:
                row.append("*")
            elif back[column] == level:
                row.append("o")
            elif baseline_leg_pain == level:
                row.append("-")
            else:
                row.append(" ")
        lines.append(f"  {level:>2} |" + "".join(row).rstrip())
    lines.append("     +" + "-" * columns)
    left = f"day {first}"
    right = f"day {last}"
    lines.append("      " + left + right.rjust(max(columns - len(left), len(right) + 1)))
    lines.append("      * leg pain   o back pain   - leg pain before surgery   ! urgent/emergency")
    return "\n".join(lines)


def _median(values: Sequence[int]) -> int | None:
    return None if not values else round(statistics.median(values))


def _change_line(change: MeasureChange) -> str:
    percent = "" if change.improvement_percent is None else f" ({change.improvement_percent:+.0f}%)"
    mcid = ""
    if change.meets_mcid is not None:
        mcid = "; meets" if change.meets_mcid else "; does not yet meet"
        mcid += " the minimal important change"
    name = change.measure.replace("_", " ").replace("function odi", "function (ODI)")
    return (
        f"{name}: {change.baseline:g} before surgery, {change.current:g} now, "
        f"improved by {change.improvement_points:g}{percent}{mcid}"
    )


def _trajectory_lines(trajectory: Trajectory) -> list[str]:
    lines = [
        f"Trajectory: {trajectory.classification.replace('_', ' ').upper()} as of "
        f"{trajectory.as_of} (day {trajectory.days_since_surgery}, "
        f"{trajectory.procedure_family}, {trajectory.points_used} check-ins used)"
    ]
    lines += [_wrap(f"- {reason}") for reason in trajectory.reasons]
    for change in (trajectory.leg_pain, trajectory.back_pain, trajectory.function):
        if change is not None:
            lines.append(_wrap(_change_line(change)))
    if trajectory.trend is not None:
        lines.append(
            _wrap(
                f"trend: {trajectory.trend.slope_per_week:+.2f} points a week over the last "
                f"{trajectory.trend.window_days} days ({trajectory.trend.points} check-ins)"
            )
        )
    if trajectory.expected is not None:
        lines += _expected_lines(trajectory)
    return lines


def _expected_lines(trajectory: Trajectory) -> list[str]:
    expected = trajectory.expected
    assert expected is not None
    parts = [
        f"expected at week {expected.weeks_since_surgery:.0f} after {expected.procedure_family}"
    ]
    if not expected.judged:
        parts.append("early phase: only worsening is judged")
    if expected.leg_pain_upper is not None:
        parts.append(f"leg pain above {expected.leg_pain_upper:g} is slower than expected")
    if expected.min_improvement_percent is not None:
        parts.append(f"at least {expected.min_improvement_percent:g}% better than before surgery")
    if expected.typical:
        parts.append(f"typical course: {expected.typical}")
    return [_wrap("; ".join(parts) + f" [{', '.join(expected.sources)}]")]


def _suggestion_lines(suggestions: Sequence[Suggestion]) -> list[str]:
    if not suggestions:
        return ["Suggestions: none apply at the moment."]
    lines = ["Suggestions for the care team (most pressing first):"]
    for number, suggestion in enumerate(suggestions, 1):
        lines.append(f"{number}. [{suggestion.pillar}] {suggestion.title}")
        lines.append(_wrap(f"why: {suggestion.rationale}", "   "))
        for fact in suggestion.triggered_by:
            lines.append(_wrap(f"because {fact.field} = {fact.value} ({fact.condition})", "   "))
        for evidence in suggestion.evidence:
            lines.append(
                _wrap(
                    f"evidence: {evidence.strength} ({evidence.system}) "
                    f"[{', '.join(evidence.sources)}]",
                    "   ",
                )
            )
        for conflict in suggestion.conflicts:
            lines.append(
                _wrap(f"sources differ: {conflict.position} [{', '.join(conflict.sources)}]", "   ")
            )
        lines += [_wrap(f"note: {note}", "   ") for note in suggestion.notes]
        lines.append(_wrap(f"sources: {', '.join(suggestion.sources)}", "   "))
    return lines


def _source_lines(keys: Sequence[str]) -> list[str]:
    registry = load_sources()
    unique = list(dict.fromkeys(keys))
    if not unique:
        return []
    lines = ["Sources:"]
    for key in unique:
        cited = registry[key].citation() if key in registry else "(not in the source registry)"
        lines.append(_wrap(f"[{key}] {cited}"))
    return lines


@app.command()
def report(
    patient: Annotated[str, typer.Argument(help="Patient number or reference.")],
    on: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Assess as of this day (default: today)."),
    ] = None,
    url: UrlOption = None,
) -> None:
    """A patient's recovery: trajectory, pain over time, and suggestions with their reasons."""
    with opened_store(url) as store:
        record, history = read_patient_history(store.sessions, patient=patient, actor=cli_actor())
    today = on.date() if on is not None else dt.datetime.now(dt.UTC).date()
    trajectory = assess_trajectory(history, on=today)
    suggestions = suggest_care(history, trajectory)
    synthetic = "  [SYNTHETIC DEMO PATIENT]" if record.is_synthetic else ""
    surgery = record.surgery
    out = [
        f"Recovery report: {record.display_name} ({record.reference}){synthetic}",
        f"{surgery.procedure} {', '.join(surgery.spinal_levels)} ({surgery.side}) on "
        f"{surgery.date}; team {record.team}",
        "",
    ]
    if history.open_red_flags:
        out += [f"OPEN RED FLAGS (not yet reviewed): {', '.join(history.open_red_flags)}", ""]
    out += _trajectory_lines(trajectory)
    out += ["", "Pain over time:"]
    out.append(
        render_pain_chart(
            history.points,
            baseline_leg_pain=None if history.baseline is None else history.baseline.leg_pain,
        )
    )
    out += ["", *_suggestion_lines(suggestions), "", _wrap(CLINICAL_JUDGEMENT_NOTICE, ""), ""]
    keys = [key for figure in trajectory.figures_used for key in figure.sources]
    keys += [key for suggestion in suggestions for key in suggestion.sources]
    out += _source_lines(keys)
    typer.echo("\n".join(out))
