"""`nervecare demo`: a synthetic cohort to try nervecare with (no real person in it)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from nervecare.cli._app import app
from nervecare.cli.db import UrlOption, cli_actor, opened_store
from nervecare.demo import DEFAULT_SEED, DEMO_TEAM, DemoExistsError, load_demo
from nervecare.demo.production import DEMO_REFUSED, in_production

__all__ = ["demo"]


@app.command()
def demo(
    reset: Annotated[bool, typer.Option(help="Remove the demo team and build it again.")] = False,
    seed: Annotated[int, typer.Option(help="Same seed, same cohort.")] = DEFAULT_SEED,
    patients: Annotated[int, typer.Option(min=5, max=500, help="How many patients.")] = 36,
    url: UrlOption = None,
) -> None:
    """Create a SYNTHETIC demo cohort: patients in every recovery class, some red flags."""
    if in_production():
        typer.echo(DEMO_REFUSED, err=True)
        raise typer.Exit(2)
    started = time.perf_counter()
    with opened_store(url) as store:
        try:
            loaded = load_demo(
                store.sessions, seed=seed, patients=patients, reset=reset, actor=cli_actor()
            )
        except DemoExistsError as error:
            typer.echo(str(error))
            return
    typer.echo(
        f"created {loaded.patients} SYNTHETIC patients with {loaded.checkins} check-ins "
        f"({loaded.urgent_or_emergency} urgent or emergency) in team {DEMO_TEAM!r} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    typer.echo("try: nervecare patient list --team " + repr(DEMO_TEAM))
    typer.echo("     nervecare report DEMO-005")
