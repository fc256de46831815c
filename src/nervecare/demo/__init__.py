"""A synthetic demo cohort (clearly marked as such) for trying nervecare and for its web app."""

from __future__ import annotations

from nervecare.demo.cohort import DEMO_TEAM, DemoPatient, generate_cohort
from nervecare.demo.load import DEFAULT_SEED, DemoExistsError, DemoLoaded, load_demo

__all__ = [
    "DEFAULT_SEED",
    "DEMO_TEAM",
    "DemoExistsError",
    "DemoLoaded",
    "DemoPatient",
    "generate_cohort",
    "load_demo",
]
