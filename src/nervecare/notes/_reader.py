"""Reading a note: rules first (with ConText), then the semantic layer, the topic layer and the
learned reader, which only add."""

from __future__ import annotations

from collections.abc import Sequence

from nervecare.notes._model import NotesReading, SetAsideMention, SetAsideReason
from nervecare.notes._pipeline import Mention, rules_pipeline
from nervecare.notes._topics import topic_layer
from nervecare.triage.findings import NoteFinding

__all__ = ["read_many", "read_notes", "warm_up"]

#: Which ConText attribute sets a mention aside, in order of precedence. A mention that has come
#: back ("recurrent") counts even when it also reads as historical or resolved.
_PRECEDENCE: tuple[SetAsideReason, ...] = (
    "family",
    "hypothetical",
    "negated",
    "historical",
    "resolved",
)


def _set_aside_because(mention: Mention, *, proxy: bool = False) -> SetAsideReason | None:
    """Why a mention does not count, if it does not. In a note written for the patient
    (`proxy`), "family" is the patient and sets nothing aside; the other reasons still do."""
    for reason in _PRECEDENCE:
        if proxy and reason == "family":
            continue
        if reason in mention.context:
            if reason in ("historical", "resolved") and "recurrent" in mention.context:
                return None
            return reason
    return None


#: A semantic match this close stands on its own; below it, the clause must also name the
#: topic with a cue that something is wrong (the topic layer's test).
_CONFIDENT_SIMILARITY = 0.70


def _confident(finding: NoteFinding) -> bool:
    _, _, score = finding.detector.rpartition(":")
    try:
        return float(score) >= _CONFIDENT_SIMILARITY
    except ValueError:
        return True


def _as_possible(mention: SetAsideMention) -> NoteFinding:
    return NoteFinding(
        field=mention.field,
        value=mention.value,
        evidence=mention.words,
        certainty="possible",
        context=("uncertain",),
        detector=mention.detector,
        sources=mention.sources,
    )


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


def read_notes(
    text: str, *, semantic: bool = True, topics: bool = True, learned: bool = True
) -> NotesReading:
    """The red flags a patient's free-text note amounts to, as check-in answers.

    Pure in effect: the same text always gives the same reading. The medspaCy pipeline (and,
    with `semantic`, the embedding model) is built on the first call and kept for the process.
    `semantic=False, topics=False` reads with the lay-language rules alone (for evaluation). The
    learned reader shares the semantic layer's encoder, so it reads only with `semantic`.
    """
    if not text.strip():
        return NotesReading()
    return read_many([text], semantic=semantic, topics=topics, learned=learned)[0]


def read_many(
    texts: Sequence[str], *, semantic: bool = True, topics: bool = True, learned: bool = True
) -> list[NotesReading]:
    """`read_notes` of each text, in order, with the work shared (e.g. a JSON-lines file).

    Each reading is exactly what `read_notes` gives for that text alone: a note's reading
    never depends on the notes read with it (each clause is embedded on its own; see
    `nervecare.notes._embedding`). What is shared is the loaded pipeline and the cache of
    clause vectors, so a clause repeated across notes ("no fever", "feeling good") is embedded
    once.
    """
    if not any(text.strip() for text in texts):
        return [NotesReading() for _ in texts]
    pipeline = rules_pipeline()
    net = topic_layer() if topics else None
    layer = None
    learner = None
    if semantic:
        from nervecare.notes._learned import learned_reader  # noqa: PLC0415 - loads torch
        from nervecare.notes._semantic import semantic_layer  # noqa: PLC0415

        layer = semantic_layer()
        learner = learned_reader() if learned else None
    readings: list[NotesReading] = []
    for text in texts:
        if not text.strip():
            readings.append(NotesReading())
            continue
        parsed = pipeline.parse(text)
        findings: list[NoteFinding] = []
        set_aside: list[SetAsideMention] = []
        # Someone writing for the patient: "he", "my husband" is the patient (safety first).
        proxy = net is not None and net.written_for_the_patient(parsed)
        for mention in parsed.mentions:
            because = _set_aside_because(mention, proxy=proxy)
            if because is None:
                findings.append(_finding(mention))
            else:
                set_aside.append(_aside(mention, because))
        if layer is not None:
            extra, discounted = layer.scan(parsed, parsed.mentions)
            if proxy:
                extra += [_as_possible(m) for m in discounted if m.because == "family"]
                discounted = [m for m in discounted if m.because != "family"]
            if net is not None:
                extra = [f for f in extra if _confident(f) or net.corroborates(parsed, f)]
            findings += extra
            set_aside += discounted
        if net is not None:
            extra, discounted = net.scan(parsed, parsed.mentions, findings, set_aside, proxy=proxy)
            findings += extra
            set_aside += discounted
        if learner is not None:
            findings += learner.scan(parsed, findings)
        readings.append(NotesReading(findings=tuple(findings), set_aside=tuple(set_aside)))
    return readings


def warm_up(*, semantic: bool = True) -> None:
    """Load the pipeline (and the embedding model) now rather than on the first note."""
    rules_pipeline()
    if semantic:
        from nervecare.notes._learned import learned_reader  # noqa: PLC0415
        from nervecare.notes._semantic import semantic_layer  # noqa: PLC0415

        semantic_layer()
        learned_reader()
