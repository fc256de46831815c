"""Turning a patient's answers into a stored, triaged check-in (shared by the form and the API)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nervecare.medications import SideEffectAnswer, load_drug_knowledge, side_effect_reasons
from nervecare.store.accounts import Principal
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.service import Store
from nervecare.store.side_effects import CheckInWithSideEffects, record_checkin_with_side_effects
from nervecare.triage import triage_checkin
from nervecare.triage.red_flag_rescue import parse_keeping_red_flags, warn_set_aside

__all__ = ["CONFIRM_PREFIX", "submit_checkin", "submit_checkin_with_side_effects"]

#: Client id of a check-in that confirms the structured answers of another: "confirm:<id>".
CONFIRM_PREFIX = "confirm:"


def submit_checkin_with_side_effects(
    store: Store,
    *,
    principal: Principal,
    document: dict[str, Any],
    client_id: str | None,
    side_effects: Sequence[SideEffectAnswer] = (),
) -> CheckInWithSideEffects:
    """Validate, triage and store the check-in and its side-effect answers in one transaction.

    Raises `nervecare.checkin.CheckInError` for a bad document and
    `nervecare.store.side_effects.SideEffectAnswersRefusedError` for answers to questions not due
    (nothing stored either way). A "yes" to a side effect the source says needs prompt attention
    raises the triage (and so alerts the care team); other answers never change it.
    Only a patient submits their own check-in: the patient id comes from the session, never from
    the document.
    """
    assert principal.patient_id is not None
    checkin, set_aside = parse_keeping_red_flags(document)
    result = triage_checkin(
        checkin, extra_reasons=side_effect_reasons(side_effects, load_drug_knowledge())
    )
    result = warn_set_aside(result, set_aside)
    return record_checkin_with_side_effects(
        store.sessions,
        patient_id=principal.patient_id,
        checkin=checkin,
        triage_result=result,
        side_effects=side_effects,
        client_id=client_id,
        actor=principal.actor,
    )


def submit_checkin(
    store: Store, *, principal: Principal, document: dict[str, Any], client_id: str | None
) -> StoredCheckIn:
    """A check-in without side-effect answers (the confirm step); see the function above."""
    return submit_checkin_with_side_effects(
        store, principal=principal, document=document, client_id=client_id
    ).checkin
