"""Creatinine clearance by Cockcroft-Gault, the estimate the drug labels' renal tables use."""

from __future__ import annotations

from typing import Literal

__all__ = ["SOURCES", "cockcroft_gault"]

#: Cockcroft & Gault 1976; the pregabalin label gives the same equation for its renal table.
SOURCES: tuple[str, ...] = ("med_cockcroft_gault", "med_pregabalin_openfda")


def cockcroft_gault(
    *,
    age_years: float,
    weight_kg: float,
    serum_creatinine_mg_dl: float,
    sex: Literal["female", "male"],
) -> float:
    """Creatinine clearance (mL/min): (140 - age) x weight / (72 x SCr), x 0.85 if female.

    Refuses values outside adult physiology rather than returning a number that would silently
    loosen a renal dose limit.
    """
    if not 18 <= age_years <= 120:
        raise ValueError("age must be 18-120 years (the equation is for adults)")
    if not 20 <= weight_kg <= 350:
        raise ValueError("weight must be 20-350 kg")
    if not 0.1 <= serum_creatinine_mg_dl <= 20:
        raise ValueError("serum creatinine must be 0.1-20 mg/dL")
    clearance = (140 - age_years) * weight_kg / (72 * serum_creatinine_mg_dl)
    if sex == "female":
        clearance *= 0.85
    return max(0.0, clearance)
