"""Reading a note: rules first (with ConText), then the semantic layer, the topic layer and the
learned reader, which only add."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import get_args

from nervecare.notes._language import language_of, load_languages
from nervecare.notes._learned import LearnedSettings
from nervecare.notes._model import ContextAttribute, NotesReading, SetAsideMention, SetAsideReason
from nervecare.notes._pipeline import Mention, ParsedNote, rules_pipeline, spanish_pipeline
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


def _weigh(
    findings: list[NoteFinding], present: float, settings: LearnedSettings
) -> tuple[list[NoteFinding], list[SetAsideMention]]:
    """What is definite and what is asked, by the learned reader's reading of the whole note
    (`present`: the chance that it carries any red flag present now). See learned.yaml.

    Only the rules' plain first-person findings can be definite, and only when the whole note
    might carry a sign present now; when the head doubts it, the rule finding is asked, never
    dropped. The other layers' findings are only ever questions, asked when the note might
    carry a sign, or when they closely paraphrase a red flag.
    """
    policy = settings.confirm
    kept: list[NoteFinding] = []
    doubted: list[SetAsideMention] = []
    for finding in findings:
        if finding.certainty == "definite":
            kept.append(finding if present >= policy.definite_at_least else _asked(finding))
        elif present >= policy.ask_at_least or _close_paraphrase(finding, settings):
            kept.append(finding)
        else:
            doubted.append(_unlikely(finding))
    return kept, doubted


def _close_paraphrase(finding: NoteFinding, settings: LearnedSettings) -> bool:
    """A close paraphrase of a red flag is always asked about, whatever the whole note reads
    as: the learned reader misses some plain paraphrases ("my wee comes out in drips and drabs"
    beside a denial) and signs buried in long chatty notes (two blind emergencies)."""
    if not finding.detector.startswith("semantic:"):
        return False
    _, _, score = finding.detector.rpartition(":")
    policy = settings.confirm
    emergency = finding.field in settings.emergency_fields()
    at_least = policy.emergency_paraphrase_at_least if emergency else policy.paraphrase_at_least
    return float(score) >= at_least


def _asked(finding: NoteFinding) -> NoteFinding:
    return finding.model_copy(
        update={"certainty": "possible", "context": (*finding.context, "uncertain")}
    )


def _unlikely(finding: NoteFinding) -> SetAsideMention:
    return SetAsideMention(
        words=finding.evidence,
        field=finding.field,
        value=finding.value,
        because="unlikely_now",
        context=tuple(c for c in finding.context if c in _CONTEXT_WORDS),
        detector=finding.detector,
        sources=finding.sources,
    )


_CONTEXT_WORDS = frozenset(get_args(ContextAttribute))


#: Someone writing for the patient in Spanish: their "she", "my mother" is the patient.
_SPANISH_PROXY = re.compile(
    r"\b(?:(?:le |les |os )?escrib[oe] (?:por|de parte de|en nombre de)|de parte de (?:mi|su)|"
    r"soy (?:su|la|el) (?:hija|hijo|esposa|esposo|marido|mujer|nieta|nieto|cuidadora|cuidador|"
    r"pareja|hermana|hermano|madre|padre)|escribe (?:su|la|el) (?:hija|hijo|esposa|esposo|marido)|"
    # a relative calling the patient "la paciente" or "el operado", or "soy la esposa de"
    r"es (?:el|la) paciente|(?:el|la) (?:operado|operada|paciente)\b|le escribo yo|les escribo yo|"
    r"soy (?:la|el) (?:esposa|esposo|mujer|marido|hija|hijo|madre|mama|padre|papa|pareja|novia|"
    r"novio|nuera|yerno|cuidadora|cuidador) de)"
)


#: The writer says they themselves do not have it ("yo no tengo eso", "a mi no me pasa").
_SPANISH_OWN_DENIAL = re.compile(
    r"\b(?:yo no|a mi no|yo (?:por suerte |gracias a dios )?(?:estoy|ando|sigo) "
    r"(?:bien|ok|igual|perfecto|perfecta)|yo (?:gracias a dios )?no tengo|no es mi caso|"
    r"(?:la|el) mi[ao] (?:esta|va|sigue) bien|no la mia|no el mio|yo nada|a mi nada)\b"
)


def _not_english(text: str) -> NotesReading | None:
    """The reading of a note in Spanish, or in a language nobody here reads; None for English."""
    language = language_of(text)
    if language == "es":
        return _read_spanish(text)
    if language not in load_languages().readable:
        # Never passed as read: the result says so, and the care team gets the note.
        return NotesReading(language=language, read=False)
    return None


def _read_spanish(text: str) -> NotesReading:
    """A Spanish note: the Spanish rules and ConText; its topic words only ever ask."""
    parsed = spanish_pipeline().parse(text)
    proxy = bool(_SPANISH_PROXY.search(parsed.text.text))
    findings, set_aside = _by_rules(parsed, proxy=proxy)
    # Relatives often write for the patient without saying so: unless the note says plainly that
    # the writer does not have it, someone else's sign is asked about, never set aside unasked.
    if not _SPANISH_OWN_DENIAL.search(parsed.text.text):
        findings += [_as_possible(m) for m in set_aside if m.because == "family"]
        set_aside = [m for m in set_aside if m.because != "family"]
    return NotesReading(findings=tuple(findings), set_aside=tuple(set_aside), language="es")


def _by_rules(
    parsed: ParsedNote, *, proxy: bool
) -> tuple[list[NoteFinding], list[SetAsideMention]]:
    """The rules' mentions: those that count as findings, and those ConText set aside."""
    findings: list[NoteFinding] = []
    set_aside: list[SetAsideMention] = []
    for mention in parsed.mentions:
        because = _set_aside_because(mention, proxy=proxy)
        if because is None:
            findings.append(_finding(mention))
        else:
            set_aside.append(_aside(mention, because))
    return findings, set_aside


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
        other = _not_english(text)
        if other is not None:
            readings.append(other)
            continue
        parsed = pipeline.parse(text)
        # Someone writing for the patient: "he", "my husband" is the patient (safety first).
        proxy = net is not None and net.written_for_the_patient(parsed)
        findings, set_aside = _by_rules(parsed, proxy=proxy)
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
            extra, present = learner.scan(parsed, findings)
            findings, doubted = _weigh(findings + extra, present, learner.settings)
            set_aside += doubted
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
