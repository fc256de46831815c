"""Cutting a parsed note into clauses for the semantic layer, with what ConText says of each.

A clause is a sentence cut at ConText's terminating words ("but", "however"). A clause counts as
discounted (negated, historical, hypothetical, someone else's) when a ConText trigger's scope
covers it, by the test in `_covers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nervecare.notes._model import SetAsideReason
from nervecare.notes._pipeline import Mention, ParsedNote

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

__all__ = ["DISCOUNTING", "Clause", "clauses", "set_aside_reason"]

#: ConText categories that make a clause not count, in order of precedence.
DISCOUNTING: tuple[tuple[str, SetAsideReason], ...] = (
    ("FAMILY", "family"),
    ("HYPOTHETICAL", "hypothetical"),
    ("NEGATED_EXISTENCE", "negated"),
    ("HISTORICAL", "historical"),
    ("RESOLVED", "resolved"),
)
_CLAUSE_BREAKS = frozenset({"TERMINATE"})


def set_aside_reason(mention: Mention) -> SetAsideReason | None:
    """Why a rule's mention does not count, as the later layers read it (a mention that has
    come back counts whatever else ConText says of it)."""
    if "recurrent" in mention.context:
        return None
    return next((reason for _, reason in DISCOUNTING if reason in mention.context), None)


@dataclass(frozen=True, slots=True)
class Clause:
    span: Span
    words: str  # the patient's own words
    discounted_by: SetAsideReason | None


def clauses(note: ParsedNote) -> list[Clause]:
    """Sentences cut at ConText's terminating words ("but", "however"), with their triggers."""
    doc = note.doc
    graph = doc._.context_graph
    modifiers = list(graph.modifiers) if graph is not None else []
    breaks = sorted(m.modifier_span[0] for m in modifiers if m.category in _CLAUSE_BREAKS)
    found: list[Clause] = []
    for sentence in doc.sents:
        cuts = [sentence.start, *(b for b in breaks if sentence.start < b < sentence.end)]
        for start, end in zip(cuts, [*cuts[1:], sentence.end], strict=True):
            span = doc[start:end]
            if not any(token.is_alpha for token in span):
                continue
            categories = {m.category for m in modifiers if _covers(m, doc, start, end)}
            reason = None
            if "RECURRENT" not in categories:
                reason = next((r for c, r in DISCOUNTING if c in categories), None)
            words = note.text.original_words(span.start_char, span.end_char)
            found.append(Clause(span=span, words=words, discounted_by=reason))
    return found


def _covers(modifier: Any, doc: Doc, start: int, end: int) -> bool:
    """A trigger whose scope runs to the clause's end (or start, looking back), or that opens
    the clause and covers at least half of it."""
    first, last = modifier.modifier_span
    if not start <= first < end or modifier.category in _CLAUSE_BREAKS:
        return False
    if modifier.category == "RECURRENT":
        return True
    scope_start, scope_end = modifier.scope_span
    direction = str(modifier.direction).upper()
    reaches_end = bool(scope_end >= end - 1)
    reaches_start = bool(scope_start <= start)
    if direction == "FORWARD":
        # "No loss of control of my bladder": the scope stops at "my", yet the clause is denied.
        opens_clause = first - start <= 1
        covered = min(scope_end, end) - max(scope_start, start)
        return reaches_end or (opens_clause and covered * 2 >= end - start - 1)
    if direction == "BACKWARD":
        # "My foot is fine now" is denied; "Feel fine in myself, my wee trickles out" is not: a
        # trigger looking back covers the clause only when little of the clause follows it.
        return reaches_start and first > start and sum(t.is_alpha for t in doc[last:end]) <= 2
    return direction == "BIDIRECTIONAL" and (reaches_end or reaches_start)
