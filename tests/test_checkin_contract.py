"""The check-in model accepts exactly the documents shared/contracts/checkin.schema.json accepts,
and refuses the rest with an error naming each offending field and why."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.checkin import (
    CONTRACT_V1_FIELDS,
    EXTENSION_FIELDS,
    INTEGER_FIELDS,
    CheckIn,
    CheckInError,
    parse_checkin,
    parse_checkin_json,
)
from tests.strategies import checkin_documents


def _schema_accepts(schema: dict[str, Any], document: object) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(document)


@given(checkin_documents(with_notes=True))
def test_every_generated_document_is_valid_under_the_schema(
    checkin_schema: dict[str, Any], document: dict[str, Any]
) -> None:
    """The generator itself stays inside the contract (so the tests below mean something)."""
    assert _schema_accepts(checkin_schema, document)


@given(checkin_documents(with_notes=True))
def test_the_model_accepts_every_valid_document(document: dict[str, Any]) -> None:
    """Every document valid under the contract is accepted, with its values unchanged."""
    checkin = parse_checkin(document)
    assert checkin.days_since_surgery == document["days_since_surgery"]
    assert checkin.leg_pain == document["leg_pain"]
    for field in ("bladder", "bowel", "wound"):
        assert getattr(checkin, field) == document.get(field, [])


# Values of every JSON type, to put in any field: the model and the schema must agree on each.
_ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 4000)
    | st.floats(-5, 4000, allow_nan=False)
    | st.sampled_from(["", "new", "none", "retention", "pus", "fusion", "1", "yes", "x" * 130]),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=4,
)
_FIELDS = [name for name in CONTRACT_V1_FIELDS if name != "recorded_at"]


def test_every_integer_field_accepts_a_zero_fraction(checkin_schema: dict[str, Any]) -> None:
    """The fields JSON Schema types as integer are the ones that take 5.0 as 5."""
    schema_integers = {
        name for name, spec in checkin_schema["properties"].items() if spec.get("type") == "integer"
    }
    model_integers = {
        name
        for name, spec in CheckIn.model_json_schema()["properties"].items()
        if "integer"
        in {spec.get("type"), *(option.get("type") for option in spec.get("anyOf", []))}
    }
    assert schema_integers <= set(INTEGER_FIELDS)
    assert model_integers == set(INTEGER_FIELDS)


def test_the_model_defines_exactly_the_contract_fields(checkin_schema: dict[str, Any]) -> None:
    """Every contract field is modelled; anything else is a declared extension."""
    assert set(CONTRACT_V1_FIELDS) == set(checkin_schema["properties"])
    assert set(CheckIn.model_fields) == set(CONTRACT_V1_FIELDS) | set(EXTENSION_FIELDS)


@given(
    checkin_documents(),
    st.dictionaries(st.sampled_from(_FIELDS), _ANY_JSON, min_size=1, max_size=3),
)
def test_model_and_schema_agree_on_any_values(
    checkin_schema: dict[str, Any], base: dict[str, Any], changes: dict[str, Any]
) -> None:
    """With any JSON values in any fields, the model accepts exactly when the schema does."""
    document = base | changes
    schema_ok = _schema_accepts(checkin_schema, document)
    try:
        parse_checkin(document)
        model_ok = True
    except CheckInError as error:
        model_ok = False
        reported = {problem.field.split(".")[0] for problem in error.problems}
        assert reported <= set(changes), "only fields that were changed can be at fault"
    assert model_ok == schema_ok


@given(checkin_documents(), st.sampled_from(["days_since_surgery", "leg_pain"]))
def test_a_missing_required_field_is_named(document: dict[str, Any], field: str) -> None:
    """Leaving out a required answer is refused, naming the field as missing."""
    del document[field]
    with pytest.raises(CheckInError) as caught:
        parse_checkin(document)
    assert [(p.field, p.problem) for p in caught.value.problems] == [(field, "missing")]


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"leg_pain": 11}, "leg_pain", "out_of_range"),
        ({"leg_pain": -1}, "leg_pain", "out_of_range"),
        ({"days_since_surgery": 3651}, "days_since_surgery", "out_of_range"),
        ({"temperature_c": 29.9}, "temperature_c", "out_of_range"),
        ({"leg_pain": "5"}, "leg_pain", "wrong_type"),
        ({"leg_pain": 5.5}, "leg_pain", "wrong_type"),
        ({"leg_pain": True}, "leg_pain", "wrong_type"),
        ({"temperature_c": "38.5"}, "temperature_c", "wrong_type"),
        ({"calf_pain_or_swelling": "yes"}, "calf_pain_or_swelling", "wrong_type"),
        ({"foot_drop": "bad"}, "foot_drop", "not_allowed"),
        ({"procedure": "hip replacement"}, "procedure", "not_allowed"),
        ({"bladder": ["leaky"]}, "bladder.0", "not_allowed"),
        ({"bladder": ["retention", "retention"]}, "bladder", "duplicate"),
        ({"schema_version": "2"}, "schema_version", "not_allowed"),
        ({"notes": "x" * 5001}, "notes", "out_of_range"),
        ({"patient_id": "p" * 129}, "patient_id", "out_of_range"),
        ({"recorded_at": "yesterday"}, "recorded_at", "invalid"),
        ({"recorded_at": "2026-11-25T08:30:00"}, "recorded_at", "invalid"),
        ({"saddle_numbness": None}, "saddle_numbness", "wrong_type"),
    ],
)
def test_each_kind_of_bad_answer_is_named_with_why(
    change: dict[str, Any], field: str, problem: str
) -> None:
    """A bad answer is refused with the field and the kind of problem, never triaged."""
    with pytest.raises(CheckInError) as caught:
        parse_checkin({"days_since_surgery": 10, "leg_pain": 3} | change)
    assert (field, problem) in [(p.field, p.problem) for p in caught.value.problems]
    assert field.split(".", maxsplit=1)[0] in str(caught.value)


def test_every_offending_field_is_named_at_once() -> None:
    """Several bad answers are all reported in one error, not one per attempt."""
    with pytest.raises(CheckInError) as caught:
        parse_checkin({"days_since_surgery": -3, "leg_pain": 12, "foot_drop": "gone"})
    assert {p.field for p in caught.value.problems} == {
        "days_since_surgery",
        "leg_pain",
        "foot_drop",
    }


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '"a string"', "{"])
def test_text_that_is_not_a_json_object_is_refused(text: str) -> None:
    """Input that is not a JSON object is an error, never a level."""
    with pytest.raises(CheckInError):
        parse_checkin_json(text)


def test_whole_numbers_may_be_written_with_a_zero_fraction() -> None:
    """JSON Schema counts 5.0 as an integer, so the model does too."""
    assert parse_checkin({"days_since_surgery": 10.0, "leg_pain": 5.0}).leg_pain == 5


def test_unknown_fields_are_accepted_and_reported() -> None:
    """The contract allows extra fields; they are kept aside so triage can warn about them."""
    checkin = parse_checkin({"days_since_surgery": 1, "leg_pain": 2, "bladdder": ["retention"]})
    assert checkin.unknown_fields == ("bladdder",)


@pytest.mark.parametrize(
    "moment", ["2026-11-25T08:30:00Z", "2026-11-25T08:30:00+01:00", "2026-11-25T08:30:00.5-05:00"]
)
def test_full_date_times_with_a_zone_are_accepted(moment: str) -> None:
    """recorded_at takes RFC 3339 date-times."""
    document = {"days_since_surgery": 1, "leg_pain": 2, "recorded_at": moment}
    assert parse_checkin(document).recorded_at == moment
