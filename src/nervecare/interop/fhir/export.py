"""A patient's record as a FHIR Bundle (type collection), every resource validated.

Pure: the shell reads the store and passes a `PatientExport`; the trajectory and care-plan
suggestions are computed by the caller for a given day, so the same input gives the same Bundle
(apart from the Bundle's own id and timestamp).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource
from pydantic import BaseModel, ConfigDict

from nervecare.careplan import Suggestion
from nervecare.checkin import parse_checkin
from nervecare.interop.fhir._codes import Codes, load_codes
from nervecare.interop.fhir._extensions import complex_extension
from nervecare.interop.fhir.ids import (
    DEFAULT_FHIR_BASE,
    checkin_client_id,
    patient_resource_id,
    safe_id,
)
from nervecare.interop.fhir.narrative import with_narrative
from nervecare.interop.fhir.plans import plan_resources
from nervecare.interop.fhir.questionnaire import checkin_questionnaire, response_from_checkin
from nervecare.interop.fhir.side_effects import side_effect_resources
from nervecare.knowledge import load_sources
from nervecare.recovery.models import PatientHistory, Trajectory
from nervecare.rehab.models import AdherenceSummary
from nervecare.store.interop import (
    AlertRecord,
    CheckInRecord,
    ExerciseRecord,
    FeedbackRecord,
    PlanRecord,
    ProgrammeRecord,
)
from nervecare.store.plans import DoseCount
from nervecare.store.schemas import PatientRecord
from nervecare.store.side_effects_restore import ExportedSideEffect

__all__ = [
    "ALERT_EXTENSION",
    "INDEX_OPERATION",
    "SNOMED",
    "TREATMENT_DONE",
    "PatientExport",
    "bundle_for_patient",
]

#: The extension (under the project's StructureDefinition namespace) holding an alert's handling.
ALERT_EXTENSION = "alert"
INDEX_OPERATION = "index-operation"
SNOMED = "http://snomed.info/sct"
TREATMENT_DONE = "treatment-done"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
BODY_TEMPERATURE_PROFILE = "http://hl7.org/fhir/StructureDefinition/bodytemp"
_ALERT_STATUS = {
    "pending": "preparation",
    "delivering": "in-progress",
    "delivered": "completed",
    "failed": "stopped",
}


class PatientExport(BaseModel):
    """Everything the export needs about one patient, read by the shell."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record: PatientRecord
    history: PatientHistory
    checkins: tuple[CheckInRecord, ...]
    alerts: tuple[AlertRecord, ...]
    exercise: tuple[ExerciseRecord, ...]
    trajectory: Trajectory
    suggestions: tuple[Suggestion, ...]
    #: Medication plans (issue 7), oldest first, each with its dose reports: exported as
    #: MedicationRequests and MedicationAdministrations (see `interop.fhir.plans`).
    medication_plans: tuple[PlanRecord, ...] = ()
    #: Exercise programmes (the level reached per track), oldest first, and exercise feedback.
    exercise_programmes: tuple[ProgrammeRecord, ...] = ()
    exercise_feedback: tuple[FeedbackRecord, ...] = ()
    #: Side-effect answers given in check-ins while a medicine was being started, in check-in
    #: order: exported as Observations (see `interop.fhir.side_effects`).
    side_effects: tuple[ExportedSideEffect, ...] = ()
    #: Doses due, taken and missed per drug over the reporting period (active plan).
    dose_counts: tuple[DoseCount, ...] = ()
    #: Sessions done against planned in the active exercise programme, over the same period.
    exercise_adherence: AdherenceSummary | None = None


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


#: The parts of a question the notes raised, as its extension carries them (`value` as JSON).
_QUESTION_PARTS = ("code", "field", "level", "question", "evidence", "answer")


