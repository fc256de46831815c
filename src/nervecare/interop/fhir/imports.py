"""Taking FHIR in: a Bundle (or a single Patient + Procedure, or QuestionnaireResponses) mapped
to nervecare's values, or a `FhirInputError` with one problem per thing wrong.

Only what nervecare records is read back: Patient, the index operation (Procedure), baseline
Observations, QuestionnaireResponses (the check-ins), MedicationStatements, Procedures done, the
exercise CarePlan, medication plans with their doses, exercise programmes and feedback
(`interop.fhir.plans`), the side-effect answers given in check-ins (`interop.fhir.side_effects`),
and the Communication of each alert (how it was handled, so that it is restored rather than sent
again). Observations derived from check-ins, Flags and the suggestion
CarePlan are recomputed from those, so they are not read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, get_args

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from nervecare.interop.fhir._codes import load_codes
from nervecare.interop.fhir._extensions import extension_values, find_extension
from nervecare.interop.fhir.export import ALERT_EXTENSION, SNOMED, TREATMENT_DONE
from nervecare.interop.fhir.ids import patient_resource_id
from nervecare.interop.fhir.integrity import (
    BundleEntry,
    PatientIdentity,
    bundle_entries,
    patient_reference_problems,
    reference_problems,
    resource_type_problem,
)
from nervecare.interop.fhir.plans import is_programme, read_plans
from nervecare.interop.fhir.problems import FhirInputError, Problem, problems_from_validation
from nervecare.interop.fhir.questionnaire import checkin_from_response
from nervecare.interop.fhir.side_effects import read_side_effects
from nervecare.recovery.models import (
    Baseline,
    MedicationTrial,
    ProcedureDone,
    Side,
    Surgery,
    SurgicalProcedure,
)
from nervecare.store.interop import (
    ExerciseRecord,
    FeedbackRecord,
    ImportedAlert,
    ImportedCheckIn,
    PlanRecord,
    ProgrammeRecord,
)
from nervecare.store.schemas import NewPatient
from nervecare.store.side_effects_restore import ImportedSideEffect

__all__ = ["DEFAULT_TEAM", "ImportRequest", "parse_import", "patient_key_of_response"]

DEFAULT_TEAM = "Imported from FHIR"

_MODELS: dict[str, type[Any]] = {
    "Patient": Patient,
    "Procedure": Procedure,
    "Observation": Observation,
    "QuestionnaireResponse": QuestionnaireResponse,
    "MedicationStatement": MedicationStatement,
    "CarePlan": CarePlan,
    "MedicationRequest": MedicationRequest,
    "MedicationAdministration": MedicationAdministration,
    "Communication": Communication,
    "Flag": Flag,
    "Questionnaire": Questionnaire,
}
#: Read only to be validated: nervecare recomputes them from the check-ins (and serves its own
#: Questionnaire), so they cannot be imported on their own.
_RECOMPUTED = frozenset({"Flag", "Questionnaire"})
#: Communication.status -> alert state, for a Communication without nervecare's alert extension.
_ALERT_STATE = {
    "preparation": "pending",
    "in-progress": "pending",
    "completed": "delivered",
    "stopped": "failed",
}


class ImportRequest(BaseModel):
    """What an incoming document asks the store to do."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    new: NewPatient | None
    patient_key: str | None
    checkins: tuple[ImportedCheckIn, ...]
    medications: tuple[MedicationTrial, ...] = ()
    procedures: tuple[ProcedureDone, ...] = ()
    exercise: tuple[ExerciseRecord, ...] = ()
    plans: tuple[PlanRecord, ...] = ()
    programmes: tuple[ProgrammeRecord, ...] = ()
    feedback: tuple[FeedbackRecord, ...] = ()
    #: Side-effect answers, each with the client id of the check-in it was given in.
    side_effects: tuple[ImportedSideEffect, ...] = ()
    #: What was read but will not be stored, in plain words (reported in the import result).
    notes: tuple[str, ...] = ()


def _ext(resource: Any, name: str) -> Any:
    url = load_codes().extension_url(name)
    for extension in getattr(resource, "extension", None) or []:
        if extension.url == url:
            return extension
    return None


def _code(concept: Any, system: str) -> str | None:
    for coding in (concept.coding or []) if concept is not None else []:
        if coding.system == system and coding.code:
            return str(coding.code)
    return None


def _category(resource: Any) -> str | None:
    system = f"{load_codes().systems.procedure}-category"
    return _code(resource.category, system)


