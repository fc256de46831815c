"""Plan checks, case by case against the cited source, and their safety properties.

Each table row names the source it encodes. A finding's `sources` must include that source, so a
reader can check the basis of every finding the clinician sees.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings

from nervecare.knowledge import load_sources
from nervecare.medications import (
    SEVERITY_ORDER,
    MedicationPlan,
    PatientFacts,
    PlanFinding,
    PlanItem,
    check_plan,
    load_drug_knowledge,
)
from tests.medications.strategies import item_within_limits, patients

START = dt.date(2026, 1, 5)
ADULT = PatientFacts(age_years=45, crcl_ml_min=100)


def item(drug: str, start: float, target: float | None = None, **extra: object) -> PlanItem:
    target = start if target is None else target
    step, every = extra.pop("step_mg", start), extra.pop("every", 7)
    steps: dict[str, object] = {}
    if target > start:
        steps = {"step_mg": step, "step_every_days": every}
    return PlanItem.model_validate(
        {
            "drug": drug,
            "start_on": START,
            "start_daily_mg": start,
            "target_daily_mg": target,
            **steps,
            **extra,
        }
    )


def findings(*items: PlanItem, patient: PatientFacts = ADULT) -> tuple[PlanFinding, ...]:
    return check_plan(MedicationPlan(items=items), patient)


def codes(result: tuple[PlanFinding, ...]) -> set[str]:
    return {finding.code for finding in result}


def the(result: tuple[PlanFinding, ...], code: str) -> PlanFinding:
    matches = [finding for finding in result if finding.code == code]
    assert matches, f"no {code} in {codes(result)}"
    return matches[0]


# ------------------------------------------------------------------ maximum dose (labels)

ABOVE_MAXIMUM = [
    # Columns: drug, indication, target, source.
    ("gabapentin", None, 3900, "med_gabapentin_label"),
    ("pregabalin", "diabetic_peripheral_neuropathy", 450, "med_pregabalin_label"),
    ("pregabalin", "postherpetic_neuralgia", 750, "med_pregabalin_label"),
    ("duloxetine", None, 90, "med_duloxetine_label"),
    ("amitriptyline", None, 100, "med_ni_formulary_neuropathic"),
    ("nortriptyline", None, 100, "med_gstt_nortriptyline_pain"),
    ("ibuprofen", None, 2600, "med_ibuprofen_label"),
    ("ibuprofen", "rheumatoid_arthritis_osteoarthritis", 3600, "med_ibuprofen_label"),
    ("naproxen", "pain", 1500, "med_naproxen_label"),
    ("celecoxib", "osteoarthritis", 400, "med_celecoxib_label"),
    ("cyclobenzaprine", None, 45, "med_cyclobenzaprine_label"),
    ("methocarbamol", None, 9000, "med_methocarbamol_label"),
    ("tizanidine", None, 40, "med_tizanidine_label"),
]


@pytest.mark.parametrize(("drug", "indication", "target", "source"), ABOVE_MAXIMUM)
def test_target_above_label_maximum_stops_the_plan(
    drug: str, indication: str | None, target: float, source: str
) -> None:
    """Above the label maximum for the indication: 'stop', citing the label."""
    dosing = load_drug_knowledge().drug(drug).indication(indication)
    plan_item = item(
        drug,
        dosing.start_daily_mg,
        target,
        indication=indication,
        step_mg=dosing.max_daily_mg,
        every=30,
        course_days=14,
    )
    finding = the(findings(plan_item), "above_maximum")
    assert finding.severity == "stop"
    assert source in finding.sources


@pytest.mark.parametrize(
    ("drug", "indication", "target"),
    [
        ("gabapentin", None, 3600),
        ("pregabalin", "postherpetic_neuralgia", 600),
        ("duloxetine", None, 60),
    ],
)
def test_target_at_the_maximum_is_allowed(drug: str, indication: str | None, target: float) -> None:
    """Exactly the label maximum is within the limit."""
    dosing = load_drug_knowledge().drug(drug).indication(indication)
    plan_item = item(
        drug, dosing.start_daily_mg, target, indication=indication, step_mg=300, every=30
    )
    assert "above_maximum" not in codes(findings(plan_item))


# ------------------------------------------------------------------ kidney function

RENAL = [
    # (drug, target, crcl, expected code or None, source) - label renal tables / Beers
    ("gabapentin", 1800, 65, None, "med_gabapentin_label"),
    ("gabapentin", 1800, 45, "above_renal_maximum", "med_gabapentin_label"),  # 30-59: max 1400
    ("gabapentin", 1400, 45, None, "med_gabapentin_label"),
    ("gabapentin", 900, 20, "above_renal_maximum", "med_gabapentin_label"),  # 15-29: max 700
    ("gabapentin", 200, 10, None, "med_gabapentin_label"),  # <15: 300 x 10/15 = 200
    ("pregabalin", 300, 59.9, None, "med_pregabalin_openfda"),  # 30-60: max 300
    ("pregabalin", 450, 45, "above_renal_maximum", "med_pregabalin_openfda"),
    ("pregabalin", 300, 29, "above_renal_maximum", "med_pregabalin_openfda"),  # 15-30: 150
    ("pregabalin", 150, 10, "above_renal_maximum", "med_pregabalin_openfda"),  # <15: 75
    ("duloxetine", 60, 29, "renal_avoid", "med_duloxetine_smpc"),  # <30: avoid
    ("duloxetine", 60, 30, None, "med_duloxetine_smpc"),
    ("naproxen", 1000, 25, "renal_avoid", "med_naproxen_label"),  # CrCl < 30 not recommended
    ("celecoxib", 200, 25, "renal_avoid", "med_celecoxib_label"),
    ("tizanidine", 2, 20, "renal_reduce", "med_tizanidine_monograph"),  # <25: lower doses
]


@pytest.mark.parametrize(("drug", "target", "crcl", "expected", "source"), RENAL)
def test_renal_limits_follow_the_label_bands(
    drug: str, target: float, crcl: float, expected: str | None, source: str
) -> None:
    """The band for the patient's clearance decides; the finding cites the renal table."""
    dosing = load_drug_knowledge().drug(drug).indications[0]
    start = min(dosing.start_daily_mg, target)
    plan_item = item(drug, start, target, step_mg=dosing.max_daily_mg, every=30)
    result = findings(plan_item, patient=PatientFacts(age_years=50, crcl_ml_min=crcl))
    renal = {"above_renal_maximum", "renal_avoid", "renal_reduce"} & codes(result)
    if expected is None:
        assert not renal
    else:
        assert renal == {expected}
        assert source in the(result, expected).sources


