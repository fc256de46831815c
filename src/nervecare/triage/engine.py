"""The triage engine: one check-in (and what its notes were found to say) in, one result out.

Pure and deterministic: no clock, no files, no I/O; the ruleset is a value passed in. Every answer
and every finding from the notes is an *observation* of a check-in field. A rule's test is true
when any observation satisfies it, so a red flag written only in the notes raises the level
exactly as the ticked box would, through the same rule, with the same sources. The level is the
highest level of the rules that apply; with none, `self_care`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nervecare.checkin import BOOLEAN_FIELDS, LIST_FIELDS, ORDINAL_FIELDS, CheckIn
from nervecare.triage._compiled import CompiledRuleset, Summary, summarise
from nervecare.triage.findings import Certainty, NoteFinding
from nervecare.triage.levels import Level, highest, level_rank
from nervecare.triage.result import Origin, Reason, SetAsideNote, TriageResult
from nervecare.triage.rules import (
    NUMERIC_FIELDS,
    AdvicePhase,
    AllOf,
    AnyOf,
    Condition,
    ContextTest,
    FindingTest,
    Rule,
    Ruleset,
)

__all__ = ["InvalidFindingError", "evaluate"]


class InvalidFindingError(ValueError):
    """A notes reader produced a finding that is not a check-in field and value (a bug)."""


@dataclass(frozen=True, slots=True)
class _Observation:
    field: str
    value: object
    from_notes: bool
    certainty: Certainty = "definite"
    words: str = ""
    context: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    unanswered: bool = False

    def describe(self) -> str:
        if self.from_notes:
            return f'notes: "{self.words}"'
        if self.unanswered:
            return f"{self.field}: not answered"
        shown = "yes" if self.value is True else self.value
        return f"{self.field}: {shown}"


@dataclass(frozen=True, slots=True)
class _Match:
    observations: tuple[_Observation, ...]
    definite: bool


_ObservationsByField = dict[str, list[_Observation]]


def _answers(checkin: CheckIn, unanswered_reads_as: dict[str, str]) -> Iterable[_Observation]:
    for field, value in unanswered_reads_as.items():
        if getattr(checkin, field) is None:
            yield _Observation(field, value, from_notes=False, unanswered=True)
    for field in LIST_FIELDS:
        for item in getattr(checkin, field):
            yield _Observation(field, item, from_notes=False)
    for field in (*ORDINAL_FIELDS, *NUMERIC_FIELDS):
        value = getattr(checkin, field)
        if value is not None:
            yield _Observation(field, value, from_notes=False)
    for field in BOOLEAN_FIELDS:
        if getattr(checkin, field) is True:
            yield _Observation(field, True, from_notes=False)


def _check_finding(finding: NoteFinding) -> None:
    field, value = finding.field, finding.value
    if field in LIST_FIELDS:
        valid = value in LIST_FIELDS[field]
    elif field in ORDINAL_FIELDS:
        valid = value in ORDINAL_FIELDS[field]
    elif field in NUMERIC_FIELDS:
        valid = isinstance(value, int | float) and not isinstance(value, bool)
    elif field in BOOLEAN_FIELDS:
        valid = value is True
    else:
        valid = False
    if not valid:
        raise InvalidFindingError(f"notes finding {field}={value!r} is not a check-in answer")


def _from_notes(findings: Sequence[NoteFinding]) -> Iterable[_Observation]:
    for finding in findings:
        yield _Observation(
            finding.field,
            finding.value,
            from_notes=True,
            certainty=finding.certainty,
            words=finding.evidence,
            context=finding.context,
            sources=finding.sources,
        )


def _satisfies(test: FindingTest, observation: _Observation) -> bool:
    value = observation.value
    if test.has is not None:
        return value == test.has
    if test.is_ is True:
        return value is True
    if test.field in ORDINAL_FIELDS:
        order = ORDINAL_FIELDS[test.field]
        return order.index(str(value)) >= order.index(str(test.at_least))
    assert isinstance(value, int | float)
    assert isinstance(test.at_least, int | float)
    return value >= test.at_least


def _context_holds(test: ContextTest, checkin: CheckIn) -> bool:
    if test.context == "procedure":
        return test.one_of is not None and checkin.procedure in test.one_of
    days = checkin.days_since_surgery
    return (test.at_least is None or days >= test.at_least) and (
        test.below is None or days < test.below
    )


def _match_finding(test: FindingTest, observed: _ObservationsByField) -> _Match | None:
    hits = tuple(o for o in observed.get(test.field, ()) if _satisfies(test, o))
    return _Match(hits, definite=any(o.certainty == "definite" for o in hits)) if hits else None


def _combine(parts: list[_Match], *, all_needed: bool) -> _Match:
    definite = (all if all_needed else any)(part.definite for part in parts)
    return _Match(tuple(o for part in parts for o in part.observations), definite=definite)


def _match(condition: Condition, observed: _ObservationsByField, checkin: CheckIn) -> _Match | None:
    """Whether a condition holds, with the observations that made it hold.

    A match is definite when it holds without relying on 'possible' notes findings alone.
    """
    if isinstance(condition, FindingTest):
        return _match_finding(condition, observed)
    if isinstance(condition, ContextTest):
        return _Match((), definite=True) if _context_holds(condition, checkin) else None
    if isinstance(condition, AllOf):
        parts = [_match(part, observed, checkin) for part in condition.all]
        found = [part for part in parts if part is not None]
        return _combine(found, all_needed=True) if len(found) == len(parts) else None
    assert isinstance(condition, AnyOf)
    found = [m for m in (_match(part, observed, checkin) for part in condition.any) if m]
    return _combine(found, all_needed=False) if found else None


def _origin(observations: tuple[_Observation, ...]) -> Origin:
    kinds = {o.from_notes for o in observations}
    if kinds == {True}:
        return "notes"
    return "answers_and_notes" if kinds == {True, False} else "answers"


def _reason(rule: Rule, match: _Match) -> Reason:
    observations = match.observations
    if not match.definite:
        # Only 'possible' notes matches back this rule: raise, but say so, and ask again.
        observations = tuple(o for o in observations if o.from_notes)
    evidence = list(dict.fromkeys(o.describe() for o in observations))
    context = tuple(dict.fromkeys(c for o in observations for c in o.context))
    sources = tuple(dict.fromkeys((*rule.sources, *(s for o in observations for s in o.sources))))
    summary = rule.summary
    certainty: Certainty = "definite"
    confirm: tuple[str, ...] = ()
    if not match.definite:
        summary = f"Possibly {rule.patient_text} in your notes: please confirm. {rule.summary}"
        certainty = "possible"
        confirm = tuple(sorted({o.field for o in observations if o.certainty == "possible"}))
    return Reason(
        code=rule.code,
        level=rule.level,
        summary=summary,
        evidence="; ".join(evidence) if evidence else "days since surgery",
        sources=sources,
        origin=_origin(observations) if observations else "answers",
        certainty=certainty,
        context=context,
        confirm_fields=confirm,
    )


def _advice(
    ruleset: Ruleset,
    compiled: CompiledRuleset,
    level: Level,
    reasons: Sequence[Reason],
    checkin: CheckIn,
) -> str:
    words = compiled.patient_text
    definite = tuple(r.code for r in reasons if r.certainty == "definite" and r.code in words)
    possible = tuple(r.code for r in reasons if r.certainty == "possible" and r.code in words)
    # Reasons the shell added (not rules) speak for themselves.
    own = tuple(r.summary for r in reasons if r.code not in words)
    phase = ruleset.self_care_phase(checkin.days_since_surgery) if level == "self_care" else None
    key = (level, definite, possible, own, phase.from_day if phase else None)
    # The same few combinations recur, so each text is composed once per ruleset.
    cached = compiled.advice_cache.get(key)
    if cached is None:
        cached = _compose_advice(
            ruleset, compiled, level, definite=definite, possible=possible, own=own, phase=phase
        )
        if len(compiled.advice_cache) < 4096:
            compiled.advice_cache[key] = cached
    return cached


def _compose_advice(
    ruleset: Ruleset,
    compiled: CompiledRuleset,
    level: Level,
    *,
    definite: tuple[str, ...],
    possible: tuple[str, ...],
    own: tuple[str, ...],
    phase: AdvicePhase | None,
) -> str:
    words = compiled.patient_text
    parts = [ruleset.advice_for(level).text, *own]
    if definite:
        told = "; ".join(dict.fromkeys(words[code] for code in definite))
        parts.append(f"This is because you told us about: {told}.")
        parts += [compiled.rule_advice[c] for c in definite if c in compiled.rule_advice]
    if possible:
        maybe = "; ".join(dict.fromkeys(words[code] for code in possible))
        parts.append(
            f"Your notes may describe: {maybe}. Please answer those questions again so we can "
            "be sure."
        )
    if phase is not None:
        parts.append(phase.text)
    parts.append(ruleset.disclaimer)
    return " ".join(part.strip() for part in parts)


def evaluate(
    checkin: CheckIn,
    ruleset: Ruleset,
    *,
    note_findings: Sequence[NoteFinding] = (),
    notes_set_aside: Sequence[SetAsideNote] = (),
    extra_reasons: Sequence[Reason] = (),
) -> TriageResult:
    """Triage one check-in. `extra_reasons` carries what the shell itself found (e.g. notes it
    could not read); they count towards the level like any rule."""
    for finding in note_findings:
        _check_finding(finding)
    compiled = ruleset.compiled()
    summary = summarise(checkin, note_findings, compiled.unanswered_ranks)
    if note_findings or notes_set_aside or extra_reasons:
        return _evaluate(
            checkin,
            ruleset,
            compiled,
            summary,
            note_findings=note_findings,
            notes_set_aside=notes_set_aside,
            extra_reasons=extra_reasons,
        )
    # Structured answers only: memoise, since many check-ins share everything that matters.
    key = compiled.result_key(summary, checkin)
    cached = compiled.result_cache.get(key)
    if isinstance(cached, TriageResult):
        return cached
    result = _evaluate(
        checkin, ruleset, compiled, summary, note_findings=(), notes_set_aside=(), extra_reasons=()
    )
    if len(compiled.result_cache) < _RESULT_CACHE_SIZE:
        compiled.result_cache[key] = result
    return result


_RESULT_CACHE_SIZE = 65_536


def _evaluate(
    checkin: CheckIn,
    ruleset: Ruleset,
    compiled: CompiledRuleset,
    summary: Summary,
    *,
    note_findings: Sequence[NoteFinding],
    notes_set_aside: Sequence[SetAsideNote],
    extra_reasons: Sequence[Reason],
) -> TriageResult:
    applicable = compiled.applicable(summary, checkin)
    observed: _ObservationsByField = {}
    if applicable:  # explain only what applies: most check-ins need no evidence at all
        for observation in (
            *_answers(checkin, ruleset.unanswered_reads_as),
            *_from_notes(note_findings),
        ):
            observed.setdefault(observation.field, []).append(observation)
    fired = [(rule, m) for rule in applicable if (m := _match(rule.when, observed, checkin))]
    assert len(fired) == len(applicable), "the fast and the full matcher must agree"
    top_of_group: dict[str, int] = {}
    for rule, _ in fired:
        if rule.group is not None:
            rank = max(top_of_group.get(rule.group, 0), level_rank(rule.level))
            top_of_group[rule.group] = rank
    reasons: list[Reason] = list(extra_reasons)
    reasons += [
        _reason(rule, match)
        for rule, match in fired
        # Within a group, a lower-level rule adds nothing once a higher one applies.
        if rule.group is None or level_rank(rule.level) == top_of_group[rule.group]
    ]
    # Most urgent first; definite before possible; then the ruleset's own order (stable sort).
    reasons.sort(key=lambda r: (-level_rank(r.level), r.certainty != "definite"))

    level = highest([reason.level for reason in reasons])
    warnings = tuple(
        f"'{name}' is not a question of check-in contract v1 and was not used for triage"
        for name in checkin.unknown_fields
    )
    # Every part was built and typed here, so the result skips re-validating them.
    return TriageResult.model_construct(
        level=level,
        reasons=tuple(reasons),
        advice=_advice(ruleset, compiled, level, reasons, checkin),
        ruleset_version=ruleset.version,
        warnings=warnings,
        notes_set_aside=tuple(notes_set_aside),
    )
