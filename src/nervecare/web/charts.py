"""Charts drawn on the server as SVG: they work without JavaScript, in print and in reports.

The expected band is read from the trajectory itself (`assess_trajectory` on sample days), so the
chart shows exactly the band the classification used, with no second copy of the figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from nervecare.recovery import HistoryPoint, PatientHistory, assess_trajectory
from nervecare.triage.levels import alerts_team

__all__ = ["expected_upper_by_day", "pain_chart_svg"]

_WIDTH, _HEIGHT = 640, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 16, 16, 44
_MAX_SAMPLES = 40


def expected_upper_by_day(history: PatientHistory, *, last_day: int) -> list[tuple[int, float]]:
    """(day since surgery, highest leg pain still within the expected band) where judged."""
    step = max(7, last_day // _MAX_SAMPLES)
    band: list[tuple[int, float]] = []
    for day in range(0, last_day + 1, step):
        on = history.surgery.date + dt.timedelta(days=day)
        expected = assess_trajectory(history, on=on).expected
        if expected is not None and expected.leg_pain_upper is not None:
            band.append((day, expected.leg_pain_upper))
    return band


def _x(day: float, first: int, last: int) -> float:
    span = max(1, last - first)
    return _LEFT + (day - first) / span * (_WIDTH - _LEFT - _RIGHT)


def _y(pain: float) -> float:
    return _TOP + (10 - pain) / 10 * (_HEIGHT - _TOP - _BOTTOM)


def pain_chart_svg(
    points: Sequence[HistoryPoint],
    *,
    band: Sequence[tuple[int, float]],
    baseline_leg_pain: int | None,
    translate: Callable[..., str],
    title_id: str = "pain-chart-title",
) -> Markup:
    """Leg pain over time, the expected band (shaded: at or below the line is on track), the
    pain before surgery, and urgent/emergency check-ins marked; with a text description."""
    _ = translate
    title = _("Leg pain over time")
    if not points:
        empty = _("No check-ins yet: your chart starts after the first.")
        return Markup("<p>{}</p>").format(empty)
    first = 0
    last = max(7, *(p.days_since_surgery for p in points))
    parts: list[str] = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {title_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
    ]
    latest = points[-1]
    description = _(
        "Latest leg pain %(pain)s out of 10 on day %(day)s after the operation; "
        "%(count)s check-ins.",
        pain=latest.leg_pain,
        day=latest.days_since_surgery,
        count=len(points),
    )
    parts.append(f'<desc id="{title_id}-desc">{escape(description)}</desc>')
    for pain in range(0, 11, 2):
        y = _y(pain)
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{_LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{pain}</text>'
        )
    if band:
        upper = [(day, value) for day, value in band if day <= last]
        if upper:
            top = " ".join(f"{_x(d, first, last):.1f},{_y(v):.1f}" for d, v in upper)
            end_x = _x(upper[-1][0], first, last)
            start_x = _x(upper[0][0], first, last)
            parts.append(
                f'<polygon class="band" points="{start_x:.1f},{_y(0):.1f} {top} '
                f'{end_x:.1f},{_y(0):.1f}"/>'
            )
    if baseline_leg_pain is not None:
        y = _y(baseline_leg_pain)
        parts.append(
            f'<line class="baseline" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
        )
    line = " ".join(
        f"{_x(p.days_since_surgery, first, last):.1f},{_y(p.leg_pain):.1f}" for p in points
    )
    parts.append(f'<polyline class="pain" points="{line}"/>')
    for point in points:
        cx, cy = _x(point.days_since_surgery, first, last), _y(point.leg_pain)
        alarm = alerts_team(point.triage_level)
        css = "point alarm" if alarm else "point"
        radius = 6 if alarm else 3.5
        parts.append(f'<circle class="{css}" cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}"/>')
    parts.append(
        f'<text class="axis" x="{_LEFT}" y="{_HEIGHT - 18}">'
        f"{escape(_('Day %(day)s', day=first))}</text>"
        f'<text class="axis" x="{_WIDTH - _RIGHT}" y="{_HEIGHT - 18}" text-anchor="end">'
        f"{escape(_('Day %(day)s', day=last))}</text>"
        f'<text class="axis" x="{_WIDTH / 2:.0f}" y="{_HEIGHT - 4}" text-anchor="middle">'
        f"{escape(_('Days since the operation'))}</text>"
    )
    parts.append("</svg>")
    keys = (
        ("key-pain", _("Your leg pain (0 to 10)")),
        ("key-band", _("Expected recovery: at or below the edge of the shaded area")),
        ("key-baseline", _("Leg pain before the operation")),
        ("key-alarm", _("A check-in with a warning sign")),
    )
    legend = (
        '<ul class="legend">'
        + "".join(
            f'<li><span class="key {css}" aria-hidden="true"></span>{escape(text)}</li>'
            for css, text in keys
        )
        + "</ul>"
    )
    return Markup("".join(parts) + legend)  # noqa: S704 - every text above is escaped
