"""Readable text for a triage result: what to do first, then why, then on what sources."""

from __future__ import annotations

import textwrap

from nervecare.knowledge import load_sources
from nervecare.triage import TriageResult

__all__ = ["render_text", "wrap"]

_HEADLINES = {
    "emergency": "EMERGENCY: get help now",
    "urgent": "URGENT: contact your surgical team today",
    "routine": "ROUTINE: let your care team know in the next few days",
    "self_care": "SELF CARE: carry on with your recovery plan",
}


def wrap(text: str, indent: str = "", *, width: int = 88) -> str:
    """Fill a paragraph for the terminal without breaking URLs or hyphenated words."""
    return textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def render_text(result: TriageResult) -> str:
    registry = load_sources()
    lines = [_HEADLINES[result.level], "", wrap(result.advice), ""]
    if result.reasons:
        lines.append("Why:")
        for reason in result.reasons:
            lines.append(wrap(f"- [{reason.level}] {reason.summary}", "  "))
            lines.append(wrap(f"evidence: {reason.evidence}", "      "))
            if reason.context:
                lines.append(wrap(f"context: {', '.join(reason.context)}", "      "))
        lines.append("")
    if result.notes_set_aside:
        lines.append("Mentions in the notes not counted:")
        lines += [
            wrap(f'- "{note.words}" ({note.field}: {note.because})', "  ")
            for note in result.notes_set_aside
        ]
        lines.append("")
    keys = list(dict.fromkeys(key for reason in result.reasons for key in reason.sources))
    if keys:
        lines.append("Sources:")
        for key in keys:
            cited = registry[key].citation() if key in registry else "(not in the registry)"
            lines.append(wrap(f"[{key}] {cited}", "  "))
        lines.append("")
    lines += [f"warning: {warning}" for warning in result.warnings]
    lines.append(f"ruleset {result.ruleset_version}")
    return "\n".join(lines)
