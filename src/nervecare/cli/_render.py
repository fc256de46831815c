"""Readable text for a triage result: what to do first, then why, then on what sources."""

from __future__ import annotations

import textwrap

from nervecare.knowledge import load_sources
from nervecare.triage import TriageResult

__all__ = ["render_text"]

_HEADLINES = {
    "emergency": "EMERGENCY: get help now",
    "urgent": "URGENT: contact your surgical team today",
    "routine": "ROUTINE: let your care team know in the next few days",
    "self_care": "SELF CARE: carry on with your recovery plan",
}


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(
        text,
        width=88,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def render_text(result: TriageResult) -> str:
    registry = load_sources()
    lines = [_HEADLINES[result.level], "", _wrap(result.advice), ""]
    if result.reasons:
        lines.append("Why:")
        for reason in result.reasons:
            lines.append(_wrap(f"- [{reason.level}] {reason.summary}", "  "))
            lines.append(_wrap(f"evidence: {reason.evidence}", "      "))
            if reason.context:
                lines.append(_wrap(f"context: {', '.join(reason.context)}", "      "))
        lines.append("")
    if result.notes_set_aside:
        lines.append("Mentions in the notes not counted:")
        lines += [
            _wrap(f'- "{note.words}" ({note.field}: {note.because})', "  ")
            for note in result.notes_set_aside
        ]
        lines.append("")
    keys = list(dict.fromkeys(key for reason in result.reasons for key in reason.sources))
    if keys:
        lines.append("Sources:")
        for key in keys:
            cited = registry[key].citation() if key in registry else "(not in the registry)"
            lines.append(_wrap(f"[{key}] {cited}", "  "))
        lines.append("")
    lines += [f"warning: {warning}" for warning in result.warnings]
    lines.append(f"ruleset {result.ruleset_version}")
    return "\n".join(lines)