@pytest.mark.parametrize("age", [40, 70])
def test_ibuprofen_is_avoided_below_crcl_30_at_any_age(age: int) -> None:
    """Label: not recommended in advanced renal disease (any age); Beers: CrCl < 30."""
    result = findings(item("ibuprofen", 1200), patient=PatientFacts(age_years=age, crcl_ml_min=20))
    assert {"med_ibuprofen_label", "med_beers_2023"} <= set(the(result, "renal_avoid").sources)


def test_unknown_kidney_function_is_reported_not_skipped() -> None:
    """No clearance: the plan says the renal limits were not checked."""
    result = findings(item("gabapentin", 300), patient=PatientFacts(age_years=50))
    assert the(result, "renal_function_unknown").severity == "caution"


def test_estimated_clearance_is_used_when_not_entered() -> None:
    """Cockcroft-Gault from age, weight, sex and creatinine feeds the renal check."""
    patient = PatientFacts(age_years=80, weight_kg=60, serum_creatinine_mg_dl=2.0, sex="male")
    assert "above_renal_maximum" in codes(
        findings(item("pregabalin", 150, 300, step_mg=150), patient=patient)
    )


# ------------------------------------------------------------------ titration pace

PACE = [
    # (drug, start, target, step, every, too fast?) - label pace
    ("gabapentin", 300, 900, 300, 1, False),  # label: 300 -> 600 -> 900 over days 1-3
    ("gabapentin", 300, 1200, 600, 1, True),
    ("pregabalin", 150, 300, 150, 7, False),  # to 300 within a week
    ("pregabalin", 150, 600, 150, 7, True),  # 300 -> 450 after 7 days: label wants 2-4 weeks
    ("pregabalin", 150, 600, 150, 14, False),
    ("duloxetine", 30, 60, 30, 7, False),  # 30 mg for one week then 60
    ("duloxetine", 30, 60, 30, 3, True),
    ("amitriptyline", 10, 50, 10, 7, False),  # +10 mg a week
    ("amitriptyline", 10, 50, 10, 3, True),
    ("amitriptyline", 10, 50, 20, 7, True),
    ("nortriptyline", 25, 75, 25, 3, False),  # +25 mg every 3-7 days
    ("nortriptyline", 25, 75, 25, 2, True),
    ("tizanidine", 2, 14, 4, 1, False),  # +2-4 mg per dose, 1-4 days apart
]


