"""Pieces both PDFs share: page set-up, styles, and reading a patient's visit period."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepInFrame, SimpleDocTemplate

from nervecare.interop.fhir.export import PatientExport
from nervecare.store.interop import AlertRecord, CheckInRecord, ExerciseRecord

__all__ = [
    "FRAME_HEIGHT",
    "FRAME_WIDTH",
    "Period",
    "Styles",
    "one_page_pdf",
    "period_of",
    "styles",
]

MARGIN = 14 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
FRAME_HEIGHT = A4[1] - 2 * MARGIN - 12  # SimpleDocTemplate's frame padding


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    alarm: ParagraphStyle


def styles(base_size: float = 8.5) -> Styles:
    sheet = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=sheet["Normal"], fontSize=base_size, leading=base_size * 1.25
    )
    return Styles(
        title=ParagraphStyle(
            "title",
            parent=sheet["Title"],
            fontSize=base_size + 6,
            leading=base_size + 9,
            alignment=0,
            spaceAfter=2,
        ),
        heading=ParagraphStyle(
            "heading",
            parent=sheet["Heading3"],
            fontSize=base_size + 1.5,
            leading=base_size + 4,
            spaceBefore=5,
            spaceAfter=1,
        ),
        body=body,
        small=ParagraphStyle(
            "small",
            parent=body,
            fontSize=base_size - 1.5,
            leading=(base_size - 1.5) * 1.25,
            textColor="#444444",
        ),
        alarm=ParagraphStyle("alarm", parent=body, textColor="#b71c1c"),
    )


def one_page_pdf(story: Sequence[Flowable], *, title: str) -> bytes:
    """The story on exactly one A4 page: shrunk to fit rather than spilling onto a second."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="nervecare",
        invariant=True,
    )
    document.build([KeepInFrame(FRAME_WIDTH, FRAME_HEIGHT, list(story), mode="shrink")])
    return buffer.getvalue()


@dataclass(frozen=True)
class Period:
    """What happened between the last visit and this one."""

    since: dt.date
    until: dt.date
    checkins: tuple[CheckInRecord, ...]
    alerts: tuple[AlertRecord, ...]
    exercise: tuple[ExerciseRecord, ...]

    @property
    def weeks(self) -> float:
        return max(1.0, (self.until - self.since).days / 7)


def period_of(data: PatientExport, *, since: dt.date, until: dt.date) -> Period:
    def inside(day: dt.date) -> bool:
        return since <= day <= until

    checkins = tuple(c for c in data.checkins if inside(c.recorded_at.date()))
    ids = {c.id for c in checkins}
    return Period(
        since=since,
        until=until,
        checkins=checkins,
        alerts=tuple(a for a in data.alerts if a.checkin_id in ids),
        exercise=tuple(e for e in data.exercise if inside(e.performed_on)),
    )
