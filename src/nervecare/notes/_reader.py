"""Reading a note: rules first (with ConText), then the semantic layer, which only adds."""

from __future__ import annotations

from nervecare.notes._model import NotesReading, SetAsideMention, SetAsideReason
from nervecare.notes._pipeline import Mention, rules_pipeline
from nervecare.triage.findings import NoteFinding

__all__ = ["read_notes", "warm_up"]

#: Which ConText attribute sets a mention aside, in order of precedence. A mention that has come
#: back ("recurrent") counts even when it also reads as historical or resolved.
_PRECEDENCE: tuple[SetAsideReason, ...] = (
    "family",
    "hypothetical",
    "negated",
    "historical",
    "resolved",
)


def _set_aside_because(mention: Mention) -> SetAsideReason | None:
    for reason in _PRECEDENCE:
        if reason in mention.context:
            if reason in ("historical", "resolved") and "recurrent" in mention.context:
                return None
            return reason
    return None


def _finding(mention: Mention) -> NoteFinding:
    return NoteFinding(
        field=mention.field,
        value=mention.value,
        evidence=mention.words,
        certainty="possible" if "uncertain" in mention.context else "definite",
        context=mention.context,
        detector=mention.detector,
        sources=mention.sources,
    )


def _aside(mention: Mention, because: SetAsideReason) -> SetAsideMention:
    return SetAsideMention(
        words=mention.words,
        field=mention.field,
        value=mention.value,
        because=because,
        context=mention.context,
        detector=mention.detector,
        sources=mention.sources,
    )


def read_notes(text: str, *, semantic: bool = True) -> NotesReading:
    """The red flags a patient's free-text note amounts to, as check-in answers.

    Pure in effect: the same text always gives the same reading. The medspaCy pipeline (and,
    with `semantic`, the embedding model) is built on the first call and kept for the process.
    """
    if not text.strip():
        return NotesReading()
    parsed = rules_pipeline().parse(text)
    findings: list[NoteFinding] = []
    set_aside: list[SetAsideMention] = []
    for mention in parsed.mentions:
        because = _set_aside_because(mention)
        if because is None:
            findings.append(_finding(mention))
        else:
            set_aside.append(_aside(mention, because))
    if semantic:
        from nervecare.notes._semantic import semantic_layer  # noqa: PLC0415 - loads torch

        extra, discounted = semantic_layer().scan(parsed, parsed.mentions)
        findings += extra
        set_aside += discounted
    return NotesReading(findings=tuple(findings), set_aside=tuple(set_aside))


def warm_up(*, semantic: bool = True) -> None:
    """Load the pipeline (and the embedding model) now rather than on the first note."""
    rules_pipeline()
    if semantic:
        from nervecare.notes._semantic import semantic_layer  # noqa: PLC0415

        semantic_layer()
