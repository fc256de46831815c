"""The notes lexicon as data: lay-language rules, ConText triggers, spelling and semantic examples.

The files live in `nervecare/knowledge/data/notes/`. Phrases there use a small syntax so that one
line covers the ways people say the same thing: `(a|b)` one of, `[a|b]` optionally one of, and
`{NAME}` a macro defined in the same file (compiled into token patterns by `_patterns`). Every
entry names its sources, and every red-flag entry maps onto a check-in contract field and value,
checked here at load time.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from nervecare.checkin import BOOLEAN_FIELDS, LIST_FIELDS, ORDINAL_FIELDS
from nervecare.knowledge import read_data

__all__ = [
    "NUMERIC_FIELDS",
    "ClearlyFine",
    "ContextTrigger",
    "LayRule",
    "NotesLexicon",
    "SemanticExamples",
    "SemanticFlag",
    "Spelling",
    "Topic",
    "TopicCue",
    "TopicFile",
    "check_answer",
    "load_lexicon",
]

AnswerValue = StrictBool | int | float | str

#: Number fields a note can state directly ("temp 38.6", "pain 9/10"), with their contract range.
NUMERIC_FIELDS: dict[str, tuple[float, float]] = {
    "temperature_c": (30.0, 45.0),
    "leg_pain": (0, 10),
    "back_pain": (0, 10),
}


def check_answer(field: str, value: object) -> None:
    """Refuse a field/value that is not an answer the check-in contract allows."""
    if field in LIST_FIELDS:
        valid = value in LIST_FIELDS[field]
    elif field in ORDINAL_FIELDS:
        valid = value in ORDINAL_FIELDS[field]
    elif field in BOOLEAN_FIELDS:
        valid = value is True
    elif field in NUMERIC_FIELDS:
        low, high = NUMERIC_FIELDS[field]
        valid = isinstance(value, int | float) and not isinstance(value, bool)
        valid = valid and low <= float(value) <= high  # type: ignore[arg-type]
    else:
        valid = False
    if not valid:
        raise ValueError(f"{field}={value!r} is not a check-in contract answer")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayRule(_Entry):
    """Words that amount to one structured answer, e.g. "I can't pee" is bladder: retention."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    field: str
    value: AnswerValue
    sources: tuple[str, ...] = Field(min_length=1)
    phrases: tuple[str, ...] = Field(min_length=1)
    note: str | None = None
    #: "possible": topic words that only ever raise a question (the Spanish reader's net).
    certainty: Literal["definite", "possible"] = "definite"

    @model_validator(mode="after")
    def _contract_answer(self) -> LayRule:
        check_answer(self.field, self.value)
        return self


Direction = Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]


class ContextTrigger(_Entry):
    """A group of ConText trigger phrases sharing one category, direction and scope."""

    category: str = Field(pattern=r"^[A-Z_]+$")
    direction: Direction
    sources: tuple[str, ...] = Field(min_length=1)
    phrases: tuple[str, ...] = ()
    patterns: tuple[list[dict[str, Any]], ...] = ()
    max_scope: int | None = Field(default=None, gt=0)
    stop_at: tuple[str, ...] = ()
    #: Words just before the trigger that make it not one ("como si" is a simile, not an "if").
    not_after: tuple[str, ...] = ()
    terminated_by: tuple[str, ...] = ()


class FuzzyLength(_Entry):
    min_length: int = Field(gt=0)
    distance: int = Field(ge=0)


class FuzzySettings(_Entry):
    min_length: int = Field(gt=0)
    max_distance: tuple[FuzzyLength, ...]

    def distance_for(self, length: int) -> int:
        allowed = [step.distance for step in self.max_distance if length >= step.min_length]
        return max(allowed, default=0)


class Spelling(_Entry):
    corrections: dict[str, str]
    american: dict[str, str]
    fuzzy: FuzzySettings

    def rewrite(self, word: str) -> str | None:
        """The word the rules use for `word` (lower case), if the spelling lists know one."""
        return self.corrections.get(word) or self.american.get(word)


