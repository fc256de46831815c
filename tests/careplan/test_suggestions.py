"""Stepped-care suggestions case by case, and their invariants."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given

from nervecare.careplan import CLINICAL_JUDGEMENT_NOTICE, load_catalogue, suggest_care
from nervecare.knowledge import load_sources
from nervecare.recovery import (
    ExerciseSummary,
    MedicationTrial,
    PatientHistory,
    ProcedureDone,
    assess_trajectory,
)
from tests.recovery.histories import SURGERY_DAY, any_history, daily, history, on_day


def keys_for(built: PatientHistory, day: int) -> list[str]:
    return [s.key for s in suggest_care(built, assess_trajectory(built, on=on_day(day)))]


def trial(drug_class: str, *, start: int, stop: int | None, outcome: str) -> MedicationTrial:
    return MedicationTrial.model_validate(
        {
            "drug": {"gabapentinoid": "pregabalin", "snri": "duloxetine"}.get(
                drug_class, "amitriptyline"
            ),
            "drug_class": drug_class,
            "started_on": SURGERY_DAY + dt.timedelta(days=start),
            "stopped_on": None if stop is None else SURGERY_DAY + dt.timedelta(days=stop),
            "outcome": outcome,
        }
    )


STALLED = daily(6, first=1, last=100)  # 8 -> 6 flat: plateau after week 6


def test_catalogue_loads_and_every_entry_cites_known_sources() -> None:
    """Every entry, evidence item and conflict cites a key in the source registry."""
    registry = load_sources()
    for entry in load_catalogue().suggestions:
        assert entry.cited_keys() <= set(registry)


def test_notice_says_suggestions_do_not_replace_judgement() -> None:
    """The clinician notice is explicit."""
    assert "do not replace clinical judgement" in CLINICAL_JUDGEMENT_NOTICE
    assert "do not replace clinical judgement" in load_catalogue().notice


def test_open_red_flag_puts_referral_first() -> None:
    """An open red flag gives the red-flag referral as the first suggestion."""
    built = history(STALLED, open_red_flags=("cauda_equina.bladder_retention",))
    suggestions = suggest_care(built, assess_trajectory(built, on=on_day(100)))
    assert suggestions[0].key == "referral.red_flag"
    assert suggestions[0].triggered_by[0].value == "cauda_equina.bladder_retention"


def test_red_flag_on_latest_checkin_counts_as_open() -> None:
    """A red-flag code on the latest check-in triggers the referral too."""
    built = history(STALLED)
    last = built.points[-1].model_copy(update={"red_flags": ("foot_drop.new",)})
    built = built.model_copy(update={"points": (*built.points[:-1], last)})
    assert keys_for(built, 100)[0] == "referral.red_flag"


def test_stalled_recovery_suggests_contrast_mri_and_dynamic_films_for_fusion() -> None:
    """Plateau after surgery: contrast MRI; after fusion also flexion-extension radiographs."""
    keys = keys_for(history(STALLED, procedure="fusion"), 100)
    assert "evaluation.mri_with_contrast" in keys
    assert "evaluation.flexion_extension_radiographs" in keys


def test_mri_already_done_is_not_suggested_again() -> None:
    """A contrast MRI done after surgery is not suggested again."""
    done = ProcedureDone(kind="mri_with_contrast", performed_on=on_day(80))
    assert "evaluation.mri_with_contrast" not in keys_for(
        history(STALLED, procedures_done=(done,)), 100
    )


def test_on_track_recovery_gets_no_evaluation_or_procedure() -> None:
    """Good recovery (8 -> 2) needs no imaging or injections."""
    keys = keys_for(history(daily(2, first=1, last=100)), 100)
    assert not [key for key in keys if key.startswith(("evaluation.", "procedure.", "referral."))]


def test_gabapentinoid_suggestion_shows_the_guidance_conflict() -> None:
    """NG59 and PRECISE against, CG173 and NeuPSIG for: all positions with their sources."""
    built = history(STALLED)
    (suggestion,) = [
        s
        for s in suggest_care(built, assess_trajectory(built, on=on_day(100)))
        if s.key == "medication.first_line.gabapentinoid"
    ]
    cited = {key for conflict in suggestion.conflicts for key in conflict.sources}
    assert {
        "cp_nice_ng59",
        "cp_mathieson_2017_precise",
        "cp_nice_cg173",
        "cp_finnerup_2015_neupsig",
    } <= cited
    assert len(suggestion.conflicts) >= 2
    assert any("do not offer" in e.strength.lower() for e in suggestion.evidence)


@pytest.mark.parametrize(
    ("drug_class", "stop", "outcome", "excluded"),
    [
        ("gabapentinoid", 30 + 28, "no_benefit", True),  # exactly 4 weeks: adequate
        ("gabapentinoid", 30 + 27, "no_benefit", False),  # one day short: not adequate
        ("gabapentinoid", 30 + 5, "not_tolerated", True),  # not tolerated: excluded at once
        ("tricyclic", 30 + 42, "no_benefit", True),  # 6 weeks: adequate for a tricyclic
        ("tricyclic", 30 + 41, "no_benefit", False),
        ("snri", 30 + 60, "helped", False),  # helped and stopped: still available
    ],
)
def test_class_tried_without_benefit_after_adequate_trial_is_not_suggested(
    drug_class: str, stop: int, outcome: str, excluded: bool
) -> None:
    """A class that failed an adequate trial (cited trial lengths) is not suggested again."""
    built = history(STALLED, medications=(trial(drug_class, start=30, stop=stop, outcome=outcome),))
    keys = keys_for(built, 100)
    assert (f"medication.first_line.{drug_class}" not in keys) is excluded
    assert ("medication.switch_class" in keys) is excluded


def test_trial_in_progress_says_wait_and_holds_new_starts() -> None:
    """Duloxetine started 2 weeks ago: wait for an adequate trial, no new first-line starts."""
    built = history(STALLED, medications=(trial("snri", start=86, stop=None, outcome="unknown"),))
    keys = keys_for(built, 100)
    assert "medication.trial_in_progress" in keys
    assert not [key for key in keys if key.startswith("medication.first_line.")]


def test_two_failed_classes_suggest_pain_service() -> None:
    """Two first-line classes failed: consider the specialist pain service (CG173)."""
    meds = (
        trial("gabapentinoid", start=10, stop=40, outcome="no_benefit"),
        trial("snri", start=41, stop=75, outcome="no_benefit"),
    )
    assert "referral.pain_service" in keys_for(history(STALLED, medications=meds), 100)


@pytest.mark.parametrize(
    ("day", "stage", "expected", "absent"),
    [
        (20, None, "rehabilitation.early_movement", "rehabilitation.structured_exercise"),
        (
            35,
            "gentle_movement",
            "rehabilitation.structured_exercise",
            "rehabilitation.early_movement",
        ),
    ],
)
def test_rehabilitation_steps_follow_time_since_surgery(
    day: int, stage: str | None, expected: str, absent: str
) -> None:
    """Gentle movement first; a structured programme from 4 weeks (Oosterhuis 2014)."""
    exercise = None if stage is None else ExerciseSummary(stage=stage)  # type: ignore[arg-type]
    built = history(daily(3, first=1, last=day), exercise=exercise)
    keys = keys_for(built, day)
    assert expected in keys
    assert absent not in keys


@pytest.mark.parametrize(("day", "present"), [(83, False), (84, True)])
def test_epidural_only_after_conservative_care_weeks(day: int, present: bool) -> None:
    """The epidural suggestion appears from week 12 (project rule), not before."""
    keys = keys_for(history(daily(6, first=1, last=day)), day)
    assert ("procedure.epidural_steroid_injection" in keys) is present


def test_failed_epidural_moves_to_nerve_root_block_not_repeat() -> None:
    """An epidural without benefit is not suggested again; the nerve root block still is."""
    done = ProcedureDone(
        kind="epidural_steroid_injection", performed_on=on_day(90), outcome="no_benefit"
    )
    keys = keys_for(history(STALLED, procedures_done=(done,)), 100)
    assert "procedure.epidural_steroid_injection" not in keys
    assert "procedure.nerve_root_block" in keys


@pytest.mark.parametrize(("day", "present"), [(181, False), (182, True)])
def test_radiofrequency_only_for_pain_persisting_for_months(day: int, present: bool) -> None:
    """Pulsed RF of the DRG appears only from 26 weeks, with its conflict shown."""
    keys = keys_for(history(daily(6, first=1, last=day)), day)
    assert ("procedure.pulsed_radiofrequency_drg" in keys) is present


@given(any_history())
def test_every_suggestion_has_sources_that_exist_and_trigger_facts(
    case: tuple[PatientHistory, int],
) -> None:
    """Any history: each suggestion cites >= 1 registered source and shows its trigger data."""
    built, day = case
    registry = load_sources()
    for suggestion in suggest_care(built, assess_trajectory(built, on=on_day(day))):
        assert suggestion.sources
        assert set(suggestion.sources) <= set(registry)
        assert suggestion.triggered_by
        for conflict in suggestion.conflicts:
            assert set(conflict.sources) <= set(registry)


@given(any_history())
def test_open_red_flag_always_puts_referral_first(case: tuple[PatientHistory, int]) -> None:
    """Whenever a red flag is open, the red-flag referral is the first suggestion."""
    built, day = case
    suggestions = suggest_care(built, assess_trajectory(built, on=on_day(day)))
    if built.open_red_flags:
        assert suggestions
        assert suggestions[0].key == "referral.red_flag"
    else:
        assert "referral.red_flag" not in [s.key for s in suggestions]


def test_gabapentin_adequate_trial_is_titration_plus_two_weeks() -> None:
    """Gabapentin: at least 3 weeks' titration plus 2 at the target (5); pregabalin about 4."""
    from nervecare.careplan._catalogue import load_catalogue  # noqa: PLC0415

    facts = load_catalogue().drug_classes["gabapentinoid"]
    assert facts.adequate_weeks_for("gabapentin") == 5
    assert facts.adequate_weeks_for("Pregabalin") == 4
