"""The trajectory chart as vector graphics: leg (and back) pain by week since surgery, against
the expected band (at or below the MCID line from the week the band is judged), the pre-operative
leg pain, and urgent or emergency check-ins marked in red."""

from __future__ import annotations

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from nervecare.recovery import HistoryPoint, Trajectory, load_recovery_figures
from nervecare.recovery.models import Baseline
from nervecare.triage.levels import alerts_team

__all__ = ["BAND_FILL", "LEG_COLOUR", "trajectory_chart"]

LEG_COLOUR = colors.HexColor("#1f5fa8")
BACK_COLOUR = colors.HexColor("#9a9a9a")
BAND_FILL = colors.HexColor("#d9efd9")
ALARM_COLOUR = colors.HexColor("#c62828")


def _band_start_week(trajectory: Trajectory) -> float | None:
    rows = load_recovery_figures().bands[trajectory.procedure_family]
    judged = [row.from_week for row in rows if row.judged]
    return min(judged) if judged else None


def trajectory_chart(
    points: tuple[HistoryPoint, ...],
    trajectory: Trajectory,
    baseline: Baseline | None,
    *,
    width: float,
    height: float,
    simple: bool = False,
) -> Drawing:
    """A chart `width` x `height` points. `simple` drops back pain and the band's jargon."""
    drawing = Drawing(width, height)
    left, bottom, right, top = 28.0, 22.0, width - 8.0, height - 14.0
    last_day = max([trajectory.days_since_surgery, *(p.days_since_surgery for p in points), 14])
    weeks = last_day / 7

    def x(day: float) -> float:
        return left + (right - left) * day / last_day

    def y(score: float) -> float:
        return bottom + (top - bottom) * score / 10

    upper = trajectory.expected.leg_pain_upper if trajectory.expected else None
    start = _band_start_week(trajectory)
    if upper is not None and start is not None and start * 7 < last_day:
        band_x = x(start * 7)
        drawing.add(
            Rect(
                band_x, y(0), right - band_x, y(upper) - y(0), fillColor=BAND_FILL, strokeColor=None
            )
        )
        drawing.add(
            Line(
                band_x, y(upper), right, y(upper), strokeColor=colors.green, strokeDashArray=[3, 2]
            )
        )
        label = "expected: at or below this line" if simple else f"expected band (<= {upper:g})"
        drawing.add(String(band_x + 2, y(upper) + 2, label, fontSize=6, fillColor=colors.green))
    for score in range(0, 11, 2):
        drawing.add(
            Line(
                left,
                y(score),
                right,
                y(score),
                strokeColor=colors.HexColor("#e4e4e4"),
                strokeWidth=0.4,
            )
        )
        drawing.add(String(left - 4, y(score) - 2, str(score), fontSize=6, textAnchor="end"))
    drawing.add(Line(left, bottom, right, bottom, strokeWidth=0.6))
    drawing.add(Line(left, bottom, left, top, strokeWidth=0.6))
    step = 1 if weeks <= 12 else (2 if weeks <= 26 else 4)
    for week in range(0, int(weeks) + 1, step):
        drawing.add(String(x(week * 7), bottom - 9, str(week), fontSize=6, textAnchor="middle"))
    drawing.add(
        String((left + right) / 2, 2, "weeks since the operation", fontSize=6, textAnchor="middle")
    )
    drawing.add(String(left, top + 4, "pain 0-10", fontSize=6))
    if baseline is not None:
        drawing.add(
            Line(
                left,
                y(baseline.leg_pain),
                right,
                y(baseline.leg_pain),
                strokeColor=colors.orange,
                strokeDashArray=[1, 2],
            )
        )
        drawing.add(
            String(
                right,
                y(baseline.leg_pain) + 2,
                "before the operation",
                fontSize=6,
                textAnchor="end",
                fillColor=colors.orange,
            )
        )
    if not simple:
        back = [
            (x(p.days_since_surgery), y(p.back_pain)) for p in points if p.back_pain is not None
        ]
        if len(back) > 1:
            drawing.add(
                PolyLine(
                    [c for pair in back for c in pair], strokeColor=BACK_COLOUR, strokeWidth=0.6
                )
            )
    leg = [(x(p.days_since_surgery), y(p.leg_pain)) for p in points]
    if len(leg) > 1:
        drawing.add(
            PolyLine([c for pair in leg for c in pair], strokeColor=LEG_COLOUR, strokeWidth=1.2)
        )
    for point, (px, py) in zip(points, leg, strict=True):
        alarm = alerts_team(point.triage_level)
        drawing.add(
            Circle(
                px,
                py,
                2.2 if alarm else 1.2,
                strokeColor=None,
                fillColor=ALARM_COLOUR if alarm else LEG_COLOUR,
            )
        )
    legend = (
        "blue: leg pain" + ("" if simple else ", grey: back pain") + ", red dot: urgent check-in"
    )
    drawing.add(String(right, top + 4, legend, fontSize=6, textAnchor="end"))
    return drawing
