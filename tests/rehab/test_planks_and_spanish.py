"""Modified planks and their progression by phase; every patient text of the library in Spanish."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nervecare.recovery.models import HistoryPoint
from nervecare.rehab import decide_progression, load_rehab_knowledge, programme_for
from nervecare.rehab._library import Exercise, Restriction

KNOWLEDGE = load_rehab_knowledge()
PLANKS = ("incline_plank", "knee_plank", "side_plank_knees")
TOP = {"movement": 1, "core": 6, "nerve": 6, "adjunct": 1}


def _offered(procedure: str, week: float) -> set[str]:
    programme = programme_for(procedure=procedure, days_since_surgery=int(week * 7), level=TOP)  # type: ignore[arg-type]
    return {e.key for e in programme.exercises}


def test_planks_progress_from_incline_to_knees_within_the_core_track() -> None:
    """The incline plank comes first; the plank and side plank on the knees are the next step."""
    stages = {key: KNOWLEDGE.exercises[key].stage for key in PLANKS}
    assert all(KNOWLEDGE.exercises[key].track == "core" for key in PLANKS)
    assert stages["incline_plank"] < stages["knee_plank"] == stages["side_plank_knees"]
    assert stages["incline_plank"] > KNOWLEDGE.exercises["bridging"].stage


@pytest.mark.parametrize("key", PLANKS)
def test_each_plank_has_a_dose_a_stop_sign_and_sources(key: str) -> None:
    exercise = KNOWLEDGE.exercises[key]
    assert exercise.dose.hold_seconds
    assert exercise.dose.reps
    assert exercise.stop_if
    assert exercise.normal
    assert "care team" in exercise.how
    assert exercise.sources


@pytest.mark.parametrize(
    ("procedure", "week", "expected"),
    [
        ("discectomy", 6, set()),
        ("discectomy", 11.9, set()),
        ("discectomy", 12, set(PLANKS)),
        ("fusion", 8, set()),
        ("fusion", 12, {"incline_plank"}),
        ("fusion", 16.9, {"incline_plank"}),
        ("fusion", 17, set(PLANKS)),
    ],
)
def test_planks_open_by_phase_later_after_fusion(
    procedure: str, week: float, expected: set[str]
) -> None:
    """Decompression: all modified planks from 12 weeks; fusion: the incline plank from 12 weeks,
    planks on the knees only from about 4 months."""
    assert _offered(procedure, week) & set(PLANKS) == expected


def test_progression_reaches_the_knee_planks_only_when_the_phase_allows() -> None:
    """At core stage 4 after fusion the rules hold until week 17, then step up to knee planks."""
    level = {"movement": 1, "core": 4, "nerve": 3, "adjunct": 1}

    def at(day: int) -> tuple[str, int]:
        points = tuple(
            HistoryPoint(days_since_surgery=day - 3 + i, leg_pain=pain)
            for i, pain in enumerate((4, 3, 3, 2))
        )
        decision = decide_progression(
            procedure="fusion", as_of_day=day, level=level, level_since_day=day - 14, points=points
        )
        return decision.rule, decision.level["core"]

    assert at(100) == ("hold_phase_ceiling", 4)
    assert at(120) == ("progress_settling", 5)


def _entries() -> list[tuple[str, Exercise | Restriction]]:
    entries: list[tuple[str, Exercise | Restriction]] = list(KNOWLEDGE.exercises.items())
    for family, phases in KNOWLEDGE.phases.items():
        for phase in phases:
            entries += [(f"{family}.{phase.key}", r) for r in phase.restrictions]
    return entries


@pytest.mark.parametrize(("where", "entry"), _entries(), ids=lambda v: str(v)[:30])
def test_every_patient_text_of_the_library_has_spanish(
    where: str, entry: Exercise | Restriction
) -> None:
    for field in entry.LOCALISED:
        english = entry.text_for(field, "en")
        if english:
            spanish = entry.text_for(field, "es")
            assert spanish.strip(), (where, field)
            assert spanish != english, (where, field)


def test_an_exercise_without_its_spanish_is_refused() -> None:
    data = KNOWLEDGE.exercises["knee_plank"].model_dump()
    del data["es"]["stop_if"]
    with pytest.raises(ValidationError, match="Spanish text missing for stop_if"):
        Exercise.model_validate(data)


def test_spanish_readers_get_spanish_and_others_english() -> None:
    plank = KNOWLEDGE.exercises["knee_plank"]
    assert plank.text_for("title", "es") == "Plancha de rodillas"
    assert plank.text_for("title", "en") == plank.title
    assert plank.text_for("evidence", "es") == ""