@pytest.mark.parametrize(("drug", "start", "target", "step", "every", "too_fast"), PACE)
def test_titration_pace_against_the_label(  # noqa: PLR0917 - one table row
    drug: str, start: float, target: float, step: float, every: int, too_fast: bool
) -> None:
    """An increase bigger or sooner than the label's fastest pace is a warning."""
    result = findings(item(drug, start, target, step_mg=step, every=every))
    assert ("titration_faster_than_label" in codes(result)) is too_fast


def test_start_above_the_label_first_day_dose_warns() -> None:
    """Gabapentin label: 300 mg on day 1."""
    result = findings(item("gabapentin", 900, 900))
    assert the(result, "start_above_label").severity == "warning"


@pytest.mark.parametrize(
    ("course", "code"), [(None, "course_length_missing"), (28, "course_too_long")]
)
def test_cyclobenzaprine_course_is_limited_to_three_weeks(course: int | None, code: str) -> None:
    """Cyclobenzaprine label: use for 2-3 weeks at most."""
    assert code in codes(findings(item("cyclobenzaprine", 15, course_days=course)))
    assert not {"course_length_missing", "course_too_long"} & codes(
        findings(item("cyclobenzaprine", 15, course_days=21))
    )


# ------------------------------------------------------------------ combinations

COMBINATIONS = [
    # (plan drug, other medicine, expected code, severity, source)
    (
        "gabapentin",
        "oxycodone",
        "gabapentinoid_with_opioid",
        "warning",
        "med_fda_2019_gabapentinoids",
    ),
    (
        "pregabalin",
        "tramadol",
        "gabapentinoid_with_opioid",
        "warning",
        "med_fda_2019_gabapentinoids",
    ),
    ("duloxetine", "tramadol", "serotonergic_with_snri", "warning", "med_serotonin_class_warning"),
    (
        "duloxetine",
        "amitriptyline",
        "serotonergic_with_snri",
        "warning",
        "med_serotonin_class_warning",
    ),
    (
        "amitriptyline",
        "tramadol",
        "serotonergic_with_tricyclic",
        "warning",
        "med_serotonin_class_warning",
    ),
    (
        "cyclobenzaprine",
        "sertraline",
        "cyclobenzaprine_with_serotonergic",
        "warning",
        "med_cyclobenzaprine_label",
    ),
    (
        "tizanidine",
        "ciprofloxacin",
        "tizanidine_with_cyp1a2_inhibitor",
        "stop",
        "med_tizanidine_cyp1a2",
    ),
    (
        "tizanidine",
        "fluvoxamine",
        "tizanidine_with_cyp1a2_inhibitor",
        "stop",
        "med_tizanidine_cyp1a2",
    ),
    ("naproxen", "warfarin", "nsaid_with_anticoagulant", "warning", "med_nsaid_warfarin"),
    ("ibuprofen", "apixaban", "nsaid_with_anticoagulant", "warning", "med_nsaid_warfarin"),
    ("celecoxib", "ibuprofen", "two_nsaids", "warning", "med_nsaid_boxed_warning"),
]


@pytest.mark.parametrize(("drug", "other", "code", "severity", "source"), COMBINATIONS)
def test_combination_with_a_current_medicine(
    drug: str, other: str, code: str, severity: str, source: str
) -> None:
    """A plan drug with a medicine the patient already takes."""
    start = load_drug_knowledge().drug(drug).indications[0].start_daily_mg
    patient = PatientFacts(age_years=45, crcl_ml_min=100, other_medicines=(other.upper(),))
    finding = the(findings(item(drug, start, course_days=14), patient=patient), code)
    assert (finding.severity, finding.drug) == (severity, drug)
    assert source in finding.sources
    assert other in finding.reason


def test_combination_within_the_plan_itself() -> None:
    """Duloxetine with amitriptyline in the same plan: serotonergic warning on both."""
    result = findings(item("duloxetine", 30), item("amitriptyline", 10))
    assert {"serotonergic_with_snri", "serotonergic_with_tricyclic"} <= codes(result)


@pytest.mark.parametrize(
    ("drug", "other"),
    [("gabapentin", "paracetamol"), ("tizanidine", "amoxicillin"), ("naproxen", "omeprazole")],
)
def test_unrelated_medicines_raise_no_combination(drug: str, other: str) -> None:
    """Only the cited combinations fire."""
    start = load_drug_knowledge().drug(drug).indications[0].start_daily_mg
    patient = PatientFacts(age_years=45, crcl_ml_min=100, other_medicines=(other,))
    assert all(
        f.severity == "info" or f.code.startswith("renal")
        for f in findings(item(drug, start), patient=patient)
    )


# ------------------------------------------------------------------ conditions and surgery


@pytest.mark.parametrize(
    ("drug", "condition", "code", "source"),
    [
        ("ibuprofen", "chronic_kidney_disease", "nsaid_with_kidney_disease", "med_naproxen_label"),
        (
            "pregabalin",
            "lung_disease",
            "gabapentinoid_with_lung_disease",
            "med_fda_2019_gabapentinoids",
        ),
        (
            "naproxen",
            "nsaids_restricted_after_fusion",
            "nsaid_after_fusion_restricted",
            "med_nsaid_fusion_review",
        ),
    ],
)
def test_condition_checks(drug: str, condition: str, code: str, source: str) -> None:
    """A plan drug with a patient condition named in the source."""
    start = load_drug_knowledge().drug(drug).indications[0].start_daily_mg
    patient = PatientFacts.model_validate(
        {"age_years": 45, "crcl_ml_min": 100, "conditions": [condition]}
    )
    assert source in the(findings(item(drug, start), patient=patient), code).sources


def test_surgeon_restriction_after_fusion_stops_an_nsaid() -> None:
    """Surgeon restricts NSAIDs after fusion: 'stop'."""
    patient = PatientFacts(
        age_years=45,
        crcl_ml_min=100,
        procedure="fusion",
        conditions=frozenset({"nsaids_restricted_after_fusion"}),
    )
    assert (
        the(
            findings(item("ibuprofen", 1200), patient=patient), "nsaid_after_fusion_restricted"
        ).severity
        == "stop"
    )


@pytest.mark.parametrize(
    ("procedure", "surgery_on", "expected"),
    [
        ("fusion", START - dt.timedelta(weeks=4), True),
        ("fusion", None, True),
        ("fusion", START - dt.timedelta(weeks=30), False),
        ("discectomy", START - dt.timedelta(weeks=4), False),
    ],
)
def test_nsaid_after_recent_fusion_without_instruction_asks_the_surgeon(
    procedure: str, surgery_on: dt.date | None, expected: bool
) -> None:
    """Conflicting evidence (Sivaganesan 2017 vs earlier studies): ask the surgeon, show both."""
    patient = PatientFacts.model_validate(
        {"age_years": 45, "crcl_ml_min": 100, "procedure": procedure, "surgery_on": surgery_on}
    )
    result = findings(item("naproxen", 1000), patient=patient)
    assert ("nsaid_after_fusion_ask_surgeon" in codes(result)) is expected
    if expected:
        sources = the(result, "nsaid_after_fusion_ask_surgeon").sources
        assert {"med_nsaid_fusion_review", "med_nsaid_fusion_early"} <= set(sources)


# ------------------------------------------------------------------ older adults (Beers 2023)


