"""Storing the synthetic demo cohort: one transaction, triaged by the real engine.

Check-ins go through the same unit of work as a real one (`store_checkin`), so the demo shows
exactly what the store, the triage and the ranking do; only the trajectory refresh is left to
once per patient, which is what makes loading a few dozen patients take seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nervecare.checkin import parse_checkin
from nervecare.demo.accounts import add_demo_signins
from nervecare.demo.cohort import DEMO_TEAM, DemoPatient, generate_cohort
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.engine import SessionFactory
from nervecare.store.models import CareTeam, CheckInRow, Clinician, Patient, TeamMembership
from nervecare.store.summaries import rebuild_summary
from nervecare.store.units import create_patient, refresh_trajectory, store_checkin
from nervecare.triage import triage_checkin
from nervecare.triage.levels import alerts_team

__all__ = ["DEFAULT_SEED", "DemoExistsError", "DemoLoaded", "load_demo"]

DEFAULT_SEED = 20261125

_DEMO_STAFF = (
    ("Dr Demo Surgeon (SYNTHETIC)", "surgeon"),
    ("Demo Spinal Nurse (SYNTHETIC)", "nurse"),
    ("Demo Physiotherapist (SYNTHETIC)", "physiotherapist"),
)


class DemoExistsError(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            f"the demo team {DEMO_TEAM!r} already exists: nothing changed "
            "(use --reset to rebuild it)"
        )


@dataclass(frozen=True)
class DemoLoaded:
    patients: int
    checkins: int
    urgent_or_emergency: int


def _remove_demo(session: Session, team: CareTeam) -> int:
    patients = session.scalars(select(Patient.id).where(Patient.team_id == team.id)).all()
    # Everything recorded about a patient goes with them (ON DELETE CASCADE); the audit log
    # keeps its entries, as it must.
    session.execute(delete(Patient).where(Patient.team_id == team.id))
    staff = select(TeamMembership.clinician_id).where(TeamMembership.team_id == team.id)
    session.execute(
        delete(Clinician).where(Clinician.id.in_(staff), Clinician.is_synthetic.is_(True))
    )
    session.delete(team)
    session.flush()
    return len(patients)


def _store_patient(
    session: Session, patient: DemoPatient, *, actor: str, now: dt.datetime
) -> tuple[int, int]:
    record = create_patient(session, new=patient.new, actor=actor, now=now)
    row = session.get(Patient, record.id)
    assert row is not None
    alarms = 0
    for demo_checkin in patient.checkins:
        checkin = parse_checkin(demo_checkin.document)
        result = triage_checkin(checkin)
        stored = store_checkin(
            session,
            patient=row,
            checkin=checkin,
            triage_result=result,
            client_id=None,
            actor=actor,
            now=now,
            refresh=False,
        )
        # A synthetic history was received as it happened, not all at load time (the daily cap
        # counts what a patient sent in the last 24 hours).
        session.get_one(CheckInRow, stored.id).received_at = min(stored.recorded_at, now)
        if alerts_team(stored.level):
            alarms += 1
            if demo_checkin.reviewed:
                repo.insert_review(
                    session, checkin_id=stored.id, clinician_id=None, note="(synthetic)", now=now
                )
    for trial in patient.medications:
        repo.insert_medication_trial(session, patient_id=row.id, trial=trial, now=now)
    for exercise in patient.exercise:
        repo.insert_exercise_session(
            session,
            patient_id=row.id,
            performed_on=exercise.performed_on,
            stage=exercise.stage,
            exercise=exercise.exercise,
            minutes=exercise.minutes,
            supervised=exercise.supervised,
            now=now,
        )
    rebuild_summary(session, patient_id=row.id, now=now)  # counts the reviews just added
    refresh_trajectory(session, patient=row, now=now)
    return len(patient.checkins), alarms


def load_demo(
    sessions: SessionFactory,
    *,
    seed: int = DEFAULT_SEED,
    patients: int = 36,
    reset: bool = False,
    signins: bool = True,
    actor: str = "demo",
    clock: Clock = utc_now,
) -> DemoLoaded:
    """Create the synthetic demo team and cohort; refuse if it exists unless `reset`.

    `signins` adds the demo web sign-ins (`nervecare.demo.accounts.DEMO_SIGNINS`).
    """
    now = clock()
    cohort = generate_cohort(seed=seed, today=now.date(), patients=patients)
    with sessions.begin() as session:
        existing = session.scalars(select(CareTeam).where(CareTeam.name == DEMO_TEAM)).one_or_none()
        if existing is not None:
            if not reset:
                raise DemoExistsError
            removed = _remove_demo(session, existing)
            append_audit(
                session, at=now, actor=actor, action="demo.removed", detail={"patients": removed}
            )
        team = repo.get_or_create_team(session, name=DEMO_TEAM, is_synthetic=True, now=now)
        staff_ids: list[int] = []
        for name, role in _DEMO_STAFF:
            clinician = Clinician(display_name=name, email=None, is_synthetic=True, created_at=now)
            session.add(clinician)
            session.flush()
            staff_ids.append(clinician.id)
            session.add(
                TeamMembership(
                    team_id=team.id, clinician_id=clinician.id, role=role, created_at=now
                )
            )
        checkins = alarms = 0
        for patient in cohort:
            stored, raised = _store_patient(session, patient, actor=actor, now=now)
            checkins += stored
            alarms += raised
        if signins:
            add_demo_signins(session, team_id=team.id, clinician_id=staff_ids[0], now=now)
        append_audit(
            session,
            at=now,
            actor=actor,
            action="demo.created",
            detail={"seed": seed, "patients": len(cohort), "checkins": checkins},
        )
    return DemoLoaded(patients=len(cohort), checkins=checkins, urgent_or_emergency=alarms)
