"""The condition vocabulary of the care-plan data file, evaluated against one patient.

Each condition returns the patient facts that satisfied it (so every suggestion can show what
triggered it), or None when it does not hold. Conditions never read the clock: "today" is the
trajectory's `as_of` date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nervecare.careplan._catalogue import Catalogue
from nervecare.careplan.models import TriggerFact
from nervecare.recovery.models import MedicationTrial, PatientHistory, Trajectory

__all__ = ["CONDITIONS", "Context", "evaluate"]

_FAILED_OUTCOMES = ("no_benefit", "not_tolerated")


@dataclass(frozen=True)
class Context:
    history: PatientHistory
    trajectory: Trajectory
    catalogue: Catalogue

    @property
    def today(self) -> dt.date:
        return self.trajectory.as_of

    @property
    def weeks(self) -> float:
        return self.trajectory.days_since_surgery / 7

    @property
    def leg_pain(self) -> float | None:
        """Smoothed current leg pain when the trajectory has it, else the latest check-in."""
        if self.trajectory.leg_pain is not None:
            return self.trajectory.leg_pain.current
        points = self._points_so_far()
        return float(points[-1].leg_pain) if points else None

    @property
    def back_pain(self) -> float | None:
        if self.trajectory.back_pain is not None:
            return self.trajectory.back_pain.current
        values = [p.back_pain for p in self._points_so_far() if p.back_pain is not None]
        return float(values[-1]) if values else None

    def _points_so_far(self) -> list[Any]:
        today = self.trajectory.days_since_surgery
        return [p for p in self.history.points if p.days_since_surgery <= today]

    def red_flags(self) -> tuple[str, ...]:
        """Open red flags, plus any on the latest check-in (when unsure, count them)."""
        flags = list(self.history.open_red_flags)
        points = self._points_so_far()
        if points:
            flags.extend(flag for flag in points[-1].red_flags if flag not in flags)
        return tuple(flags)

    def trials_of_first_line(self) -> list[MedicationTrial]:
        first_line = {
            name for name, facts in self.catalogue.drug_classes.items() if facts.first_line
        }
        return [
            trial
            for trial in self.history.medications
            if trial.drug_class in first_line and trial.started_on <= self.today
        ]

    def adequate_days(self, trial: MedicationTrial) -> float:
        return self.catalogue.drug_classes[trial.drug_class].adequate_weeks_for(trial.drug) * 7

    def is_active(self, trial: MedicationTrial) -> bool:
        return trial.stopped_on is None or trial.stopped_on > self.today

    def failed(self, trial: MedicationTrial) -> bool:
        """Not tolerated, or no benefit after an adequate trial."""
        if trial.outcome == "not_tolerated":
            return True
        return trial.outcome == "no_benefit" and trial.days_taken(
            on=self.today
        ) >= self.adequate_days(trial)

    def in_progress(self, trial: MedicationTrial) -> bool:
        return (
            self.is_active(trial)
            and trial.outcome not in _FAILED_OUTCOMES
            and trial.days_taken(on=self.today) < self.adequate_days(trial)
        )

    def failed_classes(self) -> list[str]:
        return sorted({t.drug_class for t in self.trials_of_first_line() if self.failed(t)})

    def available_classes(self) -> list[str]:
        taken_now = {t.drug_class for t in self.trials_of_first_line() if self.is_active(t)}
        failed = set(self.failed_classes())
        return sorted(
            name
            for name, facts in self.catalogue.drug_classes.items()
            if facts.first_line and name not in failed and name not in taken_now
        )

    def done_since_surgery(self, kinds: list[str]) -> list[str]:
        return [
            f"{p.kind} on {p.performed_on.isoformat()}"
            for p in self.history.procedures_done
            if p.kind in kinds and self.history.surgery.date <= p.performed_on <= self.today
        ]


Facts = tuple[TriggerFact, ...] | None
Condition = Callable[[Context, Any], Facts]


def _fact(field: str, value: object, condition: str) -> tuple[TriggerFact, ...]:
    return (TriggerFact(field=field, value=str(value), condition=condition),)


def _red_flag_open(ctx: Context, wanted: bool) -> Facts:
    flags = ctx.red_flags()
    if bool(flags) != wanted:
        return None
    return _fact("open_red_flags", ", ".join(flags) or "none", f"red flag open is {wanted}")


def _weeks_at_least(ctx: Context, value: Any) -> Facts:
    limit = ctx.catalogue.threshold(value)
    if ctx.weeks < limit:
        return None
    return _fact("weeks_since_surgery", f"{ctx.weeks:.1f}", f"at least {limit:g} weeks")


def _weeks_below(ctx: Context, value: Any) -> Facts:
    limit = ctx.catalogue.threshold(value)
    if ctx.weeks >= limit:
        return None
    return _fact("weeks_since_surgery", f"{ctx.weeks:.1f}", f"below {limit:g} weeks")


def _leg_pain_at_least(ctx: Context, value: Any) -> Facts:
    limit = ctx.catalogue.threshold(value)
    pain = ctx.leg_pain
    if pain is None or pain < limit:
        return None
    return _fact("leg_pain.current", f"{pain:g}", f"leg pain at least {limit:g}/10")


def _back_pain_at_least(ctx: Context, value: Any) -> Facts:
    limit = ctx.catalogue.threshold(value)
    pain = ctx.back_pain
    if pain is None or pain < limit:
        return None
    return _fact("back_pain.current", f"{pain:g}", f"back pain at least {limit:g}/10")


def _back_pain_at_least_or_fusion(ctx: Context, value: Any) -> Facts:
    if ctx.history.surgery.procedure == "fusion":
        return _fact("surgery.procedure", "fusion", "fusion (instability matters)")
    return _back_pain_at_least(ctx, value)


def _classification_in(ctx: Context, classes: list[str]) -> Facts:
    if ctx.trajectory.classification not in classes:
        return None
    return _fact(
        "trajectory.classification",
        ctx.trajectory.classification,
        f"trajectory is one of {', '.join(classes)}",
    )


def _not_done_since_surgery(ctx: Context, kinds: list[str]) -> Facts:
    if ctx.done_since_surgery(kinds):
        return None
    return _fact("procedures_done", "none of " + ", ".join(kinds), "not done since surgery")


def _not_failed(ctx: Context, kinds: list[str]) -> Facts:
    failed = [
        f"{p.kind} on {p.performed_on.isoformat()} ({p.outcome})"
        for p in ctx.history.procedures_done
        if p.kind in kinds and p.outcome in _FAILED_OUTCOMES
    ]
    if failed:
        return None
    done = ctx.done_since_surgery(kinds)
    value = "; ".join(done) if done else "none of " + ", ".join(kinds)
    return _fact("procedures_done", value, "not already tried without benefit")


def _exercise_stage_in(ctx: Context, stages: list[str]) -> Facts:
    stage = ctx.history.exercise.stage if ctx.history.exercise else "none"
    if stage not in stages:
        return None
    return _fact("exercise.stage", stage, f"exercise stage is one of {', '.join(stages)}")


def _first_line_trial_in_progress(ctx: Context, wanted: bool) -> Facts:
    running = [t for t in ctx.trials_of_first_line() if ctx.in_progress(t)]
    if bool(running) != wanted:
        return None
    if not running:
        return _fact("medications", "no first-line trial under way", "no trial in progress")
    return tuple(
        TriggerFact(
            field=f"medications.{trial.drug_class}",
            value=(
                f"{trial.drug} since {trial.started_on.isoformat()}"
                f" ({trial.days_taken(on=ctx.today) / 7:.1f} weeks)"
            ),
            condition=f"shorter than an adequate trial ({ctx.adequate_days(trial) / 7:g} weeks)",
        )
        for trial in running
    )


def _failed_first_line_trials_at_least(ctx: Context, count: int) -> Facts:
    failed = [t for t in ctx.trials_of_first_line() if ctx.failed(t)]
    if len({t.drug_class for t in failed}) < count:
        return None
    return tuple(
        TriggerFact(
            field=f"medications.{trial.drug_class}",
            value=(
                f"{trial.drug}: {trial.outcome} after"
                f" {trial.days_taken(on=ctx.today) / 7:.1f} weeks"
            ),
            condition="not tolerated, or no benefit after an adequate trial",
        )
        for trial in failed
    )


def _first_line_class_remaining(ctx: Context, wanted: bool) -> Facts:
    remaining = ctx.available_classes()
    if bool(remaining) != wanted:
        return None
    return _fact("medications.classes_remaining", ", ".join(remaining) or "none", "class left")


def _drug_class_available(ctx: Context, drug_class: str) -> Facts:
    if drug_class not in ctx.available_classes():
        return None
    tried = [t for t in ctx.trials_of_first_line() if t.drug_class == drug_class]
    value = (
        "; ".join(
            f"{t.drug}: {t.outcome}, {t.days_taken(on=ctx.today) / 7:.1f} weeks" for t in tried
        )
        or "not tried"
    )
    return _fact(
        f"medications.{drug_class}", value, "not failed after an adequate trial, not taken now"
    )


def _severe_pain_or_two_failed_classes(ctx: Context, wanted: bool) -> Facts:
    severe = ctx.catalogue.threshold("severe_leg_pain")
    pain = ctx.leg_pain
    failed = ctx.failed_classes()
    holds = (pain is not None and pain >= severe) or len(failed) >= 2
    if holds != wanted:
        return None
    if pain is not None and pain >= severe:
        return _fact("leg_pain.current", f"{pain:g}", f"severe leg pain (at least {severe:g}/10)")
    return _fact("medications.failed_classes", ", ".join(failed), "two first-line classes failed")


CONDITIONS: dict[str, Condition] = {
    "red_flag_open": _red_flag_open,
    "weeks_at_least": _weeks_at_least,
    "weeks_below": _weeks_below,
    "leg_pain_at_least": _leg_pain_at_least,
    "back_pain_at_least": _back_pain_at_least,
    "back_pain_at_least_or_fusion": _back_pain_at_least_or_fusion,
    "classification_in": _classification_in,
    "not_done_since_surgery": _not_done_since_surgery,
    "not_failed": _not_failed,
    "exercise_stage_in": _exercise_stage_in,
    "first_line_trial_in_progress": _first_line_trial_in_progress,
    "failed_first_line_trials_at_least": _failed_first_line_trials_at_least,
    "first_line_class_remaining": _first_line_class_remaining,
    "drug_class_available": _drug_class_available,
    "severe_pain_or_two_failed_classes": _severe_pain_or_two_failed_classes,
}


def evaluate(ctx: Context, when: tuple[dict[str, Any], ...]) -> tuple[TriggerFact, ...] | None:
    """All conditions must hold; returns the facts behind them, or None."""
    facts: list[TriggerFact] = []
    for condition in when:
        ((name, argument),) = condition.items()
        found = CONDITIONS[name](ctx, argument)
        if found is None:
            return None
        facts.extend(found)
    return tuple(facts)
