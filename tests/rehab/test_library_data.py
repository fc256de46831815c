"""Integrity of the exercise library and phases: every exercise dosed, explained and cited."""

from __future__ import annotations

import itertools

import pytest

from nervecare.knowledge import load_sources
from nervecare.rehab import TRACKS, load_rehab_knowledge

KNOWLEDGE = load_rehab_knowledge()


@pytest.mark.parametrize("key", sorted(KNOWLEDGE.exercises))
def test_every_exercise_has_purpose_how_dose_signs_and_sources(key: str) -> None:
    """What it is for, how to do it, how much, what is normal, when to stop, and why."""
    exercise = KNOWLEDGE.exercises[key]
    assert all((exercise.purpose, exercise.how, exercise.normal, exercise.stop_if))
    assert exercise.dose.times_per_day >= 1
    assert set(exercise.sources) <= set(load_sources())


def test_all_source_keys_exist() -> None:
    """Phases, restrictions and rules cite registered sources."""
    assert KNOWLEDGE.source_keys() <= set(load_sources())


def test_sliders_come_before_tensioners() -> None:
    """Nerve gliding starts with sliders; tensioners are a later stage."""
    exercises = KNOWLEDGE.exercises
    assert exercises["nerve_slider_seated"].stage < exercises["nerve_tensioner"].stage


def test_tens_shows_the_guidance_that_does_not_recommend_it() -> None:
    """NICE NG59 (do not offer TENS for sciatica) is shown beside TENS."""
    tens = KNOWLEDGE.exercises["tens"]
    assert tens.guidance_conflict
    assert "rehab_nice_ng59_tens" in tens.sources


@pytest.mark.parametrize("family", ["decompression", "fusion"])
def test_phases_cover_every_track_and_only_open_up(family: str) -> None:
    """Later phases allow at least what earlier ones did."""
    phases = KNOWLEDGE.phases[family]  # type: ignore[index]
    for earlier, later in itertools.pairwise(phases):
        assert all(later.max_stage[t] >= earlier.max_stage[t] for t in TRACKS)


def test_fusion_restrictions_show_the_conflict_between_leaflets() -> None:
    """Different lifting limits are shown as a conflict, the surgeon's limit applies."""
    protect = KNOWLEDGE.phase_for("fusion", 0)
    assert any(r.conflict for r in protect.restrictions)
