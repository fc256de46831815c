"""The CDS Hooks service: discovery, the `patient-view` service and its feedback endpoint.

`GET /cds-services` lists the service; `POST /cds-services/nervecare-patient-view` answers with
cards (red flags critical, a concerning trajectory warning, suggestions info); `POST
/cds-services/nervecare-patient-view/feedback` records what the clinician did with a card in the
audit log. Every call must carry a JWT signed by a trusted issuer (see `jwt_auth`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from nervecare.interop._deps import InteropSettingsDep, StoreDep, TrustedCaller
from nervecare.interop.cards import cards_for_patient
from nervecare.interop.fhir._codes import load_codes
from nervecare.interop.safe_json import JsonInputError, load_json
from nervecare.interop.service import read_patient_export
from nervecare.json_limits import JsonBounds, exceeds
from nervecare.recovery import HistoryPoint, Surgery
from nervecare.store import repositories as repo
from nervecare.store.audit import append_audit
from nervecare.store.errors import PatientNotFoundError

__all__ = ["SERVICE_ID", "discovery_document", "router"]

SERVICE_ID = "nervecare-patient-view"
router = APIRouter(tags=["cds-hooks"])


def discovery_document() -> dict[str, Any]:
    pain = load_codes().pain_severity
    return {
        "services": [
            {
                "hook": "patient-view",
                "title": "nervecare: recovery after lumbar spine surgery",
                "description": (
                    "Open red flags reported by the patient, a slow or worsening recovery "
                    "against the expected band, and stepped-care suggestions with their sources."
                ),
                "id": SERVICE_ID,
                "prefetch": {
                    "patient": "Patient/{{context.patientId}}",
                    "painScores": (
                        f"Observation?patient={{{{context.patientId}}}}&code={pain.system}|"
                        f"{pain.code}&_sort=-date&_count=50"
                    ),
                },
            }
        ]
    }


class FhirAuthorization(BaseModel):
    """CDS Hooks 2.0, "Passing the Access Token to the CDS Service"."""

    model_config = ConfigDict(extra="allow")

    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int = Field(ge=0)
    scope: str = Field(min_length=1)
    subject: str = Field(min_length=1)


class CdsRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str = Field(min_length=1, max_length=200)  # noqa: N815 - the spec's name
    fhirServer: str | None = Field(default=None, max_length=2000)  # noqa: N815
    fhirAuthorization: FhirAuthorization | None = None  # noqa: N815
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _server_with_authorization(self) -> CdsRequest:
        # CDS Hooks 2.0: fhirServer is required whenever fhirAuthorization is given.
        if self.fhirAuthorization is not None and not self.fhirServer:
            raise ValueError("fhirAuthorization is given without the fhirServer it is for")
        return self


class AcceptedSuggestion(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=200)


def _utc_timestamp(value: str) -> str:
    """An ISO 8601 date-time with its offset (the specification: "in UTC")."""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("outcomeTimestamp must be an ISO 8601 date-time") from None
    if moment.tzinfo is None or "T" not in value:
        raise ValueError("outcomeTimestamp must be an ISO 8601 date-time with its offset (UTC)")
    return value


#: One feedback request: a few cards' outcomes with their reasons, never hundreds of kilobytes.
FEEDBACK_BOUNDS = JsonBounds(depth=10, size=20_000)


class Feedback(BaseModel):
    model_config = ConfigDict(extra="allow")

    card: str = Field(min_length=1, max_length=200)
    outcome: Literal["accepted", "overridden"]
    outcomeTimestamp: Annotated[str, AfterValidator(_utc_timestamp)]  # noqa: N815
    acceptedSuggestions: list[AcceptedSuggestion] | None = None  # noqa: N815
    overrideReason: dict[str, Any] | None = None  # noqa: N815

    @model_validator(mode="after")
    def _accepted_names_its_suggestions(self) -> Feedback:
        # CDS Hooks 2.0 feedback: acceptedSuggestions is "REQUIRED for accepted outcomes".
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("an accepted outcome needs acceptedSuggestions (the ids accepted)")
        return self


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    feedback: list[Feedback] = Field(min_length=1, max_length=50)

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        """Feedback goes into the audit log as given: bounded, so it cannot fill it (issue 16)."""
        problem = exceeds(data, FEEDBACK_BOUNDS)
        if problem is not None:
            raise ValueError(f"the feedback is {problem} to record")
        return data


async def _json_body(request: Request) -> Any:
    """The call's JSON, read with bounds (see `safe_json`), or 400."""
    try:
        return load_json(await request.body())
    except JsonInputError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None


JsonBody = Annotated[Any, Depends(_json_body)]
Model = TypeVar("Model", bound=BaseModel)


