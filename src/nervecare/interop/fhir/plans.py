"""Medication plans, dose reports, exercise programmes and exercise feedback (issue 7) as FHIR,
and back.

A plan's medicine is a MedicationRequest (intent `plan`, the plan's medicines grouped by
`groupIdentifier`), RxNorm-coded only where the drug data marks the RxCUI as confirmed against a
cited source; an unconfirmed code is never sent as if verified, so such a medicine travels by its
name (`text`) and the drug key of the `medication-plan-item` extension, which is also what the
import reads; each dose the patient reported is a MedicationAdministration
(`completed` when taken, `not-done` when missed) pointing at its request; a programme is a
CarePlan; how an exercise went is an Observation. What FHIR has no element for (titration steps,
the findings the prescriber accepted, the level a programme reached) travels in nervecare
extensions (`_extensions`), so that an exported plan imports back exactly.

Import reads only what carries those extensions: a MedicationRequest from another system, with
a dose in free text only, cannot be turned into a checked plan, so it is left out and the import
result says so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from nervecare.interop.fhir._codes import Codes
from nervecare.interop.fhir._extensions import complex_extension, extension_values, find_extension
from nervecare.interop.fhir.ids import safe_id
from nervecare.interop.fhir.problems import Problem
from nervecare.medications import check_plan, load_drug_knowledge
from nervecare.rehab import TRACKS
from nervecare.store.interop import FeedbackRecord, PlanRecord, ProgrammeRecord

__all__ = [
    "EXERCISE_FEEDBACK",
    "PlansRead",
    "is_feedback",
    "is_programme",
    "medication_request_id",
    "plan_resources",
    "read_plans",
]

#: The measure code of an exercise-feedback Observation (project code system `measure`).
EXERCISE_FEEDBACK = "exercise_feedback"
_PLAN = "medication-plan"
_ITEM = "medication-plan-item"
_PROGRAMME = "exercise-programme"
_REQUEST_STATUS = {"active": "active", "draft": "draft", "stopped": "stopped"}
_UCUM = "http://unitsofmeasure.org"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


# ------------------------------------------------------------------ export


@dataclass
class _Out:
    codes: Codes
    reference: str
    subject: dict[str, Any]
    resources: list[Resource] = field(default_factory=list)

    def url(self, name: str) -> str:
        return self.codes.extension_url(name)


def _plan_extension(out: _Out, record: PlanRecord) -> dict[str, Any]:
    values: list[tuple[str, Any]] = [
        ("status", record.status),
        ("prescriber", record.plan.prescriber),
        ("note", record.note or None),
        ("knowledge-version", record.knowledge_version),
        ("created-at", record.created_at),
        ("activated-at", record.activated_at),
        ("stopped-at", record.stopped_at),
        ("stopped-reason", record.stopped_reason),
        ("patient-facts", json.dumps(record.patient_facts.model_dump(mode="json"), sort_keys=True)),
    ]
    values += [
        ("finding", json.dumps(finding.model_dump(mode="json"), sort_keys=True))
        for finding in record.findings
    ]
    return complex_extension(out.url(_PLAN), values)


def _dose_text(record: PlanRecord, index: int) -> str:
    item = record.plan.items[index]
    dose = f"start {item.start_daily_mg:g} mg a day"
    if item.target_daily_mg != item.start_daily_mg:
        dose += f", rising to {item.target_daily_mg:g} mg a day"
        dose += f" by {item.step_mg:g} mg every {item.step_every_days} days"
    if item.times_per_day:
        dose += f", in {item.times_per_day} doses"
    return dose


def medication_request_id(reference: str, number: int, index: int) -> str:
    """The id of the MedicationRequest for a plan's medicine (plan `number` counts from 1 in the
    patient's plans, oldest first; `index` is the medicine's place in the plan, from 0)."""
    return safe_id("medreq-", f"{reference}-{number}-{index + 1}")


def _medication_requests(out: _Out, number: int, record: PlanRecord) -> dict[str, str]:
    """The plan's MedicationRequests; returns each drug's request reference (for its doses)."""
    drugs = load_drug_knowledge().drugs
    references: dict[str, str] = {}
    plan_extension = _plan_extension(out, record)
    for index, item in enumerate(record.plan.items):
        facts = drugs.get(item.drug_key)
        codings = []
        if facts is not None and facts.rxcui_confirmed:
            codings.append(_coding(out.codes.rxnorm.system, facts.rxcui, facts.plain_name))
        request_id = medication_request_id(out.reference, number, index)
        references[item.drug_key] = f"MedicationRequest/{request_id}"
        item_extension = complex_extension(
            out.url(_ITEM),
            {
                "drug": item.drug,
                "indication": item.indication,
                "start-on": item.start_on,
                "start-daily-mg": float(item.start_daily_mg),
                "target-daily-mg": float(item.target_daily_mg),
                "step-mg": None if item.step_mg is None else float(item.step_mg),
                "step-every-days": item.step_every_days,
                "times-per-day": item.times_per_day,
                "course-days": item.course_days,
                "note": item.note or None,
            },
        )
        resource: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "id": request_id,
            "status": _REQUEST_STATUS.get(record.status, "unknown"),
            "intent": "plan",
            "groupIdentifier": {
                "system": out.codes.systems.medication_plan,
                "value": f"{out.reference}-{number}",
            },
            "medicationCodeableConcept": {"coding": codings, "text": item.drug},
            "subject": out.subject,
            "authoredOn": _iso(record.created_at),
            "requester": {"display": record.plan.prescriber or "care team"},
            "dosageInstruction": [{"text": _dose_text(record, index)}],
            "dispenseRequest": {"validityPeriod": {"start": item.start_on.isoformat()}},
            "extension": [plan_extension, item_extension],
        }
        if item.note or record.note:
            resource["note"] = [{"text": item.note or record.note}]
        out.resources.append(MedicationRequest.model_validate(resource))
    return references


def _administrations(
    out: _Out, number: int, record: PlanRecord, references: dict[str, str]
) -> None:
    for index, dose in enumerate(record.doses, 1):
        resource = {
            "resourceType": "MedicationAdministration",
            "id": safe_id("dose-", f"{out.reference}-{number}-{index}"),
            "status": "completed" if dose.status == "taken" else "not-done",
            "medicationCodeableConcept": {"text": dose.drug},
            "subject": out.subject,
            "effectiveDateTime": dose.scheduled_on.isoformat(),
            "request": {"reference": references[dose.drug]},
            "extension": [
                {"url": out.url("dose-number"), "valueInteger": dose.dose_number},
                {"url": out.url("recorded-at"), "valueDateTime": _iso(dose.recorded_at)},
            ],
        }
        out.resources.append(MedicationAdministration.model_validate(resource))


def _programme(out: _Out, number: int, record: ProgrammeRecord) -> None:
    values: list[tuple[str, Any]] = [
        ("status", record.status),
        ("procedure", record.procedure),
        ("level-since", record.level_since),
        ("created-at", record.created_at),
        ("ended-at", record.ended_at),
        ("assigned-by", record.assigned_by),
    ]
    values += [(f"level-{track}", stage) for track, stage in sorted(record.level.items())]
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": safe_id("programme-", f"{out.reference}-{number}"),
        "status": "active" if record.status == "active" else "completed",
        "intent": "plan",
        "title": "Exercise programme level",
        "category": [{"text": "exercise programme level"}],
        "subject": out.subject,
        "created": _iso(record.created_at),
        "author": {"display": record.assigned_by},
        "extension": [complex_extension(out.url(_PROGRAMME), values)],
    }
    if record.note:
        resource["note"] = [{"text": record.note}]
    out.resources.append(CarePlan.model_validate(resource))


def _feedback(out: _Out, number: int, record: FeedbackRecord) -> None:
    measure = out.codes.systems.measure
    components: list[dict[str, Any]] = [
        {
            "code": {"coding": [_coding(measure, "symptoms_further_down_leg")]},
            "valueBoolean": record.symptoms_further_down_leg,
        }
    ]
    if record.pain_raised_hours is not None:
        components.append(
            {
                "code": {"coding": [_coding(measure, "pain_raised_hours")]},
                "valueQuantity": {
                    "value": float(record.pain_raised_hours),
                    "unit": "h",
                    "system": _UCUM,
                    "code": "h",
                },
            }
        )
    resource = {
        "resourceType": "Observation",
        "id": safe_id("exfb-", f"{out.reference}-{number}"),
        "status": "final",
        "code": {"coding": [_coding(measure, EXERCISE_FEEDBACK)], "text": "exercise feedback"},
        "subject": out.subject,
        "effectiveDateTime": record.performed_on.isoformat(),
        "issued": _iso(record.recorded_at),
        "component": components,
        "extension": [{"url": out.url("exercise"), "valueString": record.exercise}],
    }
    out.resources.append(Observation.model_validate(resource))


def plan_resources(
    *,
    plans: Sequence[PlanRecord],
    programmes: Sequence[ProgrammeRecord],
    feedback: Sequence[FeedbackRecord],
    codes: Codes,
    reference: str,
    subject: dict[str, Any],
) -> list[Resource]:
    """The resources for a patient's plans (oldest first), doses, programmes and feedback."""
    out = _Out(codes=codes, reference=reference, subject=subject)
    for number, record in enumerate(plans, 1):
        references = _medication_requests(out, number, record)
        _administrations(out, number, record, references)
    for number, programme in enumerate(programmes, 1):
        _programme(out, number, programme)
    for number, done in enumerate(feedback, 1):
        _feedback(out, number, done)
    return out.resources


