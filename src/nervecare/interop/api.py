"""The FHIR routes: a patient's record out, FHIR in.

- `GET /fhir/Patient/{id}/$everything` returns the patient's record as a Bundle. The name follows
  FHIR's Patient/$everything operation, which is what an EHR asks a server for "all about this
  patient"; the Bundle is of type `collection` (the same document `nervecare export --fhir` writes)
  rather than a paged `searchset`, so it can be imported again as it is.
- `POST /fhir` takes a Bundle, a Patient + Procedure, or a QuestionnaireResponse; a refusal is an
  OperationOutcome naming each problem (422), and nothing is stored.

Both need a JWT signed by a trusted issuer (system-to-system, as for CDS Hooks); an application
that signs clinicians in itself may override the `trusted_caller` dependency.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from nervecare.interop._deps import StoreDep, TrustedCaller
from nervecare.interop.cds_hooks import router as cds_hooks_router
from nervecare.interop.fhir import FhirInputError, Problem, operation_outcome
from nervecare.interop.fhir.definitions import extension_definitions
from nervecare.interop.safe_json import JsonInputError, load_json
from nervecare.interop.service import export_patient, import_fhir
from nervecare.store.errors import PatientNotFoundError

__all__ = ["FHIR_JSON", "fhir_router", "routers"]

FHIR_JSON = "application/fhir+json"
fhir_router = APIRouter(prefix="/fhir", tags=["fhir"])


def _outcome(problems: list[Problem], status: int) -> JSONResponse:
    return JSONResponse(operation_outcome(problems), status_code=status, media_type=FHIR_JSON)


#: The earliest day a record can be assessed on; the latest is a year from today.
EARLIEST_DAY = dt.date(1900, 1, 1)


def _day_problem(on: dt.date | None) -> Problem | None:
    """A day outside what is clinically meaningful (and what date arithmetic can hold)."""
    latest = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=366)
    if on is None or EARLIEST_DAY <= on <= latest:
        return None
    return Problem("on", f"the day must be between {EARLIEST_DAY} and {latest}", "value")


@fhir_router.get("/Patient/{patient_id}/$everything")
def everything(
    patient_id: str, caller: TrustedCaller, store: StoreDep, on: dt.date | None = None
) -> JSONResponse:
    """The patient's record as a FHIR Bundle (trajectory and suggestions as of `on`)."""
    problem = _day_problem(on)
    if problem is not None:
        return _outcome([problem], 400)
    try:
        bundle = export_patient(
            store.sessions,
            patient=patient_id,
            on=on,
            actor=f"fhir:{caller.issuer}",
            by_reference=True,
        )
    except PatientNotFoundError:
        return _outcome([Problem("Patient.id", f"no patient {patient_id!r}", "not-found")], 404)
    content: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return JSONResponse(content, media_type=FHIR_JSON)


@fhir_router.get("/StructureDefinition/{definition_id}")
def structure_definition(definition_id: str) -> JSONResponse:
    """The StructureDefinition of a nervecare extension (public: a validator resolves them)."""
    for definition in extension_definitions():
        if definition["id"] == definition_id:
            return JSONResponse(definition, media_type=FHIR_JSON)
    problem = Problem("StructureDefinition.id", f"no StructureDefinition {definition_id!r}")
    return _outcome([Problem(problem.expression, problem.message, "not-found")], 404)


@fhir_router.post("")
async def take_in(request: Request, caller: TrustedCaller, store: StoreDep) -> JSONResponse:
    """Enrol a patient and/or store check-ins from FHIR; idempotent on each check-in's id."""
    try:
        document = load_json(await request.body())
    except JsonInputError as error:
        return _outcome([Problem("(document)", str(error), "structure")], 400)
    try:
        summary = import_fhir(store.sessions, document, actor=f"fhir:{caller.issuer}")
    except FhirInputError as error:
        status = 404 if error.problems[0].code == "not-found" else 422
        return _outcome(error.problems, 409 if error.problems[0].code == "conflict" else status)
    state = "enrolled" if summary.patient_created else "already enrolled"
    message = (
        f"{summary.patient.reference} ({state}): {summary.checkins_created} check-ins stored, "
        f"{summary.checkins_already_stored} already stored; {summary.alerts_restored} alerts "
        f"restored as recorded, {summary.alerts_created_pending} new alerts pending; "
        f"{summary.side_effect_answers_restored} side-effect answers restored"
    )
    # What the import left out or did differently (e.g. a new alert for the care team) is a
    # warning each, so the sender sees it and nothing is dropped in silence.
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "information", "code": "informational", "diagnostics": message},
            *(
                {"severity": "warning", "code": "informational", "diagnostics": note}
                for note in summary.notes
            ),
        ],
    }
    return JSONResponse(
        outcome, status_code=201 if summary.patient_created else 200, media_type=FHIR_JSON
    )


def routers() -> list[APIRouter]:
    """Every interop router, for `app.include_router` (FHIR first, then CDS Hooks)."""
    return [fhir_router, cds_hooks_router]
