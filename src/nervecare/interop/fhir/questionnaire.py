"""The check-in as a FHIR Questionnaire, and each check-in as a QuestionnaireResponse.

The Questionnaire is generated from the packaged check-in questions (the same words the patient
sees), with one item per check-in field: `linkId` is the contract's field name, so a response maps
back to a `CheckIn` field by field. Fields the patient is not asked in words (schema_version,
patient_id, recorded_at, function_odi) are items too, marked hidden, so that nothing is lost:
`checkin_from_response(response_from_checkin(c))` gives back `c` exactly, with the same fields set.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItemAnswer,
)
from pydantic import ValidationError

from nervecare.checkin import CheckIn, CheckInError, parse_checkin
from nervecare.interop.fhir._codes import load_codes
from nervecare.interop.fhir.problems import FhirInputError, Problem
from nervecare.questionnaire import Question, load_questionnaire

__all__ = [
    "QUESTIONNAIRE_ID",
    "checkin_from_response",
    "checkin_questionnaire",
    "questionnaire_url",
    "response_from_checkin",
]

QUESTIONNAIRE_ID = "nervecare-checkin-v1"
_HIDDEN = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"

#: Check-in fields that are not asked in words, and their FHIR item types.
_UNASKED: dict[str, tuple[str, str]] = {
    "schema_version": ("string", "Check-in contract version"),
    "patient_id": ("string", "The sender's patient id"),
    "recorded_at": ("dateTime", "When the check-in was recorded"),
    "function_odi": ("integer", "Oswestry Disability Index, 0-100 (lower is better)"),
}
_ITEM_TYPE = {
    "whole_number": "integer",
    "number": "decimal",
    "choice": "choice",
    "choices": "choice",
    "status": "choice",
    "yes_no": "boolean",
    "text": "text",
}
_VALUE_KEY = {
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "boolean": "valueBoolean",
    "text": "valueString",
    "string": "valueString",
    "choice": "valueCoding",
    "dateTime": "valueDateTime",
}
_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def questionnaire_url() -> str:
    return f"{load_codes().systems.extension.rsplit('/', 1)[0]}/Questionnaire/{QUESTIONNAIRE_ID}"


def _answer_system(field: str) -> str:
    return f"{load_codes().systems.extension.rsplit('/', 1)[0]}/CodeSystem/checkin-{field}"


def _empty_string_url() -> str:
    return load_codes().extension_url("empty-string")


def _unknown_fields_url() -> str:
    return load_codes().extension_url("checkin-unknown-fields")


def _original_text_url() -> str:
    return load_codes().extension_url("original-text")


@cache
def _ranges() -> dict[str, tuple[float, float]]:
    """Field -> (minimum, maximum) of every number the check-in contract bounds."""
    ranges: dict[str, tuple[float, float]] = {}
    for field, schema in CheckIn.model_json_schema()["properties"].items():
        for option in [schema, *schema.get("anyOf", [])]:
            if "minimum" in option and "maximum" in option:
                ranges[field] = (option["minimum"], option["maximum"])
    return ranges


def _standard_codes() -> dict[str, dict[str, str]]:
    """Items with a standard (LOINC) code: the 0-10 pain scores and the body temperature."""
    codes = load_codes()
    pain = {"system": codes.pain_severity.system, "code": codes.pain_severity.code}
    pain["display"] = codes.pain_severity.display
    temperature = codes.body_temperature
    return {
        "leg_pain": pain,
        "back_pain": pain,
        "temperature_c": {
            "system": temperature.system,
            "code": temperature.code,
            "display": temperature.display,
        },
    }


def _described(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its answer range (minValue/maxValue) and standard code, where known."""
    field = item["linkId"]
    if field in _ranges() and item["type"] in ("integer", "decimal"):
        key = "valueInteger" if item["type"] == "integer" else "valueDecimal"
        low, high = _ranges()[field]
        cast = int if item["type"] == "integer" else float
        item["extension"] = [
            *item.get("extension", []),
            {"url": _MIN_VALUE, key: cast(low)},
            {"url": _MAX_VALUE, key: cast(high)},
        ]
    if field in _standard_codes():
        item["code"] = [_standard_codes()[field]]
    return item


