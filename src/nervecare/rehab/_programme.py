"""The programme by phase, the progression rules, and adherence: pure functions over values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from nervecare.recovery.models import HistoryPoint, ProcedureFamily, SurgicalProcedure
from nervecare.rehab._library import TRACKS, RehabKnowledge, Track, load_rehab_knowledge
from nervecare.rehab.models import (
    AdherenceLine,
    AdherenceSummary,
    ExerciseFeedback,
    Programme,
    ProgressionDecision,
    SessionRecord,
)
from nervecare.triage.levels import alerts_team

__all__ = ["adherence_summary", "decide_progression", "programme_for", "starting_level"]

#: Tracks that progress, in the order they are stepped up (nerve gliding before core work).
_PROGRESSING: tuple[Track, ...] = ("nerve", "core")


#: Procedures whose phases are the decompression ones; anything else, "other" included, gets
#: the fusion precautions (the stricter limits) until a clinician records the procedure.
_DECOMPRESSION: frozenset[SurgicalProcedure] = frozenset({"discectomy", "laminectomy"})


def _family(procedure: SurgicalProcedure) -> ProcedureFamily:
    return "decompression" if procedure in _DECOMPRESSION else "fusion"


def starting_level(knowledge: RehabKnowledge | None = None) -> dict[Track, int]:
    """The easiest stage of every track."""
    knowledge = knowledge or load_rehab_knowledge()
    return {track: min((e.stage for e in knowledge.track(track)), default=1) for track in TRACKS}


def _capped(level: Mapping[Track, int], ceiling: Mapping[Track, int]) -> dict[Track, int]:
    return {track: min(level.get(track, 1), ceiling[track]) for track in TRACKS}


def programme_for(
    *,
    procedure: SurgicalProcedure,
    days_since_surgery: int,
    level: Mapping[Track, int] | None = None,
    knowledge: RehabKnowledge | None = None,
) -> Programme:
    """Exercises allowed today: the phase (weeks and procedure) caps the patient's level."""
    if days_since_surgery < 0:
        raise ValueError("days_since_surgery must not be negative")
    knowledge = knowledge or load_rehab_knowledge()
    family = _family(procedure)
    weeks = days_since_surgery / 7
    phase = knowledge.phase_for(family, weeks)
    current = _capped(level or starting_level(knowledge), phase.max_stage)
    chosen = [
        exercise
        for exercise in sorted(
            knowledge.exercises.values(), key=lambda e: (TRACKS.index(e.track), e.stage)
        )
        if exercise.stage <= current[exercise.track]
    ]
    sources = {*phase.sources}
    for restriction in phase.restrictions:
        sources |= set(restriction.sources)
    return Programme(
        procedure_family=family,
        weeks_since_surgery=round(weeks, 1),
        phase=phase.key,
        phase_basis=phase.basis,
        level=current,
        exercises=tuple(e for e in chosen if e.track != "adjunct"),
        adjuncts=tuple(e for e in chosen if e.track == "adjunct"),
        restrictions=phase.restrictions,
        sources=tuple(sorted(sources)),
    )


def _step_back(
    level: Mapping[Track, int], tracks: Iterable[Track], floor: Mapping[Track, int]
) -> dict[Track, int]:
    lowered = dict(level)
    for track in tracks:
        lowered[track] = max(floor[track], lowered[track] - 1)
    return {track: lowered.get(track, floor[track]) for track in TRACKS}


def decide_progression(  # noqa: PLR0911 - one return per rule, in safety order
    *,
    procedure: SurgicalProcedure,
    as_of_day: int,
    level: Mapping[Track, int],
    level_since_day: int,
    points: Iterable[HistoryPoint],
    feedback: Iterable[ExerciseFeedback] = (),
    feedback_days: Mapping[dt.date, int] | None = None,
    knowledge: RehabKnowledge | None = None,
) -> ProgressionDecision:
    """Progress, hold, step back or pause, from the recent check-ins and exercise feedback.

    Order matters and runs from safety to ambition: a red flag pauses; symptoms spreading down
    the leg or pain lasting hours step back; otherwise the level is held until it has been kept
    for a week and leg pain is settling, and only then goes up one step within the phase.
    `feedback` is assumed to be from the settling window already (the caller selects it).
    """
    knowledge = knowledge or load_rehab_knowledge()
    rules = knowledge.progression
    floor = starting_level(knowledge)
    phase = knowledge.phase_for(_family(procedure), as_of_day / 7)
    current = _capped({**floor, **level}, phase.max_stage)
    window_start = as_of_day - rules.settling_window_days
    recent = sorted(
        (p for p in points if window_start <= p.days_since_surgery <= as_of_day),
        key=lambda p: p.days_since_surgery,
    )
    notes = list(feedback)

    def decided(key: str, new_level: Mapping[Track, int]) -> ProgressionDecision:
        rule = rules.rule(key)
        return ProgressionDecision(
            decision=rule.decision,
            rule=rule.key,
            reason=rule.reason,
            sources=rule.sources,
            level=dict(new_level),
        )

    if any(alerts_team(p.triage_level) for p in recent):
        return decided("pause_red_flag", current)
    by_key = knowledge.exercises
    spreading = [n for n in notes if n.symptoms_further_down_leg]
    if spreading:
        tracks = {by_key[n.exercise].track for n in spreading if n.exercise in by_key} or set(
            _PROGRESSING
        )
        stepped = _step_back(current, tracks, floor)
        if stepped == current and tracks == {"movement"}:
            # Walking is the first step already: a step back must change the dose instead.
            return decided("step_back_walking_shorter", current)
        return decided("step_back_peripheralising", stepped)
    lasting = [
        n
        for n in notes
        if n.pain_raised_hours is not None and n.pain_raised_hours >= rules.lasting_pain_hours
    ]
    if lasting:
        tracks = {by_key[n.exercise].track for n in lasting if n.exercise in by_key} or set(
            _PROGRESSING
        )
        return decided("step_back_lasting_pain", _step_back(current, tracks, floor))
    if as_of_day - level_since_day < rules.min_days_at_level:
        return decided("hold_too_soon", current)
    settling = len(recent) >= 2 and recent[-1].leg_pain <= recent[0].leg_pain
    if not settling:
        return decided("hold_not_settling", current)
    for track in _PROGRESSING:
        stages = [e.stage for e in knowledge.track(track) if e.stage > current[track]]
        if stages and min(stages) <= phase.max_stage[track]:
            return decided("progress_settling", {**current, track: min(stages)})
    return decided("hold_phase_ceiling", current)


def adherence_summary(
    programme: Programme,
    sessions: Iterable[SessionRecord],
    *,
    from_date: dt.date,
    to_date: dt.date,
) -> AdherenceSummary:
    """Sessions done against sessions planned (times per day x days) for each exercise."""
    if to_date < from_date:
        raise ValueError("to_date is before from_date")
    days = (to_date - from_date).days + 1
    done: dict[str, int] = {}
    for session in sessions:
        if session.done and from_date <= session.on <= to_date:
            done[session.exercise] = done.get(session.exercise, 0) + 1
    lines = tuple(
        AdherenceLine(exercise=e.key, planned=e.dose.times_per_day * days, done=done.get(e.key, 0))
        for e in programme.exercises
    )
    return AdherenceSummary(from_date=from_date, to_date=to_date, lines=lines)
