"""Turning a patient's answers into a stored, triaged check-in (shared by the form and the API)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nervecare.checkin import parse_checkin
from nervecare.medications import SideEffectAnswer, load_drug_knowledge, side_effect_reasons
from nervecare.store.accounts import Principal
from nervecare.store.confirmations import given_answers, record_answers
from nervecare.store.schemas import StoredCheckIn
from nervecare.store.service import Store
from nervecare.store.side_effects import CheckInWithSideEffects, record_checkin_with_side_effects
from nervecare.store.views import checkin_for
from nervecare.triage import ConfirmAnswer, Language, Reason, load_ruleset, triage_checkin
from nervecare.triage.red_flag_rescue import parse_keeping_red_flags, warn_set_aside

__all__ = ["answer_questions", "submit_checkin_with_side_effects"]


def submit_checkin_with_side_effects(
    store: Store,
    *,
    principal: Principal,
    document: dict[str, Any],
    client_id: str | None,
    side_effects: Sequence[SideEffectAnswer] = (),
    language: Language = "en",
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
        checkin,
        extra_reasons=side_effect_reasons(side_effects, load_drug_knowledge()),
        language=language,
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


def answer_questions(
    store: Store,
    *,
    principal: Principal,
    checkin_id: int,
    answers: Mapping[str, ConfirmAnswer],
    language: Language = "en",
) -> StoredCheckIn:
    """Keep the patient's answers to the questions their notes raised, and the final result.

    The check-in is triaged again from its stored document with every answer given so far (the
    notes read the same way), keeping what the shell added beside the rules (a side effect that
    needs attention); then the answers, the result and any alert are stored in one transaction.
    Answers to questions the check-in did not ask are ignored; an answer sent again changes
    nothing. Raises `PatientHiddenError` when the check-in is not the patient's.
    """
    assert principal.patient_id is not None
    view = checkin_for(store.sessions, principal=principal, checkin_id=checkin_id)
    with store.sessions.begin() as session:
        earlier = given_answers(session, checkin_id=checkin_id)
    merged: dict[str, ConfirmAnswer] = {**answers, **earlier}  # the first answer stands
    rule_codes = {rule.code for rule in load_ruleset().rules}
    kept = [
        Reason.model_validate(reason)
        for reason in view.stored.triage.get("reasons", [])
        if reason.get("code") not in rule_codes
    ]
    result = triage_checkin(
        parse_checkin(view.document), extra_reasons=kept, answers=merged, language=language
    )
    return record_answers(
        store.sessions,
        patient_id=view.stored.patient_id,
        checkin_id=checkin_id,
        answers=merged,
        result=result,
        actor=principal.actor,
    )
