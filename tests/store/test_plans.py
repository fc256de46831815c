"""Plan storage on SQLite and PostgreSQL: plans with findings, activation rules, doses recorded
once, exercise programmes, adherence and progression from stored check-ins."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from nervecare.medications import MedicationPlan, PatientFacts, PlanItem
from nervecare.store.audit import audit_entries
from nervecare.store.models import DoseRecordRow, MedicationPlanRow, MedicationTrialRow
from nervecare.store.plans import (
    PlanError,
    PlanRefusedError,
    activate_medication_plan,
    active_exercise_programme,
    active_medication_plan,
    assign_exercise_programme,
    dose_summary,
    exercise_adherence,
    read_medication_plans,
    record_dose,
    record_exercise,
    review_progression,
    save_medication_plan,
    stop_medication_plan,
)
from nervecare.store.service import Store, add_patient, record_checkin
from tests.store.factories import SURGERY_DAY, TickingClock, checkin, new_patient, triaged

START = dt.date(2026, 3, 2)
FACTS = PatientFacts(age_years=56, crcl_ml_min=90)


def gabapentin(target: float = 900) -> MedicationPlan:
    return MedicationPlan(
        prescriber="Dr Rivera",
        items=(
            PlanItem(
                drug="gabapentin",
                start_on=START,
                start_daily_mg=300,
                target_daily_mg=target,
                step_mg=300,
                step_every_days=1,
            ),
        ),
    )


@pytest.fixture
def patient_id(store: Store, clock: TickingClock) -> int:
    return add_patient(store.sessions, new=new_patient(), clock=clock).id


def test_a_saved_plan_keeps_its_items_findings_and_an_audit_entry(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Saving runs the checks and stores the draft with them, in one transaction."""
    saved = save_medication_plan(
        store.sessions, patient=patient_id, plan=gabapentin(), facts=FACTS, actor="dr", clock=clock
    )
    assert saved.status == "draft"
    assert saved.plan.items[0].target_daily_mg == 900
    assert saved.findings == ()
    with store.sessions() as session:
        assert [e.action for e in audit_entries(session, patient_id=patient_id)][-1] == (
            "medication_plan.create"
        )


