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
            {"nerve_tensioner", "bird_dog"},
        ),
        # D'Urso handout: arm and leg lifts after week 12.
        ("laminectomy", 90, "strengthening", {"bird_dog", "nerve_tensioner"}, set()),
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


@pytest.mark.parametrize("day", [1, 30, 45, 90, 120])
def test_procedure_other_gets_the_fusion_precautions(day: int) -> None:
    """An unrecorded ('other') procedure gets the stricter fusion phases, not decompression's."""
    other = programme_for(procedure="other", days_since_surgery=day)
    fusion = programme_for(procedure="fusion", days_since_surgery=day)
    assert (other.procedure_family, other.phase) == ("fusion", fusion.phase)


@pytest.mark.parametrize(("day", "shown"), [(27, True), (28, True), (41, True), (42, False)])
def test_decompression_lifting_limit_is_shown_until_week_six(day: int, shown: bool) -> None:
    """The 4-6 week bending and lifting limit is shown to the end of week 6, not week 4."""
    programme = programme_for(procedure="discectomy", days_since_surgery=day)
    texts = [restriction.text for restriction in programme.restrictions]
    assert any("lifting" in text for text in texts) == shown


def test_no_prone_arched_arm_and_leg_lift_is_offered() -> None:
    """The prone 'superman' is replaced by the bird-dog on hands and knees."""
    knowledge = load_rehab_knowledge()
    assert "prone_arm_leg_lift" not in knowledge.exercises
    assert "hands and knees" in knowledge.exercises["bird_dog"].title


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
    family = "decompression" if procedure in {"discectomy", "laminectomy"} else "fusion"
    phase = knowledge.phase_for(family, day / 7)
    assert all(
        e.stage <= phase.max_stage[e.track] for e in (*programme.exercises, *programme.adjuncts)
    )


def test_negative_days_are_refused() -> None:
    """Before surgery there is no post-operative programme."""
    with pytest.raises(ValueError, match="negative"):
        programme_for(procedure="fusion", days_since_surgery=-1)