@cache
def _item_types() -> dict[str, str]:
    """Field name -> FHIR item type, for every check-in field."""
    types = {q.field: _ITEM_TYPE[q.kind] for q in load_questionnaire().questions()}
    types |= {field: kind for field, (kind, _text) in _UNASKED.items()}
    missing = set(CheckIn.model_fields) - set(types)
    assert not missing, f"check-in fields without a questionnaire item: {sorted(missing)}"
    return types


def _repeats(field: str) -> bool:
    return field in ("bladder", "bowel", "wound")


def _question_item(question: Question) -> dict[str, Any]:
    questionnaire = load_questionnaire()
    item: dict[str, Any] = {
        "linkId": question.field,
        "text": question.text,
        "type": _ITEM_TYPE[question.kind],
        "required": not question.optional,
    }
    if _repeats(question.field):
        item["repeats"] = True
    choices = questionnaire.choices_for(question)
    if question.kind == "yes_no" or not choices:
        return _described(item)
    item["answerOption"] = [
        {
            "valueCoding": {
                "system": _answer_system(question.field),
                "code": choice.value,
                "display": choice.label,
            }
        }
        for choice in choices
    ]
    return item


@cache
def _questionnaire_document() -> str:
    sections = []
    for section in load_questionnaire().sections:
        group: dict[str, Any] = {
            "linkId": "section-" + section.title.lower().replace(" ", "-").replace(",", ""),
            "text": section.title,
            "type": "group",
            "item": [_question_item(q) for q in section.questions],
        }
        sections.append(group)
    hidden = [
        _described(
            {
                "linkId": field,
                "text": text,
                "type": kind,
                "required": False,
                "extension": [{"url": _HIDDEN, "valueBoolean": True}],
            }
        )
        for field, (kind, text) in _UNASKED.items()
    ]
    document = {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": questionnaire_url(),
        "version": "1",
        "name": "NervecareCheckIn",
        "title": "nervecare check-in after lumbar spine surgery",
        "status": "active",
        "subjectType": ["Patient"],
        "item": [
            *sections,
            {"linkId": "recorded", "type": "group", "text": "Record", "item": hidden},
        ],
    }
    return json.dumps(document)


