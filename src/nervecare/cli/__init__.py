"""The `nervecare` command line (Typer).

Each command group lives in its own module and registers itself on `app` when imported. Loading
every module means loading SQLAlchemy and Alembic, which costs half a second, so `main` imports
only the module of the command being run (all of them for `--help` or an unknown word). Importing
`app` from here loads them all, for tests and tools that want the whole command line.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]

#: Command name -> the module that registers it (in --help order).
COMMAND_MODULES: dict[str, str] = {
    "serve": "serve",
    "checkin": "checkin",
    "triage": "triage",
    "patient": "patients",
    "report": "report",
    "demo": "demo",
    "export": "interop",
    "import": "interop",
    "summary": "summary",
    "db": "db",
    "plan": "plan",
    "worker": "worker",
    "alerts": "worker",
    "backup": "backup",
    "restore": "backup",
}


def _register(command: str | None = None) -> typer.Typer:
    modules = (
        [COMMAND_MODULES[command]]
        if command in COMMAND_MODULES
        else list(dict.fromkeys(COMMAND_MODULES.values()))
    )
    for module in modules:
        importlib.import_module(f"nervecare.cli.{module}")
    from nervecare.cli._app import app  # noqa: PLC0415

    return app


def __getattr__(name: str) -> object:
    if name == "app":
        return _register()
    raise AttributeError(name)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else None
    _register(command)()
