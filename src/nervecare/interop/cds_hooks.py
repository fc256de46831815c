"""The CDS Hooks service: discovery, the `patient-view` service and its feedback endpoint.

`GET /cds-services` lists the service; `POST /cds-services/nervecare-patient-view` answers with
cards (red flags critical, a concerning trajectory warning, suggestions info); `POST
/cds-services/nervecare-patient-view/feedback` records what the clinician did with a card in the
audit log. Every call must carry a JWT signed by a trusted issuer (see `jwt_auth`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nervecare.interop._deps import InteropSettingsDep, StoreDep, TrustedCaller
from nervecare.interop.cards import cards_for_patient
from nervecare.interop.fhir._codes import load_codes
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


class CdsRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str = Field(min_length=1)  # noqa: N815 - the specification's name
    fhirServer: str | None = None  # noqa: N815
    fhirAuthorization: dict[str, Any] | None = None  # noqa: N815
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


#: One feedback request: a few cards' outcomes with their reasons, never hundreds of kilobytes.
FEEDBACK_BOUNDS = JsonBounds(depth=10, size=20_000)


class Feedback(BaseModel):
    model_config = ConfigDict(extra="allow")

    card: str = Field(min_length=1)
    outcome: Literal["accepted", "overridden"]
    outcomeTimestamp: str  # noqa: N815
    acceptedSuggestions: list[dict[str, Any]] | None = None  # noqa: N815
    overrideReason: dict[str, Any] | None = None  # noqa: N815


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


@router.get("/cds-services")
def discovery(_caller: TrustedCaller) -> dict[str, Any]:
    """The services this CDS server offers (one)."""
    return discovery_document()


def _patient_key(call: CdsRequest) -> str | None:
    prefetched = (call.prefetch or {}).get("patient")
    if isinstance(prefetched, dict):
        for identifier in prefetched.get("identifier") or []:
            if identifier.get("system") == load_codes().systems.patient_reference:
                return str(identifier.get("value"))
        if prefetched.get("id"):
            return str(prefetched["id"])
    patient_id = call.context.get("patientId")
    return str(patient_id) if patient_id else None


def _is_leg_pain(resource: dict[str, Any]) -> bool:
    pain = load_codes().pain_severity
    codes = {(c.get("system"), c.get("code")) for c in resource.get("code", {}).get("coding", [])}
    site = str((resource.get("bodySite") or {}).get("text", "")).lower()
    return (pain.system, pain.code) in codes and "leg" in site


def _prefetched_points(call: CdsRequest, surgery: Surgery) -> list[HistoryPoint]:
    """Leg pain scores the EHR sent (LOINC 72514-3 with a leg body site) since the operation."""
    bundle = (call.prefetch or {}).get("painScores")
    if not isinstance(bundle, dict):
        return []
    points = []
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") or {}
        value = (resource.get("valueQuantity") or {}).get("value", resource.get("valueInteger"))
        when = resource.get("effectiveDateTime")
        if resource.get("resourceType") != "Observation" or not _is_leg_pain(resource):
            continue
        try:
            day = dt.date.fromisoformat(str(when)[:10])
            point = HistoryPoint(
                days_since_surgery=(day - surgery.date).days,
                recorded_on=day,
                leg_pain=round(float(str(value))),
            )
        except (TypeError, ValueError, ValidationError):
            continue  # an unreadable or pre-operative score adds nothing
        points.append(point)
    return points


@router.post(f"/cds-services/{SERVICE_ID}")
def patient_view(
    call: CdsRequest,
    request: Request,
    caller: TrustedCaller,
    store: StoreDep,
    settings: InteropSettingsDep,
) -> JSONResponse:
    """Cards for the patient being viewed; `{"cards": []}` when there is nothing to say."""
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
        found = repo.find_patient(session, key=key)
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


@router.post(f"/cds-services/{SERVICE_ID}/feedback")
def feedback(body: FeedbackRequest, caller: TrustedCaller, store: StoreDep) -> dict[str, Any]:
    """What the clinician did with cards, kept in the audit log."""
    now = dt.datetime.now(dt.UTC)
    with store.sessions.begin() as session:
        for item in body.feedback:
            append_audit(
                session,
                at=now,
                actor=f"cds:{caller.issuer}",
                action="cds.feedback",
                detail=item.model_dump(mode="json", exclude_none=True),
            )
    return {}