def _parsed(model: type[Model], document: Any) -> Model:
    """`document` as `model`, or 400 naming each problem (the input is not echoed)."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in d['loc']) or '(body)'}: {d['msg']}"
            for d in error.errors()
        ]
        raise HTTPException(status_code=400, detail="; ".join(problems)) from None


@router.get("/cds-services")
def discovery(_caller: TrustedCaller) -> dict[str, Any]:
    """The services this CDS server offers (one)."""
    return discovery_document()


def _objects(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in what should be an array of them (anything else counts as none)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _patient_key(call: CdsRequest) -> str | None:
    """The patient's reference: the prefetched Patient's nervecare identifier or id, else
    context.patientId. Never an internal number (see `repo.find_patient_by_reference`)."""
    prefetched = _object((call.prefetch or {}).get("patient"))
    for identifier in _objects(prefetched.get("identifier")):
        value = identifier.get("value")
        if identifier.get("system") == load_codes().systems.patient_reference and isinstance(
            value, str
        ):
            return value
    if isinstance(prefetched.get("id"), str) and prefetched["id"]:
        return str(prefetched["id"])
    patient_id = call.context.get("patientId")
    return patient_id if isinstance(patient_id, str) and patient_id else None


def _is_leg_pain(resource: dict[str, Any]) -> bool:
    pain = load_codes().pain_severity
    codes = {
        (c.get("system"), c.get("code"))
        for c in _objects(_object(resource.get("code")).get("coding"))
    }
    site = str(_object(resource.get("bodySite")).get("text", "")).lower()
    return (pain.system, pain.code) in codes and "leg" in site


def _prefetched_points(call: CdsRequest, surgery: Surgery) -> list[HistoryPoint]:
    """Leg pain scores the EHR sent (LOINC 72514-3 with a leg body site) since the operation."""
    bundle = _object((call.prefetch or {}).get("painScores"))
    points = []
    for entry in _objects(bundle.get("entry")):
        resource = _object(entry.get("resource"))
        value = _object(resource.get("valueQuantity")).get("value", resource.get("valueInteger"))
        when = resource.get("effectiveDateTime")
        if resource.get("resourceType") != "Observation" or not _is_leg_pain(resource):
            continue
        # A pain score is a number 0-10 (JSON, not a string such as "inf"); anything else,
        # or a day that cannot be read or comes before the operation, adds nothing.
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value) or not 0 <= value <= 10 or not isinstance(when, str):
            continue
        try:
            day = dt.date.fromisoformat(when[:10])
            point = HistoryPoint(
                days_since_surgery=(day - surgery.date).days,
                recorded_on=day,
                leg_pain=round(value),
            )
        except (TypeError, ValueError, ValidationError, OverflowError):
            continue
        points.append(point)
    return points


@router.post(
    f"/cds-services/{SERVICE_ID}",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CdsRequest.model_json_schema()}},
        }
    },
)
def patient_view(
    request: Request,
    caller: TrustedCaller,
    body: JsonBody,
    store: StoreDep,
    settings: InteropSettingsDep,
) -> JSONResponse:
    """Cards for the patient being viewed; `{"cards": []}` when there is nothing to say."""
    call = _parsed(CdsRequest, body)
    if call.hook != "patient-view":
        raise HTTPException(
            status_code=400, detail=f"this service answers patient-view, not {call.hook!r}"
        )
    key = _patient_key(call)
    if key is None:
        return JSONResponse(
            {"detail": "needs context.patientId or the 'patient' prefetch"}, status_code=412
        )
    with store.sessions.begin() as session:
        found = repo.find_patient_by_reference(session, reference=key)
        surgery_row = None if found is None else repo.latest_surgery(session, patient_id=found.id)
        surgery = (
            None
            if surgery_row is None
            else Surgery(
                date=surgery_row.performed_on,
                procedure=surgery_row.procedure,
            )
        )
    if found is None or surgery is None:
        return JSONResponse({"cards": []})
    today = dt.datetime.now(dt.UTC).date()
    try:
        data = read_patient_export(
            store.sessions,
            patient=found.id,
            on=today,
            extra_points=_prefetched_points(call, surgery),
            action="cds.patient_view",
            actor=f"cds:{caller.issuer}",
        )
    except PatientNotFoundError:
        return JSONResponse({"cards": []})
    base = (settings.public_base_url or str(request.base_url)).rstrip("/")
    page = settings.patient_page.format(base=base, id=found.id, reference=found.reference)
    cards = cards_for_patient(data, hook_instance=call.hookInstance, patient_page=page)
    return JSONResponse({"cards": cards})


@router.post(
    f"/cds-services/{SERVICE_ID}/feedback",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": FeedbackRequest.model_json_schema()}},
        }
    },
)
def feedback(caller: TrustedCaller, body: JsonBody, store: StoreDep) -> dict[str, Any]:
    """What the clinician did with cards, kept in the audit log."""
    parsed = _parsed(FeedbackRequest, body)
    now = dt.datetime.now(dt.UTC)
    with store.sessions.begin() as session:
        for item in parsed.feedback:
            append_audit(
                session,
                at=now,
                actor=f"cds:{caller.issuer}",
                action="cds.feedback",
                detail=item.model_dump(mode="json", exclude_none=True),
            )
    return {}
