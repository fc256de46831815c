"""Helpers for driving the web app in tests: sign in, read the CSRF token off a page, seed teams."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecare.checkin import parse_checkin
from nervecare.questionnaire import NONE_OF_THESE
from nervecare.recovery.models import Baseline, Surgery
from nervecare.store.accounts import add_clinician_account, add_patient_account, set_team_phone
from nervecare.store.models import CareTeam, Clinician, OutboxAlert, TeamMembership
from nervecare.store.schemas import NewPatient
from nervecare.store.service import Store, add_patient, record_checkin
from nervecare.triage import triage_checkin

__all__ = ["NO_RED_FLAGS", "Seeded", "TeamSeed", "csrf_from", "seed_team", "sign_in"]

PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')

#: The answers of a patient who has none of the red-flag signs the web form asks about
#: explicitly ("None of these" is an answer; leaving them out is not).
NO_RED_FLAGS: dict[str, str] = {
    "saddle_numbness": "none",
    "bladder": NONE_OF_THESE,
    "bowel": NONE_OF_THESE,
}


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/signin")
    token = _FORM_TOKEN.search(page.text)
    assert token
    response = client.post(
        "/signin",
        data={"username": username, "password": password, "form_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@dataclass(frozen=True)
class TeamSeed:
    team: str
    clinician: str
    patient: str
    patient_id: int
    checkin_id: int
    alert_id: int


Seeded = dict[str, TeamSeed]


def seed_team(store: Store, *, suffix: str) -> TeamSeed:
    """A team with a clinician and a patient (both with sign-ins), and one emergency check-in."""
    now = dt.datetime.now(dt.UTC)
    team = f"Team {suffix}"
    record = add_patient(
        store.sessions,
        new=NewPatient(
            team=team,
            reference=f"P-{suffix}",
            display_name=f"Patient {suffix}",
            surgery=Surgery(
                date=now.date() - dt.timedelta(days=20),
                procedure="discectomy",
                spinal_levels=("L5-S1",),
                side="left",
            ),
            baseline=Baseline(leg_pain=8),
        ),
    )
    checkin = parse_checkin(
        {
            "days_since_surgery": 19,
            "leg_pain": 6,
            "saddle_numbness": "new",
            "bladder": ["retention"],
        }
    )
    stored = record_checkin(
        store.sessions,
        patient_id=record.id,
        checkin=checkin,
        triage_result=triage_checkin(checkin),
    )
    with store.sessions.begin() as session:
        team_row = session.scalars(select(CareTeam).where(CareTeam.name == team)).one()
        clinician = Clinician(display_name=f"Dr {suffix}", email=None, created_at=now)
        session.add(clinician)
        session.flush()
        session.add(
            TeamMembership(
                team_id=team_row.id, clinician_id=clinician.id, role="surgeon", created_at=now
            )
        )
        add_clinician_account(
            session,
            clinician_id=clinician.id,
            username=f"clinician.{suffix}",
            password=PASSWORD,
            is_synthetic=False,
            now=now,
        )
        add_patient_account(
            session,
            patient_id=record.id,
            username=f"patient.{suffix}",
            password=PASSWORD,
            is_synthetic=False,
            now=now,
        )
        set_team_phone(session, team_id=team_row.id, phone=f"0100 {suffix}", now=now)
        alert_id = session.scalars(
            select(OutboxAlert.id).where(OutboxAlert.checkin_id == stored.id)
        ).one()
    return TeamSeed(
        team=team,
        clinician=f"clinician.{suffix}",
        patient=f"patient.{suffix}",
        patient_id=record.id,
        checkin_id=stored.id,
        alert_id=alert_id,
    )
