"""Programme by phase: weeks since surgery and procedure decide what is allowed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.rehab import TRACKS, load_rehab_knowledge, programme_for

PROCEDURES = ("discectomy", "laminectomy", "fusion", "other")


@pytest.mark.parametrize(
    ("procedure", "day", "phase", "allowed", "not_allowed"),
    [
        # fwbsi leaflet: early walking and gentle bracing; no nerve gliding yet.
        (
            "discectomy",
            3,
            "early",
            {"walking", "tummy_bracing"},
            {"nerve_slider_seated", "pelvic_tilt"},
        ),
        # Cochrane (Oosterhuis 2014): active programmes from 4-6 weeks.
        (
            "discectomy",
            30,
            "active",
            {"nerve_slider_seated", "pelvic_tilt"},
            {"nerve_tensioner", "prone_arm_leg_lift"},
        ),
        # D'Urso handout: arm and leg lifts after week 12.
        ("laminectomy", 90, "strengthening", {"prone_arm_leg_lift", "nerve_tensioner"}, set()),
        # Fusion precautions (healthpages, 12-week leaflet): protect first.
        ("fusion", 30, "protect", {"walking"}, {"nerve_slider_seated", "pelvic_tilt"}),
        ("fusion", 45, "gentle_core", {"pelvic_tilt", "nerve_slider_seated"}, {"bridging"}),
        ("fusion", 90, "strengthening", {"bridging"}, set()),
    ],
)
def test_phase_decides_the_exercises(
    procedure: str, day: int, phase: str, allowed: set[str], not_allowed: set[str]
) -> None:
    """At the highest level, the phase alone caps what is offered."""
    top = dict.fromkeys(TRACKS, 6)
    programme = programme_for(procedure=procedure, days_since_surgery=day, level=top)  # type: ignore[arg-type]
    keys = {e.key for e in programme.exercises}
    assert programme.phase == phase
    assert allowed <= keys
    assert not (not_allowed & keys)


def test_fusion_and_discectomy_differ_at_the_same_week() -> None:
    """Fusion keeps bending, lifting and twisting limits when discectomy has none."""
    fusion = programme_for(procedure="fusion", days_since_surgery=50)
    discectomy = programme_for(procedure="discectomy", days_since_surgery=50)
    assert fusion.restrictions
    assert not discectomy.restrictions


def test_adjuncts_are_listed_apart_from_exercises() -> None:
    """Heat, ice and TENS are helpers, shown separately."""
    programme = programme_for(procedure="discectomy", days_since_surgery=1)
    assert {a.key for a in programme.adjuncts} == {"heat", "ice", "tens"}
    assert all(e.track != "adjunct" for e in programme.exercises)


@given(
    st.sampled_from(PROCEDURES),
    st.integers(min_value=0, max_value=3650),
    st.fixed_dictionaries({t: st.integers(min_value=0, max_value=9) for t in TRACKS}),
)
def test_programme_never_exceeds_the_phase(procedure: str, day: int, level: dict[str, int]) -> None:
    """Whatever level is asked for, nothing beyond the phase's stage is offered."""
    knowledge = load_rehab_knowledge()
    programme = programme_for(procedure=procedure, days_since_surgery=day, level=level)  # type: ignore[arg-type]
    family = "fusion" if procedure == "fusion" else "decompression"
    phase = knowledge.phase_for(family, day / 7)
    assert all(
        e.stage <= phase.max_stage[e.track] for e in (*programme.exercises, *programme.adjuncts)
    )


def test_negative_days_are_refused() -> None:
    """Before surgery there is no post-operative programme."""
    with pytest.raises(ValueError, match="negative"):
        programme_for(procedure="fusion", days_since_surgery=-1)
