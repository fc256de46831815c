"""Safety checks on a clinician's medication plan: pure functions from plan and patient to findings.

Each finding has a severity, a reason in clinician language and its sources. When a fact needed
for a check is missing (no creatinine clearance, no age), the check does not pass silently: it
says what was not checked and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from nervecare.medications._knowledge import (
    SEVERITY_ORDER,
    CheckRules,
    DrugFacts,
    DrugKnowledge,
    IndicationDosing,
    load_check_rules,
    load_drug_knowledge,
)
from nervecare.medications._schedule import plan_schedule
from nervecare.medications.models import MedicationPlan, PatientFacts, PlanFinding, PlanItem
from nervecare.medications.renal import SOURCES as CG_SOURCES

__all__ = ["check_plan"]


def _finding(
    code: str, severity: str, drug: str | None, reason: str, sources: tuple[str, ...]
) -> PlanFinding:
    return PlanFinding.model_validate(
        {"code": code, "severity": severity, "drug": drug, "reason": reason, "sources": sources}
    )


def _fmt(mg: float) -> str:
    return f"{mg:g} mg"


def _dose_findings(
    item: PlanItem, facts: DrugFacts, patient: PatientFacts
) -> Iterator[PlanFinding]:
    indication = facts.indication(item.indication)
    cited = indication.sources
    initial = indication.initial_period
    within_initial = (
        initial is not None and item.course_days is not None and item.course_days <= initial.days
    )
    if item.target_daily_mg > indication.highest_daily_mg:
        yield _finding(
            "above_maximum",
            "stop",
            facts.key,
            f"Target {_fmt(item.target_daily_mg)}/day is above the label maximum of "
            f"{_fmt(indication.highest_daily_mg)}/day for {indication.label}.",
            cited,
        )
    elif item.target_daily_mg > indication.max_daily_mg and not within_initial:
        held = "with no end date" if item.course_days is None else f"for {item.course_days} days"
        yield _after_initial_period(facts, indication, item.target_daily_mg, held)
    if (
        item.loading_days is not None
        and initial is not None
        and item.start_daily_mg > indication.max_daily_mg
        and item.loading_days > initial.days
    ):
        yield _after_initial_period(
            facts, indication, item.start_daily_mg, f"for {item.loading_days} days"
        )
    if item.start_daily_mg > indication.first_day_max_mg:
        yield _finding(
            "start_above_label",
            "warning",
            facts.key,
            f"Starting dose {_fmt(item.start_daily_mg)}/day is above the label's first-day dose of "
            f"{_fmt(indication.first_day_max_mg)}/day.",
            cited,
        )
    yield from _pace_findings(item, facts)
    yield from _renal_findings(item, facts, patient)
    yield from _dialysis_findings(item, facts, patient)
    if facts.max_course_days is not None:
        if item.course_days is None:
            yield _finding(
                "course_length_missing",
                "caution",
                facts.key,
                f"The label limits use to {facts.max_course_days} days; the plan has no end date.",
                cited,
            )
        elif item.course_days > facts.max_course_days:
            yield _finding(
                "course_too_long",
                "warning",
                facts.key,
                f"Course of {item.course_days} days is longer than the label's "
                f"{facts.max_course_days} days.",
                cited,
            )


def _after_initial_period(
    facts: DrugFacts, indication: IndicationDosing, daily_mg: float, held: str
) -> PlanFinding:
    """A dose the label allows only in the first days of a course, held longer by the plan."""
    initial = indication.initial_period
    days, note = (0, "") if initial is None else (initial.days, initial.note)
    return _finding(
        "above_maximum_after_initial_period",
        "stop",
        facts.key,
        f"{_fmt(daily_mg)}/day is allowed only for the first {days} days ({note}); the plan "
        f"holds it {held}. After that the label maximum is {_fmt(indication.max_daily_mg)}/day: "
        f"plan the lower dose from day {days + 1}.",
        indication.sources,
    )


def _pace_findings(item: PlanItem, facts: DrugFacts) -> Iterator[PlanFinding]:
    indication = facts.indication(item.indication)
    if not indication.pace or item.target_daily_mg <= item.start_daily_mg:
        return
    schedule = plan_schedule(item, extra_days=0, facts=facts)
    last_change_day = 1
    previous = schedule[0].daily_mg
    for day in schedule[1:]:
        if day.change != "increase":
            continue
        pace = indication.pace_at(previous)
        step = day.daily_mg - previous
        waited = day.day - last_change_day
        if pace is not None and (step > pace.max_step_mg or waited < pace.min_days):
            yield _finding(
                "titration_faster_than_label",
                "warning",
                facts.key,
                f"Day {day.day}: {_fmt(previous)} to {_fmt(day.daily_mg)}/day "
                f"after {waited} day(s); "
                f"the label's fastest pace from {_fmt(pace.from_daily_mg)}/day is "
                f"{_fmt(pace.max_step_mg)} every {pace.min_days} day(s).",
                indication.sources,
            )
            return
        previous, last_change_day = day.daily_mg, day.day


def _renal_findings(
    item: PlanItem, facts: DrugFacts, patient: PatientFacts
) -> Iterator[PlanFinding]:
    if not facts.renal:
        return
    crcl = patient.creatinine_clearance()
    sources = facts.renal_sources
    if crcl is None:
        yield _finding(
            "renal_function_unknown",
            "caution",
            facts.key,
            "Creatinine clearance unknown (no measured value and not enough to estimate it with "
            "Cockcroft-Gault): the label's kidney dose limits were not checked.",
            (*sources, *CG_SOURCES),
        )
        return
    for band in facts.renal:
        if not band.holds(crcl):
            continue
        if band.age_from is not None and (
            patient.age_years is None or patient.age_years < band.age_from
        ):
            continue
        where = f"creatinine clearance {crcl:g} mL/min"
        maximum = band.max_at(crcl)
        if band.avoid:
            yield _finding(
                "renal_avoid", "stop", facts.key, f"Avoid {facts.plain_name} at {where}.", sources
            )
        elif maximum is None:
            yield _finding(
                "renal_reduce", "caution", facts.key, f"At {where}: {band.note}", sources
            )
        elif item.target_daily_mg > maximum:
            scaled = (
                ""
                if band.proportional_below is None
                else f" (the label cuts the dose in proportion to clearance below "
                f"{band.proportional_below:g} mL/min: {_fmt(band.max_daily_mg or 0)}/day at "
                f"{band.proportional_below:g}, scaled to {crcl:g})"
            )
            yield _finding(
                "above_renal_maximum",
                "stop",
                facts.key,
                f"Target {_fmt(item.target_daily_mg)}/day is above the maximum of "
                f"{_fmt(round(maximum, 1))}/day at {where}{scaled}.",
                sources,
            )


def _dialysis_findings(
    item: PlanItem, facts: DrugFacts, patient: PatientFacts
) -> Iterator[PlanFinding]:
    advice = facts.haemodialysis
    if advice is None or "haemodialysis" not in patient.conditions:
        return
    amount = (
        ""
        if advice.supplement_min_mg is None or advice.supplement_max_mg is None
        else f" (supplement {_fmt(advice.supplement_min_mg)} to {_fmt(advice.supplement_max_mg)})"
    )
    yield _finding(
        "haemodialysis_supplement",
        "caution",
        facts.key,
        f"On haemodialysis: {advice.text}{amount}.",
        advice.sources,
    )


def _groups_of_other(name: str, knowledge: DrugKnowledge, rules: CheckRules) -> set[str]:
    key = name.strip().lower().replace(" ", "_").replace("'", "")
    groups = {group for group, names in rules.other_medicine_groups.items() if key in names}
    if key in knowledge.drugs:
        groups |= set(knowledge.drugs[key].groups) | {key}
    return groups | {key}


def _interaction_findings(
    plan: MedicationPlan, patient: PatientFacts, knowledge: DrugKnowledge, rules: CheckRules
) -> Iterator[PlanFinding]:
    plan_drugs = [
        knowledge.drugs[item.drug_key] for item in plan.items if item.drug_key in knowledge.drugs
    ]
    others = {name: _groups_of_other(name, knowledge, rules) for name in patient.other_medicines}
    starts = {item.drug_key: item.start_on for item in plan.items}
    for drug in plan_drugs:
        mine = {*drug.groups, drug.key}
        companions: dict[str, set[str]] = {
            other.key: {*other.groups, other.key} for other in plan_drugs if other.key != drug.key
        }
        for name, groups in others.items():
            if name.strip().lower() != drug.key:
                companions.setdefault(name.strip().lower(), set()).update(groups)
        for rule in rules.combinations:
            if rule.drug_in not in mine:
                continue
            if rule.age_from is not None and (
                patient.age_years is None or patient.age_years < rule.age_from
            ):
                continue
            hits = sorted(name for name, groups in companions.items() if rule.with_ in groups)
            stopped = sorted(
                f"{medicine.name.strip().lower()} (stopped {medicine.stopped_on.isoformat()})"
                for medicine in patient.stopped_medicines
                if rule.washout_days is not None
                and rule.with_ in _groups_of_other(medicine.name, knowledge, rules)
                and (starts[drug.key] - medicine.stopped_on).days < rule.washout_days
            )
            if hits or stopped:
                washout = (
                    ""
                    if not stopped
                    else f" Stopped less than {rule.washout_days} days before the start counts."
                )
                yield _finding(
                    rule.key,
                    rule.severity,
                    drug.key,
                    f"With {', '.join(hits + stopped)}: {rule.reason}{washout}",
                    rule.sources,
                )
        for condition_rule in rules.conditions:
            if condition_rule.drug_in in mine and condition_rule.condition in patient.conditions:
                yield _finding(
                    condition_rule.key,
                    condition_rule.severity,
                    drug.key,
                    condition_rule.reason,
                    condition_rule.sources,
                )


def _age_findings(
    plan: MedicationPlan, patient: PatientFacts, knowledge: DrugKnowledge, rules: CheckRules
) -> Iterator[PlanFinding]:
    for item in plan.items:
        drug = knowledge.drugs.get(item.drug_key)
        if drug is None:
            continue
        for rule in rules.age_rules:
            if rule.drug_in not in {*drug.groups, drug.key}:
                continue
            if patient.age_years is None:
                yield _finding(
                    f"{rule.key}_age_unknown",
                    "caution",
                    drug.key,
                    f"Age unknown: {rule.reason}",
                    rule.sources,
                )
            elif patient.age_years >= rule.age_from:
                yield _finding(rule.key, rule.severity, drug.key, rule.reason, rule.sources)


def _fusion_findings(
    plan: MedicationPlan, patient: PatientFacts, knowledge: DrugKnowledge, rules: CheckRules
) -> Iterator[PlanFinding]:
    rule = rules.fusion_without_instruction
    if patient.procedure != "fusion" or "nsaids_restricted_after_fusion" in patient.conditions:
        return
    for item in plan.items:
        facts = knowledge.drugs.get(item.drug_key)
        if facts is None or "nsaid" not in facts.groups:
            continue
        if patient.surgery_on is None or (item.start_on - patient.surgery_on) < dt.timedelta(
            weeks=rule.weeks_after_fusion
        ):
            yield _finding(rule.key, rule.severity, facts.key, rule.reason, rule.sources)


def _older_adult_findings(
    plan: MedicationPlan, patient: PatientFacts, knowledge: DrugKnowledge, rules: CheckRules
) -> Iterator[PlanFinding]:
    older = rules.older_adults
    if patient.age_years is None:
        yield _finding(
            "age_unknown",
            "info",
            None,
            f"Age unknown: the older-adult (Beers, {older.age_from}+) checks were not run.",
            older.sources,
        )
        return
    if patient.age_years < older.age_from:
        return
    plan_drugs = [
        knowledge.drugs[item.drug_key] for item in plan.items if item.drug_key in knowledge.drugs
    ]
    for drug in plan_drugs:
        for rule in older.rules:
            applies = rule.drug_in in {*drug.groups, drug.key}
            if applies and (rule.condition is None or rule.condition in patient.conditions):
                yield _finding(rule.key, rule.severity, drug.key, rule.reason, rule.sources)
    cns = {drug.key for drug in plan_drugs if "cns_active" in drug.groups}
    cns |= {
        name.strip().lower()
        for name in patient.other_medicines
        if "cns_active" in _groups_of_other(name, knowledge, rules)
    }
    for group_limit in older.group_limits:
        members = {drug.key for drug in plan_drugs if group_limit.group in drug.groups}
        members |= {
            name.strip().lower()
            for name in patient.other_medicines
            if group_limit.group in _groups_of_other(name, knowledge, rules)
        }
        if len(members) >= group_limit.at_least:
            yield _finding(
                group_limit.key,
                group_limit.severity,
                None,
                f"{', '.join(sorted(members))}: {group_limit.reason}",
                group_limit.sources,
            )
    limit = older.cns_active_limit
    if len(cns) >= limit.at_least:
        yield _finding(
            limit.key,
            limit.severity,
            None,
            f"{', '.join(sorted(cns))}: {limit.reason}",
            limit.sources,
        )


def check_plan(
    plan: MedicationPlan,
    patient: PatientFacts,
    *,
    knowledge: DrugKnowledge | None = None,
    rules: CheckRules | None = None,
) -> tuple[PlanFinding, ...]:
    """Every finding for this plan and patient, most serious first (stop, warning, caution, info).

    An empty result means no check fired; it never means a check was skipped, because a skipped
    check is itself reported.
    """
    knowledge = knowledge or load_drug_knowledge()
    rules = rules or load_check_rules()
    findings: list[PlanFinding] = []
    for item in plan.items:
        facts = knowledge.drugs.get(item.drug_key)
        if facts is None:
            findings.append(
                _finding(
                    "unknown_drug",
                    "stop",
                    item.drug_key,
                    f"{item.drug!r} is not in the drug knowledge base, so none of its limits "
                    "can be checked.",
                    ("med_rxnav",),
                )
            )
            continue
        try:
            facts.indication(item.indication)
        except KeyError as error:
            findings.append(
                _finding(
                    "unknown_indication",
                    "stop",
                    facts.key,
                    str(error),
                    facts.indications[0].sources,
                )
            )
            continue
        findings.extend(_dose_findings(item, facts, patient))
    findings.extend(_interaction_findings(plan, patient, knowledge, rules))
    findings.extend(_age_findings(plan, patient, knowledge, rules))
    findings.extend(_fusion_findings(plan, patient, knowledge, rules))
    findings.extend(_older_adult_findings(plan, patient, knowledge, rules))
    return tuple(sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.drug or "", f.code)))