def test_a_plan_with_a_stop_finding_cannot_be_activated(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Above the renal maximum (gabapentin 1800 at CrCl 40): refused, nothing changes."""
    facts = PatientFacts(age_years=56, crcl_ml_min=40)
    saved = save_medication_plan(
        store.sessions, patient=patient_id, plan=gabapentin(1800), facts=facts, clock=clock
    )
    with pytest.raises(PlanRefusedError, match="stop") as refused:
        activate_medication_plan(store.sessions, plan_id=saved.id, clock=clock)
    assert refused.value.findings[0].code == "above_renal_maximum"
    assert active_medication_plan(store.sessions, patient=patient_id, clock=clock) is None


def test_warnings_must_be_accepted_before_activation(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Gabapentin with an opioid: activation needs the clinician's acceptance."""
    facts = PatientFacts(age_years=56, crcl_ml_min=90, other_medicines=("oxycodone",))
    saved = save_medication_plan(
        store.sessions, patient=patient_id, plan=gabapentin(), facts=facts, clock=clock
    )
    with pytest.raises(PlanRefusedError, match="gabapentinoid_with_opioid"):
        activate_medication_plan(store.sessions, plan_id=saved.id, clock=clock)
    active = activate_medication_plan(
        store.sessions, plan_id=saved.id, accept_warnings=True, clock=clock
    )
    assert active.status == "active"


def test_activation_replaces_the_previous_plan_and_records_trials(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """One active plan per patient; each medicine enters the medication history."""
    first = save_medication_plan(
        store.sessions, patient=patient_id, plan=gabapentin(), facts=FACTS, clock=clock
    )
    activate_medication_plan(store.sessions, plan_id=first.id, clock=clock)
    second = save_medication_plan(
        store.sessions, patient=patient_id, plan=gabapentin(600), facts=FACTS, clock=clock
    )
    activate_medication_plan(store.sessions, plan_id=second.id, clock=clock)
    plans = read_medication_plans(store.sessions, patient=patient_id, clock=clock)
    assert [(p.id, p.status) for p in plans] == [(second.id, "active"), (first.id, "stopped")]
    with store.sessions() as session:
        trials = session.scalar(select(func.count()).select_from(MedicationTrialRow))
        assert trials == 2
    stopped = stop_medication_plan(
        store.sessions, plan_id=second.id, reason="side effects", clock=clock
    )
    assert stopped.status == "stopped"


def test_a_dose_reported_twice_is_stored_once_and_a_correction_replaces_it(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Retries never duplicate; taken -> missed is a correction, not a second dose."""
    saved = save_medication_plan(
        store.sessions, patient=patient_id, plan=gabapentin(), facts=FACTS, clock=clock
    )
    activate_medication_plan(store.sessions, plan_id=saved.id, clock=clock)
    args = {"patient": patient_id, "drug": "Gabapentin", "on": START, "dose_number": 1}
    first = record_dose(store.sessions, status="taken", clock=clock, **args)  # type: ignore[arg-type]
    again = record_dose(store.sessions, status="taken", clock=clock, **args)  # type: ignore[arg-type]
    corrected = record_dose(store.sessions, status="missed", clock=clock, **args)  # type: ignore[arg-type]
    assert (first.created, again.created, corrected.created) == (True, False, True)
    with store.sessions() as session:
        rows = session.scalars(select(DoseRecordRow)).all()
        assert [(r.status, r.dose_number) for r in rows] == [("missed", 1)]


@pytest.mark.parametrize(
    ("drug", "on", "dose_number", "message"),
    [
        ("naproxen", START, 1, "not in the patient's active plan"),
        ("gabapentin", START - dt.timedelta(days=1), 1, "starts on"),
        ("gabapentin", START, 4, "does not exist"),
    ],
)
def test_impossible_doses_are_refused(  # noqa: PLR0917 - fixtures and one table row
    store: Store,
    clock: TickingClock,
    patient_id: int,
    drug: str,
    on: dt.date,
    dose_number: int,
    message: str,
) -> None:
    """A dose that is not in the plan is an error, and nothing is stored."""
    saved = save_medication_plan(
        store.sessions, patient=patient_id, plan=gabapentin(), facts=FACTS, clock=clock
    )
    activate_medication_plan(store.sessions, plan_id=saved.id, clock=clock)
    with pytest.raises(PlanError, match=message):
        record_dose(
            store.sessions,
            patient=patient_id,
            drug=drug,
            on=on,
            dose_number=dose_number,
            status="taken",
            clock=clock,
        )
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DoseRecordRow)) == 0


def test_dose_summary_counts_due_taken_and_missed(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Due doses follow the schedule (3 a day for gabapentin); taken and missed are counted."""
    saved = save_medication_plan(
        store.sessions, patient=patient_id, plan=gabapentin(), facts=FACTS, clock=clock
    )
    activate_medication_plan(store.sessions, plan_id=saved.id, clock=clock)
    for number, status in ((1, "taken"), (2, "taken"), (3, "missed")):
        record_dose(
            store.sessions,
            patient=patient_id,
            drug="gabapentin",
            on=START,
            dose_number=number,
            status=status,  # type: ignore[arg-type]
            clock=clock,
        )
    (count,) = dose_summary(
        store.sessions,
        patient=patient_id,
        from_date=START,
        to_date=START + dt.timedelta(days=1),
        clock=clock,
    )
    assert (count.drug, count.due, count.taken, count.missed) == ("gabapentin", 6, 2, 1)


def test_unknown_drug_is_refused_before_anything_is_stored(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """A drug the knowledge base cannot check is never saved."""
    plan = MedicationPlan(
        items=(PlanItem(drug="oxycodone", start_on=START, start_daily_mg=10, target_daily_mg=10),)
    )
    with pytest.raises(PlanError, match="cannot be checked"):
        save_medication_plan(
            store.sessions, patient=patient_id, plan=plan, facts=FACTS, clock=clock
        )
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(MedicationPlanRow)) == 0


def test_programme_adherence_and_progression_from_stored_checkins(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """A programme is assigned, sessions counted, and settling check-ins let it progress."""
    day_40 = SURGERY_DAY + dt.timedelta(days=40)
    assign_exercise_programme(
        store.sessions, patient=patient_id, on=day_40 - dt.timedelta(days=8), clock=clock
    )
    for offset, pain in ((34, 5), (37, 4), (40, 3)):
        document = checkin(days_since_surgery=offset, leg_pain=pain)
        record_checkin(
            store.sessions,
            patient_id=patient_id,
            checkin=document,
            triage_result=triaged(document),
            clock=clock,
        )
    record_exercise(store.sessions, patient=patient_id, on=day_40, exercise="walking", clock=clock)
    summary = exercise_adherence(
        store.sessions, patient=patient_id, from_date=day_40, to_date=day_40, clock=clock
    )
    assert summary is not None
    walking = next(line for line in summary.lines if line.exercise == "walking")
    assert (walking.planned, walking.done) == (3, 1)
    decision = review_progression(
        store.sessions, patient=patient_id, as_of=day_40, apply=True, clock=clock
    )
    assert decision.decision == "progress"
    found = active_exercise_programme(store.sessions, patient=patient_id, clock=clock)
    assert found is not None
    assert found[0].level == decision.level


def test_feedback_of_spreading_symptoms_steps_back(
    store: Store, clock: TickingClock, patient_id: int
) -> None:
    """Stored feedback reaches the progression rules."""
    day_40 = SURGERY_DAY + dt.timedelta(days=40)
    assign_exercise_programme(
        store.sessions,
        patient=patient_id,
        on=day_40 - dt.timedelta(days=10),
        level={"movement": 1, "core": 2, "nerve": 2, "adjunct": 1},
        clock=clock,
    )
    record_exercise(
        store.sessions,
        patient=patient_id,
        on=day_40,
        exercise="nerve_slider_seated",
        symptoms_further_down_leg=True,
        clock=clock,
    )
    decision = review_progression(store.sessions, patient=patient_id, as_of=day_40, clock=clock)
    assert decision.rule == "step_back_peripheralising"


def test_unknown_exercise_is_refused(store: Store, clock: TickingClock, patient_id: int) -> None:
    """Only exercises from the library can be recorded."""
    with pytest.raises(PlanError, match="unknown exercise"):
        record_exercise(
            store.sessions, patient=patient_id, on=START, exercise="cartwheel", clock=clock
        )