# ------------------------------------------------------------------ import


@dataclass
class PlansRead:
    """What an incoming document holds of issue 7's records, and what was left out (notes)."""

    plans: list[PlanRecord] = field(default_factory=list)
    programmes: list[ProgrammeRecord] = field(default_factory=list)
    feedback: list[FeedbackRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _one(values: dict[str, list[Any]], name: str) -> Any:
    found = values.get(name)
    return found[0] if found else None


def _errors(where: str, error: ValidationError) -> list[Problem]:
    return [
        Problem(where, f"{'.'.join(str(p) for p in d['loc'])}: {d['msg']}", "value")
        for d in error.errors()
    ]


def _day_text(value: Any) -> str | None:
    """The YYYY-MM-DD of a FHIR date or dateTime (the models give either type)."""
    return None if value is None else str(value)[:10]


class _PlanReader:
    def __init__(self, codes: Codes, problems: list[Problem]) -> None:
        self.codes = codes
        self.problems = problems
        self.read = PlansRead()
        #: MedicationRequest reference -> (index of its plan in `groups`, drug key).
        self.requests: dict[str, tuple[str, str]] = {}
        self.groups: dict[str, dict[str, Any]] = {}

    def url(self, name: str) -> str:
        return self.codes.extension_url(name)

    def request(self, resource: MedicationRequest, where: str) -> None:
        plan_ext = find_extension(resource, self.url(_PLAN))
        item_ext = find_extension(resource, self.url(_ITEM))
        if plan_ext is None or item_ext is None:
            name = (
                resource.medicationCodeableConcept.text
                if resource.medicationCodeableConcept
                else None
            )
            self.read.notes.append(
                f"{where}: MedicationRequest {name or resource.id or ''} has no nervecare plan "
                "extensions (a dose in free text cannot be checked), so it was not imported"
            )
            return
        group = resource.groupIdentifier.value if resource.groupIdentifier else None
        key = str(group or resource.id or where)
        plan = extension_values(plan_ext)
        item = extension_values(item_ext)
        entry = self.groups.setdefault(key, {"plan": plan, "where": where, "items": []})
        entry["items"].append(
            (
                where,
                {
                    "drug": _one(item, "drug"),
                    "indication": _one(item, "indication"),
                    "start_on": _day_text(_one(item, "start-on")),
                    "start_daily_mg": _one(item, "start-daily-mg"),
                    "target_daily_mg": _one(item, "target-daily-mg"),
                    "step_mg": _one(item, "step-mg"),
                    "step_every_days": _one(item, "step-every-days"),
                    "times_per_day": _one(item, "times-per-day"),
                    "course_days": _one(item, "course-days"),
                    "note": _one(item, "note") or "",
                },
            )
        )
        if resource.id:
            drug = str(_one(item, "drug") or "").strip().lower()
            self.requests[f"MedicationRequest/{resource.id}"] = (key, drug)

    def administration(self, resource: MedicationAdministration, where: str) -> None:
        target = resource.request.reference if resource.request else None
        number = find_extension(resource, self.url("dose-number"))
        if target not in self.requests and number is None:
            self.read.notes.append(
                f"{where}: a MedicationAdministration that is not a dose of a nervecare plan "
                "was not imported"
            )
            return
        if target not in self.requests:
            self.problems.append(
                Problem(
                    f"{where}.request",
                    "a dose must point at a MedicationRequest of a plan in the same Bundle",
                    "required",
                )
            )
            return
        key, drug = self.requests[str(target)]
        recorded = find_extension(resource, self.url("recorded-at"))
        status = {"completed": "taken", "not-done": "missed"}.get(str(resource.status))
        if status is None:
            self.problems.append(
                Problem(
                    f"{where}.status",
                    "a dose is 'completed' (taken) or 'not-done' (missed)",
                    "value",
                )
            )
            return
        self.groups[key].setdefault("doses", []).append(
            (
                where,
                {
                    "drug": drug,
                    "scheduled_on": _day_text(resource.effectiveDateTime),
                    "dose_number": number.valueInteger if number is not None else 1,
                    "status": status,
                    "recorded_at": recorded.valueDateTime if recorded is not None else None,
                },
            )
        )

    def plan(self, entry: dict[str, Any]) -> None:
        plan, where = entry["plan"], entry["where"]
        try:
            record = PlanRecord.model_validate(
                {
                    "status": _one(plan, "status"),
                    "plan": {
                        "prescriber": _one(plan, "prescriber") or "",
                        "items": [values for _, values in entry["items"]],
                    },
                    "note": _one(plan, "note") or "",
                    "findings": [json.loads(text) for text in plan.get("finding", [])],
                    "knowledge_version": _one(plan, "knowledge-version"),
                    "patient_facts": json.loads(_one(plan, "patient-facts") or "{}"),
                    "created_at": _one(plan, "created-at"),
                    "activated_at": _one(plan, "activated-at"),
                    "stopped_at": _one(plan, "stopped-at"),
                    "stopped_reason": _one(plan, "stopped-reason"),
                    "doses": [values for _, values in entry.get("doses", [])],
                }
            )
        except (ValidationError, json.JSONDecodeError) as error:
            if isinstance(error, ValidationError):
                self.problems.extend(_errors(f"{where}.extension", error))
            else:
                self.problems.append(Problem(f"{where}.extension", str(error), "value"))
            return
        if not self._checked(record, entry):
            return
        self.read.plans.append(record)

    def _checked(self, record: PlanRecord, entry: dict[str, Any]) -> bool:
        """The drugs are known and no dose falls outside its medicine's schedule; an active
        plan must still pass today's checks (a 'stop' finding refuses it, as activation does)."""
        knowledge = load_drug_knowledge()
        ok = True
        items = {item.drug_key: item for item in record.plan.items}
        for (where, _), item in zip(entry["items"], record.plan.items, strict=True):
            if item.drug_key not in knowledge.drugs:
                self.problems.append(
                    Problem(
                        f"{where}.medicationCodeableConcept",
                        f"{item.drug!r} is not in the drug knowledge base, so it cannot be checked",
                        "value",
                    )
                )
                ok = False
        if not ok:
            return False
        for (where, _), dose in zip(entry.get("doses", []), record.doses, strict=True):
            item = items[dose.drug]
            times = (
                item.times_per_day
                or knowledge.drug(item.drug_key).indication(item.indication).times_per_day
            )
            if dose.scheduled_on < item.start_on or dose.dose_number > times:
                self.problems.append(
                    Problem(
                        f"{where}.effectiveDateTime",
                        f"no dose {dose.dose_number} of {dose.drug} is due on "
                        f"{dose.scheduled_on.isoformat()}",
                        "value",
                    )
                )
                ok = False
        if record.status == "active":
            stops = [
                f for f in check_plan(record.plan, record.patient_facts) if f.severity == "stop"
            ]
            if stops:
                self.problems.append(
                    Problem(
                        f"{entry['where']}.status",
                        "an active plan must pass the checks, and this one is stopped by: "
                        + "; ".join(f.reason for f in stops),
                        "value",
                    )
                )
                ok = False
        return ok

    def programme(self, resource: CarePlan, where: str) -> None:
        values = extension_values(find_extension(resource, self.url(_PROGRAMME)))
        level = {
            name.removeprefix("level-"): found[0]
            for name, found in values.items()
            if name.startswith("level-") and name != "level-since"
        }
        unknown = sorted(set(level) - set(TRACKS))
        if unknown:
            self.problems.append(
                Problem(f"{where}.extension", f"unknown exercise tracks {unknown}", "value")
            )
            return
        try:
            self.read.programmes.append(
                ProgrammeRecord.model_validate(
                    {
                        "procedure": _one(values, "procedure"),
                        "level": level,
                        "level_since": _day_text(_one(values, "level-since")),
                        "status": _one(values, "status"),
                        "assigned_by": _one(values, "assigned-by") or "",
                        "note": resource.note[0].text if resource.note else "",
                        "created_at": _one(values, "created-at"),
                        "ended_at": _one(values, "ended-at"),
                    }
                )
            )
        except ValidationError as error:
            self.problems.extend(_errors(f"{where}.extension", error))

    def feedback(self, resource: Observation, where: str) -> None:
        values: dict[str, Any] = {}
        for component in resource.component or []:
            code = next(
                (
                    c.code
                    for c in component.code.coding or []
                    if c.system == self.codes.systems.measure
                ),
                None,
            )
            if code == "symptoms_further_down_leg":
                values["symptoms_further_down_leg"] = component.valueBoolean
            elif code == "pain_raised_hours" and component.valueQuantity is not None:
                quantity = component.valueQuantity.value
                values["pain_raised_hours"] = None if quantity is None else float(quantity)
        exercise = find_extension(resource, self.url("exercise"))
        try:
            self.read.feedback.append(
                FeedbackRecord.model_validate(
                    {
                        **values,
                        "performed_on": _day_text(resource.effectiveDateTime),
                        "exercise": exercise.valueString if exercise is not None else None,
                        "recorded_at": resource.issued,
                    }
                )
            )
        except ValidationError as error:
            self.problems.extend(_errors(where, error))


def is_programme(resource: CarePlan, codes: Codes) -> bool:
    return find_extension(resource, codes.extension_url(_PROGRAMME)) is not None


def is_feedback(resource: Observation, codes: Codes) -> bool:
    return any(
        coding.system == codes.systems.measure and coding.code == EXERCISE_FEEDBACK
        for coding in (resource.code.coding or [] if resource.code else [])
    )


def read_plans(
    parsed: Sequence[tuple[Any, str]], codes: Codes, problems: list[Problem]
) -> PlansRead:
    """Plans (with their doses), programmes and feedback from validated resources; each problem
    found is added to `problems`, naming the element."""
    reader = _PlanReader(codes, problems)
    for resource, where in parsed:
        if isinstance(resource, MedicationRequest):
            reader.request(resource, where)
    for resource, where in parsed:
        if isinstance(resource, MedicationAdministration):
            reader.administration(resource, where)
        elif isinstance(resource, CarePlan) and is_programme(resource, codes):
            reader.programme(resource, where)
        elif isinstance(resource, Observation) and is_feedback(resource, codes):
            reader.feedback(resource, where)
    for entry in reader.groups.values():
        reader.plan(entry)
    if sum(plan.status == "active" for plan in reader.read.plans) > 1:
        problems.append(
            Problem("MedicationRequest.status", "a patient has at most one active plan", "value")
        )
    return reader.read
