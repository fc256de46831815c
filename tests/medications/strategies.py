"""Hypothesis strategies for medication plans and patients, drawn from the packaged drug facts."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from nervecare.medications import (
    DrugFacts,
    IndicationDosing,
    PatientFacts,
    PlanItem,
    load_drug_knowledge,
)
from nervecare.medications.models import MAX_TITRATION_DAYS

DRUG_KEYS = tuple(sorted(load_drug_knowledge().drugs))
START = dt.date(2026, 1, 5)


def drug_and_indication() -> st.SearchStrategy[tuple[DrugFacts, IndicationDosing]]:
    drugs = load_drug_knowledge().drugs
    pairs = [(drug, indication) for drug in drugs.values() for indication in drug.indications]
    return st.sampled_from(pairs)


@st.composite
def item_within_limits(draw: st.DrawFn) -> tuple[PlanItem, DrugFacts]:
    """A plan item whose target never exceeds the indication's label maximum."""
    drug, indication = draw(drug_and_indication())
    start = indication.start_daily_mg
    initial = indication.initial_period
    if initial is not None and start > indication.max_daily_mg:
        # A loading dose (methocarbamol): held for the label's initial days, then the target.
        target = draw(st.floats(min_value=1, max_value=indication.max_daily_mg))
        loading = PlanItem(
            drug=drug.key,
            indication=indication.key,
            start_on=START,
            start_daily_mg=start,
            target_daily_mg=target,
            loading_days=initial.days,
            course_days=drug.max_course_days,
        )
        return loading, drug
    target = draw(st.floats(min_value=start, max_value=indication.max_daily_mg))
    every = draw(st.integers(min_value=1, max_value=14))
    # At most MAX_TITRATION_DAYS to reach the target (steps * every + 1 days).
    fewest = max(1.0, (target - start) * every / (MAX_TITRATION_DAYS - 1) * 1.01)
    step = draw(st.floats(min_value=fewest, max_value=max(fewest, indication.max_daily_mg)))
    item = PlanItem(
        drug=drug.key,
        indication=indication.key,
        start_on=START,
        start_daily_mg=start,
        target_daily_mg=target,
        step_mg=step,
        step_every_days=every,
        course_days=drug.max_course_days,
    )
    return item, drug


def patients(
    *, crcl: st.SearchStrategy[float | None] | None = None
) -> st.SearchStrategy[PatientFacts]:
    return st.builds(
        PatientFacts,
        age_years=st.one_of(st.none(), st.integers(min_value=18, max_value=100)),
        crcl_ml_min=crcl if crcl is not None else st.one_of(st.none(), st.floats(0, 200)),
        other_medicines=st.lists(
            st.sampled_from(("oxycodone", "tramadol", "warfarin", "ciprofloxacin", "sertraline")),
            unique=True,
            max_size=3,
        ).map(tuple),
    )
