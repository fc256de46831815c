"""Import never attaches data to the wrong patient, and refuses what is not valid FHIR
(issue 17, items 1 and 2): each problem is named at its path, and nothing is written."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from nervecare.interop.fhir import FhirInputError
from nervecare.interop.service import export_patient, import_fhir
from nervecare.store.models import Base
from nervecare.store.service import Store, list_patients
from tests.interop.conftest import TODAY

ON = TODAY.date()


def exported(store: Store, reference: str) -> dict[str, Any]:
    bundle = export_patient(store.sessions, patient=reference, on=ON, clock=lambda: TODAY)
    document: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return document


def renamed(bundle: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The same record under another patient reference (every id and reference follows)."""
    renamed_bundle: dict[str, Any] = json.loads(json.dumps(bundle).replace(old, new))
    return renamed_bundle


def refusal(store: Store, document: Any) -> list[tuple[str, str]]:
    """The (path, message) of each problem; the store must be left exactly as it was."""
    before = _contents(store)
    with pytest.raises(FhirInputError) as raised:
        import_fhir(store.sessions, document, clock=lambda: TODAY)
    assert _contents(store) == before, "a refused import wrote something"
    return [(p.expression, p.message) for p in raised.value.problems]


def _contents(store: Store) -> dict[str, int]:
    """The number of rows in every table (the audit log included)."""
    with store.engine.connect() as connection:
        return {
            table.name: connection.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def first(bundle: dict[str, Any], kind: str) -> tuple[int, dict[str, Any]]:
    for index, entry in enumerate(bundle["entry"]):
        if entry["resource"]["resourceType"] == kind:
            return index, entry["resource"]
    raise AssertionError(f"no {kind}")


# ------------------------------------------------------------------ one patient per Bundle


def test_a_checkin_about_someone_else_is_refused(sqlite_demo: Store, sqlite_other: Store) -> None:
    """A QuestionnaireResponse whose subject is another patient is not stored as this one's."""
    bundle = exported(sqlite_demo, "DEMO-003")
    index, response = first(bundle, "QuestionnaireResponse")
    response["subject"] = {"reference": "Patient/SOMEONE-ELSE"}
    problems = refusal(sqlite_other, bundle)
    assert (f"Bundle.entry[{index}].resource.subject", problems[0][1]) in problems
    assert "another patient" in problems[0][1]


def test_a_procedure_for_another_patient_is_refused(
    sqlite_demo: Store, sqlite_other: Store
) -> None:
    """An operation on someone else is not this patient's operation."""
    bundle = exported(sqlite_demo, "DEMO-003")
    index, procedure = first(bundle, "Procedure")
    procedure["subject"]["identifier"]["value"] = "DEMO-004"
    paths = [path for path, _ in refusal(sqlite_other, bundle)]
    assert f"Bundle.entry[{index}].resource.subject" in paths


def test_a_patient_with_another_patients_record_is_refused_naming_each_element(
    sqlite_demo: Store, sqlite_other: Store
) -> None:
    """One person's Patient with another's surgery and check-ins: refused, every foreign
    element named (not the check-ins added to the first and the surgery ignored)."""
    mine = exported(sqlite_demo, "DEMO-003")
    theirs = exported(sqlite_demo, "DEMO-004")
    bundle = copy.deepcopy(theirs)
    bundle["entry"][0] = mine["entry"][0]
    paths = {path for path, _ in refusal(sqlite_other, bundle)}
    foreign = {
        f"Bundle.entry[{i}].resource.subject"
        for i, entry in enumerate(bundle["entry"])
        if "subject" in entry["resource"]
    }
    assert foreign
    assert foreign <= paths


def test_a_subject_without_a_patient_is_refused(sqlite_demo: Store, sqlite_other: Store) -> None:
    """A check-in in a Bundle must name its patient."""
    bundle = exported(sqlite_demo, "DEMO-003")
    index, response = first(bundle, "QuestionnaireResponse")
    del response["subject"]
    paths = [path for path, _ in refusal(sqlite_other, bundle)]
    assert f"Bundle.entry[{index}].resource.subject" in paths


def test_a_numeric_reference_never_picks_an_internal_patient(
    sqlite_demo: Store, other_store: Store
) -> None:
    """Importing a patient whose reference is "2" into a store whose internal patient 2 is
    someone else enrols a new patient "2"; importing it again finds the same patient."""
    for reference in ("DEMO-001", "DEMO-002"):
        import_fhir(other_store.sessions, exported(sqlite_demo, reference), clock=lambda: TODAY)
    bundle = renamed(exported(sqlite_demo, "DEMO-005"), "DEMO-005", "2")
    summary = import_fhir(other_store.sessions, bundle, clock=lambda: TODAY)
    assert summary.patient_created
    assert summary.patient.reference == "2"
    again = import_fhir(other_store.sessions, bundle, clock=lambda: TODAY)
    assert not again.patient_created
    assert again.checkins_created == 0
    assert {p.reference for p in list_patients(other_store.sessions)} == {
        "DEMO-001",
        "DEMO-002",
        "2",
    }


# ------------------------------------------------------------------ not valid FHIR


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda b: b["entry"].append({"resource": {"resourceType": "Foo"}}), "resourceType", "Foo"),
        (lambda b: b.update(type="nonsense"), "Bundle.type", "not a Bundle type"),
        (lambda b: b.update(type="transaction"), "Bundle.entry[0].request", "bdl-3"),
        (lambda b: b["entry"].append(None), "Bundle.entry[", "an entry must be"),
        (lambda b: b["entry"].append({}), "Bundle.entry[", "an entry must be"),
        (lambda b: b["entry"].append(copy.deepcopy(b["entry"][1])), "fullUrl", "bdl-7"),
        (lambda b: b.update(entry={"a": 1}), "Bundle.entry", "array"),
        (lambda b: b.update(entry=["x", 1, None]), "Bundle.entry[0]", "an entry must be"),
    ],
    ids=[
        "unknown-type",
        "bad-bundle-type",
        "transaction-without-request",
        "null-entry",
        "empty-entry",
        "duplicate-fullurl",
        "entry-object",
        "entry-scalars",
    ],
)
def test_invalid_bundles_are_refused_at_their_path(
    sqlite_demo: Store, sqlite_other: Store, change: Any, path: str, words: str
) -> None:
    """Each of these was accepted in silence; now each is an issue at its path."""
    bundle = exported(sqlite_demo, "DEMO-003")
    change(bundle)
    problems = refusal(sqlite_other, bundle)
    assert any(path in where and words in message for where, message in problems), problems


