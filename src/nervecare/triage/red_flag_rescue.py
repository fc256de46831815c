"""A red-flag answer is never refused for an unrelated field's sake (issue 16, point 7).

A check-in can fail validation on a field that has nothing to do with safety - most often a
day count worked out from a wrong date of operation in the record. If the rest of it carries an
urgent or emergency answer (urinary retention, say), refusing the whole check-in would lose the
one thing that matters. So such a check-in is kept: the unreadable fields are set aside (a day
count out of range is clamped to the nearest value the contract allows, optional fields are
left out), the triage says so in its warnings, and it is stored and alerted like any other.
A check-in with no red flag is still refused as before: nothing is then at stake, and the
person gets the chance to put it right.
"""

from __future__ import annotations

import math
from typing import Any

from nervecare.checkin import CheckIn, CheckInError, parse_checkin
from nervecare.triage import level_rank, triage
from nervecare.triage.result import TriageResult

__all__ = ["SET_ASIDE_WARNING", "parse_keeping_red_flags", "warn_set_aside"]

#: Fields no triage rule reads for a red flag: only these may be set aside.
_SET_ASIDE_ALLOWED = frozenset(
    {"schema_version", "patient_id", "recorded_at", "days_since_surgery", "procedure"}
)
_DAYS_RANGE = (0, 3650)
_URGENT = level_rank("urgent")

SET_ASIDE_WARNING = (
    "stored despite unreadable answers because it carries a red flag; set aside: {fields} "
    "(check the patient's record, e.g. the date of the operation)"
)


def _without(document: dict[str, Any], fields: set[str]) -> dict[str, Any] | None:
    """The document with `fields` set aside, or None when one of them cannot be."""
    kept = {key: value for key, value in document.items() if key not in fields}
    if "days_since_surgery" in fields:
        days = document.get("days_since_surgery")
        if isinstance(days, bool) or not isinstance(days, int | float):
            return None
        if isinstance(days, float) and not math.isfinite(days):
            return None
        low, high = _DAYS_RANGE
        kept["days_since_surgery"] = min(max(int(days), low), high)
    return kept


def parse_keeping_red_flags(document: object) -> tuple[CheckIn, tuple[str, ...]]:
    """(the check-in, the fields set aside): `parse_checkin`, unless it fails only on fields no
    red-flag rule reads while the rest is urgent or an emergency (then those are set aside).

    Raises the original `CheckInError` in every other case.
    """
    try:
        return parse_checkin(document), ()
    except CheckInError as error:
        if not isinstance(document, dict):
            raise
        fields = {problem.field.split(".")[0] for problem in error.problems}
        if not fields <= _SET_ASIDE_ALLOWED:
            raise
        cleaned = _without(document, fields)
        if cleaned is None:
            raise
        try:
            rescued = parse_checkin(cleaned)
        except CheckInError:
            raise error from None
        if level_rank(triage(rescued).level) < _URGENT:
            raise
        return rescued, tuple(sorted(fields))


def warn_set_aside(result: TriageResult, fields: tuple[str, ...]) -> TriageResult:
    """The triage result with a warning naming the fields set aside (unchanged when none)."""
    if not fields:
        return result
    warning = SET_ASIDE_WARNING.format(fields=", ".join(fields))
    return result.model_copy(update={"warnings": (*result.warnings, warning)})
