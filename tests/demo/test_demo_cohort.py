"""The synthetic demo cohort: deterministic, clearly synthetic, covering every recovery class."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from nervecare.checkin import parse_checkin
from nervecare.demo import DEMO_TEAM, DemoExistsError, generate_cohort, load_demo
from nervecare.recovery import HistoryPoint, PatientHistory, assess_trajectory
from nervecare.store.models import CareTeam, Clinician, Patient
from nervecare.store.service import Store, rank_patients
from nervecare.triage import triage_checkin
from tests.store.factories import TickingClock
from tests.store.fixtures import clock, database_url, store

__all__ = ["clock", "database_url", "store"]

TODAY = dt.date(2026, 11, 25)


def _classes(seed: int) -> Counter[str]:
    found: Counter[str] = Counter()
    for patient in generate_cohort(seed=seed, today=TODAY):
        points = tuple(
            HistoryPoint(
                days_since_surgery=c.document["days_since_surgery"],
                leg_pain=c.document["leg_pain"],
                back_pain=c.document.get("back_pain"),
                function_odi=c.document.get("function_odi"),
            )
            for c in patient.checkins
        )
        history = PatientHistory(
            surgery=patient.new.surgery, baseline=patient.new.baseline, points=points
        )
        found[assess_trajectory(history, on=TODAY).classification] += 1
    return found


def test_same_seed_gives_the_same_cohort():
    """A seed fully determines the cohort, so demos and screenshots are reproducible."""
    assert generate_cohort(seed=3, today=TODAY) == generate_cohort(seed=3, today=TODAY)
    assert generate_cohort(seed=3, today=TODAY) != generate_cohort(seed=4, today=TODAY)


def test_every_patient_is_marked_synthetic():
    """Names, references and the flag all say the patients are not real."""
    for patient in generate_cohort(seed=1, today=TODAY):
        assert patient.new.is_synthetic
        assert patient.new.display_name.startswith("Synthetic Patient")
        assert patient.new.reference.startswith("DEMO-")
        assert patient.new.team == DEMO_TEAM
        assert "SYNTHETIC" in DEMO_TEAM


@pytest.mark.parametrize("seed", [1, 2, 3, 42, 20261125])
def test_cohort_covers_every_trajectory_class(seed: int):
    """The real trajectory assessment finds every class in the cohort, whatever the seed."""
    assert set(_classes(seed)) >= {"on_track", "slow", "plateau", "worsening", "insufficient_data"}


def test_cohort_has_urgent_and_emergency_checkins():
    """Some check-ins carry red flags the real triage raises to urgent or emergency."""
    levels = Counter(
        triage_checkin(parse_checkin(c.document)).level
        for patient in generate_cohort(seed=1, today=TODAY)
        for c in patient.checkins
    )
    assert levels["emergency"] >= 1
    assert levels["urgent"] >= 1


def test_cohort_spans_several_months_of_checkins():
    """Most patients have months of check-ins, a few dozen patients in all."""
    cohort = generate_cohort(seed=1, today=TODAY)
    assert 24 <= len(cohort) <= 60
    longest = max(c.document["days_since_surgery"] for p in cohort for c in p.checkins)
    assert longest >= 90


def test_loading_stores_a_ranked_synthetic_cohort(store: Store, clock: TickingClock):
    """Loaded, the demo ranks an unreviewed alarm first; every row is flagged synthetic."""
    loaded = load_demo(store.sessions, seed=1, patients=12, clock=clock)
    assert loaded.patients == 12
    ranked = rank_patients(store.sessions, clock=clock)
    assert ranked[0].open_alarms >= 1
    with store.sessions() as session:
        assert all(session.scalars(select(Patient.is_synthetic)).all())
        assert all(session.scalars(select(Clinician.is_synthetic)).all())
        assert session.scalars(select(CareTeam.is_synthetic)).one()


def test_loading_twice_is_refused_and_reset_rebuilds(store: Store, clock: TickingClock):
    """A second load changes nothing; a reset replaces the cohort (and keeps the audit log)."""
    load_demo(store.sessions, seed=1, patients=8, clock=clock)
    with pytest.raises(DemoExistsError):
        load_demo(store.sessions, seed=1, patients=8, clock=clock)
    load_demo(store.sessions, seed=2, patients=8, reset=True, clock=clock)
    with store.sessions() as session:
        references = session.scalars(select(Patient.reference).order_by(Patient.id)).all()
        assert references == [f"DEMO-{n:03d}" for n in range(1, 9)]
