"""Checks of an incoming Bundle as a whole, on its raw JSON, before any resource is mapped.

Mapping reads one resource at a time; what can only be seen across the Bundle is checked here:
the shape of `Bundle.entry`, resource types, the Bundle invariants bdl-3 (request), bdl-4
(response) and bdl-7 (unique fullUrl), that each reference inside the Bundle resolves to an entry
in it, and -- the safety rule -- that every reference to a patient names the Bundle's one patient.
Each problem is named at its path, so a sender can fix them all at once; the import stores nothing
while there is one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nervecare.interop.fhir._codes import load_codes
from nervecare.interop.fhir.problems import Problem
from nervecare.interop.fhir.resource_types import R4_RESOURCE_TYPES

__all__ = [
    "BUNDLE_TYPES",
    "BundleEntry",
    "PatientIdentity",
    "bundle_entries",
    "patient_reference_problems",
    "reference_problems",
    "resource_type_problem",
]

#: Bundle.type, the R4 value set (required binding).
BUNDLE_TYPES = frozenset(
    {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    }
)
_NEEDS_REQUEST = frozenset({"batch", "transaction", "history"})
_NEEDS_RESPONSE = frozenset({"batch-response", "transaction-response", "history"})
#: Resources that must name their patient (subject) in a Bundle nervecare imports.
_SUBJECT_REQUIRED = frozenset(
    {
        "QuestionnaireResponse",
        "Procedure",
        "Observation",
        "MedicationStatement",
        "CarePlan",
        "Communication",
        "MedicationRequest",
        "MedicationAdministration",
        "Flag",
    }
)
_RELATIVE = re.compile(r"^(?:(?P<base>.+)/)?(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})$")


def resource_type_problem(kind: object, where: str) -> Problem | None:
    """A problem when `kind` is not an R4 resource type, with a suggestion for a misspelling."""
    if isinstance(kind, str) and kind in known_resource_types():
        return None
    if not isinstance(kind, str) or not kind:
        return Problem(f"{where}.resourceType", "every resource needs its resourceType", "required")
    close = difflib.get_close_matches(kind, sorted(known_resource_types()), n=1, cutoff=0.75)
    hint = f": did you mean {close[0]!r}?" if close else ""
    return Problem(f"{where}.resourceType", f"{kind!r} is not a FHIR R4 resource type{hint}")


def known_resource_types() -> frozenset[str]:
    """Every FHIR R4 resource type."""
    return R4_RESOURCE_TYPES


@dataclass(frozen=True)
class BundleEntry:
    """One entry's resource (a JSON object), where it is, and its fullUrl."""

    resource: dict[str, Any]
    where: str
    full_url: str | None


