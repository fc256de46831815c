"""What the patient sees: today's doses, plain explanations, and side-effect questions to ask."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from nervecare.medications._knowledge import Explanation, load_drug_knowledge, load_explanations
from nervecare.medications._schedule import plan_schedule, titration_days
from nervecare.medications.models import MedicationPlan, ScheduleDay, SideEffectQuestion

__all__ = [
    "SIDE_EFFECT_WINDOW_DAYS",
    "MedicineExplanation",
    "doses_on",
    "explanations_for",
    "side_effect_questions",
]

#: Ask about side effects from the first day until this many days after the target dose is
#: reached. A project rule (the period in which the dose is still changing), for clinical review.
SIDE_EFFECT_WINDOW_DAYS = 14


class MedicineExplanation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    drug: str
    items: tuple[Explanation, ...]
    benefit: str | None
    benefit_sources: tuple[str, ...]


def doses_on(plan: MedicationPlan, *, on: dt.date) -> tuple[ScheduleDay, ...]:
    """Each medicine's dose due on a given day (after its target, the target dose continues)."""
    due: list[ScheduleDay] = []
    for item in plan.items:
        if on < item.start_on:
            continue
        index = (on - item.start_on).days
        if item.course_days is not None and index >= item.course_days:
            continue
        schedule = plan_schedule(item, extra_days=1)
        day = schedule[min(index, len(schedule) - 1)]
        if index >= len(schedule):
            day = day.model_copy(update={"day": index + 1, "on": on, "change": "same"})
        due.append(day)
    return tuple(due)


def side_effect_questions(
    plan: MedicationPlan, *, on: dt.date, language: str = "en"
) -> tuple[SideEffectQuestion, ...]:
    """Questions for the check-in about medicines still being started on this day.

    `question` and `if_yes` come in the reader's `language` ("es": Spanish, else English).
    """
    knowledge = load_drug_knowledge()
    questions: list[SideEffectQuestion] = []
    for item in plan.items:
        facts = knowledge.drugs.get(item.drug_key)
        if facts is None or on < item.start_on:
            continue
        window = titration_days(item) + SIDE_EFFECT_WINDOW_DAYS
        if (on - item.start_on).days >= window:
            continue
        questions.extend(
            SideEffectQuestion(
                drug=facts.key,
                key=effect.key,
                question=effect.text_for("question", language),
                urgent=effect.urgent,
                if_yes=effect.text_for("if_yes", language) or None,
                sources=effect.sources,
            )
            for effect in facts.side_effects
        )
    return tuple(sorted(questions, key=lambda q: (not q.urgent, q.drug, q.key)))


def explanations_for(
    plan: MedicationPlan, *, language: str = "en"
) -> tuple[MedicineExplanation, ...]:
    """What each medicine is for, in plain words; `benefit` in the reader's `language`.

    `items` stay data entries: show them with `item.text_for("text", language)`.
    """
    knowledge = load_drug_knowledge()
    texts = load_explanations()
    result: list[MedicineExplanation] = []
    for item in plan.items:
        facts = knowledge.drugs.get(item.drug_key)
        if facts is None:
            continue
        items = (*texts.get("all", ()), *texts.get(facts.drug_class, ()))
        benefit = facts.benefit
        result.append(
            MedicineExplanation(
                drug=facts.key,
                items=items,
                benefit=benefit.text_for("text", language) if benefit else None,
                benefit_sources=benefit.sources if benefit else (),
            )
        )
    return tuple(result)