def patient_key_of_response(response: QuestionnaireResponse) -> str | None:
    """The nervecare reference of the response's subject (identifier first, then id)."""
    subject = response.subject
    if subject is None:
        return None
    identifier = subject.identifier
    if identifier is not None and identifier.system == load_codes().systems.patient_reference:
        return str(identifier.value)
    reference = subject.reference or ""
    return reference.split("/", 1)[1] if reference.startswith("Patient/") else None


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.codes = load_codes()

    def add(self, where: str, message: str, code: Any = "invalid") -> None:
        self.problems.append(Problem(where, message, code))

    def patient(self, patient: Patient, where: str) -> dict[str, Any]:
        reference = None
        for identifier in patient.identifier or []:
            if identifier.system == self.codes.systems.patient_reference:
                reference = identifier.value
        reference = reference or patient.id
        name = None
        if patient.name:
            first = patient.name[0]
            given = [str(part) for part in first.given or [] if part]
            name = first.text or " ".join([*given, first.family or ""]).strip()
        if not name:
            self.add(f"{where}.name", "the patient needs a name", "required")
        birth_year = int(str(patient.birthDate)[:4]) if patient.birthDate else None
        team = None
        if patient.managingOrganization is not None:
            team = patient.managingOrganization.display
        tags = (
            {(tag.system, tag.code) for tag in (patient.meta.tag or [])} if patient.meta else set()
        )
        test_data = self.codes.test_data_tag
        # HL7's "test health data" tag; earlier exports wrote "synthetic" under the project's
        # extension namespace, which is still read.
        synthetic = (test_data.system, test_data.code) in tags or any(
            code == "synthetic" for _system, code in tags
        )
        return {
            "reference": reference,
            "display_name": name or "?",
            "birth_year": birth_year,
            "team": team or DEFAULT_TEAM,
            "is_synthetic": synthetic,
        }

    def surgery(self, procedure: Procedure, where: str) -> Surgery | None:
        code = _code(procedure.code, self.codes.systems.procedure)
        if code is None:
            for name, known in self.codes.procedures.items():
                if known.snomed and _code(procedure.code, SNOMED) == known.snomed:
                    code = name
        if code not in get_args(SurgicalProcedure):
            self.add(
                f"{where}.code",
                "the operation must be coded as discectomy, laminectomy, "
                f"fusion or other ({self.codes.systems.procedure})",
                "value",
            )
            return None
        performed = procedure.performedDateTime
        if performed is None:
            self.add(
                f"{where}.performedDateTime", "the date of the operation is needed", "required"
            )
            return None
        side_ext = _ext(procedure, "side")
        side = side_ext.valueCode if side_ext is not None else "unknown"
        if side not in get_args(Side):
            self.add(f"{where}.extension", f"unknown side {side!r}", "value")
            return None
        day = (
            performed.date()
            if isinstance(performed, dt.datetime)
            else dt.date.fromisoformat(str(performed)[:10])
        )
        return Surgery(
            date=day,
            procedure=code,
            side=side,
            spinal_levels=tuple(site.text for site in procedure.bodySite or [] if site.text),
        )

    def done(self, procedure: Procedure, where: str) -> ProcedureDone | None:
        try:
            performed = procedure.performedDateTime
            return ProcedureDone.model_validate(
                {
                    "kind": _code(procedure.code, self.codes.systems.procedure),
                    "performed_on": str(performed)[:10] if performed is not None else None,
                    "outcome": _code(procedure.outcome, self.codes.systems.outcome) or "unknown",
                    "note": procedure.note[0].text if procedure.note else "",
                }
            )
        except ValidationError as error:
            self.problems += [
                Problem(f"{where}", f"{d['loc']}: {d['msg']}", "value") for d in error.errors()
            ]
            return None

    def medication(self, statement: MedicationStatement, where: str) -> MedicationTrial | None:
        period = statement.effectivePeriod
        outcome = _ext(statement, "outcome")
        try:
            return MedicationTrial.model_validate(
                {
                    "drug": statement.medicationCodeableConcept.text
                    if statement.medicationCodeableConcept
                    else None,
                    "drug_class": _code(statement.category, self.codes.systems.drug_class)
                    or "other",
                    "started_on": str(period.start)[:10] if period and period.start else None,
                    "stopped_on": str(period.end)[:10] if period and period.end else None,
                    "dose_note": statement.dosage[0].text or "" if statement.dosage else "",
                    "outcome": outcome.valueCode if outcome is not None else "unknown",
                }
            )
        except ValidationError as error:
            self.problems += [
                Problem(where, f"{d['loc']}: {d['msg']}", "value") for d in error.errors()
            ]
            return None

    def exercise(self, plan: CarePlan) -> list[ExerciseRecord]:
        sessions = []
        for activity in plan.activity or []:
            detail = activity.detail
            if detail is None or detail.scheduledPeriod is None:
                continue
            minutes = _ext(detail, "minutes")
            supervised = _ext(detail, "supervised")
            stage = _code(detail.code, self.codes.systems.exercise_stage) or "none"
            text = detail.code.text if detail.code is not None else ""
            sessions.append(
                ExerciseRecord(
                    performed_on=dt.date.fromisoformat(str(detail.scheduledPeriod.start)[:10]),
                    stage=stage,
                    exercise="" if text == stage else (text or ""),
                    minutes=minutes.valueInteger if minutes is not None else None,
                    supervised=bool(supervised.valueBoolean) if supervised is not None else False,
                )
            )
        return sessions

    def checkin(self, response: QuestionnaireResponse, where: str) -> ImportedCheckIn | None:
        try:
            checkin = checkin_from_response(response)
        except FhirInputError as error:
            self.problems += [
                Problem(p.expression.replace("QuestionnaireResponse", where, 1), p.message, p.code)
                for p in error.problems
            ]
            return None
        client_id = None
        if response.identifier is not None and response.identifier.value:
            client_id = str(response.identifier.value)
        client_id = client_id or response.id
        if not client_id:
            self.add(
                f"{where}.identifier",
                "a check-in needs an identifier or an id, so that "
                "sending it again does not store it twice",
                "required",
            )
            return None
        reviewed = _ext(response, "reviewed-at")
        return ImportedCheckIn(
            client_id=client_id,
            checkin=checkin,
            reviewed=reviewed is not None,
            reviewed_at=reviewed.valueDateTime if reviewed is not None else None,
        )

    def alert(self, message: Communication, where: str) -> ImportedAlert | None:
        """The alert a Communication records: nervecare's extension when present, else what
        the Communication's own status and priority say."""
        values = extension_values(
            find_extension(message, self.codes.extension_url(ALERT_EXTENSION))
        )

        def one(name: str) -> Any:
            found = values.get(name)
            return found[0] if found else None

        level = one("level") or ("emergency" if message.priority == "stat" else "urgent")
        if message.sent is None:
            self.add(f"{where}.sent", "an alert needs the time it was raised (sent)", "required")
            return None
        try:
            return ImportedAlert.model_validate(
                {
                    "level": level,
                    "state": one("state") or _ALERT_STATE.get(str(message.status), "pending"),
                    "created_at": message.sent,
                    "attempts": one("attempts") or 0,
                    "stage": one("stage") or "initial",
                    "delivered_at": one("delivered-at") or message.received,
                    "escalated_at": one("escalated-at"),
                    "acknowledged_at": one("acknowledged-at"),
                    "resolved_at": one("resolved-at"),
                    "resolution_note": one("resolution-note"),
                    "actionable": one("actionable"),
                    "last_error": one("last-error"),
                }
            )
        except ValidationError as error:
            self.problems += [
                Problem(f"{where}", f"{'.'.join(map(str, d['loc']))}: {d['msg']}", "value")
                for d in error.errors()
            ]
            return None


