"""The `nervecare` command line (Typer). Each command group lives in its own module and registers
itself on `app` when imported below."""

from __future__ import annotations

# --- command modules: one import line each (order = order in --help) ---
from nervecare.cli import checkin as _checkin  # noqa: F401
from nervecare.cli import db as _db  # noqa: F401
from nervecare.cli import demo as _demo  # noqa: F401
from nervecare.cli import patients as _patients  # noqa: F401
from nervecare.cli import report as _report  # noqa: F401
from nervecare.cli import triage as _triage  # noqa: F401
from nervecare.cli._app import app

# --- end of command modules ---

__all__ = ["app", "main"]


def main() -> None:
    app()
