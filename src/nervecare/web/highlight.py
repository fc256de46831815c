"""Marking the patient's words that raised a question, so the care team sees them in place."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["highlight"]


def highlight(text: str, phrases: Sequence[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, marked) parts, each phrase marked where it first occurs.

    Returns plain pieces for the template to escape; overlapping phrases merge into one mark.
    """
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for phrase in phrases:
        wanted = phrase.strip().lower()
        at = lowered.find(wanted) if wanted else -1
        if at >= 0:
            spans.append((at, at + len(wanted)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    parts: list[tuple[str, bool]] = []
    at = 0
    for start, end in merged:
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts
