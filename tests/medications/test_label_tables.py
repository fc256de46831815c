"""The engine at every edge of every renal dose table, and the second-reading label checks.

Each renal row is the label's own table (issue 15, wrong item 3): the engine must allow exactly
the label's maximum for the band the clearance falls in, and refuse one milligram more. Where a
label leaves a value between two rows or in two rows, the lower maximum applies (safer reading).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.medications import (
    MedicationPlan,
    PatientFacts,
    PlanFinding,
    PlanItem,
    check_plan,
    load_drug_knowledge,
)
from nervecare.medications.models import StoppedMedicine

START = dt.date(2026, 1, 5)

RENAL_CODES = {"above_renal_maximum", "renal_avoid", "renal_reduce"}


def _item(drug: str, target: float, **extra: object) -> PlanItem:
    dosing = load_drug_knowledge().drug(drug).indications[0]
    start = min(dosing.start_daily_mg, target)
    steps: dict[str, object] = {}
    if target > start:
        steps = {"step_mg": target - start, "step_every_days": 30}
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


def _findings(*items: PlanItem, patient: PatientFacts) -> tuple[PlanFinding, ...]:
    return check_plan(MedicationPlan(items=items), patient)


def _codes(result: tuple[PlanFinding, ...]) -> set[str]:
    return {finding.code for finding in result}


def _renal(drug: str, target: float, crcl: float) -> set[str]:
    patient = PatientFacts(age_years=50, crcl_ml_min=crcl)
    return RENAL_CODES & _codes(_findings(_item(drug, target), patient=patient))


# --------------------------------------------------------------- renal tables, edge by edge

GABAPENTIN_EDGES = [
    # (CrCl, label maximum mg/day) - Neurontin Table 1 (2.3)
    (200, 3600),
    (60, 3600),  # ">= 60": 900-3600
    (59.5, 1400),  # between "59" and "60": the lower row
    (59, 1400),  # ">30 to 59": 400-1400
    (30.1, 1400),
    (30, 700),  # in neither row: the lower maximum
    (29.5, 700),
    (29, 700),  # ">15 to 29": 200-700
    (15.1, 700),
    (15, 300),  # "15": 100-300
    (14, 280),  # below 15: in proportion to clearance (300 x 14/15)
    (7.5, 150),  # the label's example: half the dose at 15
]

PREGABALIN_EDGES = [
    # (CrCl, label maximum mg/day) - Lyrica renal table: ">= 60" 600, "30-60" 300,
    # "15-30" 150, "< 15" 75; 60 and 30 stand in two rows and take the lower maximum.
    (61, 600),
    (60, 300),
    (59, 300),
    (31, 300),
    (30, 150),
    (29, 150),
    (15, 150),
    (14, 75),
    (0, 75),
]


@pytest.mark.parametrize(("crcl", "maximum"), GABAPENTIN_EDGES)
def test_gabapentin_allows_exactly_the_label_maximum_at_each_edge(
    crcl: float, maximum: float
) -> None:
    """Gabapentin: the band's maximum is allowed at this clearance."""
    assert _renal("gabapentin", maximum, crcl) == set()


@pytest.mark.parametrize(("crcl", "maximum"), [e for e in GABAPENTIN_EDGES if e[1] < 3600])
def test_gabapentin_refuses_more_than_the_label_maximum_at_each_edge(
    crcl: float, maximum: float
) -> None:
    """Gabapentin: one milligram above the band's maximum stops the plan."""
    assert _renal("gabapentin", maximum + 1, crcl) == {"above_renal_maximum"}


@pytest.mark.parametrize(("crcl", "maximum"), PREGABALIN_EDGES)
def test_pregabalin_allows_exactly_the_label_maximum_at_each_edge(
    crcl: float, maximum: float
) -> None:
    """Pregabalin: the band's maximum is allowed at this clearance."""
    assert _renal("pregabalin", maximum, crcl) == set()


@pytest.mark.parametrize(("crcl", "maximum"), [e for e in PREGABALIN_EDGES if e[1] < 600])
def test_pregabalin_refuses_more_than_the_label_maximum_at_each_edge(
    crcl: float, maximum: float
) -> None:
    """Pregabalin: one milligram above the band's maximum stops the plan."""
    assert _renal("pregabalin", maximum + 1, crcl) == {"above_renal_maximum"}


AVOID_EDGES = [
    # (drug, target, CrCl, avoided?) - duloxetine SmPC 4.3; naproxen and celecoxib labels;
    # ibuprofen label ("advanced renal disease") with Beers' CrCl < 30, at any age.
    ("duloxetine", 60, 29, True),
    ("duloxetine", 60, 29.9, True),
    ("duloxetine", 60, 30, False),
    ("naproxen", 1000, 29, True),
    ("naproxen", 1000, 30, False),
    ("celecoxib", 400, 29, True),
    ("celecoxib", 400, 30, False),
    ("ibuprofen", 1200, 29, True),
    ("ibuprofen", 1200, 30, False),
]


@pytest.mark.parametrize(("drug", "target", "crcl", "avoided"), AVOID_EDGES)
def test_avoid_bands_start_below_30(drug: str, target: float, crcl: float, avoided: bool) -> None:
    """'Avoid' bands cover clearance below 30 and not 30 itself."""
    assert _renal(drug, target, crcl) == ({"renal_avoid"} if avoided else set())


@pytest.mark.parametrize(("crcl", "reduce"), [(24, True), (24.9, True), (25, False)])
def test_tizanidine_lower_doses_below_25(crcl: float, reduce: bool) -> None:
    """Tizanidine: 'use lower doses' below 25 mL/min, as a caution without a number."""
    assert _renal("tizanidine", 6, crcl) == ({"renal_reduce"} if reduce else set())


@given(crcl=st.floats(min_value=0, max_value=14.99), target=st.floats(min_value=1, max_value=300))
def test_gabapentin_below_15_never_allows_more_than_the_proportional_dose(
    crcl: float, target: float
) -> None:
    """Below 15 mL/min a target above 300 x CrCl/15 is always refused."""
    refused = "above_renal_maximum" in _renal("gabapentin", target, crcl)
    assert refused == (target > 300 * crcl / 15)


def _renal_maximum(drug: str, crcl: float) -> float:
    holding = [band for band in load_drug_knowledge().drug(drug).renal if band.holds(crcl)]
    assert len(holding) == 1, f"{drug}: {len(holding)} bands hold {crcl}"
    maximum = holding[0].max_at(crcl)
    assert maximum is not None
    return maximum


@pytest.mark.parametrize("drug", ["gabapentin", "pregabalin"])
@given(crcl=st.floats(min_value=0, max_value=200))
def test_exactly_one_band_holds_and_the_maximum_never_rises_as_clearance_falls(
    drug: str, crcl: float
) -> None:
    """Every clearance falls in one band; a lower clearance never allows a higher dose."""
    assert _renal_maximum(drug, crcl) <= _renal_maximum(drug, crcl + 0.5)


def test_gabapentin_on_haemodialysis_gets_the_label_supplement() -> None:
    """Haemodialysis: a caution with the label's 125-350 mg supplement after each session."""
    patient = PatientFacts(age_years=60, crcl_ml_min=10, conditions=frozenset({"haemodialysis"}))
    finding = next(
        f
        for f in _findings(_item("gabapentin", 150), patient=patient)
        if f.code == "haemodialysis_supplement"
    )
    assert "125 mg to 350 mg" in finding.reason
    assert "med_gabapentin_label" in finding.sources


# --------------------------------------------------------------- ibuprofen by indication


@pytest.mark.parametrize(
    ("indication", "target", "stopped"),
    [
        (None, 2400, False),  # pain: 400 mg every 4-6 hours
        (None, 2401, True),
        (None, 3200, True),  # 3200 is the arthritis ceiling, not a pain dose
        ("rheumatoid_arthritis_osteoarthritis", 3200, False),
        ("rheumatoid_arthritis_osteoarthritis", 3201, True),
    ],
)
def test_ibuprofen_maximum_follows_the_indication(
    indication: str | None, target: float, stopped: bool
) -> None:
    """Ibuprofen: 2400 mg/day for pain, 3200 mg/day only for arthritis."""
    plan_item = _item("ibuprofen", target, indication=indication)
    codes = _codes(_findings(plan_item, patient=PatientFacts(age_years=40, crcl_ml_min=90)))
    assert ("above_maximum" in codes) == stopped


# --------------------------------------------------------------- methocarbamol's first days


def _methocarbamol(start: float, target: float, **extra: object) -> set[str]:
    plan_item = PlanItem.model_validate(
        {
            "drug": "methocarbamol",
            "start_on": START,
            "start_daily_mg": start,
            "target_daily_mg": target,
            **extra,
        }
    )
    return _codes(_findings(plan_item, patient=PatientFacts(age_years=40, crcl_ml_min=90)))


@pytest.mark.parametrize(
    ("start", "target", "extra", "code"),
    [
        (6000, 4000, {"loading_days": 3}, None),  # label: 6 g for 48-72 h, then about 4 g
        (8000, 4500, {"loading_days": 3}, None),  # 8 g in severe conditions
        (6000, 4000, {"loading_days": 4}, "above_maximum_after_initial_period"),
        (6000, 6000, {"course_days": 3}, None),  # a whole course inside the first 3 days
        (6000, 6000, {"course_days": 4}, "above_maximum_after_initial_period"),
        (6000, 6000, {}, "above_maximum_after_initial_period"),  # no end date
        (4500, 4500, {}, None),
        (4000, 4600, {"step_mg": 600, "step_every_days": 7}, "above_maximum_after_initial_period"),
        (8000, 9000, {"step_mg": 1000, "step_every_days": 1, "course_days": 2}, "above_maximum"),
    ],
)
def test_methocarbamol_high_dose_only_in_the_first_three_days(
    start: float, target: float, extra: dict[str, object], code: str | None
) -> None:
    """Methocarbamol: 6-8 g/day only for the first 72 hours, then at most 4.5 g/day."""
    codes = _methocarbamol(start, target, **extra)
    limits = {"above_maximum", "above_maximum_after_initial_period"} & codes
    assert limits == (set() if code is None else {code})


# --------------------------------------------------------------- combinations


def _with(drug: str, target: float, *others: str, age: int = 50) -> set[str]:
    patient = PatientFacts(age_years=age, crcl_ml_min=90, other_medicines=others)
    return _codes(_findings(_item(drug, target), patient=patient))


@pytest.mark.parametrize("inhibitor", ["fluvoxamine", "ciprofloxacin", "enoxacin"])
def test_duloxetine_with_a_potent_cyp1a2_inhibitor_stops_the_plan(inhibitor: str) -> None:
    """SmPC 4.3: duloxetine is not combined with fluvoxamine, ciprofloxacin or enoxacin."""
    assert "duloxetine_with_cyp1a2_inhibitor" in _with("duloxetine", 60, inhibitor)


def test_fluvoxamine_with_duloxetine_is_also_a_serotonin_risk() -> None:
    """Fluvoxamine is an SSRI: the serotonin check fires as well."""
    assert "serotonergic_with_snri" in _with("duloxetine", 60, "fluvoxamine")


MAOIS = ["phenelzine", "tranylcypromine", "isocarboxazid", "selegiline", "linezolid",
         "methylene blue", "moclobemide", "rasagiline"]  # fmt: skip
MAOI_RULES = [
    ("duloxetine", 60, "snri_with_maoi"),
    ("amitriptyline", 10, "tricyclic_with_maoi"),
    ("nortriptyline", 10, "tricyclic_with_maoi"),
    ("cyclobenzaprine", 15, "cyclobenzaprine_with_maoi"),
]


@pytest.mark.parametrize("maoi", MAOIS)
@pytest.mark.parametrize(("drug", "target", "code"), MAOI_RULES)
def test_an_maoi_with_duloxetine_a_tricyclic_or_cyclobenzaprine_stops_the_plan(
    drug: str, target: float, code: str, maoi: str
) -> None:
    """Labels: contraindicated with MAOIs, including linezolid and IV methylene blue."""
    patient = PatientFacts(age_years=50, crcl_ml_min=90, other_medicines=(maoi,))
    result = _findings(_item(drug, target), patient=patient)
    assert [f.severity for f in result if f.code == code] == ["stop"]


@pytest.mark.parametrize(("days_before", "fires"), [(0, True), (13, True), (14, False)])
@pytest.mark.parametrize(("drug", "target", "code"), MAOI_RULES)
def test_an_maoi_stopped_less_than_14_days_before_still_counts(
    drug: str, target: float, code: str, days_before: int, fires: bool
) -> None:
    """Washout: an MAOI stopped under 14 days before the start is still a contraindication."""
    stopped = StoppedMedicine(name="phenelzine", stopped_on=START - dt.timedelta(days_before))
    patient = PatientFacts(age_years=50, crcl_ml_min=90, stopped_medicines=(stopped,))
    assert (code in _codes(_findings(_item(drug, target), patient=patient))) == fires


@pytest.mark.parametrize("other", ["diazepam", "zopiclone", "zolpidem", "lorazepam"])
@pytest.mark.parametrize("age", [30, 70])
def test_gabapentinoid_with_a_benzodiazepine_or_z_drug_warns_at_any_age(
    other: str, age: int
) -> None:
    """FDA 2019: gabapentinoids with any CNS depressant, not only in older adults."""
    assert "gabapentinoid_with_benzodiazepine_or_z_drug" in _with("pregabalin", 150, other, age=age)


@pytest.mark.parametrize(("age", "fires"), [(64, False), (65, True)])
def test_beers_opioid_with_gabapentinoid_from_65(age: int, fires: bool) -> None:
    """Beers 2023: avoid an opioid with a gabapentinoid in older adults."""
    codes = _with("gabapentin", 300, "oxycodone", age=age)
    assert "gabapentinoid_with_opioid" in codes
    assert ("beers_gabapentinoid_with_opioid" in codes) == fires


@pytest.mark.parametrize(
    ("other", "code"),
    [
        ("aspirin", "nsaid_with_antiplatelet"),
        ("clopidogrel", "nsaid_with_antiplatelet"),
        ("sertraline", "nsaid_with_ssri_snri"),
        ("venlafaxine", "nsaid_with_ssri_snri"),
    ],
)
def test_nsaid_with_a_drug_that_adds_bleeding_risk(other: str, code: str) -> None:
    """NSAIDs with antiplatelets or SSRIs/SNRIs add bleeding risk."""
    assert code in _with("naproxen", 1000, other)


@pytest.mark.parametrize(("age", "code"), [(39, None), (40, "tricyclic_ecg_over_40")])
def test_tricyclic_asks_for_an_ecg_from_40(age: int, code: str | None) -> None:
    """NeuPSIG: screening ECG before a tricyclic in patients over 40."""
    codes = _with("amitriptyline", 10, age=age)
    assert ("tricyclic_ecg_over_40" in codes) == (code is not None)


def test_tricyclic_with_unknown_age_says_the_ecg_check_was_not_run() -> None:
    """No age: the ECG advice is shown as a caution, not skipped."""
    result = _findings(_item("nortriptyline", 10), patient=PatientFacts(crcl_ml_min=90))
    assert "tricyclic_ecg_over_40_age_unknown" in _codes(result)


@pytest.mark.parametrize(("age", "fires"), [(64, False), (70, True)])
def test_two_strong_anticholinergics_warn_in_older_adults(age: int, fires: bool) -> None:
    """Beers 2023: minimise strongly anticholinergic drugs in older adults."""
    codes = _with("amitriptyline", 10, "oxybutynin", age=age)
    assert ("beers_anticholinergic_burden" in codes) == fires