def _validated(entries: list[BundleEntry], reader: _Reader) -> list[Any]:
    parsed: list[Any] = []
    for entry in entries:
        document, where = entry.resource, entry.where
        kind = document.get("resourceType")
        model = _MODELS.get(str(kind))
        if model is None:
            parsed.append((None, where))
            reader.notes.append(f"{where}: a {kind} is not read by nervecare and was not imported")
            continue
        try:
            parsed.append((model.model_validate(document), where))
        except ValidationError as error:
            reader.problems += [
                Problem(p.expression.replace(str(kind), where, 1), p.message, p.code)
                for p in problems_from_validation(str(kind), error)
            ]
    return parsed


def _entries(document: Any, reader: _Reader) -> list[BundleEntry]:
    if not isinstance(document, dict):
        reader.add("(document)", "expected a FHIR resource (a JSON object)", "structure")
        return []
    kind = document.get("resourceType")
    if kind != "Bundle":
        if not isinstance(kind, str) or kind not in _MODELS or kind in _RECOMPUTED:
            problem = resource_type_problem(kind, "(document)")
            hint = f" ({problem.message})" if problem is not None else ""
            reader.add(
                "resourceType",
                f"cannot import a {kind!r}{hint}: send a Bundle, a Patient "
                "with its Procedure, or a QuestionnaireResponse",
                "structure",
            )
            return []
        return [BundleEntry(document, str(kind), None)]
    entries = bundle_entries(document, reader.problems)
    if reader.problems:
        return []
    try:
        Bundle.model_validate(
            {k: v for k, v in document.items() if k != "entry"}
            | {
                "entry": [
                    {k: v for k, v in e.items() if k != "resource"}
                    for e in document.get("entry") or []
                ]
            }
        )
    except ValidationError as error:
        reader.problems += problems_from_validation("Bundle", error)
        return []
    return entries