@cache
def _groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(group linkId, its fields in order), as in the Questionnaire, so responses mirror it."""
    document = json.loads(_questionnaire_document())
    return tuple(
        (group["linkId"], tuple(item["linkId"] for item in group["item"]))
        for group in document["item"]
    )


def checkin_questionnaire() -> Questionnaire:
    """The check-in Questionnaire (validated by fhir.resources)."""
    return Questionnaire.model_validate_json(_questionnaire_document())


def _answers(field: str, value: object) -> list[dict[str, Any]]:
    kind = _item_types()[field]
    values = value if isinstance(value, list) else [value]
    answers: list[dict[str, Any]] = []
    for item in values:
        if kind == "choice":
            answers.append({"valueCoding": {"system": _answer_system(field), "code": item}})
        elif kind in ("text", "string") and item == "":
            answers.append({"extension": [{"url": _empty_string_url(), "valueBoolean": True}]})
        elif kind == "decimal":
            answers.append({"valueDecimal": Decimal(repr(float(item)))})  # type: ignore[arg-type]
        elif kind == "dateTime":
            answers.append(_date_time_answer(str(item)))
        else:
            answers.append({_VALUE_KEY[kind]: item})
    return answers


def _date_time_answer(text: str) -> dict[str, Any]:
    """A dateTime answer; FHIR writes some instants differently (`+00:00` as `Z`), so the text
    as sent travels beside it when it differs, and a check-in comes back exactly."""
    original = {"url": _original_text_url(), "valueString": text}
    try:
        answer = QuestionnaireResponseItemAnswer.model_validate({"valueDateTime": text})
    except ValidationError:
        return {"extension": [original]}
    written = answer.model_dump(mode="json", exclude_none=True).get("valueDateTime")
    if written == text:
        return {"valueDateTime": text}
    return {"valueDateTime": written, "extension": [original]}


def response_from_checkin(
    checkin: CheckIn,
    *,
    response_id: str | None = None,
    subject: str | None = None,
    client_id: str | None = None,
    authored: str | None = None,
) -> QuestionnaireResponse:
    """One check-in as a completed QuestionnaireResponse; only the fields it has set."""
    document = checkin.model_dump(mode="python", exclude_unset=True)
    extras = checkin.model_extra or {}
    answered = {
        field: {"linkId": field, **({"answer": _answers(field, value)} if value != [] else {})}
        for field, value in document.items()
        if field not in extras
    }
    items = []
    for group, fields in _groups():
        inside = [answered[field] for field in fields if field in answered]
        if inside:
            items.append({"linkId": group, "item": inside})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_url(),
        "status": "completed",
        "item": items,
    }
    if response_id is not None:
        resource["id"] = response_id
    if client_id is not None:
        resource["identifier"] = {
            "system": load_codes().systems.checkin_client_id,
            "value": client_id,
        }
    if subject is not None:
        resource["subject"] = {"reference": subject}
    if authored is not None:
        resource["authored"] = authored
    if extras:
        resource["extension"] = [
            {"url": _unknown_fields_url(), "valueString": json.dumps(extras, sort_keys=True)}
        ]
    return QuestionnaireResponse.model_validate(resource)


def _choice_value(field: str, answer: Any, where: str, problems: list[Problem]) -> object | None:
    coding = answer.valueCoding
    if coding is not None and coding.code is not None:
        if coding.system not in (None, _answer_system(field)):
            problems.append(
                Problem(f"{where}.valueCoding.system", f"expected {_answer_system(field)}", "value")
            )
            return None
        return str(coding.code)
    if answer.valueString is not None:
        return str(answer.valueString)
    problems.append(Problem(where, f"{field} needs a valueCoding answer", "value"))
    return None


def _answer_value(field: str, answer: Any, where: str, problems: list[Problem]) -> object | None:
    kind = _item_types()[field]
    extensions = answer.extension or []
    if kind in ("text", "string") and any(e.url == _empty_string_url() for e in extensions):
        return ""
    if kind == "dateTime":
        for extension in extensions:
            if extension.url == _original_text_url() and extension.valueString is not None:
                return str(extension.valueString)
        if answer.valueDateTime is not None:
            return str(answer.model_dump(mode="json", exclude_none=True)["valueDateTime"])
    if kind == "choice":
        return _choice_value(field, answer, where, problems)
    value = getattr(answer, _VALUE_KEY[kind], None)
    if value is None:
        problems.append(Problem(where, f"{field} needs a {_VALUE_KEY[kind]} answer", "value"))
        return None
    return float(value) if kind == "decimal" else value


def _flatten(items: list[Any], path: str) -> list[tuple[Any, str]]:
    flat: list[tuple[Any, str]] = []
    for index, item in enumerate(items or []):
        where = f"{path}.item[{index}]"
        if item.item:
            flat += _flatten(item.item, where)
        else:
            flat.append((item, where))
    return flat


def checkin_from_response(response: QuestionnaireResponse) -> CheckIn:
    """The check-in a QuestionnaireResponse carries, or `FhirInputError` naming each problem."""
    problems: list[Problem] = []
    document: dict[str, object] = {}
    where_of: dict[str, str] = {}
    for item, where in _flatten(response.item or [], "QuestionnaireResponse"):
        field = item.linkId
        if field not in _item_types():
            problems.append(Problem(f"{where}.linkId", f"unknown check-in item {field!r}"))
            continue
        where_of[field] = where
        values = [
            _answer_value(field, answer, f"{where}.answer[{index}]", problems)
            for index, answer in enumerate(item.answer or [])
        ]
        if _repeats(field):
            document[field] = values
        elif len(values) == 1:
            document[field] = values[0]
        elif len(values) > 1:
            problems.append(Problem(where, f"{field} takes one answer, got {len(values)}"))
    for extension in response.extension or []:
        if extension.url == _unknown_fields_url() and extension.valueString:
            document.update(json.loads(extension.valueString))
    if problems:
        raise FhirInputError(problems)
    try:
        return parse_checkin(document)
    except CheckInError as error:
        raise FhirInputError(
            [
                Problem(
                    where_of.get(
                        p.field.split(".")[0],
                        f"QuestionnaireResponse.item.where(linkId='{p.field}')",
                    ),
                    f"{p.field}: {p.message}",
                    "required" if p.problem == "missing" else "value",
                )
                for p in error.problems
            ]
        ) from None