class SemanticFlag(_Entry):
    """Example descriptions of one red flag, and the structured answer a match stands for."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    field: str
    value: AnswerValue
    sources: tuple[str, ...] = Field(min_length=1)
    examples: tuple[str, ...] = Field(min_length=1)
    #: This flag's own similarity threshold, when it differs from the file's (see semantic.yaml).
    threshold: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _contract_answer(self) -> SemanticFlag:
        check_answer(self.field, self.value)
        return self


class ClearlyFine(_Entry):
    """Words that say part of a clause is fine or denied (see semantic.yaml, `_fine`)."""

    sources: tuple[str, ...] = Field(min_length=1)
    negations: frozenset[str]
    problems: frozenset[str]
    fine: frozenset[str]
    fine_phrases: tuple[str, ...]
    reversals: frozenset[str]
    symptoms: frozenset[str]
    joins: frozenset[str]
    subjects: frozenset[str]
    filler: frozenset[str]
    max_subject_words: int = Field(gt=0)
    max_words_before: int = Field(gt=0)


class SemanticExamples(_Entry):
    threshold: float = Field(gt=0, lt=1)
    margin: float = Field(ge=0, lt=1)
    flags: tuple[SemanticFlag, ...] = Field(min_length=1)
    benign: tuple[str, ...] = Field(min_length=1)
    clearly_fine: ClearlyFine
    function_words: frozenset[str]


class TopicCue(_Entry):
    """Words saying something is wrong with a topic, and the answer they point to."""

    value: AnswerValue
    words: tuple[str, ...] = Field(min_length=1)


class Topic(_Entry):
    """A subject patients name when a red flag is there (the bladder, both legs, the chest).

    See topics.yaml: a clause naming the topic with a cue, not denied or discounted, becomes a
    possible finding for `field`.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    field: str
    value: AnswerValue
    sources: tuple[str, ...] = Field(min_length=1)
    words: tuple[str, ...] = Field(min_length=1)
    #: Words that name the topic *and* say something is wrong ("both legs"): no cue needed.
    strong: tuple[str, ...] = ()
    #: Words that mean the clause is about something else ("constipated", "wound").
    not_if: tuple[str, ...] = ()
    #: A function whose going is the sign ("the urge has gone"): not read as "resolved".
    lost: tuple[str, ...] = ()
    cues: tuple[TopicCue, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _contract_answers(self) -> Topic:
        check_answer(self.field, self.value)
        for cue in self.cues:
            check_answer(self.field, cue.value)
        return self


class TopicFile(_Entry):
    """topics.yaml: the topics, and the word lists the topic layer reads every clause with."""

    denials: frozenset[str] = Field(min_length=1)
    cue_denials: frozenset[str] = Field(min_length=1)
    bare_negations: frozenset[str] = Field(min_length=1)
    symptom_words: tuple[str, ...] = Field(min_length=1)
    own_question: tuple[str, ...] = Field(min_length=1)
    supposing: frozenset[str] = Field(min_length=1)
    resolved_after: tuple[str, ...] = Field(min_length=1)
    proxy_writer: tuple[str, ...] = Field(min_length=1)
    topics: tuple[Topic, ...] = Field(min_length=1)


class NotesLexicon(_Entry):
    """Everything the notes reader knows about words, loaded and checked once."""

    rules: tuple[LayRule, ...]
    rule_macros: dict[str, str]
    context: tuple[ContextTrigger, ...]
    context_macros: dict[str, str]
    spelling: Spelling
    semantic: SemanticExamples
    topics: TopicFile

    def cited_sources(self) -> set[str]:
        keys = {key for rule in self.rules for key in rule.sources}
        keys |= {key for trigger in self.context for key in trigger.sources}
        keys |= {key for flag in self.semantic.flags for key in flag.sources}
        keys |= set(self.semantic.clearly_fine.sources)
        keys |= {key for topic in self.topics.topics for key in topic.sources}
        return keys


@cache
def load_spanish_lexicon() -> NotesLexicon:
    """The Spanish reader's words (red_flags_es.yaml, context_es.yaml); spelling, semantic
    examples and topics are the English ones, which the Spanish reader does not use."""
    english = load_lexicon()
    red_flags = read_data("notes", "red_flags_es.yaml")
    context = read_data("notes", "context_es.yaml")
    return english.model_copy(
        update={
            "rules": tuple(LayRule.model_validate(rule) for rule in red_flags["rules"]),
            "rule_macros": red_flags.get("macros") or {},
            "context": tuple(ContextTrigger.model_validate(rule) for rule in context["rules"]),
            "context_macros": context.get("macros") or {},
        }
    )


@cache
def load_lexicon() -> NotesLexicon:
    """Read and validate the packaged notes lexicon (once per process)."""
    red_flags = read_data("notes", "red_flags.yaml")
    context = read_data("notes", "context.yaml")
    return NotesLexicon(
        rules=tuple(LayRule.model_validate(rule) for rule in red_flags["rules"]),
        rule_macros=red_flags.get("macros") or {},
        context=tuple(ContextTrigger.model_validate(rule) for rule in context["rules"]),
        context_macros=context.get("macros") or {},
        spelling=Spelling.model_validate(read_data("notes", "spelling.yaml")),
        semantic=SemanticExamples.model_validate(read_data("notes", "semantic.yaml")),
        topics=TopicFile.model_validate(read_data("notes", "topics.yaml")),
    )
