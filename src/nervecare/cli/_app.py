"""The Typer application every command module registers on."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    name="nervecare",
    help=(
        "Safety triage, recovery tracking and stepped care for nerve pain after lumbar spine "
        "surgery. Supports clinicians and patients; it does not replace them."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Safety triage, recovery tracking and stepped care after lumbar spine surgery."""