@dataclass
class _Collected:
    surgery: Surgery | None = None
    surgery_at: str | None = None
    baseline: dict[str, Any] = field(default_factory=dict)
    checkins: list[ImportedCheckIn] = field(default_factory=list)
    medications: list[MedicationTrial] = field(default_factory=list)
    procedures: list[ProcedureDone] = field(default_factory=list)
    exercise: list[ExerciseRecord] = field(default_factory=list)
    #: QuestionnaireResponse reference -> index of its check-in in `checkins`.
    responses: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _baseline_value(resource: Observation, reader: _Reader, collected: _Collected) -> None:
    measure = _code(resource.code, reader.codes.systems.measure)
    quantity = resource.valueQuantity
    if (
        measure in ("leg_pain", "back_pain", "function_odi")
        and quantity
        and quantity.value is not None
    ):
        collected.baseline[measure] = int(quantity.value)
        if resource.effectiveDateTime is not None:
            collected.baseline["recorded_on"] = str(resource.effectiveDateTime)[:10]


def _collect(parsed: list[Any], reader: _Reader) -> _Collected:
    collected = _Collected()
    codes = reader.codes
    for resource, where in parsed:
        if isinstance(resource, Procedure):
            if _category(resource) == TREATMENT_DONE:
                done = reader.done(resource, where)
                collected.procedures += [done] if done is not None else []
            elif collected.surgery_at is None:
                collected.surgery_at = where
                collected.surgery = reader.surgery(resource, where)
            else:
                reader.add(
                    where,
                    "a patient has one index operation; this is a second "
                    f"(the first is {collected.surgery_at})",
                    "structure",
                )
        elif isinstance(resource, Observation) and _ext(resource, "preoperative-baseline"):
            _baseline_value(resource, reader, collected)
        elif isinstance(resource, QuestionnaireResponse):
            imported = reader.checkin(resource, where)
            if imported is not None:
                _add_checkin(imported, resource, where, reader, collected)
        elif isinstance(resource, MedicationStatement):
            trial = reader.medication(resource, where)
            collected.medications += [trial] if trial is not None else []
        elif (
            isinstance(resource, CarePlan)
            and resource.intent == "plan"
            and not is_programme(resource, codes)
        ):
            collected.exercise += reader.exercise(resource)
    _attach_alerts(parsed, reader, collected)
    return collected


def _add_checkin(
    imported: ImportedCheckIn,
    resource: QuestionnaireResponse,
    where: str,
    reader: _Reader,
    collected: _Collected,
) -> None:
    """One check-in per client id: a copy of a check-in already in the Bundle (same identifier,
    same answers) is the same check-in, so its alert stays linked to it and no second one is
    stored or alerted; a different check-in under the same identifier is refused."""
    index = next(
        (i for i, c in enumerate(collected.checkins) if c.client_id == imported.client_id), None
    )
    if index is None:
        index = len(collected.checkins)
        collected.checkins.append(imported)
    elif collected.checkins[index].checkin != imported.checkin:
        reader.add(
            f"{where}.identifier",
            f"another check-in in the Bundle has the identifier {imported.client_id!r} "
            "with different answers",
            "value",
        )
        return
    if resource.id:
        collected.responses[f"QuestionnaireResponse/{resource.id}"] = index


def _attach_alerts(parsed: list[Any], reader: _Reader, collected: _Collected) -> None:
    """Each alert's Communication goes with the check-in it is about."""
    attached: set[int] = set()
    for resource, where in parsed:
        if not isinstance(resource, Communication):
            continue
        about = [ref.reference for ref in resource.about or [] if ref.reference]
        index = next((collected.responses[r] for r in about if r in collected.responses), None)
        if index is None:
            collected.notes.append(
                f"{where}: an alert about a check-in that is not in the Bundle was not imported"
            )
            continue
        if index in attached:
            reader.add(f"{where}.about", "a check-in has one alert; this is a second", "value")
            continue
        alert = reader.alert(resource, where)
        if alert is not None:
            attached.add(index)
            collected.checkins[index] = collected.checkins[index].model_copy(
                update={"alert": alert}
            )