class _Builder:
    def __init__(self, data: PatientExport, *, fhir_base: str, app_base: str | None) -> None:
        self.data = data
        self.codes: Codes = load_codes()
        self.fhir_base = fhir_base.rstrip("/")
        self.app_base = app_base
        self.reference = data.record.reference
        self.patient_id = patient_resource_id(self.reference)
        self.subject = {
            "reference": f"Patient/{self.patient_id}",
            "identifier": {
                "system": self.codes.systems.patient_reference,
                "value": self.reference,
            },
        }
        self.resources: list[Resource] = []

    def ext(self, name: str, **value: Any) -> dict[str, Any]:
        return {"url": self.codes.extension_url(name), **value}

    # ------------------------------------------------------------------ patient and surgery

    def patient(self) -> None:
        record = self.data.record
        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "id": self.patient_id,
            "identifier": [
                {"system": self.codes.systems.patient_reference, "value": self.reference}
            ],
            "name": [{"text": record.display_name}],
            "managingOrganization": {"display": record.team},
        }
        if record.birth_year is not None:
            resource["birthDate"] = f"{record.birth_year:04d}"
        if record.is_synthetic:
            tag = self.codes.test_data_tag
            resource["meta"] = {"tag": [_coding(tag.system, tag.code, tag.display)]}
        self.resources.append(Patient.model_validate(resource))

    def surgery(self) -> None:
        surgery = self.data.record.surgery
        code = self.codes.procedures[surgery.procedure]
        codings = [_coding(self.codes.systems.procedure, surgery.procedure, code.display)]
        if code.snomed is not None:
            codings.insert(0, _coding(SNOMED, code.snomed, code.snomed_display))
        resource = {
            "resourceType": "Procedure",
            "id": safe_id("surgery-", self.reference),
            "status": "completed",
            "category": {
                "coding": [
                    _coding(
                        f"{self.codes.systems.procedure}-category",
                        INDEX_OPERATION,
                        "Index spinal operation",
                    )
                ]
            },
            "code": {"coding": codings, "text": code.display},
            "subject": self.subject,
            "performedDateTime": surgery.date.isoformat(),
            "bodySite": [{"text": level} for level in surgery.spinal_levels],
            "extension": [self.ext("side", valueCode=surgery.side)],
        }
        self.resources.append(Procedure.model_validate(resource))

    def _measure(
        self,
        *,
        resource_id: str,
        measure: str,
        value: float,
        when: str | None,
        derived_from: str | None,
        baseline: bool,
    ) -> None:
        codes = self.codes
        codings = [_coding(codes.systems.measure, measure)]
        unit: dict[str, Any] = {
            "unit": "score",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        }
        if measure in ("leg_pain", "back_pain"):
            pain = codes.pain_severity
            codings.insert(0, _coding(pain.system, pain.code, pain.display))
        category = _coding(OBSERVATION_CATEGORY, "survey")
        if measure == "temperature_c":
            # A vital sign (FHIR R4 body temperature profile): LOINC 8310-5, UCUM Cel.
            unit = {"unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel"}
            temperature = codes.body_temperature
            codings.insert(0, _coding(temperature.system, temperature.code, temperature.display))
            category = _coding(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": resource_id,
            "status": "final",
            "category": [{"coding": [category]}],
            "code": {"coding": codings, "text": measure.replace("_", " ")},
            "subject": self.subject,
            "valueQuantity": {"value": value, **unit},
        }
        if measure in ("leg_pain", "back_pain"):
            resource["bodySite"] = {"text": measure.split("_", maxsplit=1)[0]}
        if measure == "temperature_c":
            resource["meta"] = {"profile": [BODY_TEMPERATURE_PROFILE]}
        if when is not None:
            resource["effectiveDateTime"] = when
        if derived_from is not None:
            resource["derivedFrom"] = [{"reference": derived_from}]
        if baseline:
            resource["focus"] = [{"reference": f"Procedure/{safe_id('surgery-', self.reference)}"}]
            resource["extension"] = [self.ext("preoperative-baseline", valueBoolean=True)]
        self.resources.append(Observation.model_validate(resource))

    def baseline(self) -> None:
        baseline = self.data.record.baseline
        if baseline is None:
            return
        when = None if baseline.recorded_on is None else baseline.recorded_on.isoformat()
        for measure, value in (
            ("leg_pain", baseline.leg_pain),
            ("back_pain", baseline.back_pain),
            ("function_odi", baseline.function_odi),
        ):
            if value is not None:
                self._measure(
                    resource_id=safe_id(f"baseline-{measure.replace('_', '-')}-", self.reference),
                    measure=measure,
                    value=value,
                    when=when,
                    derived_from=None,
                    baseline=True,
                )

    # ------------------------------------------------------------------ check-ins

    def checkins(self) -> dict[int, str]:
        """QuestionnaireResponse + derived Observations per check-in; row id -> QR reference."""
        references: dict[int, str] = {}
        for stored in self.data.checkins:
            client_id = checkin_client_id(stored.client_id, stored.id)
            response_id = safe_id("qr-", client_id)
            references[stored.id] = f"QuestionnaireResponse/{response_id}"
            checkin = parse_checkin(stored.document)
            response = response_from_checkin(
                checkin,
                response_id=response_id,
                subject=f"Patient/{self.patient_id}",
                client_id=client_id,
                authored=_iso(stored.recorded_at),
            )
            document = response.model_dump(mode="json", exclude_none=True)
            document["subject"] = self.subject
            if stored.reviewed_at is not None:
                document.setdefault("extension", []).append(
                    self.ext("reviewed-at", valueDateTime=_iso(stored.reviewed_at))
                )
            document.setdefault("extension", []).extend(self.triage_extensions(stored.triage))
            self.resources.append(QuestionnaireResponse.model_validate(document))
            for measure in ("leg_pain", "back_pain", "function_odi", "temperature_c"):
                value = getattr(checkin, measure)
                if value is None:
                    continue
                self._measure(
                    resource_id=safe_id(f"obs-{measure.replace('_', '-')}-", client_id),
                    measure=measure,
                    value=value,
                    when=_iso(stored.recorded_at),
                    derived_from=references[stored.id],
                    baseline=False,
                )
        return references

    def triage_extensions(self, triage: dict[str, Any]) -> list[dict[str, Any]]:
        """The triage result (contract v2) a check-in carries: level, status and unanswered
        red-flag questions, then each question the notes raised, with its answer once given."""
        if not triage.get("level"):
            return []
        summary = [("level", triage["level"]), ("status", triage.get("status", "final"))]
        summary += [("unanswered", field) for field in triage.get("unanswered", [])]
        extensions = [complex_extension(self.codes.extension_url("triage"), summary)]
        questions = [*triage.get("confirm", []), *triage.get("answers", [])]
        for question in questions:
            parts = {name: question.get(name) for name in _QUESTION_PARTS}
            parts["value"] = json.dumps(question.get("value"))
            extensions.append(complex_extension(self.codes.extension_url("notes-question"), parts))
        return extensions

    def flags(self, references: dict[int, str]) -> None:
        """One Flag per open (not yet reviewed) red flag, from its first unreviewed report."""
        summaries: dict[str, tuple[str, CheckInRecord | None]] = {}
        for stored in self.data.checkins:
            if stored.reviewed_at is not None:
                continue
            for reason in stored.triage.get("reasons", []):
                code = str(reason.get("code"))
                if code in stored.red_flags and code not in summaries:
                    summaries[code] = (str(reason.get("summary", code)), stored)
        for code in self.data.history.open_red_flags:
            summary, first = summaries.get(code, (code, None))
            resource: dict[str, Any] = {
                "resourceType": "Flag",
                "id": safe_id("flag-", f"{self.reference}-{code}"),
                "status": "active",
                "category": [
                    {
                        "coding": [
                            _coding(
                                "http://terminology.hl7.org/CodeSystem/flag-category", "clinical"
                            )
                        ]
                    }
                ],
                "code": {"coding": [_coding(self.codes.systems.red_flag, code)], "text": summary},
                "subject": self.subject,
            }
            if first is not None:
                resource["period"] = {"start": _iso(first.recorded_at)}
                resource["extension"] = [
                    self.ext("reported-in", valueReference={"reference": references[first.id]})
                ]
            self.resources.append(Flag.model_validate(resource))

    def communications(self, references: dict[int, str]) -> None:
        """One Communication per alert raised, with how far it got: delivered, escalated,
        acknowledged, resolved (the `alert` extension), so that an import restores it as it
        was instead of paging the care team again."""
        for number, alert in enumerate(self.data.alerts, 1):
            resource: dict[str, Any] = {
                "resourceType": "Communication",
                "id": safe_id("alert-", f"{self.reference}-{number}"),
                "status": _ALERT_STATUS.get(alert.state, "unknown"),
                "priority": "stat" if alert.level == "emergency" else "urgent",
                "subject": self.subject,
                "sent": _iso(alert.created_at),
                "payload": [
                    {
                        "contentString": f"{alert.level.upper()} check-in for {self.reference}: "
                        "please review"
                    }
                ],
                "extension": [
                    complex_extension(
                        self.codes.extension_url(ALERT_EXTENSION),
                        {
                            "level": alert.level,
                            "state": alert.state,
                            "attempts": alert.attempts,
                            "stage": alert.stage,
                            "delivered-at": alert.delivered_at,
                            "escalated-at": alert.escalated_at,
                            "acknowledged-at": alert.acknowledged_at,
                            "resolved-at": alert.resolved_at,
                            "resolution-note": alert.resolution_note,
                            "actionable": alert.actionable,
                            "last-error": alert.last_error,
                        },
                    )
                ],
            }
            if alert.delivered_at is not None:
                resource["received"] = _iso(alert.delivered_at)
            if alert.checkin_id in references:
                resource["about"] = [{"reference": references[alert.checkin_id]}]
            self.resources.append(Communication.model_validate(resource))

    # ------------------------------------------------------------------ treatment and plans

    def medications(self) -> None:
        for number, trial in enumerate(self.data.history.medications, 1):
            period: dict[str, str] = {"start": trial.started_on.isoformat()}
            if trial.stopped_on is not None:
                period["end"] = trial.stopped_on.isoformat()
            resource: dict[str, Any] = {
                "resourceType": "MedicationStatement",
                "id": safe_id("med-", f"{self.reference}-{number}"),
                "status": "completed" if trial.stopped_on is not None else "active",
                "category": {"coding": [_coding(self.codes.systems.drug_class, trial.drug_class)]},
                "medicationCodeableConcept": {"text": trial.drug},
                "subject": self.subject,
                "effectivePeriod": period,
                "extension": [self.ext("outcome", valueCode=trial.outcome)],
            }
            if trial.dose_note:
                resource["dosage"] = [{"text": trial.dose_note}]
            self.resources.append(MedicationStatement.model_validate(resource))

    def plans(self) -> None:
        """Medication plans with their dose reports, exercise programmes and feedback."""
        self.resources += plan_resources(
            plans=self.data.medication_plans,
            programmes=self.data.exercise_programmes,
            feedback=self.data.exercise_feedback,
            codes=self.codes,
            reference=self.reference,
            subject=self.subject,
        )

    def side_effects(self, references: dict[int, str]) -> None:
        """Side-effect answers, each pointing at its check-in and at the medicine started."""
        self.resources += side_effect_resources(
            answers=self.data.side_effects,
            plans=self.data.medication_plans,
            responses=references,
            codes=self.codes,
            reference=self.reference,
            subject=self.subject,
        )

    def procedures_done(self) -> None:
        for number, done in enumerate(self.data.history.procedures_done, 1):
            resource: dict[str, Any] = {
                "resourceType": "Procedure",
                "id": safe_id("proc-", f"{self.reference}-{number}"),
                "status": "completed",
                "category": {
                    "coding": [_coding(f"{self.codes.systems.procedure}-category", TREATMENT_DONE)]
                },
                "code": {
                    "coding": [_coding(self.codes.systems.procedure, done.kind)],
                    "text": done.kind.replace("_", " "),
                },
                "subject": self.subject,
                "performedDateTime": done.performed_on.isoformat(),
                "outcome": {"coding": [_coding(self.codes.systems.outcome, done.outcome)]},
            }
            if done.note:
                resource["note"] = [{"text": done.note}]
            self.resources.append(Procedure.model_validate(resource))

    def exercise_plan(self) -> None:
        if not self.data.exercise:
            return
        activities = []
        for session in self.data.exercise:
            detail: dict[str, Any] = {
                "status": "completed",
                "code": {
                    "coding": [_coding(self.codes.systems.exercise_stage, session.stage)],
                    "text": session.exercise or session.stage,
                },
                "scheduledPeriod": {
                    "start": session.performed_on.isoformat(),
                    "end": session.performed_on.isoformat(),
                },
                "extension": [self.ext("supervised", valueBoolean=session.supervised)],
            }
            if session.minutes is not None:
                detail["extension"].append(self.ext("minutes", valueInteger=session.minutes))
            activities.append({"detail": detail})
        resource = {
            "resourceType": "CarePlan",
            "id": safe_id("exercise-", self.reference),
            "status": "active",
            "intent": "plan",
            "title": "Exercise programme",
            "category": [{"text": "exercise programme"}],
            "subject": self.subject,
            "activity": activities,
        }
        self.resources.append(CarePlan.model_validate(resource))

    def suggestions(self) -> None:
        if not self.data.suggestions:
            return
        registry = load_sources()
        activities = []
        for suggestion in self.data.suggestions:
            links = [registry[key].link for key in suggestion.sources if key in registry]
            reasons = [
                f"{fact.field} = {fact.value} ({fact.condition})"
                for fact in suggestion.triggered_by
            ]
            detail: dict[str, Any] = {
                "status": "not-started",
                "kind": "ServiceRequest",
                "code": {
                    "coding": [_coding(self.codes.systems.suggestion, suggestion.key)],
                    "text": suggestion.title,
                },
                "description": f"{suggestion.rationale} Sources: {', '.join(suggestion.sources)}",
            }
            if links:
                detail["instantiatesUri"] = links
            if reasons:
                detail["reasonCode"] = [{"text": reason} for reason in reasons]
            activities.append({"detail": detail})
        trajectory = self.data.trajectory
        resource = {
            "resourceType": "CarePlan",
            "id": safe_id("suggestions-", self.reference),
            "status": "active",
            "intent": "proposal",
            "title": "Stepped-care suggestions (decision support, not orders)",
            "description": (
                f"Trajectory {trajectory.classification} as of "
                f"{trajectory.as_of.isoformat()}; suggestions for the care team."
            ),
            "subject": self.subject,
            "activity": activities,
        }
        self.resources.append(CarePlan.model_validate(resource))


