"""Complex nervecare extensions: named values in, named values out.

What FHIR has no element for (a plan's titration steps, an alert's delivery round) travels in an
extension under the project's StructureDefinition namespace, one sub-extension per value, so that
an export imports back without loss. Each value keeps its FHIR type: booleans, integers, decimals,
dates, instants and strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["complex_extension", "extension_values", "find_extension", "sub_extension"]


def _typed(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return "valueBoolean", value
    if isinstance(value, int):
        return "valueInteger", value
    if isinstance(value, float):
        return "valueDecimal", value
    if isinstance(value, dt.datetime):
        return "valueDateTime", value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return "valueDate", value.isoformat()
    return "valueString", str(value)


def sub_extension(name: str, value: Any) -> dict[str, Any] | None:
    """One named value as a sub-extension (None when there is no value to send: FHIR has no
    empty strings, so an empty text travels as no value and reads back as empty)."""
    if value is None or value == "":
        return None
    kind, typed = _typed(value)
    return {"url": name, kind: typed}


def complex_extension(
    url: str, values: Mapping[str, Any] | Iterable[tuple[str, Any]]
) -> dict[str, Any]:
    """An extension at `url` with one sub-extension per value (names may repeat)."""
    pairs = values.items() if isinstance(values, Mapping) else values
    parts = [part for name, value in pairs if (part := sub_extension(name, value)) is not None]
    return {"url": url, "extension": parts}


def find_extension(resource: Any, url: str) -> Any:
    """The first extension at `url` on a fhir.resources model, or None."""
    for extension in getattr(resource, "extension", None) or []:
        if extension.url == url:
            return extension
    return None


def _value(extension: Any) -> Any:
    for kind in ("valueBoolean", "valueInteger", "valueDecimal", "valueDate", "valueDateTime",
                 "valueString", "valueCode"):  # fmt: skip
        value = getattr(extension, kind, None)
        if value is not None:
            return float(value) if isinstance(value, Decimal) else value
    return None


def extension_values(extension: Any) -> dict[str, list[Any]]:
    """The sub-extensions of a complex extension, by name, each name's values in order."""
    values: dict[str, list[Any]] = {}
    for part in (extension.extension or []) if extension is not None else []:
        values.setdefault(str(part.url), []).append(_value(part))
    return values
