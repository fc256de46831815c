"""Turning a patient's answers into a stored, triaged check-in (shared by the form and the API)."""

from __future__ import annotations

from typing import Any

from nervecare.checkin import parse_checkin
from nervecare.store.accounts import Principal
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.service import Store, record_checkin
from nervecare.triage import triage_checkin

__all__ = ["CONFIRM_PREFIX", "submit_checkin"]

#: Client id of a check-in that confirms the structured answers of another: "confirm:<id>".
CONFIRM_PREFIX = "confirm:"


def submit_checkin(
    store: Store, *, principal: Principal, document: dict[str, Any], client_id: str | None
) -> StoredCheckIn:
    """Validate, triage and store; raises `nervecare.checkin.CheckInError` (nothing stored)
    for a bad document.

    Only a patient submits their own check-in: the patient id comes from the session, never from
    the document.
    """
    assert principal.patient_id is not None
    checkin = parse_checkin(document)
    result = triage_checkin(checkin)
    return record_checkin(
        store.sessions,
        patient_id=principal.patient_id,
        checkin=checkin,
        triage_result=result,
        client_id=client_id,
        actor=principal.actor,
    )