def bundle_for_patient(
    data: PatientExport,
    *,
    now: dt.datetime,
    fhir_base: str = DEFAULT_FHIR_BASE,
    app_base: str | None = None,
    bundle_id: str | None = None,
) -> Bundle:
    """The Bundle: Patient, surgery, baseline, Questionnaire, one QuestionnaireResponse (and its
    Observations) per check-in, Flags, Communications for alerts, MedicationStatements, medication
    plans (MedicationRequests and doses), side-effect answers (Observations), Procedures done and
    CarePlans."""
    builder = _Builder(data, fhir_base=fhir_base, app_base=app_base)
    builder.patient()
    builder.surgery()
    builder.baseline()
    builder.resources.append(checkin_questionnaire())
    references = builder.checkins()
    builder.flags(references)
    builder.communications(references)
    builder.medications()
    builder.plans()
    builder.side_effects(references)
    builder.procedures_done()
    builder.exercise_plan()
    builder.suggestions()
    return _bundle(builder.resources, fhir_base=builder.fhir_base, now=now, bundle_id=bundle_id)


def _bundle(
    resources: Sequence[Resource], *, fhir_base: str, now: dt.datetime, bundle_id: str | None
) -> Bundle:
    entries = [
        {
            "fullUrl": f"{fhir_base}/{resource.get_resource_type()}/{resource.id}",
            "resource": with_narrative(resource.model_dump(mode="json", exclude_none=True)),
        }
        for resource in resources
    ]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": bundle_id or str(uuid.uuid4()),
            "type": "collection",
            "timestamp": _iso(now),
            "entry": entries,
        }
    )
