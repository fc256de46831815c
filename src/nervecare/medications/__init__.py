"""Medication plans: drug facts as cited data, safety checks, and the patient's day-by-day schedule.

Pure functions over typed models (no clock, store or file access beyond the packaged data):
`check_plan(plan, patient)` returns findings with severity, reason and sources; `plan_schedule`
and `doses_on` give the day-by-day doses; `side_effect_questions` adds questions to the check-in
while a medicine is being started, and `check_side_effect_answers` checks the patient's answers
against them.

Language: patient texts from the data files exist in English and Spanish. Pass the reader's
language to `side_effect_questions(plan, on=day, language=lang)` and
`explanations_for(plan, language=lang)`, or ask any data entry directly with
`entry.text_for(field, language)` (e.g. `effect.text_for("question", "es")`); see `_localised`.
"""

from __future__ import annotations

from nervecare.medications._answers import (
    MAX_WORDS_LENGTH,
    SideEffectAnswer,
    SideEffectAnswerError,
    check_side_effect_answers,
    needing_prompt_attention,
    side_effect_reasons,
)
from nervecare.medications._checks import check_plan
from nervecare.medications._knowledge import (
    SEVERITY_ORDER,
    CheckRules,
    DrugFacts,
    DrugKnowledge,
    IndicationDosing,
    Severity,
    load_check_rules,
    load_drug_knowledge,
    load_explanations,
)
from nervecare.medications._patient import (
    SIDE_EFFECT_WINDOW_DAYS,
    MedicineExplanation,
    doses_on,
    explanations_for,
    side_effect_questions,
)
from nervecare.medications._schedule import label_schedule, plan_schedule, titration_days
from nervecare.medications.models import (
    MedicationPlan,
    PatientFacts,
    PlanFinding,
    PlanItem,
    ScheduleDay,
    SideEffectQuestion,
)
from nervecare.medications.renal import cockcroft_gault

__all__ = [
    "MAX_WORDS_LENGTH",
    "SEVERITY_ORDER",
    "SIDE_EFFECT_WINDOW_DAYS",
    "CheckRules",
    "DrugFacts",
    "DrugKnowledge",
    "IndicationDosing",
    "MedicationPlan",
    "MedicineExplanation",
    "PatientFacts",
    "PlanFinding",
    "PlanItem",
    "ScheduleDay",
    "Severity",
    "SideEffectAnswer",
    "SideEffectAnswerError",
    "SideEffectQuestion",
    "check_plan",
    "check_side_effect_answers",
    "cockcroft_gault",
    "doses_on",
    "explanations_for",
    "label_schedule",
    "load_check_rules",
    "load_drug_knowledge",
    "load_explanations",
    "needing_prompt_attention",
    "plan_schedule",
    "side_effect_questions",
    "side_effect_reasons",
    "titration_days",
]
