"""How big and how deep a decoded JSON value is, measured without recursion.

Fields nervecare does not define (a check-in's unknown fields, CDS feedback) are kept as given,
so their size must be bounded before they are stored: a value nested hundreds of levels deep
makes serialisers recurse until they fail, and a large one fills the database. Walking the
value with an explicit stack keeps the measurement itself safe from both.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["JsonBounds", "exceeds"]


@dataclass(frozen=True)
class JsonBounds:
    """At most `depth` levels of nesting and about `size` characters of JSON text."""

    depth: int
    size: int


def exceeds(value: object, bounds: JsonBounds) -> str | None:
    """Why `value` is over `bounds` ("too deep" or "too large"), or None when it fits.

    The size counts the characters of strings and keys plus a few for every other item, close
    to the length of the JSON text; the walk stops as soon as either bound is passed.
    """
    size = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > bounds.depth:
            return "too deep"
        if isinstance(item, dict):
            size += 2
            for key, inner in item.items():
                size += len(str(key)) + 4
                stack.append((inner, depth + 1))
        elif isinstance(item, list | tuple):
            size += 2
            stack.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            size += len(item) + 2
        else:
            size += 8
        if size > bounds.size:
            return "too large"
    return None
