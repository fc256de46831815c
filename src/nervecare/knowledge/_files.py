"""Reading packaged data files; the only place that knows where they live."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml

__all__ = ["data_dir", "read_data", "read_text"]

_PACKAGE = "nervecare.knowledge"


def data_dir(*parts: str) -> Traversable:
    """The packaged `data/` folder (or a folder or file below it)."""
    node = resources.files(_PACKAGE).joinpath("data")
    for part in parts:
        node = node.joinpath(part)
    return node


def read_text(*parts: str) -> str:
    return data_dir(*parts).read_text(encoding="utf-8")


def read_data(*parts: str) -> Any:
    """Parse one packaged YAML file; callers validate the shape with their own models."""
    # CSafeLoader is the C build of the safe loader: no arbitrary objects, just faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(read_text(*parts), Loader=loader)  # noqa: S506
