"""A ruleset compiled for speed: which rules can apply at all, decided with one comparison each.

Most check-ins say nothing worrying, and those that do touch few fields. So each check-in (and
its notes findings) is first reduced to a *summary*: for every field with something to say, the
worst value observed (the highest rank of an ordinal, the highest number, the set of list items,
True for a yes). A rule can only apply if one of the fields it tests is in the summary; only those
candidates are tested, each leaf with a single comparison. The engine then explains the rules that
hold (evidence, certainty) with the full matcher. A property test checks that both agree.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from nervecare.checkin import BOOLEAN_FIELDS, LIST_FIELDS, ORDINAL_FIELDS, CheckIn
from nervecare.triage.findings import NoteFinding
from nervecare.triage.rules import (
    NUMERIC_FIELDS,
    AllOf,
    AnyOf,
    Condition,
    ContextTest,
    FindingTest,
    Rule,
    Ruleset,
)

__all__ = ["CompiledRuleset", "Summary", "compile_ruleset", "fold_into_summary", "summarise"]

#: field -> worst value observed: int rank (ordinal), float (numeric), set (list), True (yes/no).
Summary = dict[str, Any]
Holds = Callable[[Summary, CheckIn], bool]

_RANKS: dict[str, dict[str, int]] = {
    field: {value: rank for rank, value in enumerate(order)}
    for field, order in ORDINAL_FIELDS.items()
}


def fold_into_summary(summary: Summary, field: str, value: object) -> None:
    """Fold one observation into the summary, keeping the worst value seen."""
    if field in LIST_FIELDS:
        summary.setdefault(field, set()).add(value)
    elif field in _RANKS:
        rank = _RANKS[field][str(value)]
        if rank > summary.get(field, 0):
            summary[field] = rank
    elif field in BOOLEAN_FIELDS:
        summary[field] = True
    else:
        assert isinstance(value, int | float)
        summary[field] = max(value, summary.get(field, value))


def summarise(
    checkin: CheckIn,
    findings: Sequence[NoteFinding],
    unanswered_ranks: dict[str, int] | None = None,
) -> Summary:
    """The worst observed value of every field that has something to say.

    `unanswered_ranks` gives the rank an unanswered ordinal question is read as (see
    `Ruleset.unanswered_reads_as`).
    """
    answers = checkin.__dict__
    summary: Summary = {}
    for field, rank in (unanswered_ranks or {}).items():
        if answers[field] is None:
            summary[field] = rank
    for field in LIST_FIELDS:
        if answers[field]:
            summary[field] = set(answers[field])
    for field, ranks in _RANKS.items():
        value = answers[field]
        if value is not None and ranks[value] > 0:
            summary[field] = ranks[value]
    for field in NUMERIC_FIELDS:
        if answers[field] is not None:
            summary[field] = answers[field]
    for field in BOOLEAN_FIELDS:
        if answers[field] is True:
            summary[field] = True
    for finding in findings:
        fold_into_summary(summary, finding.field, finding.value)
    return summary


def _compile_finding(test: FindingTest) -> Holds:
    field = test.field
    if test.has is not None:
        item = test.has
        return lambda summary, _: item in summary.get(field, ())
    if test.is_ is True:
        return lambda summary, _: field in summary
    if field in _RANKS:
        rank = _RANKS[field][str(test.at_least)]
        return lambda summary, _: summary.get(field, -1) >= rank
    threshold = test.at_least
    assert isinstance(threshold, int | float)
    return lambda summary, _: field in summary and summary[field] >= threshold


def _compile_context(test: ContextTest) -> Holds:
    if test.context == "procedure":
        allowed = frozenset(test.one_of or ())
        return lambda _, checkin: checkin.procedure in allowed
    low = test.at_least if test.at_least is not None else 0
    high = test.below if test.below is not None else 10**9
    return lambda _, checkin: low <= checkin.days_since_surgery < high


def _compile(condition: Condition) -> Holds:
    if isinstance(condition, FindingTest):
        return _compile_finding(condition)
    if isinstance(condition, ContextTest):
        return _compile_context(condition)
    if isinstance(condition, AllOf):
        every = tuple(_compile(part) for part in condition.all)

        return lambda summary, checkin: all(holds(summary, checkin) for holds in every)
    assert isinstance(condition, AnyOf)
    some = tuple(_compile(part) for part in condition.any)

    return lambda summary, checkin: any(holds(summary, checkin) for holds in some)


def _leaves(condition: Condition) -> Iterator[FindingTest | ContextTest]:
    """Every test in a condition, however deeply its all/any groups nest."""
    if isinstance(condition, FindingTest | ContextTest):
        yield condition
        return
    for part in condition.all if isinstance(condition, AllOf) else condition.any:
        yield from _leaves(part)


def _numeric_floors(ruleset: Ruleset) -> dict[str, float]:
    floors: dict[str, float] = {}
    for rule in ruleset.rules:
        for test in _leaves(rule.when):
            if (
                isinstance(test, FindingTest)
                and test.field in NUMERIC_FIELDS
                and isinstance(test.at_least, int | float)
            ):
                threshold = float(test.at_least)
                floors[test.field] = min(threshold, floors.get(test.field, threshold))
    # A numeric field no rule tests never matters; every value of it shares one result.
    return {name: floors.get(name, float("inf")) for name in NUMERIC_FIELDS}


def _day_marks(ruleset: Ruleset) -> set[int]:
    marks = {phase.from_day for phase in ruleset.self_care_phases}
    for rule in ruleset.rules:
        for test in _leaves(rule.when):
            if isinstance(test, ContextTest):
                marks |= {day for day in (test.at_least, test.below) if day is not None}
    return marks


def _fields_tested(condition: Condition) -> set[str]:
    return {test.field for test in _leaves(condition) if isinstance(test, FindingTest)}


@dataclass(frozen=True, slots=True)
class CompiledRuleset:
    rules: tuple[Rule, ...]
    holds: tuple[Holds, ...]
    by_field: dict[str, tuple[int, ...]]
    patient_text: dict[str, str]
    #: What to do about a sign, for the rules that say more than their level's advice.
    rule_advice: dict[str, str]
    #: Days since surgery at which some rule or advice changes; results differ only across them.
    day_marks: tuple[int, ...]
    #: The lowest threshold any rule tests on each numeric field.
    numeric_floors: dict[str, float]
    #: Ordinal questions read as this rank when unanswered.
    unanswered_ranks: dict[str, int]
    advice_cache: dict[tuple[object, ...], str] = dataclasses.field(default_factory=dict)
    result_cache: dict[tuple[object, ...], object] = dataclasses.field(default_factory=dict)

    def result_key(self, summary: Summary, checkin: CheckIn) -> tuple[object, ...]:
        """Everything a structured-only result depends on, and nothing else.

        The result is a pure function of the summary (the worst value of each field, which the
        evidence quotes), the stretch of days between two day marks, the procedure and any
        unknown fields. Check-ins that agree on these get the same result, so it is kept.
        """
        floors = self.numeric_floors
        frozen = tuple(
            sorted(
                (
                    name,
                    tuple(sorted(value))
                    if isinstance(value, set)
                    # A number below every threshold on its field can neither fire a rule nor
                    # appear in evidence: all such values give one result.
                    else (None if name in floors and value < floors[name] else value),
                )
                for name, value in summary.items()
            )
        )
        stretch = bisect_right(self.day_marks, checkin.days_since_surgery)
        # An unanswered question read as an answer is named "not answered" in the evidence.
        unanswered = tuple(f for f in self.unanswered_ranks if checkin.__dict__[f] is None)
        return (frozen, stretch, checkin.procedure, checkin.unknown_fields, unanswered)

    def applicable(self, summary: Summary, checkin: CheckIn) -> list[Rule]:
        """The rules that hold, in the ruleset's order."""
        candidates: set[int] = set()
        for field in summary:
            candidates.update(self.by_field.get(field, ()))
        return [
            self.rules[index] for index in sorted(candidates) if self.holds[index](summary, checkin)
        ]


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    by_field: dict[str, list[int]] = {}
    for index, rule in enumerate(ruleset.rules):
        fields = _fields_tested(rule.when)
        if not fields:
            raise ValueError(f"rule {rule.code} tests no finding; it could fire on every check-in")
        for field in fields:
            by_field.setdefault(field, []).append(index)
    return CompiledRuleset(
        rules=ruleset.rules,
        holds=tuple(_compile(rule.when) for rule in ruleset.rules),
        by_field={field: tuple(indices) for field, indices in by_field.items()},
        patient_text={rule.code: rule.patient_text for rule in ruleset.rules},
        rule_advice={rule.code: rule.advice for rule in ruleset.rules if rule.advice},
        day_marks=tuple(sorted(_day_marks(ruleset))),
        numeric_floors=_numeric_floors(ruleset),
        unanswered_ranks={
            field: _RANKS[field][value] for field, value in ruleset.unanswered_reads_as.items()
        },
    )
