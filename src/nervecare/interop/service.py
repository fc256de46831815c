"""The shell of the FHIR exchange: read or write the store in one transaction each, and call the
pure mapping core. Import is idempotent: a check-in travels under its client id, so sending the
same Bundle or QuestionnaireResponse again stores nothing twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from nervecare.careplan import suggest_care
from nervecare.checkin import CheckIn
from nervecare.interop.fhir.export import PatientExport, bundle_for_patient
from nervecare.interop.fhir.ids import DEFAULT_FHIR_BASE
from nervecare.interop.fhir.imports import parse_import
from nervecare.interop.fhir.problems import FhirInputError, Problem
from nervecare.recovery import HistoryPoint, PatientHistory, assess_trajectory
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import ClientIdConflictError, PatientNotFoundError
from nervecare.store.history import build_history
from nervecare.store.interop import (
    ImportSummary,
    alert_records,
    checkin_records,
    exercise_records,
    feedback_records,
    import_record,
    plan_records,
    programme_records,
)
from nervecare.store.plans import dose_summary, exercise_adherence
from nervecare.store.schemas import NewPatient
from nervecare.store.side_effects_restore import (
    checkin_ids_of,
    restore_side_effect_answers,
    side_effect_records,
)
from nervecare.store.units import patient_record
from nervecare.triage import TriageResult, triage_checkin

__all__ = ["FhirImportSummary", "export_patient", "import_fhir", "read_patient_export"]


class FhirImportSummary(ImportSummary):
    """What a FHIR import did: the store's summary, and the side-effect answers it restored."""

    #: Side-effect answers stored beside the check-ins this import added.
    side_effect_answers_restored: int = 0


def read_patient_export(
    sessions: SessionFactory,
    *,
    patient: int | str,
    on: dt.date,
    since: dt.date | None = None,
    extra_points: Sequence[HistoryPoint] = (),
    action: str = "fhir.exported",
    actor: str = "system",
    clock: Clock = utc_now,
    by_reference: bool = False,
) -> PatientExport:
    """Everything the export, the cards and the reports show about one patient (one audited
    read, then the medication plans and adherence over `since` (default 6 weeks) to `on`);
    `extra_points` (e.g. pain scores an EHR sent along) join the stored history.

    `by_reference` looks the patient up by reference only, as every external interface must
    (an internal number is never a patient's FHIR id)."""
    with sessions.begin() as session:
        found = (
            repo.find_patient_by_reference(session, reference=str(patient))
            if by_reference
            else repo.find_patient(session, key=patient)
        )
        if found is None:
            raise PatientNotFoundError(patient)
        append_audit(session, at=clock(), actor=actor, action=action, patient_id=found.id)
        record = patient_record(session, patient=found)
        history = build_history(session, patient=found)
        checkins = tuple(checkin_records(session, patient_id=found.id))
        alerts = tuple(alert_records(session, patient_id=found.id))
        exercise = tuple(exercise_records(session, patient_id=found.id))
        plans = tuple(plan_records(session, patient_id=found.id))
        programmes = tuple(programme_records(session, patient_id=found.id))
        feedback = tuple(feedback_records(session, patient_id=found.id))
        side_effects = tuple(side_effect_records(session, patient_id=found.id))
    if extra_points:
        history = PatientHistory.model_validate(
            {**history.model_dump(), "points": [*history.points, *extra_points]}
        )
    trajectory = assess_trajectory(history, on=on)
    start = since if since is not None else on - dt.timedelta(weeks=6)
    doses = dose_summary(
        sessions, patient=record.id, from_date=start, to_date=on, actor=actor, clock=clock
    )
    adherence = exercise_adherence(
        sessions, patient=record.id, from_date=start, to_date=on, actor=actor, clock=clock
    )
    return PatientExport(
        record=record,
        history=history,
        checkins=checkins,
        alerts=alerts,
        exercise=exercise,
        trajectory=trajectory,
        suggestions=suggest_care(history, trajectory),
        medication_plans=plans,
        exercise_programmes=programmes,
        exercise_feedback=feedback,
        side_effects=side_effects,
        dose_counts=tuple(doses),
        exercise_adherence=adherence,
    )


def export_patient(
    sessions: SessionFactory,
    *,
    patient: int | str,
    on: dt.date | None = None,
    actor: str = "system",
    clock: Clock = utc_now,
    fhir_base: str = DEFAULT_FHIR_BASE,
    by_reference: bool = False,
) -> Bundle:
    """The patient's record as a validated FHIR Bundle; trajectory and suggestions as of `on`
    (`by_reference`: see `read_patient_export`)."""
    now = clock()
    data = read_patient_export(
        sessions,
        patient=patient,
        on=on or now.date(),
        actor=actor,
        clock=lambda: now,
        by_reference=by_reference,
    )
    return bundle_for_patient(data, now=now, fhir_base=fhir_base)


def import_fhir(
    sessions: SessionFactory,
    document: Any,
    *,
    actor: str = "system",
    clock: Clock = utc_now,
    triage: Callable[[CheckIn], TriageResult] = triage_checkin,
) -> FhirImportSummary:
    """Store a FHIR Bundle, Patient + Procedure, or QuestionnaireResponse(s) in one transaction.

    Raises `FhirInputError` (nothing stored) when the document cannot be taken in.
    """
    request = parse_import(document)
    now = clock()
    try:
        with sessions.begin() as session:
            new = request.new
            if new is None:
                found = repo.find_patient_by_reference(
                    session, reference=request.patient_key or "", lock=True
                )
                if found is None:
                    raise FhirInputError(
                        [
                            Problem(
                                "QuestionnaireResponse.subject",
                                f"no patient {request.patient_key!r}: enrol them first "
                                "(Patient and Procedure)",
                                "not-found",
                            )
                        ]
                    )
                new = NewPatient(
                    team="-",
                    reference=found.reference,
                    display_name="-",
                    surgery=build_history(session, patient=found).surgery,
                )
            stored_before = checkin_ids_of(session, reference=new.reference)
            summary = import_record(
                session,
                new=new,
                checkins=request.checkins,
                medications=request.medications,
                procedures=request.procedures,
                exercise=request.exercise,
                plans=request.plans,
                programmes=request.programmes,
                feedback=request.feedback,
                triage=triage,
                actor=actor,
                now=now,
            )
            restored = restore_side_effect_answers(
                session,
                patient_id=summary.patient.id,
                answers=request.side_effects,
                stored_before=stored_before,
                actor=actor,
                now=now,
            )
            return FhirImportSummary(
                **{name: getattr(summary, name) for name in ImportSummary.model_fields},
                side_effect_answers_restored=restored,
            ).model_copy(update={"notes": (*request.notes, *summary.notes)})
    except ClientIdConflictError as error:
        raise FhirInputError(
            [Problem("QuestionnaireResponse.identifier", str(error), "conflict")]
        ) from None
