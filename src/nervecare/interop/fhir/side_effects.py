"""Side-effect answers given in a check-in (issue 7) as FHIR, and back.

Each answer is an Observation of the kind FHIR R4 gives for a patient-reported finding: category
`survey`, the question as `code` (the project's measure code `side_effect_answer`, the question's
words as text), the yes or no as `valueBoolean`, the patient's own words as a `note`, the day
asked as `effectiveDateTime` and when it was recorded as `issued`. It points at the check-in it
was given in (`derivedFrom` its QuestionnaireResponse) and at the medicine being started
(`basedOn` the plan's MedicationRequest active that day, when there is one).

FHIR has no element for which of nervecare's questions it was, nor for the "needs prompt
attention" marker the question carried when asked, so those travel in one nervecare extension,
`side-effect-question` (sub-extensions `drug`, `effect`, `urgent`). Import reads every
Observation with the `side_effect_answer` code and refuses one it cannot place, naming the
element; the answers are stored in the import's own transaction, beside their check-ins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from nervecare.interop.fhir._codes import Codes
from nervecare.interop.fhir._extensions import complex_extension, extension_values, find_extension
from nervecare.interop.fhir.ids import safe_id
from nervecare.interop.fhir.plans import medication_request_id
from nervecare.interop.fhir.problems import Problem
from nervecare.medications import load_drug_knowledge
from nervecare.store.interop import PlanRecord
from nervecare.store.side_effects_restore import ExportedSideEffect, ImportedSideEffect

__all__ = [
    "SIDE_EFFECT_ANSWER",
    "SIDE_EFFECT_EXTENSION",
    "is_side_effect_answer",
    "read_side_effects",
    "side_effect_resources",
]

#: The measure code (project code system `measure`) of a side-effect answer Observation.
SIDE_EFFECT_ANSWER = "side_effect_answer"
#: The nervecare extension naming the question (drug, effect) and its urgent marker.
SIDE_EFFECT_EXTENSION = "side-effect-question"
_SURVEY = "http://terminology.hl7.org/CodeSystem/observation-category"
#: Where in the Observation each value of an answer comes from (for the OperationOutcome).
_ELEMENT = {"drug": ".extension", "effect": ".extension", "urgent": ".extension", "words": ".note"}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _question(drug: str, effect: str) -> tuple[str, bool]:
    """The question's words and urgent marker in today's drug data (a question no longer in the
    data keeps a readable name, and is not urgent unless the Bundle says so)."""
    facts = load_drug_knowledge().drugs.get(drug)
    for known in facts.side_effects if facts is not None else ():
        if known.key == effect:
            return known.question, known.urgent
    return effect.replace("_", " "), False


def _request_for(
    answer: ExportedSideEffect, plans: Sequence[PlanRecord], reference: str
) -> str | None:
    """The MedicationRequest of the plan active on the day the question was asked, for the
    medicine asked about (the latest such plan)."""
    found = None
    for number, plan in enumerate(plans, 1):
        if plan.activated_at is None or plan.activated_at.date() > answer.asked_on:
            continue
        if plan.stopped_at is not None and plan.stopped_at.date() < answer.asked_on:
            continue
        for index, item in enumerate(plan.plan.items):
            if item.drug_key == answer.drug:
                found = f"MedicationRequest/{medication_request_id(reference, number, index)}"
    return found


def side_effect_resources(
    *,
    answers: Sequence[ExportedSideEffect],
    plans: Sequence[PlanRecord],
    responses: Mapping[int, str],
    codes: Codes,
    reference: str,
    subject: dict[str, Any],
) -> list[Resource]:
    """One Observation per answer; `responses` maps a stored check-in id to the reference of its
    QuestionnaireResponse in the same Bundle."""
    resources: list[Resource] = []
    for answer in answers:
        response = responses[answer.checkin_id]
        question, _ = _question(answer.drug, answer.effect)
        key = f"{response.split('/', 1)[1]}-{answer.drug}-{answer.effect}".replace("_", "-")
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": safe_id("sidefx-", key),
            "status": "final",
            "category": [{"coding": [{"system": _SURVEY, "code": "survey"}]}],
            "code": {
                "coding": [{"system": codes.systems.measure, "code": SIDE_EFFECT_ANSWER}],
                "text": question,
            },
            "subject": subject,
            "effectiveDateTime": answer.asked_on.isoformat(),
            "issued": _iso(answer.recorded_at),
            "valueBoolean": answer.answer,
            "derivedFrom": [{"reference": response}],
            "extension": [
                complex_extension(
                    codes.extension_url(SIDE_EFFECT_EXTENSION),
                    {"drug": answer.drug, "effect": answer.effect, "urgent": answer.urgent},
                )
            ],
        }
        request = _request_for(answer, plans, reference)
        if request is not None:
            resource["basedOn"] = [{"reference": request}]
        if answer.words:
            resource["note"] = [{"text": answer.words}]
        resources.append(Observation.model_validate(resource))
    return resources


def is_side_effect_answer(resource: Observation, codes: Codes) -> bool:
    return any(
        coding.system == codes.systems.measure and coding.code == SIDE_EFFECT_ANSWER
        for coding in (resource.code.coding or [] if resource.code else [])
    )


def _one(values: dict[str, list[Any]], name: str) -> Any:
    found = values.get(name)
    return found[0] if found else None


def _answer(
    resource: Observation,
    where: str,
    codes: Codes,
    responses: Mapping[str, str],
    problems: list[Problem],
) -> ImportedSideEffect | None:
    derived = [str(ref.reference) for ref in resource.derivedFrom or [] if ref.reference]
    client_id = next((responses[ref] for ref in derived if ref in responses), None)
    if client_id is None:
        problems.append(
            Problem(
                f"{where}.derivedFrom",
                "a side-effect answer must point at the QuestionnaireResponse of its check-in "
                "in the same Bundle",
                "required",
            )
        )
        return None
    extension = find_extension(resource, codes.extension_url(SIDE_EFFECT_EXTENSION))
    if extension is None:
        problems.append(
            Problem(
                f"{where}.extension",
                f"a side-effect answer needs the nervecare {SIDE_EFFECT_EXTENSION} extension "
                "(which medicine and question)",
                "required",
            )
        )
        return None
    values = extension_values(extension)
    drug, effect = _one(values, "drug"), _one(values, "effect")
    urgent = _one(values, "urgent")
    if urgent is None and drug and effect:
        _, urgent = _question(str(drug), str(effect))
    for element, value, message in (
        ("valueBoolean", resource.valueBoolean, "the answer, yes (true) or no (false)"),
        ("effectiveDateTime", resource.effectiveDateTime, "the day the question was asked"),
        ("issued", resource.issued, "when the answer was recorded"),
    ):
        if value is None:
            problems.append(Problem(f"{where}.{element}", f"{message} is needed", "required"))
            return None
    try:
        return ImportedSideEffect.model_validate(
            {
                "checkin_client_id": client_id,
                "drug": drug,
                "effect": effect,
                "answer": resource.valueBoolean,
                "words": (resource.note[0].text or "") if resource.note else "",
                "urgent": bool(urgent),
                "asked_on": str(resource.effectiveDateTime)[:10],
                "recorded_at": resource.issued,
            }
        )
    except ValidationError as error:
        problems.extend(
            Problem(
                where + _ELEMENT.get(str(d["loc"][0]) if d["loc"] else "", ""),
                f"{'.'.join(str(p) for p in d['loc'])}: {d['msg']}",
                "value",
            )
            for d in error.errors()
        )
        return None


def read_side_effects(
    parsed: Sequence[tuple[Any, str]],
    codes: Codes,
    problems: list[Problem],
    responses: Mapping[str, str],
) -> list[ImportedSideEffect]:
    """The side-effect answers among validated resources; `responses` maps a
    QuestionnaireResponse reference to its check-in's client id. Each problem found is added
    to `problems`, naming the element."""
    answers: list[ImportedSideEffect] = []
    seen: set[tuple[str, str, str]] = set()
    for resource, where in parsed:
        if not isinstance(resource, Observation) or not is_side_effect_answer(resource, codes):
            continue
        answer = _answer(resource, where, codes, responses, problems)
        if answer is None:
            continue
        key = (answer.checkin_client_id, answer.drug, answer.effect)
        if key in seen:
            problems.append(
                Problem(
                    where,
                    f"check-in {answer.checkin_client_id} already has an answer to "
                    f"{answer.drug}.{answer.effect}: one answer per question",
                    "value",
                )
            )
            continue
        seen.add(key)
        answers.append(answer)
    return answers
