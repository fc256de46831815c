"""The check-in Questionnaire and the QuestionnaireResponse <-> CheckIn mapping."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.checkin import CheckIn, parse_checkin
from nervecare.interop.fhir import (
    FhirInputError,
    checkin_from_response,
    checkin_questionnaire,
    response_from_checkin,
)
from tests.strategies import checkin_documents


def _link_ids(items: list[Any]) -> list[str]:
    ids: list[str] = []
    for item in items:
        ids += _link_ids(item.item) if item.type == "group" else [item.linkId]
    return ids


def test_questionnaire_has_one_item_per_checkin_field() -> None:
    """Every contract field is an item whose linkId is the field's name, exactly once."""
    questionnaire = checkin_questionnaire()
    assert sorted(_link_ids(questionnaire.item)) == sorted(CheckIn.model_fields)


def test_required_items_are_the_required_fields() -> None:
    """The items marked required are the fields the contract requires."""

    def required(items: list[Any]) -> set[str]:
        found: set[str] = set()
        for item in items:
            found |= (
                required(item.item)
                if item.type == "group"
                else ({item.linkId} if item.required else set())
            )
        return found

    expected = {name for name, field in CheckIn.model_fields.items() if field.is_required()}
    assert required(checkin_questionnaire().item) == expected


def test_responses_mirror_the_questionnaire_groups() -> None:
    """Each answer sits in the same group (section) as its question in the Questionnaire."""
    questionnaire = checkin_questionnaire()
    groups = {group.linkId: _link_ids(group.item) for group in questionnaire.item}
    document = {"days_since_surgery": 3, "leg_pain": 4, "bladder": ["urgency"], "notes": "ok"}
    response = response_from_checkin(parse_checkin(document))
    for group in response.item:
        assert {item.linkId for item in group.item} <= set(groups[group.linkId])


def test_questionnaire_round_trips_through_json() -> None:
    """Parse, serialise, parse again: the same Questionnaire (golden round trip)."""
    questionnaire = checkin_questionnaire()
    again = type(questionnaire).model_validate_json(questionnaire.model_dump_json())
    assert again == questionnaire


@given(document=checkin_documents(with_notes=True))
def test_any_valid_checkin_survives_the_questionnaire_response(document: dict[str, Any]) -> None:
    """CheckIn -> QuestionnaireResponse -> CheckIn is identical, down to which fields are set."""
    checkin = parse_checkin(document)
    back = checkin_from_response(response_from_checkin(checkin, response_id="x"))
    assert back == checkin
    assert back.model_dump(exclude_unset=True) == checkin.model_dump(exclude_unset=True)


@given(
    document=checkin_documents(),
    extra=st.dictionaries(st.sampled_from(["bladdder", "mood", "x"]), st.integers(), max_size=2),
)
def test_unknown_fields_survive_too(document: dict[str, Any], extra: dict[str, int]) -> None:
    """Fields the contract does not define (kept for a warning) travel in an extension."""
    checkin = parse_checkin({**document, **extra})
    back = checkin_from_response(response_from_checkin(checkin))
    assert back.unknown_fields == checkin.unknown_fields
    assert back == checkin


def test_out_of_range_answer_names_the_item() -> None:
    """A leg pain of 11 is refused with an issue at that item's path."""
    response = response_from_checkin(parse_checkin({"days_since_surgery": 3, "leg_pain": 4}))
    document = response.model_dump(mode="json", exclude_none=True)
    assert document["item"][1]["item"][0]["linkId"] == "leg_pain"
    document["item"][1]["item"][0]["answer"][0]["valueInteger"] = 11
    with pytest.raises(FhirInputError) as raised:
        checkin_from_response(type(response).model_validate(document))
    [problem] = raised.value.problems
    assert problem.expression == "QuestionnaireResponse.item[1].item[0]"
    assert "leg_pain" in problem.message


def test_missing_required_answer_is_reported() -> None:
    """Leaving out leg pain gives a 'required' issue naming the field."""
    response = response_from_checkin(parse_checkin({"days_since_surgery": 3, "leg_pain": 4}))
    document = response.model_dump(mode="json", exclude_none=True)
    del document["item"][1]
    with pytest.raises(FhirInputError) as raised:
        checkin_from_response(type(response).model_validate(document))
    assert [p.code for p in raised.value.problems] == ["required"]
    assert "leg_pain" in raised.value.problems[0].message
