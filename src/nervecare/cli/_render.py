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
    lines: list[str] = []
    if result.confirm:
        lines += [
            "BEFORE THIS RESULT IS FINAL: the notes may describe a warning sign.",
            "Please answer each question (yes / no / not sure):",
        ]
        lines += [wrap(f"- [{q.level}] {q.question}", "  ") for q in result.confirm]
        lines.append("")
    lines += [_HEADLINES[result.level], "", wrap(result.advice), ""]
    if result.unanswered:
        lines.append(wrap(f"Red-flag questions not answered: {', '.join(result.unanswered)}"))
        lines.append("")
    if result.answers:
        lines.append("Answers to the questions the notes raised:")
        lines += [wrap(f"- {a.question} {a.answer}", "  ") for a in result.answers]
        lines.append("")
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
