"""Demo sign-ins: a clinician and a patient of the SYNTHETIC demo team, with known passwords.

For trying nervecare on one's own computer only: the accounts exist only in the demo team, are
marked synthetic, and go when the demo team is removed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.store.accounts import add_clinician_account, add_patient_account, set_team_phone
from nervecare.store.models import Patient

__all__ = ["DEMO_SIGNINS", "DEMO_TEAM_PHONE", "DemoSignIn", "add_demo_signins"]

#: A number from the range Ofcom keeps for drama (020 7946 0000-0999): it rings nobody.
DEMO_TEAM_PHONE = "020 7946 0123"


@dataclass(frozen=True)
class DemoSignIn:
    kind: str
    username: str
    password: str
    who: str


DEMO_SIGNINS: tuple[DemoSignIn, ...] = (
    DemoSignIn("clinician", "demo.clinician", "demo-clinician-2026", "Dr Demo Surgeon (SYNTHETIC)"),
    DemoSignIn("patient", "demo.patient", "demo-patient-2026", "DEMO-001 (SYNTHETIC)"),
)


def add_demo_signins(
    session: Session, *, team_id: int, clinician_id: int, now: dt.datetime
) -> None:
    """In the demo loader's transaction: the demo sign-ins and the demo team's phone."""
    set_team_phone(session, team_id=team_id, phone=DEMO_TEAM_PHONE, now=now)
    clinician, patient = DEMO_SIGNINS
    add_clinician_account(
        session,
        clinician_id=clinician_id,
        username=clinician.username,
        password=clinician.password,
        is_synthetic=True,
        now=now,
    )
    first = session.scalars(
        select(Patient.id).where(Patient.team_id == team_id).order_by(Patient.id).limit(1)
    ).one()
    add_patient_account(
        session,
        patient_id=first,
        username=patient.username,
        password=patient.password,
        is_synthetic=True,
        now=now,
    )
