"""The patient check-in, contract version 1 (shared/contracts/checkin.schema.json).

The model accepts exactly what the JSON Schema accepts, with JSON's types: a whole number may be
written `5` or `5.0` (JSON Schema counts both as integers) but never `"5"` or `true`. Anything
else is refused with a `CheckInError` naming every offending field and why, and is never triaged:
a check-in that cannot be read must not quietly become "self care".

Unknown top-level fields are allowed by the contract. They are kept in `unknown_fields` so the
triage result can warn about them (a misspelt "bladdder" must not pass silently).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from nervecare.json_limits import JsonBounds, exceeds

__all__ = [
    "BOOLEAN_FIELDS",
    "CONTRACT_V1_FIELDS",
    "EXTENSION_FIELDS",
    "INTEGER_FIELDS",
    "LIST_FIELDS",
    "ORDINAL_FIELDS",
    "STATUS_FIELDS",
    "CheckIn",
    "CheckInError",
    "FieldProblem",
    "parse_checkin",
    "parse_checkin_json",
]

Status = Literal["none", "improving", "stable", "new", "worsening"]
Procedure = Literal["discectomy", "laminectomy", "fusion", "other"]
LegPainChange = Literal["much_better", "better", "same", "worse", "much_worse"]
MedicationRelief = Literal["yes", "partly", "no", "not_taking"]
BladderSymptom = Literal[
    "retention",
    "incontinence",
    "reduced_sensation",
    "difficulty_starting",
    "poor_stream",
    "urgency",
    "frequency",
]
BowelSymptom = Literal["incontinence", "reduced_sensation", "constipation"]
WoundSign = Literal["redness", "swelling", "warmth", "drainage", "pus", "opening", "bleeding"]


def _rfc3339(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be a date-time string such as 2026-11-25T08:30:00Z")
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValueError("must be a date-time such as 2026-11-25T08:30:00Z") from None
    if parsed.tzinfo is None or "T" not in value.upper():
        raise ValueError("must be a full date-time with a time zone, e.g. 2026-11-25T08:30:00Z")
    try:
        parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59-23:59 is after the last instant Python can hold
        raise ValueError(
            "must be a date-time that exists in UTC (this is off the calendar)"
        ) from None
    return value


#: Unknown fields are kept as given: bounded so that they can neither fill the database nor
#: nest so deep that storing them fails.
MAX_UNKNOWN_FIELDS = 50
UNKNOWN_FIELDS_BOUNDS = JsonBounds(depth=8, size=20_000)


def _unique(items: list[str]) -> list[str]:
    duplicates = sorted({item for item in items if items.count(item) > 1})
    if duplicates:
        raise ValueError(f"lists {', '.join(duplicates)} more than once")
    return items


# JSON's types, checked in pydantic's core (fast): an integer is never a bool or a string, a
# number is never a bool. JSON Schema also counts 5.0 as an integer: `parse_checkin` turns such
# floats into ints before validation, so the model itself stays strict.
JsonInt = Annotated[int, Field(strict=True)]
JsonNumber = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class CheckIn(BaseModel):
    """One patient-reported check-in, as the patient reports it at the time.

    Statuses compare a symptom with before: none, improving, stable (present, unchanged, known to
    the care team), new, worsening. List fields hold only problems new or changed since surgery.
    """

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=False)

    schema_version: Literal["1"] | None = None
    patient_id: Annotated[StrictStr, Field(max_length=128)] | None = None
    recorded_at: Annotated[StrictStr, BeforeValidator(_rfc3339)] | None = None
    days_since_surgery: Annotated[JsonInt, Field(ge=0, le=3650)]
    procedure: Procedure | None = None
    leg_pain: Annotated[JsonInt, Field(ge=0, le=10)]
    back_pain: Annotated[JsonInt, Field(ge=0, le=10)] | None = None
    # Oswestry Disability Index 0-100 (lower is better), asked weekly; optional extension of v1.
    function_odi: Annotated[JsonInt, Field(ge=0, le=100)] | None = None
    leg_pain_change: LegPainChange | None = None
    pain_onset_sudden: StrictBool | None = None
    pain_relieved_by_medication: MedicationRelief | None = None
    leg_weakness: Status | None = None
    foot_drop: Status | None = None
    leg_numbness: Status | None = None
    saddle_numbness: Status | None = None
    both_legs: Status | None = None
    sexual_dysfunction: Status | None = None
    bladder: Annotated[list[BladderSymptom], AfterValidator(_unique)] = []
    bowel: Annotated[list[BowelSymptom], AfterValidator(_unique)] = []
    temperature_c: Annotated[JsonNumber, Field(ge=30, le=45)] | None = None
    wound: Annotated[list[WoundSign], AfterValidator(_unique)] = []
    calf_pain_or_swelling: StrictBool | None = None
    chest_pain_or_breathlessness: StrictBool | None = None
    headache_when_upright: StrictBool | None = None
    # A sudden, very severe headache (the worst ever, at its worst within minutes), or a headache
    # with a stiff neck; optional extension of v1 (the contract allows extra fields).
    headache_sudden_or_stiff_neck: StrictBool | None = None
    notes: Annotated[StrictStr, Field(max_length=5000)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        """The contract has no nulls: an unanswered question is left out, never null."""
        if isinstance(data, dict) and None in data.values():
            nulls = [name for name in cls.model_fields if name in data and data[name] is None]
            if nulls:
                raise PydanticCustomError(
                    "null_answer",
                    "must not be null: leave the field out when there is no answer ({fields})",
                    {"fields": ", ".join(nulls)},
                )
        return data

    @model_validator(mode="before")
    @classmethod
    def _bounded_unknown_fields(cls, data: Any) -> Any:
        """Unknown fields are allowed, within bounds (see `UNKNOWN_FIELDS_BOUNDS`)."""
        if not isinstance(data, dict):
            return data
        unknown = {key: value for key, value in data.items() if key not in cls.model_fields}
        if not unknown:
            return data
        problem = (
            "too many"
            if len(unknown) > MAX_UNKNOWN_FIELDS
            else exceeds(unknown, UNKNOWN_FIELDS_BOUNDS)
        )
        if problem is not None:
            raise PydanticCustomError(
                "unknown_fields_too_large",
                "fields this check-in does not define are {problem}: at most {fields} of them, "
                "{depth} levels deep and {size} characters in all",
                {
                    "problem": problem,
                    "fields": MAX_UNKNOWN_FIELDS,
                    "depth": UNKNOWN_FIELDS_BOUNDS.depth,
                    "size": UNKNOWN_FIELDS_BOUNDS.size,
                },
            )
        return data

    @property
    def unknown_fields(self) -> tuple[str, ...]:
        """Top-level fields the contract does not define (allowed, but worth a warning)."""
        return tuple(sorted(self.model_extra or {}))


#: Fields this project adds to contract v1 (optional; the contract allows extra fields).
EXTENSION_FIELDS: tuple[str, ...] = ("function_odi", "headache_sudden_or_stiff_neck")
#: The fields contract v1 defines.
CONTRACT_V1_FIELDS: tuple[str, ...] = tuple(
    name for name in CheckIn.model_fields if name not in EXTENSION_FIELDS
)

STATUS_FIELDS: tuple[str, ...] = (
    "leg_weakness",
    "foot_drop",
    "leg_numbness",
    "saddle_numbness",
    "both_legs",
    "sexual_dysfunction",
)
LIST_FIELDS: dict[str, tuple[str, ...]] = {
    "bladder": get_args(BladderSymptom),
    "bowel": get_args(BowelSymptom),
    "wound": get_args(WoundSign),
}
BOOLEAN_FIELDS: tuple[str, ...] = (
    "pain_onset_sudden",
    "calf_pain_or_swelling",
    "chest_pain_or_breathlessness",
    "headache_when_upright",
    "headache_sudden_or_stiff_neck",
)
#: Fields whose values have a clinical order, least to most concerning.
ORDINAL_FIELDS: dict[str, tuple[str, ...]] = {
    **{name: get_args(Status) for name in STATUS_FIELDS},
    "leg_pain_change": get_args(LegPainChange),
    # Not taking pain medicine tells us less than "it helps", so it ranks between.
    "pain_relieved_by_medication": ("yes", "partly", "not_taking", "no"),
}


class FieldProblem(BaseModel):
    """One reason a check-in was refused, naming the field in the contract's own terms."""

    model_config = ConfigDict(frozen=True)

    field: str
    problem: Literal["missing", "wrong_type", "out_of_range", "not_allowed", "duplicate", "invalid"]
    message: str


