"""The topic layer: a net under the rules and the semantic layer, for red flags in new words.

Blind sets showed that matching *signs* misses new paraphrases however many are written; the
patients varied the sign but named the topic ("bowels just let go on the stairs", "have not had
a wee in about fourteen hours"). This layer reads each clause for a topic of `topics.yaml` (the
bladder, the bowel, the saddle area, sex, both legs, the chest, a leg giving way, pain medicine)
together with a cue that something is wrong with it. Such a clause, unless it is clearly denied
("no problems with my waterworks", read by the `clearly_fine` word lists the semantic layer also
uses), in the past, hypothetical or about someone else (ConText), becomes a *possible* finding:
the engine raises the level and asks the patient the structured question again.

Like the semantic layer it only ever adds: a field the rules or the semantic layer already read
in the note (found, or set aside) is theirs. A negation ConText found is not taken as a denial
here, because for these topics a negated function is the sign itself ("not had a wee", "can't
feel it coming out"); only a negated problem or "fine" is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from nervecare.notes._clauses import Clause, clauses, set_aside_reason
from nervecare.notes._fine import parts_left
from nervecare.notes._lexicon import AnswerValue, ClearlyFine, Topic, TopicFile, load_lexicon
from nervecare.notes._model import SetAsideMention, SetAsideReason
from nervecare.notes._pipeline import Mention, ParsedNote
from nervecare.triage.findings import NoteFinding

if TYPE_CHECKING:
    from spacy.tokens import Span

__all__ = ["TopicLayer", "topic_layer"]

_PART_BREAK = " | "  # joins a clause's parts, so no phrase matches across two of them
_FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine", "meself", "im", "ive", "id"})
#: Whom a note without "I" is likely written about, in a patient's own check-in ...
_CLOSE_TO_THE_PATIENT = frozenset(
    {"he", "she", "husband", "wife", "partner", "mum", "mam", "mom", "dad", "father", "mother"}
)
#: ... unless it names someone plainly not the patient.
_OTHERS = frozenset(
    {"man", "woman", "lady", "guy", "bloke", "neighbour", "neighbor", "friend", "someone",
     "somebody", "people", "patient", "patients", "lad", "grandad", "granddad", "grandma", "nan",
     "granny", "toddler", "baby", "dog", "cat", "group", "facebook", "forum", "programme",
     "program", "tv", "telly", "leaflet", "article", "died", "passed", "care", "hospice"}
)  # fmt: skip
_GAP = "..."  # in a phrase: up to five words
#: "Nothing" and "none" stand for what is missing ("felt like nothing, completely numb"), so
#: a symptom after them is not denied by them.
_OBJECT_NEGATIONS = frozenset({"nothing", "none"})
_DENIAL_REACH = 4  # a negation this many words before a cue denies it


def _words_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """One regular expression for a word list: whole words; `*` ends a word with any ending,
    `(a|b)` is one of, and `...` stands for up to five words."""

    def word(token: str) -> str:
        if token.startswith("(") and token.endswith(")"):
            return "(?:" + "|".join(one(t) for t in token[1:-1].split("|")) + ")"
        if token.endswith("*"):
            return re.escape(token[:-1]) + r"[^\s|]*"
        return re.escape(token)

    def one(phrase: str) -> str:
        pattern, after_gap = "", False
        for token in re.findall(r"\([^)]*\)|\S+", phrase.replace("-", " ")):
            if token == _GAP:
                pattern += r"\s+(?:[^\s|]+\s+){0,5}"
                after_gap = True
                continue
            pattern += ("" if not pattern or after_gap else r"\s+") + word(token)
            after_gap = False
        return pattern

    return re.compile(r"(?<![^\s|])(?:" + "|".join(one(w) for w in words) + r")(?![^\s|])")


@dataclass(frozen=True, slots=True)
class _Words:
    """The word lists every topic is read with."""

    negations: frozenset[str]
    bare_negations: frozenset[str]
    symptoms: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _CompiledTopic:
    topic: Topic
    named: re.Pattern[str]
    strong: re.Pattern[str] | None
    not_if: re.Pattern[str] | None
    lost: re.Pattern[str] | None
    cues: tuple[tuple[AnswerValue, re.Pattern[str]], ...]

    def value_in(self, text: str, words: _Words) -> AnswerValue | None:
        """The answer a clause's words point to, or None when they name no problem.

        A cue right after a negation is denied ("legs not giving way", "neither leg feels
        weak"), and that negation is spent: it cannot itself count as a cue ("I haven't wet
        myself" is no sign of retention). A cue that is a negated function ("not had a wee")
        has no negation before it, so it counts.
        """
        spent: set[int] = set()
        matches = [
            (match.start(), value, match)
            for value, pattern in self.cues
            for match in pattern.finditer(text)
        ]
        negations = words.negations
        for _, _, match in sorted(matches, key=lambda item: item[0]):
            spent |= _negations_before(text, match.start(), negations)
        for value, pattern in self.cues:
            for match in pattern.finditer(text):
                if match.start() in spent or _negations_before(text, match.start(), negations):
                    continue
                if (
                    match.group(0) in words.bare_negations
                    and match.group(0) not in _OBJECT_NEGATIONS
                    and self._denies_a_symptom(text, match.end(), words.symptoms)
                ):
                    continue
                return value
        if self.strong is not None and self.strong.search(text):
            return self.topic.value
        return None

    def _denies_a_symptom(self, text: str, after: int, symptoms: re.Pattern[str]) -> bool:
        """A symptom word between a bare negation and the topic's next naming ("no pins and
        needles around my back passage")."""
        part_end = text.find("|", after)
        part_end = len(text) if part_end < 0 else part_end
        named = self.named.search(text, after, part_end)
        stop = named.start() if named is not None else part_end
        symptom = symptoms.search(text, after, stop)
        # ... and close to it ("don't have any pins and needles").
        return symptom is not None and len(text[after : symptom.start()].split()) <= _DENIAL_REACH

    def names(self, text: str) -> bool:
        return bool(
            self.named.search(text) or (self.strong is not None and self.strong.search(text))
        )


def _negations_before(text: str, at: int, negations: frozenset[str]) -> set[int]:
    """Where the negations among the few words before `at` start (same part only)."""
    start = text.rfind("|", 0, at) + 1
    found: set[int] = set()
    position = at
    for _ in range(_DENIAL_REACH):
        previous = text.rfind(" ", start, max(position - 1, start))
        word_start = start if previous < 0 else previous + 1
        word = text[word_start : position - 1] if position - 1 > word_start else ""
        if not word:
            break
        if word in negations:
            found.add(word_start)
        position = word_start
    return found


def _compile(topic: Topic) -> _CompiledTopic:
    return _CompiledTopic(
        topic=topic,
        named=_words_pattern(topic.words),
        strong=_words_pattern(topic.strong) if topic.strong else None,
        not_if=_words_pattern(topic.not_if) if topic.not_if else None,
        lost=_words_pattern(topic.lost) if topic.lost else None,
        cues=tuple((cue.value, _words_pattern(cue.words)) for cue in topic.cues),
    )


def _norm_text(span: Span) -> str:
    return " ".join(token.norm_.lower() for token in span if not token.is_punct)


class TopicLayer:
    """Topics compiled once; `scan` reads a parsed note's clauses."""

    def __init__(self, topics: TopicFile, fine: ClearlyFine) -> None:
        self._topics = tuple(_compile(topic) for topic in topics.topics)
        self._fine = fine
        self._denials = topics.denials
        self._own_question = re.compile(_words_pattern(topics.own_question).pattern + r"\s*$")
        self._resolved_after = _words_pattern(topics.resolved_after)
        self._proxy_writer = _words_pattern(topics.proxy_writer)
        self._supposing = topics.supposing
        self._words = _Words(
            negations=topics.cue_denials,
            bare_negations=topics.bare_negations,
            symptoms=_words_pattern(topics.symptom_words),
        )

    def scan(
        self,
        note: ParsedNote,
        rule_mentions: Sequence[Mention],
        found: Sequence[NoteFinding],
        set_aside: Sequence[SetAsideMention],
        *,
        proxy: bool,
    ) -> tuple[list[NoteFinding], list[SetAsideMention]]:
        """Possible findings for topics no earlier reading covered, and the discounted ones.

        `proxy`: the note is written for the patient (`written_for_the_patient`, which the
        reader works out once per note for every layer).
        """
        taken = {finding.field for finding in found}
        findings: list[NoteFinding] = []
        discounted: list[SetAsideMention] = []
        for clause in clauses(note):
            span = clause.span
            whole = _norm_text(span)
            # What the rules or the semantic layer set aside here is theirs, except a negation,
            # which this layer reads again its own way (see the module docstring).
            read_here = {
                m.field
                for m in rule_mentions
                if span.start <= m.start < span.end
                and self._stands(set_aside_reason(m), whole, proxy=proxy, note=note, mention=m)
            }
            read_here |= {
                m.field
                for m in set_aside
                if self._stands(m.because, whole, proxy=proxy)
                and m.words
                and m.words in clause.words
            }
            left = self._words_left(span)
            for compiled in self._topics:
                topic = compiled.topic
                if topic.field in taken or topic.field in read_here:
                    continue
                if not compiled.names(whole):
                    continue
                if compiled.not_if is not None and compiled.not_if.search(whole):
                    continue
                if not compiled.names(left):
                    continue  # the part naming it says it is fine or denies a problem
                value = compiled.value_in(left, self._words)
                if value is None:
                    continue  # named, with nothing wrong said about it
                because = self._discounted(clause, whole) or self._resolved_later(
                    note, span, whole, compiled
                )
                if because == "family" and proxy:
                    because = None  # the family member writing is reporting the patient
                if (
                    because == "resolved"
                    and compiled.lost is not None
                    and compiled.lost.search(left)
                ):
                    because = None  # "the urge to go has disappeared" is the sign, not its end
                detector = f"topic:{topic.id}"
                if because is not None:
                    if any(
                        m.field == topic.field and m.because == because and m.words in clause.words
                        for m in set_aside
                    ):
                        continue  # already listed as set aside, for the same reason
                    discounted.append(
                        SetAsideMention(
                            words=clause.words,
                            field=topic.field,
                            value=value,
                            because=because,
                            context=(because,),
                            detector=detector,
                            sources=topic.sources,
                        )
                    )
                    continue
                findings.append(
                    NoteFinding(
                        field=topic.field,
                        value=value,
                        evidence=clause.words,
                        certainty="possible",
                        context=("uncertain",),
                        detector=detector,
                        sources=topic.sources,
                    )
                )
                taken.add(topic.field)
        return findings, discounted

    def written_for_the_patient(self, note: ParsedNote) -> bool:
        """Someone writes for the patient ("my husband asked me to write this"): "he" and "my
        husband" are then the patient, never someone else. A note with no "I", "me" or "my" at
        all ("Dad can't feel when he's going") is read the same way: in a patient's own
        check-in, safety first, the person it is about is the patient."""
        text = _norm_text(note.doc[:])
        if self._proxy_writer.search(text):
            return True
        words = set(text.split())
        return (
            not words & _FIRST_PERSON
            and bool(words & _CLOSE_TO_THE_PATIENT)
            and not words & _OTHERS
        )

    def corroborates(self, note: ParsedNote, finding: NoteFinding) -> bool:
        """Whether a semantic finding's clause names the finding's topic with a cue that
        something is wrong (True for a field no topic covers). Similarity alone also rises for
        "wee is dark yellow" or "still using the raised toilet seat"."""
        compiled_for_field = [c for c in self._topics if c.topic.field == finding.field]
        if not compiled_for_field:
            return True
        for clause in clauses(note):
            if finding.evidence not in clause.words and clause.words not in finding.evidence:
                continue
            whole = _norm_text(clause.span)
            left = self._words_left(clause.span)
            for compiled in compiled_for_field:
                if compiled.not_if is not None and compiled.not_if.search(whole):
                    continue
                if compiled.names(left) and compiled.value_in(left, self._words) is not None:
                    return True
        return False

    def _words_left(self, span: Span) -> str:
        """The clause's words without the parts that say nothing is wrong, parts kept apart."""
        parts = parts_left(span, self._fine)
        doc = span.doc
        texts = (
            [_norm_text(span)]
            if parts is None
            else [_norm_text(doc[part.start : part.end]) for part in parts]
        )
        return _PART_BREAK.join(text for text in texts if not self._denies_a_problem(text))

    def _stands(
        self,
        reason: str | None,
        whole: str,
        *,
        proxy: bool,
        note: ParsedNote | None = None,
        mention: Mention | None = None,
    ) -> bool:
        """Whether an earlier layer's reading of a clause stands, so this layer leaves it: a
        mention that counted, or was set aside for a reason this layer also accepts. A rule's
        negation stands only with the rule's `note` and `mention` to check it against."""
        if reason == "negated":
            return (
                note is not None
                and mention is not None
                and self._negated_right_before(note, mention)
            )
        if reason == "hypothetical":
            return not self._own_question_only(whole)
        if reason == "family" and proxy:
            return False
        # "The feeling down there has gone" is read as resolved by ConText: read it again, for
        # a function whose going is the sign (`lost` in topics.yaml).
        return reason != "resolved"

    def _resolved_later(
        self, note: ParsedNote, span: Span, whole: str, compiled: _CompiledTopic
    ) -> SetAsideReason | None:
        """ "..., but it's back to normal", "it went after 48 hours and hasn't come back": the
        words after the topic, to the end of the sentence, say it is over."""
        named = compiled.named.search(whole) or (
            compiled.strong.search(whole) if compiled.strong is not None else None
        )
        after = whole[named.end() :] if named is not None else ""
        sentence_end = span.sent.end
        if sentence_end > span.end:
            after += " " + _norm_text(note.doc[span.end : sentence_end])
        return "resolved" if self._resolved_after.search(after) else None

    def _own_question_only(self, whole: str) -> bool:
        if not self._own_question.search(whole):
            return False
        rest = self._own_question.sub(" ", whole).split()
        return not any(word in self._supposing for word in rest)

    def _negated_right_before(self, note: ParsedNote, mention: Mention) -> bool:
        """A rule's mention with its negation just before it ("I haven't wet myself"): the
        rule's reading stands."""
        doc = note.doc
        before = doc[max(mention.start - _DENIAL_REACH, 0) : mention.start]
        return any(token.norm_.lower() in self._fine.negations for token in before)

    def _discounted(self, clause: Clause, whole: str) -> SetAsideReason | None:
        """Someone else's, hypothetical, past or resolved: set aside. A ConText negation is not
        (see the module docstring); denials were already taken out as parts that say so. A
        question about one's own stated symptom ("can't ejaculate, is that normal?") counts."""
        reason = clause.discounted_by
        if reason == "negated":
            return None
        if reason == "hypothetical" and self._own_question_only(whole):
            return None
        return reason

    def _denies_a_problem(self, text: str) -> bool:
        """ "I don't have any bladder or bowel problems": a negation, then (however far on) a
        problem word, and nothing after it that turns it round ("but", "except")."""
        words = text.split()
        fine = self._fine
        negation = next((i for i, word in enumerate(words) if word in fine.negations), None)
        if negation is None:
            return False
        problem = next(
            (i for i in range(negation + 1, len(words)) if words[i] in self._denials), None
        )
        if problem is None:
            return False
        return not any(word in fine.reversals for word in words[negation + 1 :])


@cache
def topic_layer() -> TopicLayer:
    """The process-wide topic layer."""
    lexicon = load_lexicon()
    return TopicLayer(lexicon.topics, lexicon.semantic.clearly_fine)
