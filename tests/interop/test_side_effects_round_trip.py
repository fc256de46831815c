"""Side-effect answers given in check-ins while a medicine is being started (issue 7) survive
export -> import -> export unchanged on SQLite and PostgreSQL, come back as the care team's plans
page reads them, are stored once however often the Bundle is sent, and an answer the import
cannot place is refused with its element named and nothing stored."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from nervecare.interop.fhir import FhirInputError, operation_outcome
from nervecare.interop.service import export_patient, import_fhir
from nervecare.medications import MedicationPlan, PatientFacts, PlanItem, SideEffectAnswer
from nervecare.store.plans import (
    activate_medication_plan,
    record_checkin_with_side_effects,
    save_medication_plan,
    side_effect_history,
)
from nervecare.store.service import Store, add_patient, list_patients
from tests.store.factories import START, checkin, new_patient, triaged

REFERENCE = "SIDE-1"
LATER = START + dt.timedelta(days=3)
EXTENSION = "https://nervecare.example.org/fhir/StructureDefinition/side-effect-question"


def _answer(key: str, answer: bool, words: str = "") -> SideEffectAnswer:
    return SideEffectAnswer(drug="gabapentin", key=key, answer=answer, words=words)


def _starting_gabapentin(store: Store) -> str:
    """A patient starting gabapentin, with two check-ins that answered its questions (one of
    them an urgent yes, one with the patient's words, one sent without a client id)."""
    ticks = iter(range(10_000))

    def clock() -> dt.datetime:
        return START + dt.timedelta(seconds=next(ticks))

    patient = add_patient(store.sessions, new=new_patient(REFERENCE), clock=clock).id
    plan = MedicationPlan(
        prescriber="Dr Rivera",
        items=(
            PlanItem(
                drug="gabapentin",
                start_on=START.date(),
                start_daily_mg=300,
                target_daily_mg=900,
                step_mg=300,
                step_every_days=1,
            ),
        ),
    )
    saved = save_medication_plan(
        store.sessions,
        patient=patient,
        plan=plan,
        facts=PatientFacts(age_years=56, crcl_ml_min=90),
        clock=clock,
    )
    activate_medication_plan(store.sessions, plan_id=saved.id, clock=clock)
    for day, client_id, answers in (
        (
            0,
            "c-1",
            [
                _answer("dizziness", True, "wobbly on the stairs"),
                _answer("sleepiness", False),
                _answer("breathing", True),
            ],
        ),
        (
            1,
            None,
            [
                _answer("dizziness", False),
                _answer("sleepiness", True),
                _answer("breathing", False),
            ],
        ),
    ):
        at = START + dt.timedelta(days=day, hours=1)
        value = checkin(recorded_at=at.isoformat(), days_since_surgery=28 + day)
        record_checkin_with_side_effects(
            store.sessions,
            patient_id=patient,
            checkin=value,
            triage_result=triaged(value),
            side_effects=answers,
            client_id=client_id,
            clock=lambda at=at: at,  # type: ignore[misc]
        )
    return REFERENCE


def _export(store: Store) -> dict[str, Any]:
    bundle = export_patient(store.sessions, patient=REFERENCE, on=LATER.date(), clock=lambda: LATER)
    document: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return document


def _comparable(bundle: dict[str, Any]) -> dict[str, Any]:
    bundle = copy.deepcopy(bundle)
    bundle.pop("id")
    bundle.pop("timestamp")
    return bundle


def _answers(bundle: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [
        (index, entry["resource"])
        for index, entry in enumerate(bundle["entry"])
        if entry["resource"]["resourceType"] == "Observation"
        and any(e["url"] == EXTENSION for e in entry["resource"].get("extension", []))
    ]


def _seen(store: Store) -> list[tuple[Any, ...]]:
    return [
        (a.drug, a.key, a.answer, a.words, a.urgent, a.asked_on, a.recorded_at, a.if_yes)
        for a in side_effect_history(store.sessions, patient=REFERENCE)
    ]


def test_a_patient_with_side_effect_answers_round_trips(store: Store, other_store: Store) -> None:
    """Export -> import into an empty store -> export gives the same Bundle, answers included,
    and the care team's history of answers reads the same in both stores."""
    _starting_gabapentin(store)
    first = _export(store)
    summary = import_fhir(other_store.sessions, first, clock=lambda: LATER)
    assert summary.side_effect_answers_restored == 6
    assert summary.notes == ()
    assert _comparable(_export(other_store)) == _comparable(first)
    assert _seen(other_store) == _seen(store)
    assert len(_seen(store)) == 6


def test_each_answer_is_an_observation_of_its_check_in_and_medicine(store: Store) -> None:
    """Yes/no as valueBoolean, the words as a note, derived from the check-in's
    QuestionnaireResponse, based on the plan's MedicationRequest, the urgent marker kept."""
    _starting_gabapentin(store)
    bundle = _export(store)
    answers = [resource for _, resource in _answers(bundle)]
    assert len(answers) == 6
    responses = {
        f"QuestionnaireResponse/{e['resource']['id']}"
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    }
    [request] = [
        f"MedicationRequest/{e['resource']['id']}"
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationRequest"
    ]
    by_id = {answer["id"]: answer for answer in answers}
    dizzy = by_id["sidefx-qr-c-1-gabapentin-dizziness"]
    assert dizzy["valueBoolean"] is True
    assert dizzy["note"] == [{"text": "wobbly on the stairs"}]
    assert dizzy["effectiveDateTime"] == START.date().isoformat()
    assert dizzy["category"][0]["coding"][0]["code"] == "survey"
    assert dizzy["code"]["text"].startswith("Have you felt dizzy")
    for answer in answers:
        assert answer["derivedFrom"][0]["reference"] in responses
        assert answer["basedOn"] == [{"reference": request}]
    breathing = by_id["sidefx-qr-c-1-gabapentin-breathing"]
    [question] = [e for e in breathing["extension"] if e["url"] == EXTENSION]
    assert {"url": "urgent", "valueBoolean": True} in question["extension"]


def test_importing_the_same_bundle_again_stores_no_answer_twice(
    store: Store, other_store: Store
) -> None:
    """Into the store it came from, and a second time into another store: nothing is added."""
    _starting_gabapentin(store)
    bundle = _export(store)
    assert (
        import_fhir(store.sessions, bundle, clock=lambda: LATER).side_effect_answers_restored == 0
    )
    assert len(_seen(store)) == 6
    import_fhir(other_store.sessions, bundle, clock=lambda: LATER)
    again = import_fhir(other_store.sessions, bundle, clock=lambda: LATER)
    assert (again.checkins_created, again.side_effect_answers_restored) == (0, 0)
    assert _seen(other_store) == _seen(store)


@pytest.mark.parametrize(
    ("change", "element", "words"),
    [
        (lambda r: r.update(derivedFrom=[{"reference": "QuestionnaireResponse/x"}]),
         "derivedFrom", "QuestionnaireResponse of its check-in"),
        (lambda r: r.pop("valueBoolean"), "valueBoolean", "yes (true) or no (false)"),
        (lambda r: r.pop("extension"), "extension", "side-effect-question"),
        (lambda r: r.update(note=[{"text": "x" * 201}]), "note", "words"),
    ],
    ids=["no-check-in", "no-answer", "no-question", "words-too-long"],
)  # fmt: skip
def test_an_answer_the_import_cannot_place_is_refused_with_its_path(
    store: Store, other_store: Store, change: Any, element: str, words: str
) -> None:
    """The OperationOutcome names the Observation's element; nothing at all is stored."""
    _starting_gabapentin(store)
    bundle = _export(store)
    index, answer = next(
        (i, r) for i, r in _answers(bundle) if r["id"] == "sidefx-qr-c-1-gabapentin-dizziness"
    )
    change(answer)
    with pytest.raises(FhirInputError) as raised:
        import_fhir(other_store.sessions, bundle, clock=lambda: LATER)
    [issue] = operation_outcome(raised.value.problems)["issue"]
    assert issue["expression"] == [f"Bundle.entry[{index}].resource.{element}"]
    assert words in issue["diagnostics"]
    assert list_patients(other_store.sessions) == []


def test_a_second_answer_to_the_same_question_is_refused(store: Store, other_store: Store) -> None:
    """One answer per question and check-in: a copy under another id names the copy."""
    _starting_gabapentin(store)
    bundle = _export(store)
    _, answer = _answers(bundle)[0]
    copied = copy.deepcopy(answer)
    copied["id"] = "sidefx-copy"
    bundle["entry"].append({"resource": copied})
    with pytest.raises(FhirInputError) as raised:
        import_fhir(other_store.sessions, bundle, clock=lambda: LATER)
    assert [p.expression for p in raised.value.problems] == [
        f"Bundle.entry[{len(bundle['entry']) - 1}].resource"
    ]
    assert "one answer per question" in raised.value.problems[0].message
    assert list_patients(other_store.sessions) == []
