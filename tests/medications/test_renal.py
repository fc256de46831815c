"""Cockcroft-Gault creatinine clearance: worked values and its direction in age and weight."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.medications import PatientFacts, cockcroft_gault

ages = st.integers(min_value=18, max_value=119)
weights = st.floats(min_value=20, max_value=350)
creatinines = st.floats(min_value=0.1, max_value=20)
sexes = st.sampled_from(("female", "male"))


@pytest.mark.parametrize(
    ("age", "weight", "scr", "sex", "expected"),
    [
        (40, 72, 1.0, "male", 100.0),  # (140-40)*72/(72*1.0)
        (40, 72, 1.0, "female", 85.0),  # x 0.85
        (80, 60, 2.0, "male", 25.0),  # (60*60)/(144)
        (70, 60, 1.4, "female", 35.416666666666664),
    ],
)
def test_worked_values(age: int, weight: float, scr: float, sex: str, expected: float) -> None:
    """The equation as published (Cockcroft & Gault 1976)."""
    assert cockcroft_gault(
        age_years=age,
        weight_kg=weight,
        serum_creatinine_mg_dl=scr,
        sex=sex,  # type: ignore[arg-type]
    ) == pytest.approx(expected)


@pytest.mark.parametrize(
    "bad", [{"age_years": 10}, {"weight_kg": 5}, {"serum_creatinine_mg_dl": 0}]
)
def test_refuses_values_outside_adult_physiology(bad: dict[str, float]) -> None:
    """A nonsense input is an error, never a number that loosens a dose limit."""
    args: dict[str, object] = {"age_years": 50, "weight_kg": 70, "serum_creatinine_mg_dl": 1.0}
    with pytest.raises(ValueError, match="must be"):
        cockcroft_gault(**{**args, **bad}, sex="male")  # type: ignore[arg-type]


@given(ages, ages, weights, creatinines, sexes)
def test_older_never_means_higher_clearance(
    a: int, b: int, weight: float, scr: float, sex: str
) -> None:
    """Clearance falls (or stays) with age, all else equal."""
    young, old = sorted((a, b))
    kwargs = {"weight_kg": weight, "serum_creatinine_mg_dl": scr, "sex": sex}
    assert cockcroft_gault(age_years=old, **kwargs) <= cockcroft_gault(age_years=young, **kwargs)  # type: ignore[arg-type]


@given(ages, weights, weights, creatinines, sexes)
def test_heavier_never_means_lower_clearance(
    age: int, w1: float, w2: float, scr: float, sex: str
) -> None:
    """Clearance rises (or stays) with weight, all else equal."""
    light, heavy = sorted((w1, w2))
    kwargs = {"age_years": age, "serum_creatinine_mg_dl": scr, "sex": sex}
    assert cockcroft_gault(weight_kg=light, **kwargs) <= cockcroft_gault(weight_kg=heavy, **kwargs)  # type: ignore[arg-type]


@given(ages, weights, creatinines)
def test_female_is_085_of_male(age: int, weight: float, scr: float) -> None:
    """The only sex term is the 0.85 factor."""
    kwargs = {"age_years": age, "weight_kg": weight, "serum_creatinine_mg_dl": scr}
    male = cockcroft_gault(sex="male", **kwargs)
    assert cockcroft_gault(sex="female", **kwargs) == pytest.approx(0.85 * male)


def test_entered_clearance_wins_and_missing_inputs_give_none() -> None:
    """A measured value is used as given; an incomplete record gives no estimate."""
    assert PatientFacts(crcl_ml_min=42, age_years=30).creatinine_clearance() == 42
    assert PatientFacts(age_years=30, weight_kg=70, sex="male").creatinine_clearance() is None
