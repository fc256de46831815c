"""A short human-readable narrative (Resource.text) for the resources a clinician opens in an EHR:
Patient, Procedure, CarePlan and Flag. Made from the resource's own elements, so it never says
more than the data, and the same resource always gets the same text (round trips stay exact).
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["NARRATED", "with_narrative"]

NARRATED = frozenset({"Patient", "Procedure", "CarePlan", "Flag"})
_XHTML = "http://www.w3.org/1999/xhtml"


def _text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    codings = concept.get("coding") or []
    return ", ".join(str(c.get("display") or c.get("code")) for c in codings if isinstance(c, dict))


def _patient(resource: dict[str, Any]) -> str:
    name = _text((resource.get("name") or [{}])[0]) or "Patient"
    parts = [f"<b>{escape(name)}</b>"]
    references = [str(i.get("value")) for i in resource.get("identifier") or [] if i.get("value")]
    if references:
        parts.append(f"reference {escape(references[0])}")
    if resource.get("birthDate"):
        parts.append(f"born {escape(str(resource['birthDate']))}")
    team = (resource.get("managingOrganization") or {}).get("display")
    if team:
        parts.append(f"care team: {escape(str(team))}")
    return ", ".join(parts)


def _procedure(resource: dict[str, Any]) -> str:
    text = f"<b>{escape(_text(resource.get('code')) or 'Procedure')}</b>"
    if resource.get("performedDateTime"):
        text += f" on {escape(str(resource['performedDateTime']))}"
    sites = [str(s.get("text")) for s in resource.get("bodySite") or [] if s.get("text")]
    if sites:
        text += f" ({escape(', '.join(sites))})"
    outcome = _text(resource.get("outcome"))
    if outcome:
        text += f"; outcome: {escape(outcome.replace('_', ' '))}"
    return text + f" [{escape(str(resource.get('status', '')))}]"


def _care_plan(resource: dict[str, Any]) -> str:
    text = f"<b>{escape(str(resource.get('title') or 'Care plan'))}</b>"
    text += (
        f" ({escape(str(resource.get('status', '')))}, {escape(str(resource.get('intent', '')))})"
    )
    activities = resource.get("activity") or []
    if activities:
        text += f": {len(activities)} {'activity' if len(activities) == 1 else 'activities'}"
    if resource.get("description"):
        text += f". {escape(str(resource['description']))}"
    return text


def _flag(resource: dict[str, Any]) -> str:
    text = f"<b>{escape(_text(resource.get('code')) or 'Flag')}</b>"
    start = (resource.get("period") or {}).get("start")
    if start:
        text += f" since {escape(str(start))}"
    return text + f" [{escape(str(resource.get('status', '')))}]"


_SUMMARY = {"Patient": _patient, "Procedure": _procedure, "CarePlan": _care_plan, "Flag": _flag}


def with_narrative(resource: dict[str, Any]) -> dict[str, Any]:
    """`resource` (a JSON object) with a generated narrative, if it is one that gets one."""
    summary = _SUMMARY.get(str(resource.get("resourceType")))
    if summary is None or "text" in resource:
        return resource
    div = f'<div xmlns="{_XHTML}"><p>{summary(resource)}</p></div>'
    narrated = {"resourceType": resource["resourceType"]}
    if "id" in resource:
        narrated["id"] = resource["id"]
    for key in ("meta", "implicitRules", "language"):
        if key in resource:
            narrated[key] = resource[key]
    narrated["text"] = {"status": "generated", "div": div}
    narrated.update({k: v for k, v in resource.items() if k not in narrated})
    return narrated
