"""A StructureDefinition for each nervecare extension, so that a FHIR validator (or a reader) can
resolve every extension URL an export uses: what it means, where it may appear, and its value.

They are built from the table below, which ships in the package, and served by the app at
`GET /fhir/StructureDefinition/{id}` (public, as definitions are). Complex extensions (an
alert's handling, a plan's titration) carry named sub-extensions, each listed with its type.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from nervecare.interop.fhir._codes import load_codes

__all__ = ["Definition", "extension_definition", "extension_definitions"]


@dataclass(frozen=True)
class Definition:
    """One extension: where it goes, what it says, and its value type (or its parts)."""

    contexts: tuple[str, ...]
    short: str
    value: str | None = None
    #: A complex extension's parts: name -> FHIR type.
    parts: tuple[tuple[str, str], ...] = ()


_ALERT_PARTS = (
    ("level", "string"),
    ("state", "string"),
    ("attempts", "integer"),
    ("stage", "string"),
    ("delivered-at", "dateTime"),
    ("escalated-at", "dateTime"),
    ("acknowledged-at", "dateTime"),
    ("resolved-at", "dateTime"),
    ("resolution-note", "string"),
    ("actionable", "boolean"),
    ("last-error", "string"),
)
_ANY_PART = ("boolean", "integer", "decimal", "date", "dateTime", "string")

EXTENSIONS: dict[str, Definition] = {
    "side": Definition(("Procedure",), "Side of the symptoms the operation treated", "code"),
    "outcome": Definition(("MedicationStatement",), "How the medicine trial turned out", "code"),
    "preoperative-baseline": Definition(
        ("Observation",), "The score was recorded before the operation (baseline)", "boolean"
    ),
    "reviewed-at": Definition(
        ("QuestionnaireResponse",), "When the care team reviewed the check-in", "dateTime"
    ),
    "triage": Definition(
        ("QuestionnaireResponse",),
        "The check-in's safety triage: its level, whether it waits for the patient to confirm a "
        "possible finding in the notes, and the red-flag questions left unanswered",
        parts=(("level", "string"), ("status", "string"), ("unanswered", "string")),
    ),
    "notes-question": Definition(
        ("QuestionnaireResponse",),
        "A question the notes raised (a possible finding) and the patient's answer, once given",
        parts=(
            ("code", "string"),
            ("field", "string"),
            ("value", "string"),
            ("level", "string"),
            ("question", "string"),
            ("evidence", "string"),
            ("answer", "string"),
        ),
    ),
    "reported-in": Definition(("Flag",), "The check-in the red flag was reported in", "Reference"),
    "supervised": Definition(
        ("CarePlan.activity.detail",), "The exercise session was supervised", "boolean"
    ),
    "minutes": Definition(("CarePlan.activity.detail",), "Minutes of exercise", "integer"),
    "alert": Definition(
        ("Communication",), "How an alert was delivered and handled", parts=_ALERT_PARTS
    ),
    "medication-plan": Definition(
        ("MedicationRequest",), "A medication plan: its status and checks", parts=()
    ),
    "medication-plan-item": Definition(
        ("MedicationRequest",), "One medicine of a plan, with its titration", parts=()
    ),
    "dose-number": Definition(
        ("MedicationAdministration",), "The dose's number in the day's schedule", "integer"
    ),
    "recorded-at": Definition(
        ("MedicationAdministration",), "When the patient reported the dose", "dateTime"
    ),
    "exercise-programme": Definition(
        ("CarePlan",), "An exercise programme: the level reached per track", parts=()
    ),
    "exercise": Definition(("Observation",), "The exercise the feedback is about", "string"),
    "side-effect-question": Definition(
        ("Observation",), "The side-effect question answered, and the medicine", parts=()
    ),
    "empty-string": Definition(
        ("QuestionnaireResponse.item.answer",),
        "The answer was an empty text (FHIR has no empty strings)",
        "boolean",
    ),
    "checkin-unknown-fields": Definition(
        ("QuestionnaireResponse",),
        "Check-in fields nervecare does not know, kept as sent (JSON)",
        "string",
    ),
    "original-text": Definition(
        ("QuestionnaireResponse.item.answer",),
        "The answer exactly as the patient's app sent it, where FHIR writes it differently",
        "string",
    ),
}


def _element(element_id: str, **values: Any) -> dict[str, Any]:
    """An element; its path is its id without slice names (`Extension.extension:level.url` is
    at `Extension.extension.url`)."""
    return {"id": element_id, "path": re.sub(r":[^.]+", "", element_id), **values}


def _base_path(element_id: str) -> str:
    """The element of Extension itself that `element_id` constrains."""
    path = re.sub(r":[^.]+", "", element_id)
    return "Extension." + path.split(".")[-1] if path.count(".") > 1 else path


def _name(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("-"))


def extension_definition(key: str) -> dict[str, Any]:
    """The StructureDefinition of the nervecare extension `key` (as a JSON object)."""
    definition = EXTENSIONS[key]
    url = load_codes().extension_url(key)
    elements = [
        _element("Extension", short=definition.short, definition=definition.short + "."),
    ]
    if definition.value is not None:
        elements += [
            _element("Extension.extension", max="0"),
            _element("Extension.url", fixedUri=url),
            _element("Extension.value[x]", min=1, type=[{"code": definition.value}]),
        ]
    else:
        elements += [
            _element("Extension.extension", min=1),
            *(
                element
                for name, kind in definition.parts
                for element in (
                    _element(
                        f"Extension.extension:{name}",
                        sliceName=name,
                        short=name.replace("-", " "),
                        max="1",
                    ),
                    _element(f"Extension.extension:{name}.url", fixedUri=name),
                    _element(f"Extension.extension:{name}.value[x]", type=[{"code": kind}]),
                )
            ),
            _element("Extension.url", fixedUri=url),
            _element("Extension.value[x]", max="0"),
        ]
        if definition.parts:
            elements[1]["slicing"] = {
                "discriminator": [{"type": "value", "path": "url"}],
                "rules": "open",
            }
    return {
        "resourceType": "StructureDefinition",
        "id": f"nervecare-{key}",
        "url": url,
        "version": "1",
        "name": _name(key),
        "title": f"nervecare {key}",
        "status": "active",
        "publisher": "nervecare",
        "description": definition.short + ".",
        "fhirVersion": "4.0.1",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": where} for where in definition.contexts],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "snapshot": {"element": _snapshot(elements)},
        "differential": {"element": elements},
    }


#: Extension's own elements (FHIR R4): path -> (min, max, types).
_BASE: dict[str, tuple[int, str, list[dict[str, str]]]] = {
    "Extension": (0, "*", []),
    "Extension.id": (0, "1", [{"code": "http://hl7.org/fhirpath/System.String"}]),
    "Extension.extension": (0, "*", [{"code": "Extension"}]),
    "Extension.url": (1, "1", [{"code": "uri"}]),
    "Extension.value[x]": (0, "1", [{"code": kind} for kind in _ANY_PART]),
}


def _snapshot(differential: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The full element list a validator indexes: every element of Extension with the
    differential's constraints applied, and the slices (sub-extensions) after
    Extension.extension, each with its cardinality and a definition (sdf-3)."""
    changed = {element["id"]: element for element in differential}
    ids = list(_BASE)
    slices = [e["id"] for e in differential if ":" in e["id"]]
    at = ids.index("Extension.extension") + 1
    ids[at:at] = slices
    snapshot = []
    for element_id in ids:
        base = _base_path(element_id)
        low, high, types = _BASE[base]
        element: dict[str, Any] = {
            "id": element_id,
            "path": re.sub(r":[^.]+", "", element_id),
            "short": base,
            "definition": f"{base} (FHIR R4 Extension).",
            "min": low,
            "max": high,
            "base": {"path": base, "min": low, "max": high},
        }
        if types:
            element["type"] = types
        snapshot.append({**element, **changed.get(element_id, {})})
    return snapshot


@cache
def _all() -> tuple[dict[str, Any], ...]:
    return tuple(extension_definition(key) for key in EXTENSIONS)


def extension_definitions() -> list[dict[str, Any]]:
    """Every nervecare extension's StructureDefinition (fresh copies)."""
    return copy.deepcopy(list(_all()))
