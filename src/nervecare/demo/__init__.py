"""A synthetic demo cohort (clearly marked as such) for trying nervecare and for its web app."""

from __future__ import annotations

from nervecare.demo.accounts import DEMO_SIGNINS, DEMO_TEAM_PHONE, DemoSignIn
from nervecare.demo.cohort import DEMO_TEAM, DemoPatient, generate_cohort
from nervecare.demo.load import DEFAULT_SEED, DemoExistsError, DemoLoaded, load_demo

__all__ = [
    "DEFAULT_SEED",
    "DEMO_SIGNINS",
    "DEMO_TEAM",
    "DEMO_TEAM_PHONE",
    "DemoExistsError",
    "DemoLoaded",
    "DemoPatient",
    "DemoSignIn",
    "generate_cohort",
    "load_demo",
]