def test_a_misspelt_resource_type_gets_a_suggestion(
    sqlite_demo: Store, sqlite_other: Store
) -> None:
    """'Procedur' is named as a misspelling of Procedure, not 'the Procedure is missing'."""
    bundle = exported(sqlite_demo, "DEMO-003")
    index, procedure = first(bundle, "Procedure")
    procedure["resourceType"] = "Procedur"
    problems = refusal(sqlite_other, bundle)
    assert problems[0][0] == f"Bundle.entry[{index}].resource.resourceType"
    assert "did you mean 'Procedure'?" in problems[0][1]
    top = refusal(sqlite_other, {**bundle, "resourceType": "Bundel"})
    assert "did you mean 'Bundle'?" in top[0][1]


def test_a_second_index_operation_is_refused(sqlite_demo: Store, sqlite_other: Store) -> None:
    """Two index operations: the second is not ignored in silence."""
    bundle = exported(sqlite_demo, "DEMO-003")
    index, _procedure = first(bundle, "Procedure")
    second = copy.deepcopy(bundle["entry"][index])
    second["resource"]["id"] = "surgery-again"
    second["fullUrl"] = second["fullUrl"].rsplit("/", 1)[0] + "/surgery-again"
    bundle["entry"].append(second)
    problems = refusal(sqlite_other, bundle)
    assert problems[0][0] == f"Bundle.entry[{len(bundle['entry']) - 1}].resource"
    assert "one index operation" in problems[0][1]


def test_a_dangling_derived_from_is_refused(sqlite_demo: Store, sqlite_other: Store) -> None:
    """An Observation derived from a check-in that is not in the Bundle is refused."""
    bundle = exported(sqlite_demo, "DEMO-003")
    index = next(i for i, e in enumerate(bundle["entry"]) if "derivedFrom" in e["resource"])
    bundle["entry"][index]["resource"]["derivedFrom"] = [
        {"reference": "QuestionnaireResponse/not-here"}
    ]
    problems = refusal(sqlite_other, bundle)
    assert (
        f"Bundle.entry[{index}].resource.derivedFrom[0].reference",
        "'QuestionnaireResponse/not-here' is not in the Bundle (a dangling reference)",
    ) in problems


def test_a_duplicated_checkin_keeps_its_alert(demo_store: Store, other_store: Store) -> None:
    """The same QuestionnaireResponse twice (under another id): stored once, its alert restored
    as recorded, no new pending alert."""
    reference = next(
        p.reference
        for p in list_patients(demo_store.sessions)
        if any(
            e["resource"]["resourceType"] == "Communication"
            for e in exported(demo_store, p.reference)["entry"]
        )
    )
    bundle = exported(demo_store, reference)
    alert = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication")
    about = alert["resource"]["about"][0]["reference"]
    original = next(
        e for e in bundle["entry"] if f"QuestionnaireResponse/{e['resource'].get('id')}" == about
    )
    copied = copy.deepcopy(original)
    copied["resource"]["id"] = "copy-of-" + copied["resource"]["id"][:50]
    copied["fullUrl"] = copied["fullUrl"].rsplit("/", 1)[0] + "/" + copied["resource"]["id"]
    bundle["entry"].insert(bundle["entry"].index(original), copied)
    summary = import_fhir(other_store.sessions, bundle, clock=lambda: TODAY)
    assert summary.alerts_created_pending == 0
    assert summary.alerts_restored >= 1
