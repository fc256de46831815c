"""Hypothesis strategies for check-ins (contract v1) and for ways of making one worse.

Kept in one place so every property test draws from the same, contract-faithful generators.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from nervecare.checkin import BOOLEAN_FIELDS, LIST_FIELDS, ORDINAL_FIELDS, STATUS_FIELDS
from nervecare.triage import load_ruleset

STATUSES = ORDINAL_FIELDS["leg_weakness"]
PROCEDURES = ("discectomy", "laminectomy", "fusion", "other")

#: Cauda equina signs as (field, value) pairs that must each give an emergency when new.
CES_LIST_SIGNS: tuple[tuple[str, str], ...] = (
    ("bladder", "retention"),
    ("bladder", "incontinence"),
    ("bladder", "reduced_sensation"),
    ("bladder", "difficulty_starting"),
    ("bladder", "poor_stream"),
    ("bowel", "incontinence"),
    ("bowel", "reduced_sensation"),
)
CES_STATUS_SIGNS: tuple[str, ...] = ("saddle_numbness", "both_legs")


def _unique_subset(values: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), unique=True, max_size=len(values))


def _date_times() -> st.SearchStrategy[str]:
    return st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat())


def _optional_fields() -> dict[str, st.SearchStrategy[Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "schema_version": st.just("1"),
        "patient_id": st.text(max_size=128),
        "recorded_at": _date_times(),
        "procedure": st.sampled_from(PROCEDURES),
        "back_pain": st.integers(0, 10),
        "temperature_c": st.floats(30, 45, allow_nan=False) | st.integers(30, 45),
        "notes": st.text(max_size=200),
    }
    fields |= {name: st.sampled_from(ORDINAL_FIELDS[name]) for name in ORDINAL_FIELDS}
    fields |= {name: _unique_subset(values) for name, values in LIST_FIELDS.items()}
    fields |= {name: st.booleans() for name in BOOLEAN_FIELDS}
    return fields


def checkin_documents(*, with_notes: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Any document valid under checkin.schema.json (optional fields present or absent)."""
    optional = _optional_fields()
    if not with_notes:
        optional.pop("notes")
    return st.fixed_dictionaries(
        {
            "days_since_surgery": st.integers(0, 3650),
            "leg_pain": st.integers(0, 10) | st.integers(0, 10).map(float),
        },
        optional=optional,
    )


# ------------------------------------------------------------------ making a check-in worse


@st.composite
def worsenings(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """The same check-in with one finding added or made worse (never better)."""
    worse = dict(document)
    kind = draw(st.sampled_from(("list", "ordinal", "boolean", "pain", "temperature")))
    if kind == "list":
        field = draw(st.sampled_from(sorted(LIST_FIELDS)))
        item = draw(st.sampled_from(LIST_FIELDS[field]))
        worse[field] = list(dict.fromkeys([*worse.get(field, []), item]))
    elif kind == "ordinal":
        field = draw(st.sampled_from(sorted(ORDINAL_FIELDS)))
        order = ORDINAL_FIELDS[field]
        # An unanswered question counts as its least alarming answer, except where the ruleset
        # reads the silence as worse (an unanswered "does your medicine help?" is not "yes").
        unanswered = load_ruleset().unanswered_reads_as.get(field, order[0])
        current = order.index(worse.get(field, unanswered))
        worse[field] = order[draw(st.integers(current, len(order) - 1))]
    elif kind == "boolean":
        worse[draw(st.sampled_from(BOOLEAN_FIELDS))] = True
    elif kind == "pain":
        field = draw(st.sampled_from(("leg_pain", "back_pain")))
        current = int(worse.get(field, 0))
        worse[field] = draw(st.integers(current, 10))
    else:
        current = float(worse.get("temperature_c", 30))
        worse["temperature_c"] = draw(st.floats(current, 45, allow_nan=False))
    return worse


def new_ces_sign() -> st.SearchStrategy[tuple[str, Any]]:
    """One cauda equina sign, new or worsening, as (field, value-to-merge)."""
    listed = st.sampled_from(CES_LIST_SIGNS)
    status = st.tuples(st.sampled_from(CES_STATUS_SIGNS), st.sampled_from(("new", "worsening")))
    return listed | status


def with_sign(document: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    merged = dict(document)
    if field in LIST_FIELDS:
        merged[field] = list(dict.fromkeys([*merged.get(field, []), value]))
    else:
        merged[field] = value
    return merged


__all__ = [
    "CES_LIST_SIGNS",
    "CES_STATUS_SIGNS",
    "STATUSES",
    "STATUS_FIELDS",
    "checkin_documents",
    "new_ces_sign",
    "with_sign",
    "worsenings",
]