def _new_patient(
    fields: dict[str, Any], where: str, collected: _Collected, reader: _Reader
) -> NewPatient | None:
    if collected.surgery is None:
        if not any(p.expression.startswith("Bundle.entry") for p in reader.problems):
            reader.add(
                "Procedure",
                "enrolling a patient needs the Procedure of their lumbar spine operation",
                "required",
            )
        return None
    if reader.problems:
        return None
    baseline = collected.baseline
    try:
        return NewPatient(
            **fields,
            surgery=collected.surgery,
            baseline=Baseline.model_validate(baseline) if "leg_pain" in baseline else None,
        )
    except ValidationError as error:
        reader.problems += [
            Problem(where, f"{d['loc']}: {d['msg']}", "value") for d in error.errors()
        ]
        return None


def _subject_key(parsed: list[Any], collected: _Collected, reader: _Reader) -> str | None:
    keys = {patient_key_of_response(r) for r, _ in parsed if isinstance(r, QuestionnaireResponse)}
    if not collected.checkins and not reader.problems:
        reader.add("(document)", "nothing to import: no Patient and no check-in", "required")
        return None
    if None in keys or len(keys) != 1:
        reader.add(
            "QuestionnaireResponse.subject",
            "each check-in must name one patient (subject), the same for all",
            "required",
        )
        return None
    return keys.pop()


def _identity_problems(
    entries: list[BundleEntry], patients: list[tuple[Patient, str]], key: str | None
) -> list[Problem]:
    """Every reference to a patient names the Bundle's one patient (its Patient, or the one
    patient its check-ins name), and every other reference resolves inside the Bundle."""
    if patients:
        patient, where = patients[0]
        entry = next(e for e in entries if e.where == where)
        local = {f"Patient/{patient.id}"} if patient.id else set()
        local |= {entry.full_url} if entry.full_url else set()
        reference = next(
            (
                str(i.value)
                for i in patient.identifier or []
                if i.system == load_codes().systems.patient_reference
            ),
            patient.id,
        )
        identity = PatientIdentity(local=frozenset(local), reference=reference)
        describe = f"the Bundle's Patient ({where})"
    elif key is not None:
        identity = PatientIdentity(
            local=frozenset({f"Patient/{key}", f"Patient/{patient_resource_id(key)}"}),
            reference=key,
        )
        describe = f"the patient the check-ins name ({key!r})"
    else:
        return reference_problems(entries)
    return [
        *patient_reference_problems(entries, identity, describe=describe),
        *reference_problems(entries),
    ]


def parse_import(document: Any) -> ImportRequest:
    """Map an incoming FHIR document to what to store, or raise `FhirInputError`."""
    reader = _Reader()
    entries = _entries(document, reader)
    parsed = _validated(entries, reader)
    patients = [(r, w) for r, w in parsed if isinstance(r, Patient)]
    if len(patients) > 1:
        reader.add(patients[1][1], "a Bundle may carry one patient only", "structure")
    collected = _collect(parsed, reader)
    planned = read_plans(parsed, reader.codes, reader.problems)
    side_effects = read_side_effects(
        parsed,
        reader.codes,
        reader.problems,
        {ref: collected.checkins[index].client_id for ref, index in collected.responses.items()},
    )
    new = None
    if patients:
        fields = reader.patient(*patients[0])
        new = _new_patient(fields, patients[0][1], collected, reader)
        patient_key = fields["reference"]
    else:
        patient_key = _subject_key(parsed, collected, reader)
    if entries and not any(p.code == "structure" for p in reader.problems):
        named = tuple(p.expression for p in reader.problems)
        reader.problems += [
            problem  # one issue per element: a reader's own word on it comes first
            for problem in _identity_problems(entries, patients, patient_key)
            if not problem.expression.startswith(named)
        ]
    if reader.problems:
        raise FhirInputError(reader.problems)
    return ImportRequest(
        new=new,
        patient_key=patient_key,
        checkins=tuple(collected.checkins),
        medications=tuple(collected.medications),
        procedures=tuple(collected.procedures),
        exercise=tuple(collected.exercise),
        plans=tuple(planned.plans),
        programmes=tuple(planned.programmes),
        feedback=tuple(planned.feedback),
        side_effects=tuple(side_effects),
        notes=(*reader.notes, *collected.notes, *planned.notes),
    )
