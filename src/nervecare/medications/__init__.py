"""Medication plans: drug facts as cited data, safety checks, and the patient's day-by-day schedule.

Pure functions over typed models (no clock, store or file access beyond the packaged data):
`check_plan(plan, patient)` returns findings with severity, reason and sources; `plan_schedule`
and `doses_on` give the day-by-day doses; `side_effect_questions` adds questions to the check-in
while a medicine is being started.
"""

from __future__ import annotations

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
    "SideEffectQuestion",
    "check_plan",
    "cockcroft_gault",
    "doses_on",
    "explanations_for",
    "label_schedule",
    "load_check_rules",
    "load_drug_knowledge",
    "load_explanations",
    "plan_schedule",
    "side_effect_questions",
    "titration_days",
]
