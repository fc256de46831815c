"""The one-page clinic summary a surgeon can read in a minute before a visit.

Top to bottom: who and which operation; where the recovery stands (class, change from before
the operation) with the chart against the expected band; red flags and alerts since the last
visit; medication and exercise as recorded; the stepped-care suggestions with their reasons and
source keys; the notice that these support, not replace, clinical judgement.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from reportlab.platypus import Flowable, Paragraph, Spacer

from nervecare.careplan import CLINICAL_JUDGEMENT_NOTICE
from nervecare.interop.fhir._codes import load_codes
from nervecare.interop.fhir.export import PatientExport
from nervecare.reports._chart import trajectory_chart
from nervecare.reports._common import (
    FRAME_WIDTH,
    Period,
    Styles,
    one_page_pdf,
    period_of,
    styles,
)
from nervecare.reports._text import para
from nervecare.triage.levels import alerts_team

__all__ = ["clinic_summary_pdf"]

_MAX_SUGGESTIONS = 6


def _header(data: PatientExport, on: dt.date, s: Styles) -> list[Flowable]:
    record = data.record
    surgery = record.surgery
    days = (on - surgery.date).days
    name = f"Clinic summary: {record.display_name} ({record.reference})"
    story: list[Flowable] = [Paragraph(para(name), s.title)]
    if record.is_synthetic:
        story.append(Paragraph("SYNTHETIC DEMO PATIENT: not a real person", s.alarm))
    levels = ", ".join(surgery.spinal_levels) or "level not recorded"
    born = f"; born {record.birth_year}" if record.birth_year else ""
    story.append(
        Paragraph(
            para(
                f"{load_codes().procedures[surgery.procedure].display}, {levels}, "
                f"side: {surgery.side}; operated {surgery.date:%d %b %Y}, week {days // 7} "
                f"(day {days}). Team: {record.team}{born}. Prepared {on:%d %b %Y}."
            ),
            s.body,
        )
    )
    return story


def _trajectory(data: PatientExport, s: Styles) -> list[Flowable]:
    t = data.trajectory
    words = [f"<b>Recovery: {t.classification.replace('_', ' ').upper()}</b>"]
    if t.leg_pain is not None:
        change = t.leg_pain
        percent = (
            "" if change.improvement_percent is None else (f" ({change.improvement_percent:+.0f}%)")
        )
        words.append(
            para(
                f"leg pain {change.baseline:g} before, {change.current:g} now, "
                f"better by {change.improvement_points:g}{percent}"
            )
        )
        if change.meets_mcid is not None:
            words.append(
                "meets the minimal important change"
                if change.meets_mcid
                else "not yet the minimal important change"
            )
    if t.function is not None:
        words.append(para(f"ODI {t.function.baseline:g} -> {t.function.current:g}"))
    if t.trend is not None:
        words.append(para(f"trend {t.trend.slope_per_week:+.2f}/week"))
    story: list[Flowable] = [Paragraph("; ".join(words) + ".", s.body)]
    story += [Paragraph(para(f"- {reason}"), s.small) for reason in t.reasons[:3]]
    chart = trajectory_chart(
        data.history.points, t, data.history.baseline, width=FRAME_WIDTH, height=150
    )
    return [*story, Spacer(1, 3), chart]


def _red_flags(data: PatientExport, period: Period, s: Styles) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(
            para(f"Red flags and alerts since the last visit ({period.since:%d %b %Y})"), s.heading
        )
    ]
    if data.history.open_red_flags:
        story.append(
            Paragraph(
                para("OPEN (not yet reviewed): " + ", ".join(data.history.open_red_flags)), s.alarm
            )
        )
    alarms = [c for c in period.checkins if alerts_team(c.level)]
    alerts = {a.checkin_id: a for a in period.alerts}
    for checkin in alarms:
        summaries = [
            r.get("summary", r.get("code"))
            for r in checkin.triage.get("reasons", [])
            if r.get("code") in checkin.red_flags
        ]
        reviewed = (
            "reviewed " + f"{checkin.reviewed_at:%d %b}" if checkin.reviewed_at else "NOT REVIEWED"
        )
        alert = alerts.get(checkin.id)
        sent = f"; alert {alert.state}" if alert is not None else ""
        story.append(
            Paragraph(
                para(
                    f"{checkin.recorded_at:%d %b %H:%M} {checkin.level.upper()}: "
                    f"{' / '.join(str(x).rstrip('.') for x in summaries) or 'see check-in'} "
                    f"({reviewed}{sent})"
                ),
                s.alarm if checkin.reviewed_at is None else s.body,
            )
        )
    if not alarms:
        story.append(Paragraph("No urgent or emergency check-in since the last visit.", s.body))
    return story


def _treatment(data: PatientExport, period: Period, s: Styles) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("Medication and exercise (as recorded)", s.heading)]
    for trial in data.history.medications:
        until = f"to {trial.stopped_on:%d %b %Y}" if trial.stopped_on else "ongoing"
        dose = f", {trial.dose_note}" if trial.dose_note else ""
        story.append(
            Paragraph(
                para(
                    f"{trial.drug} ({trial.drug_class.replace('_', ' ')}) from "
                    f"{trial.started_on:%d %b %Y} {until}{dose}; outcome: {trial.outcome}"
                ),
                s.body,
            )
        )
    if not data.history.medications:
        story.append(Paragraph("No pain medicine course recorded by the team.", s.body))
    for count in data.dose_counts:
        share = "" if not count.due else f" ({100 * count.taken / count.due:.0f}%)"
        story.append(
            Paragraph(
                para(
                    f"Plan adherence, {count.drug}: {count.taken} of {count.due} doses due "
                    f"recorded as taken{share}, {count.missed} missed."
                ),
                s.body,
            )
        )
    relief = Counter(c.document.get("pain_relieved_by_medication") for c in period.checkins)
    relief.pop(None, None)
    if relief:
        answers = ", ".join(f"{str(k).replace('_', ' ')} {v}" for k, v in relief.most_common())
        story.append(
            Paragraph(
                para(
                    f"Does the pain medicine help? (patient, {sum(relief.values())} check-ins): "
                    f"{answers}."
                ),
                s.body,
            )
        )
    adherence = data.exercise_adherence
    if adherence is not None and adherence.percent is not None:
        story.append(
            Paragraph(
                para(
                    f"Exercise programme: {adherence.percent:g}% of planned sessions done "
                    f"({adherence.from_date:%d %b} to {adherence.to_date:%d %b})."
                ),
                s.body,
            )
        )
    sessions = period.exercise
    if sessions:
        minutes = sum(e.minutes or 0 for e in sessions)
        stage = sessions[-1].stage.replace("_", " ")
        supervised = sum(1 for e in sessions if e.supervised)
        story.append(
            Paragraph(
                para(
                    f"Exercise: {len(sessions)} sessions "
                    f"({len(sessions) / period.weeks:.1f} a week), "
                    f"{minutes} minutes in all, {supervised} supervised; now at: {stage}."
                ),
                s.body,
            )
        )
    else:
        story.append(Paragraph("No exercise session recorded since the last visit.", s.body))
    return story


def _suggestions(data: PatientExport, s: Styles) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph("Suggestions for the care team (most pressing first)", s.heading)
    ]
    if not data.suggestions:
        story.append(Paragraph("None apply at the moment.", s.body))
    for number, suggestion in enumerate(data.suggestions[:_MAX_SUGGESTIONS], 1):
        because = "; ".join(
            f"{f.field} = {f.value} ({f.condition})" for f in suggestion.triggered_by
        )
        evidence = "; ".join(e.strength for e in suggestion.evidence)
        text = (
            f"<b>{number}. {para(suggestion.title)}</b> [{suggestion.pillar}] "
            f"{para(suggestion.rationale)}"
        )
        story.append(Paragraph(text, s.body))
        detail = f"Because {because}. " if because else ""
        detail += f"Evidence: {evidence}. " if evidence else ""
        if suggestion.conflicts:
            detail += "Sources differ: " + " / ".join(
                c.position.rstrip(". ") for c in suggestion.conflicts
            )
            detail += ". "
        detail += f"Sources: {', '.join(suggestion.sources)}"
        story.append(Paragraph(para(detail), s.small))
    hidden = len(data.suggestions) - _MAX_SUGGESTIONS
    if hidden > 0:
        story.append(Paragraph(f"... and {hidden} more in nervecare.", s.small))
    return story


def clinic_summary_pdf(data: PatientExport, *, since: dt.date, on: dt.date) -> bytes:
    """The one-page clinic summary for a visit on `on`, the last one having been on `since`."""
    s = styles()
    since = max(since, data.record.surgery.date)  # nothing before the operation counts here
    period = period_of(data, since=since, until=on)
    keys = [k for f in data.trajectory.figures_used for k in f.sources]
    story: list[Flowable] = [
        *_header(data, on, s),
        *_trajectory(data, s),
        *_red_flags(data, period, s),
        *_treatment(data, period, s),
        *_suggestions(data, s),
        Spacer(1, 4),
        Paragraph(para(CLINICAL_JUDGEMENT_NOTICE), s.small),
        Paragraph(para("Figures: " + ", ".join(dict.fromkeys(keys))), s.small),
    ]
    return one_page_pdf(story, title=f"Clinic summary {data.record.reference}")