@pytest.mark.parametrize(
    ("drug", "age", "conditions", "code"),
    [
        ("cyclobenzaprine", 70, (), "beers_skeletal_muscle_relaxant"),
        ("methocarbamol", 65, (), "beers_skeletal_muscle_relaxant"),
        ("amitriptyline", 75, (), "beers_tricyclic"),
        ("nortriptyline", 66, (), "beers_tricyclic"),
        ("gabapentin", 70, ("falls_history",), "beers_gabapentinoid_falls"),
        ("pregabalin", 68, (), "older_adult_gabapentinoid_breathing"),
    ],
)
def test_beers_checks_apply_from_65(
    drug: str, age: int, conditions: tuple[str, ...], code: str
) -> None:
    """Beers 2023 entries fire at 65+ and not at 64."""
    start = load_drug_knowledge().drug(drug).indications[0].start_daily_mg
    plan_item = item(drug, start, course_days=14)
    older = PatientFacts.model_validate(
        {"age_years": age, "crcl_ml_min": 100, "conditions": conditions}
    )
    younger = older.model_copy(update={"age_years": 64})
    assert code in codes(findings(plan_item, patient=older))
    assert code not in codes(findings(plan_item, patient=younger))


def test_tizanidine_is_not_a_beers_muscle_relaxant() -> None:
    """Beers muscle-relaxant entry excludes tizanidine (InpharmD summary)."""
    result = findings(item("tizanidine", 2), patient=PatientFacts(age_years=80, crcl_ml_min=100))
    assert "beers_skeletal_muscle_relaxant" not in codes(result)


def test_three_cns_active_drugs_in_an_older_adult() -> None:
    """Beers 2023: avoid three or more CNS-active drugs."""
    patient = PatientFacts(
        age_years=70, crcl_ml_min=100, other_medicines=("oxycodone", "zopiclone")
    )
    assert "beers_three_cns_active" in codes(findings(item("gabapentin", 300), patient=patient))


def test_unknown_age_is_reported() -> None:
    """No age: the older-adult checks say they did not run."""
    assert "age_unknown" in codes(
        findings(item("gabapentin", 300), patient=PatientFacts(crcl_ml_min=90))
    )


def test_unknown_drug_stops_the_plan() -> None:
    """A drug outside the knowledge base cannot be checked, so the plan cannot go out."""
    assert the(findings(item("oxycodone", 10)), "unknown_drug").severity == "stop"


# ------------------------------------------------------------------ properties


@settings(max_examples=300, deadline=None)
@given(item_within_limits(), patients())
def test_a_plan_within_label_limits_has_no_above_maximum_finding(
    drawn: tuple[PlanItem, object], patient: PatientFacts
) -> None:
    """Whatever the patient, a target at or below the label maximum is never 'above maximum'."""
    plan_item, _ = drawn
    assert "above_maximum" not in codes(check_plan(MedicationPlan(items=(plan_item,)), patient))


@settings(max_examples=200, deadline=None)
@given(item_within_limits(), patients())
def test_every_finding_is_cited_and_sorted(
    drawn: tuple[PlanItem, object], patient: PatientFacts
) -> None:
    """Findings carry sources that exist, and come most serious first."""
    plan_item, _ = drawn
    result = check_plan(MedicationPlan(items=(plan_item,)), patient)
    registry = load_sources()
    assert all(set(f.sources) <= set(registry) for f in result)
    ranks = [SEVERITY_ORDER[f.severity] for f in result]
    assert ranks == sorted(ranks)


@settings(max_examples=200, deadline=None)
@given(item_within_limits(), patients())
def test_adding_a_current_medicine_never_removes_a_finding(
    drawn: tuple[PlanItem, object], patient: PatientFacts
) -> None:
    """More medicines can only add findings (monotone, like triage)."""
    plan_item, _ = drawn
    plan = MedicationPlan(items=(plan_item,))
    before = codes(check_plan(plan, patient))
    more = patient.model_copy(
        update={"other_medicines": (*patient.other_medicines, "tramadol", "warfarin")}
    )
    assert before <= codes(check_plan(plan, more))
