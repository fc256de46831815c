"""The triage engine: one check-in (and what its notes were found to say) in, one result out.

Pure and deterministic: no clock, no files, no I/O; the ruleset is a value passed in. Every answer
and every finding from the notes is an *observation* of a check-in field. A rule's test is true
when any observation satisfies it, so a red flag written only in the notes raises the level
exactly as the ticked box would, through the same rule, with the same sources. The level is the
highest level of the rules that apply; with none, `self_care`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from nervecare.checkin import BOOLEAN_FIELDS, LIST_FIELDS, ORDINAL_FIELDS, CheckIn
from nervecare.triage._compiled import CompiledRuleset, Summary, fold_into_summary, summarise
from nervecare.triage.findings import Certainty, NoteFinding
from nervecare.triage.levels import Level, highest, level_rank
from nervecare.triage.questions import Language, load_questions
from nervecare.triage.result import (
    ConfirmAnswer,
    ConfirmedAnswer,
    ConfirmQuestion,
    Origin,
    Reason,
    SetAsideNote,
    TriageResult,
    confirm_key,
)
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

__all__ = ["InvalidFindingError", "evaluate", "unanswered_red_flags"]


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
            if "confirmed" in self.context:
                return f'notes: "{self.words}" (confirmed by the patient)'
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
    return _Match(hits, definite=True) if hits else None


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
    evidence = list(dict.fromkeys(o.describe() for o in observations))
    context = tuple(dict.fromkeys(c for o in observations for c in o.context))
    sources = tuple(dict.fromkeys((*rule.sources, *(s for o in observations for s in o.sources))))
    return Reason(
        code=rule.code,
        level=rule.level,
        summary=rule.summary,
        evidence="; ".join(evidence) if evidence else "days since surgery",
        sources=sources,
        origin=_origin(observations) if observations else "answers",
        context=context,
    )


def _advice(
    ruleset: Ruleset,
    compiled: CompiledRuleset,
    level: Level,
    reasons: Sequence[Reason],
    checkin: CheckIn,
    *,
    unanswered: tuple[str, ...],
) -> str:
    words = compiled.patient_text
    definite = tuple(r.code for r in reasons if r.code in words)
    # Reasons the shell added (not rules) speak for themselves.
    own = tuple(r.summary for r in reasons if r.code not in words)
    phase = ruleset.self_care_phase(checkin.days_since_surgery) if level == "self_care" else None
    key = (level, definite, own, phase.from_day if phase else None, unanswered)
    # The same few combinations recur, so each text is composed once per ruleset.
    cached = compiled.advice_cache.get(key)
    if cached is None:
        cached = _compose_advice(
            ruleset, compiled, level, definite=definite, own=own, phase=phase, unanswered=unanswered
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
    own: tuple[str, ...],
    phase: AdvicePhase | None,
    unanswered: tuple[str, ...],
) -> str:
    words = compiled.patient_text
    opening = ruleset.advice_for(level).text
    if unanswered and level == "self_care":
        # Never "your answers fit with a normal recovery" when red-flag questions went unanswered.
        opening = "Keep going with your plan."
    parts = [opening, *own]
    if unanswered:
        parts.append(load_questions().unanswered_advice(unanswered))
    if definite:
        told = "; ".join(dict.fromkeys(words[code] for code in definite))
        parts.append(f"This is because you told us about: {told}.")
        parts += [compiled.rule_advice[c] for c in definite if c in compiled.rule_advice]
    if phase is not None:
        parts.append(phase.text)
    parts.append(ruleset.disclaimer)
    return " ".join(part.strip() for part in parts)


def unanswered_red_flags(checkin: CheckIn) -> tuple[str, ...]:
    """The red-flag questions the check-in did not answer (left out, never read as "no")."""
    given = checkin.model_fields_set
    return tuple(f for f in load_questions().red_flag_fields if f not in given)


def _sorted_findings(
    findings: Sequence[NoteFinding], answers: Mapping[str, ConfirmAnswer]
) -> tuple[list[NoteFinding], list[NoteFinding], list[tuple[NoteFinding, ConfirmAnswer]]]:
    """Definite findings (including possible ones the patient confirmed), possible ones still to
    ask, and the answered ones with their answers."""
    definite: list[NoteFinding] = []
    possible: list[NoteFinding] = []
    answered: list[tuple[NoteFinding, ConfirmAnswer]] = []
    for finding in findings:
        if finding.certainty == "definite":
            definite.append(finding)
            continue
        answer = answers.get(confirm_key(finding.field, finding.value))
        if answer is None and any(
            answers.get(confirm_key(other.field, other.value)) in ("yes", "not_sure")
            for other in findings
            if other is not finding and _companions(finding, other)
        ):
            # A yes to one part of a sign read from the same words confirms the sign: the
            # question said so by its level (see `_questions`).
            answer = "yes"
        if answer is None:
            possible.append(finding)
            continue
        answered.append((finding, answer))
        if answer != "no":  # yes, or not sure: as if ticked
            confirmed = finding.model_copy(
                update={"certainty": "definite", "context": (*finding.context, "confirmed")}
            )
            definite.append(confirmed)
    return definite, possible, answered


def _companions(finding: NoteFinding, other: NoteFinding) -> bool:
    """Two possible findings one reader took from the same words ("much worse, and the
    tablets do nothing"): parts of one sign."""
    return (
        other.certainty == "possible"
        and other.detector == finding.detector
        and other.evidence == finding.evidence
        and other.field != finding.field
    )


def _with(summary: Summary, field: str, value: object) -> Summary:
    """The summary with one more observation (the summary itself is left as it was)."""
    extended = {k: (set(v) if isinstance(v, set) else v) for k, v in summary.items()}
    fold_into_summary(extended, field, value)
    return extended


def _would_raise(
    compiled: CompiledRuleset,
    summary: Summary,
    checkin: CheckIn,
    applicable: list[Rule],
    finding: NoteFinding,
    *,
    companions: Sequence[NoteFinding] = (),
) -> Rule | None:
    """The most urgent rule the finding would newly fire, if it would fire any; read together
    with its companions, the other findings one reader took from the same words (much worse
    pain AND medicine not helping is one sign)."""
    already = {rule.code for rule in applicable}
    extended = _with(summary, finding.field, finding.value)
    for other in companions:
        fold_into_summary(extended, other.field, other.value)
    fired = compiled.applicable(extended, checkin)
    new = [rule for rule in fired if rule.code not in already]
    return max(new, key=lambda rule: level_rank(rule.level), default=None)


def _questions(
    compiled: CompiledRuleset,
    summary: Summary,
    checkin: CheckIn,
    applicable: list[Rule],
    *,
    level: Level,
    possible: Sequence[NoteFinding],
    language: Language,
) -> tuple[ConfirmQuestion, ...]:
    """One question per sign the notes possibly describe that would raise the level; most
    urgent first. A sign that would not change what the patient is told is not asked about."""
    texts = load_questions()
    chosen: dict[str, ConfirmQuestion] = {}
    for finding in possible:
        companions = [o for o in possible if o is not finding and _companions(finding, o)]
        rule = _would_raise(compiled, summary, checkin, applicable, finding, companions=companions)
        if rule is None or level_rank(rule.level) <= level_rank(level):
            continue
        key = confirm_key(finding.field, finding.value)
        held = chosen.get(key)
        if held is not None and level_rank(held.level) >= level_rank(rule.level):
            continue
        chosen[key] = ConfirmQuestion(
            code=rule.code,
            field=finding.field,
            value=finding.value,
            level=rule.level,
            question=texts.confirm_question(
                finding.field, finding.value, finding.evidence, language
            ),
            evidence=finding.evidence,
        )
    ordered = sorted(chosen.values(), key=lambda q: -level_rank(q.level))
    return tuple(ordered)


def _answers_kept(
    compiled: CompiledRuleset,
    summary: Summary,
    checkin: CheckIn,
    answered: Sequence[tuple[NoteFinding, ConfirmAnswer]],
    language: Language,
) -> tuple[ConfirmedAnswer, ...]:
    texts = load_questions()
    kept: dict[str, ConfirmedAnswer] = {}
    for finding, answer in answered:
        key = confirm_key(finding.field, finding.value)
        if key in kept:
            continue
        rule = _would_raise(compiled, summary, checkin, [], finding)
        kept[key] = ConfirmedAnswer(
            code=rule.code if rule else "",
            field=finding.field,
            value=finding.value,
            level=rule.level if rule else "self_care",
            question=texts.confirm_question(
                finding.field, finding.value, finding.evidence, language
            ),
            evidence=finding.evidence,
            answer=answer,
        )
    return tuple(kept.values())


def evaluate(
    checkin: CheckIn,
    ruleset: Ruleset,
    *,
    note_findings: Sequence[NoteFinding] = (),
    notes_set_aside: Sequence[SetAsideNote] = (),
    extra_reasons: Sequence[Reason] = (),
    answers: Mapping[str, ConfirmAnswer] | None = None,
    language: Language = "en",
) -> TriageResult:
    """Triage one check-in (triage-result contract v2).

    The level and reasons come only from the structured answers and the *definite* findings in
    the notes. Each *possible* finding that would raise the level becomes a question in
    `confirm`; `answers` holds the patient's answers to earlier questions, filed by
    `ConfirmQuestion.key`: yes or not sure makes the finding definite, no sets it aside (and both
    are kept in the result). `extra_reasons` carries what the shell itself found (e.g. a side
    effect that needs prompt attention); they count towards the level like any rule.
    """
    for finding in note_findings:
        _check_finding(finding)
    compiled = ruleset.compiled()
    unanswered = unanswered_red_flags(checkin)
    if not (note_findings or notes_set_aside or extra_reasons):
        # Structured answers only: memoise, since many check-ins share everything that matters.
        summary = summarise(checkin, (), compiled.unanswered_ranks)
        key = (*compiled.result_key(summary, checkin), unanswered)
        cached = compiled.result_cache.get(key)
        if isinstance(cached, TriageResult):
            return cached
        result = _evaluate(checkin, ruleset, compiled, summary, unanswered=unanswered)
        if len(compiled.result_cache) < _RESULT_CACHE_SIZE:
            compiled.result_cache[key] = result
        return result
    definite, possible, answered = _sorted_findings(note_findings, answers or {})
    summary = summarise(checkin, definite, compiled.unanswered_ranks)
    result = _evaluate(
        checkin,
        ruleset,
        compiled,
        summary,
        note_findings=definite,
        notes_set_aside=notes_set_aside,
        extra_reasons=extra_reasons,
        unanswered=unanswered,
    )
    applicable = compiled.applicable(summary, checkin)
    confirm = _questions(
        compiled,
        summary,
        checkin,
        applicable,
        level=result.level,
        possible=possible,
        language=language,
    )
    kept = _answers_kept(compiled, summary, checkin, answered, language)
    if not (confirm or kept):
        return result
    return result.model_copy(
        update={
            "confirm": confirm,
            "status": "needs_confirmation" if confirm else "final",
            "answers": kept,
        }
    )


_RESULT_CACHE_SIZE = 65_536


def _evaluate(
    checkin: CheckIn,
    ruleset: Ruleset,
    compiled: CompiledRuleset,
    summary: Summary,
    *,
    note_findings: Sequence[NoteFinding] = (),
    notes_set_aside: Sequence[SetAsideNote] = (),
    extra_reasons: Sequence[Reason] = (),
    unanswered: tuple[str, ...] = (),
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
    # Most urgent first; then the ruleset's own order (stable sort).
    reasons.sort(key=lambda r: -level_rank(r.level))

    level = highest([reason.level for reason in reasons])
    warnings = tuple(
        f"'{name}' is not a question of check-in contract v1 and was not used for triage"
        for name in checkin.unknown_fields
    )
    # Every part was built and typed here, so the result skips re-validating them.
    return TriageResult.model_construct(
        level=level,
        reasons=tuple(reasons),
        advice=_advice(ruleset, compiled, level, reasons, checkin, unanswered=unanswered),
        ruleset_version=ruleset.version,
        warnings=warnings,
        notes_set_aside=tuple(notes_set_aside),
        status="final",
        confirm=(),
        unanswered=unanswered,
        answers=(),
    )