def bundle_entries(document: dict[str, Any], problems: list[Problem]) -> list[BundleEntry]:
    """The Bundle's entries, after checking the Bundle's own shape and invariants."""
    kind = document.get("type")
    if not isinstance(kind, str) or kind not in BUNDLE_TYPES:
        problems.append(
            Problem(
                "Bundle.type",
                f"{kind!r} is not a Bundle type (one of {', '.join(sorted(BUNDLE_TYPES))})",
                "value",
            )
        )
    raw = document.get("entry", [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.append(Problem("Bundle.entry", "Bundle.entry must be an array of entries"))
        return []
    entries: list[BundleEntry] = []
    seen_urls: dict[str, str] = {}
    seen_ids: dict[tuple[str, str], str] = {}
    for index, entry in enumerate(raw):
        where = f"Bundle.entry[{index}]"
        if not isinstance(entry, dict) or not entry:
            problems.append(
                Problem(where, "an entry must be an object with a resource", "structure")
            )
            continue
        _request_response(entry, kind if isinstance(kind, str) else None, where, problems)
        resource = entry.get("resource")
        if not isinstance(resource, dict) or not resource:
            problems.append(
                Problem(f"{where}.resource", "every entry needs its resource", "required")
            )
            continue
        full_url = entry.get("fullUrl")
        if full_url is not None and not isinstance(full_url, str):
            problems.append(Problem(f"{where}.fullUrl", "fullUrl must be a string"))
            full_url = None
        where = f"{where}.resource"
        type_problem = resource_type_problem(resource.get("resourceType"), where)
        if type_problem is not None:
            problems.append(type_problem)
            continue
        if full_url is not None:
            if full_url in seen_urls:
                problems.append(
                    Problem(
                        where.removesuffix(".resource") + ".fullUrl",
                        f"bdl-7: fullUrl {full_url!r} is already used by {seen_urls[full_url]}",
                    )
                )
                continue
            seen_urls[full_url] = where.removesuffix(".resource")
        key = (str(resource["resourceType"]), str(resource.get("id", "")))
        if key[1]:
            if key in seen_ids:
                problems.append(
                    Problem(
                        f"{where}.id",
                        f"{key[0]}/{key[1]} appears twice in the Bundle (also {seen_ids[key]})",
                    )
                )
                continue
            seen_ids[key] = where.removesuffix(".resource")
        entries.append(BundleEntry(resource, where, full_url))
    return entries


def _request_response(
    entry: dict[str, Any], kind: Any, where: str, problems: list[Problem]
) -> None:
    """bdl-3 and bdl-4: request and response are mandatory in some Bundle types, else prohibited."""
    for element, needed_in, rule in (
        ("request", _NEEDS_REQUEST, "bdl-3"),
        ("response", _NEEDS_RESPONSE, "bdl-4"),
    ):
        present = entry.get(element) is not None
        if kind in needed_in and not present:
            problems.append(
                Problem(
                    f"{where}.{element}",
                    f"{rule}: every entry of a {kind} Bundle needs its {element}",
                    "required",
                )
            )
        elif kind in BUNDLE_TYPES and kind not in needed_in and present:
            problems.append(
                Problem(
                    f"{where}.{element}",
                    f"{rule}: entry.{element} is only allowed in "
                    f"{' or '.join(sorted(needed_in))} Bundles",
                )
            )


def _references(node: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every Reference-like object (with `reference` or a typed `identifier`) and its path."""
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str) or (
            isinstance(node.get("identifier"), dict) and path.rsplit(".", 1)[-1] != "identifier"
        ):
            yield node, path
        for key, value in node.items():
            yield from _references(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, f"{path}[{index}]")


@dataclass(frozen=True)
class PatientIdentity:
    """How the Bundle's one patient may be referred to."""

    local: frozenset[str]
    reference: str | None

    def names(self, target: dict[str, Any]) -> bool | None:
        """True/False whether a Reference names this patient; None when it names no patient."""
        text = target.get("reference")
        identifier = target.get("identifier")
        system = load_codes().systems.patient_reference
        by_identifier = (
            isinstance(identifier, dict) and identifier.get("system") == system
        ) or target.get("type") == "Patient"
        by_reference = isinstance(text, str) and (text in self.local or _is_patient_reference(text))
        if not by_reference and not by_identifier:
            return None
        if isinstance(text, str) and text and text not in self.local:
            return False
        if isinstance(identifier, dict) and identifier.get("system") == system:
            return identifier.get("value") == self.reference
        return bool(text)


def _is_patient_reference(text: str) -> bool:
    match = _RELATIVE.match(text)
    return match is not None and match.group("type") == "Patient"


def patient_reference_problems(
    entries: list[BundleEntry], patient: PatientIdentity, *, describe: str
) -> list[Problem]:
    """Every reference to a patient must name `patient`; resources that must name their patient
    (a check-in, an operation, an observation...) must do so."""
    problems: list[Problem] = []
    for entry in entries:
        kind = entry.resource.get("resourceType")
        if kind == "Patient":
            continue
        for target, path in _references(entry.resource, entry.where):
            verdict = patient.names(target)
            if verdict is False:
                problems.append(
                    Problem(
                        path,
                        f"names another patient than {describe}: a Bundle carries one "
                        "patient's data only",
                        "value",
                    )
                )
        if kind in _SUBJECT_REQUIRED:
            subject = entry.resource.get("subject")
            if not isinstance(subject, dict) or patient.names(subject) is None:
                problems.append(
                    Problem(
                        f"{entry.where}.subject",
                        f"must name {describe} as its subject",
                        "required",
                    )
                )
    return problems


def reference_problems(entries: list[BundleEntry]) -> list[Problem]:
    """References inside the Bundle (`Type/id`, a fullUrl, `urn:`) must resolve to an entry;
    a patient reference is checked by `patient_reference_problems` instead."""
    local: set[str] = set()
    for entry in entries:
        local.add(f"{entry.resource['resourceType']}/{entry.resource.get('id', '')}")
        if entry.full_url:
            local.add(entry.full_url)
    problems: list[Problem] = []
    for entry in entries:
        for target, path in _references(entry.resource, entry.where):
            text = target.get("reference")
            if not isinstance(text, str) or not text or text.startswith("#") or text in local:
                continue
            if _is_patient_reference(text):
                continue
            match = _RELATIVE.match(text)
            if text.startswith("urn:") or (match is not None and match.group("base") is None):
                problems.append(
                    Problem(
                        f"{path}.reference",
                        f"{text!r} is not in the Bundle (a dangling reference)",
                        "value",
                    )
                )
    return problems
