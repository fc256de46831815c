"""Reading a patient's history for the clinical core, and ranking patients by need of attention."""

from __future__ import annotations

import datetime as dt

from nervecare.recovery.models import MedicationTrial, ProcedureDone
from nervecare.store.service import (
    Store,
    add_medication_trial,
    add_patient,
    add_procedure,
    rank_patients,
    read_patient_history,
    record_checkin,
    review_checkin,
)
from tests.store.factories import SURGERY_DAY, TickingClock, checkin, new_patient, triaged


def _record(store: Store, clock: TickingClock, patient: str, **fields: object) -> int:
    value = checkin(**fields)
    return record_checkin(
        store.sessions, patient_id=patient, checkin=value, triage_result=triaged(value), clock=clock
    ).id


def test_history_holds_surgery_baseline_and_points_in_time_order(store: Store, clock: TickingClock):
    """The history has the operation, the baseline and each check-in, oldest first."""
    add_patient(store.sessions, new=new_patient(), clock=clock)
    _record(
        store, clock, "P-001", days_since_surgery=14, leg_pain=5, recorded_at="2026-02-16T08:00:00Z"
    )
    _record(
        store,
        clock,
        "P-001",
        days_since_surgery=7,
        leg_pain=6,
        recorded_at="2026-02-09T08:00:00Z",
        pain_relieved_by_medication="partly",
    )
    record, history = read_patient_history(store.sessions, patient="P-001", clock=clock)
    assert record.reference == history.patient_id == "P-001"
    assert history.surgery.date == SURGERY_DAY
    assert history.surgery.spinal_levels == ("L5-S1",)
    assert history.baseline is not None
    assert history.baseline.leg_pain == 8
    assert [(p.days_since_surgery, p.leg_pain) for p in history.points] == [(7, 6), (14, 5)]
    assert history.points[0].pain_relieved_by_medication == "partly"
    assert history.points[0].recorded_on == dt.date(2026, 2, 9)


def test_history_holds_medications_and_procedures(store: Store, clock: TickingClock):
    """Medication trials and procedures done are part of the history the care plan reads."""
    add_patient(store.sessions, new=new_patient(), clock=clock)
    trial = MedicationTrial(
        drug="pregabalin",
        drug_class="gabapentinoid",
        started_on=dt.date(2026, 2, 10),
        dose_note="75 mg twice a day",
    )
    add_medication_trial(store.sessions, patient="P-001", trial=trial, clock=clock)
    injection = ProcedureDone(kind="epidural_steroid_injection", performed_on=dt.date(2026, 2, 20))
    add_procedure(store.sessions, patient="P-001", procedure=injection, clock=clock)
    _, history = read_patient_history(store.sessions, patient="P-001", clock=clock)
    assert history.medications == (trial,)
    assert history.procedures_done == (injection,)


def test_red_flags_stay_open_until_a_clinician_reviews(store: Store, clock: TickingClock):
    """An emergency's reason codes are open red flags until the check-in is reviewed."""
    add_patient(store.sessions, new=new_patient(), clock=clock)
    checkin_id = _record(store, clock, "P-001", bladder=["retention"])
    _, history = read_patient_history(store.sessions, patient="P-001", clock=clock)
    assert history.points[0].triage_level == "emergency"
    assert history.open_red_flags == history.points[0].red_flags != ()
    review_checkin(store.sessions, checkin_id=checkin_id, note="seen in ED", clock=clock)
    _, history = read_patient_history(store.sessions, patient="P-001", clock=clock)
    assert history.open_red_flags == ()


def _references(store: Store, clock: TickingClock) -> list[str]:
    return [row.reference for row in rank_patients(store.sessions, clock=clock)]


def test_unreviewed_emergency_ranks_first_and_drops_after_review(store: Store, clock: TickingClock):
    """Open alarms outrank everything; once reviewed, the patient ranks by the latest level."""
    for reference in ("P-CALM", "P-PAIN", "P-ALARM", "P-QUIET"):
        add_patient(store.sessions, new=new_patient(reference), clock=clock)
    _record(store, clock, "P-CALM", leg_pain=1)
    _record(store, clock, "P-PAIN", leg_pain=9)
    alarm = _record(store, clock, "P-ALARM", saddle_numbness="new")
    _record(store, clock, "P-ALARM", leg_pain=1)
    ranked = rank_patients(store.sessions, clock=clock)
    assert ranked[0].reference == "P-ALARM"
    assert ranked[0].reasons[0] == "1 unreviewed urgent/emergency check-in (latest: emergency)"
    review_checkin(store.sessions, checkin_id=alarm, clock=clock)
    order = _references(store, clock)
    assert order.index("P-PAIN") < order.index("P-CALM")
    assert order.index("P-ALARM") > order.index("P-PAIN")


def test_ranking_mentions_patients_who_never_checked_in(store: Store, clock: TickingClock):
    """A patient without any check-in is listed, with that as the reason."""
    add_patient(store.sessions, new=new_patient("P-NEW"), clock=clock)
    (ranked,) = rank_patients(store.sessions, clock=clock)
    assert ranked.reasons == ("no check-in yet",)
    assert ranked.last_level is None


def test_ranking_can_be_limited_to_one_team(store: Store, clock: TickingClock):
    """A team sees only its own patients."""
    add_patient(store.sessions, new=new_patient("P-A", team="Team A"), clock=clock)
    add_patient(store.sessions, new=new_patient("P-B", team="Team B"), clock=clock)
    assert [r.reference for r in rank_patients(store.sessions, team="Team B", clock=clock)] == [
        "P-B"
    ]
