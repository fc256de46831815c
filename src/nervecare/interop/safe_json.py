"""JSON from outside (a FHIR Bundle, a CDS Hooks call, a file given to `nervecare import`) read
with bounds: Python's parser recurses once per nesting level, so 100,000 nested arrays raise
RecursionError (a 500, or a CLI traceback) before any validation can answer. The nesting depth is
counted first, without recursion, and NaN/Infinity (not JSON, and not FHIR) are refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_DEPTH", "JsonInputError", "load_json"]

#: Far deeper than any FHIR resource nervecare reads (a check-in's items nest about 12 deep).
MAX_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonInputError(ValueError):
    """Input that is not acceptable JSON; the message says why, without echoing it back."""


def _depth_ok(text: str, max_depth: int) -> bool:
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > max_depth:
                return False
        else:
            depth -= 1
    return True


def _no_constant(name: str) -> Any:
    raise JsonInputError(f"{name} is not a JSON number")


def load_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed document, or `JsonInputError` (not JSON, nested deeper than `max_depth`,
    NaN or Infinity, or a number too large for a float)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise JsonInputError(f"not UTF-8: {error.reason}") from None
    if not _depth_ok(text, max_depth):
        raise JsonInputError(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except JsonInputError:
        raise
    except (ValueError, RecursionError) as error:
        raise JsonInputError(f"not JSON: {error}") from None


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonInputError(f"the number {text[:40]} is too large")
    return value