class CheckInError(ValueError):
    """A check-in that does not meet the contract; it must not be triaged."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(
            "invalid check-in: " + "; ".join(f"{p.field}: {p.message}" for p in problems)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": str(self),
            "fields": [problem.model_dump() for problem in self.problems],
        }


_PROBLEM_BY_TYPE: dict[str, str] = {
    "missing": "missing",
    "literal_error": "not_allowed",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "string_too_long": "out_of_range",
}


_TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "model_type": "a check-in must be a JSON object",
    "dict_type": "a check-in must be a JSON object",
}

#: Whole-number fields, where JSON Schema also accepts a float with no fraction (5.0).
INTEGER_FIELDS: tuple[str, ...] = ("days_since_surgery", "leg_pain", "back_pain", "function_odi")


def _describe(error: ErrorDetails) -> FieldProblem:
    location = ".".join(str(part) for part in error["loc"]) or "(document)"
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "missing":
        return FieldProblem(field=location, problem="missing", message="is required")
    if kind == "literal_error":
        return FieldProblem(
            field=location,
            problem="not_allowed",
            message=f"{error['input']!r} is not one of {context.get('expected', '')}",
        )
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = "at least" if kind == "greater_than_equal" else "at most"
        limit = context.get("ge", context.get("le"))
        return FieldProblem(
            field=location,
            problem="out_of_range",
            message=f"{error['input']!r} is out of range: must be {bound} {limit}",
        )
    if kind == "string_too_long":
        return FieldProblem(
            field=location,
            problem="out_of_range",
            message=f"is too long: at most {context.get('max_length')} characters",
        )
    if kind == "value_error":
        message = str(context.get("error", error["msg"]))
        problem = "duplicate" if "more than once" in message else "wrong_type"
        if "date-time" in message:
            problem = "invalid"
        return FieldProblem(field=location, problem=problem, message=message)
    message = _TYPE_MESSAGES.get(kind, error["msg"].lower())
    problem = "out_of_range" if kind == "unknown_fields_too_large" else "wrong_type"
    return FieldProblem(field=location, problem=problem, message=message)


def parse_checkin(document: object) -> CheckIn:
    """Validate a decoded JSON document as a check-in, or raise `CheckInError`."""
    if not isinstance(document, dict):
        raise CheckInError(
            [
                FieldProblem(
                    field="(document)",
                    problem="wrong_type",
                    message="a check-in must be a JSON object",
                )
            ]
        )
    nulls = (
        [name for name in CheckIn.model_fields if name in document and document[name] is None]
        if None in document.values()
        else []
    )
    problems = [
        FieldProblem(
            field=name,
            problem="wrong_type",
            message="must not be null: leave the field out when there is no answer",
        )
        for name in nulls
    ]
    cleaned = {k: v for k, v in document.items() if k not in nulls} if nulls else dict(document)
    for name in INTEGER_FIELDS:
        value = cleaned.get(name)
        if type(value) is float and math.isfinite(value) and value.is_integer():
            cleaned[name] = int(value)
    try:
        checkin = CheckIn.model_validate(cleaned)
    except ValidationError as error:
        described = (_describe(detail) for detail in error.errors())
        problems += [p for p in described if p.field not in nulls]  # a null is not also "missing"
    if problems:
        raise CheckInError(problems)
    return checkin


def parse_checkin_json(text: str | bytes) -> CheckIn:
    """Decode and validate one JSON check-in, or raise `CheckInError`."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        problem = FieldProblem(field="(document)", problem="invalid", message=f"not JSON: {error}")
        raise CheckInError([problem]) from None
    return parse_checkin(document)
