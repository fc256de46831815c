"""`nervecare db`: the store's schema (upgrade, current revision, summaries), and the helpers the
other store-backed commands share to open the store and report its refusals."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from nervecare.cli._app import app
from nervecare.settings import get_settings
from nervecare.store import migrate
from nervecare.store.engine import create_store_engine
from nervecare.store.errors import StoreError
from nervecare.store.migrate import SchemaOutOfDateError
from nervecare.store.service import Store, open_store, refresh_summaries

__all__ = ["cli_actor", "db_app", "opened_store"]

db_app = typer.Typer(help="The database: create or upgrade its schema, see its version.")
app.add_typer(db_app, name="db")

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help=(
            "Database URL (default: NERVECARE_DATABASE_URL, else a SQLite file in your data "
            "folder)."
        ),
        show_default=False,
    ),
]


def cli_actor() -> str:
    """Who is acting, for the audit log: the operating-system user at the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _url(url: str | None) -> str:
    return url or get_settings().database_url


@contextmanager
def opened_store(url: str | None = None) -> Iterator[Store]:
    """Open the store for one command; a refusal becomes a clear message and exit status 1."""
    try:
        store = open_store(_url(url))
    except SchemaOutOfDateError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    try:
        yield store
    except StoreError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.close()


@db_app.command("upgrade")
def upgrade(url: UrlOption = None, revision: str = "head") -> None:
    """Create the schema, or upgrade it to this version of nervecare (back up first)."""
    engine = create_store_engine(_url(url))
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"database already at revision {after}")
    else:
        typer.echo(f"database upgraded from revision {before or '(empty)'} to {after}")


@db_app.command("current")
def current(url: UrlOption = None) -> None:
    """Show the schema revision of the database and the one this nervecare needs."""
    engine = create_store_engine(_url(url))
    try:
        revision = migrate.current_revision(engine)
    finally:
        engine.dispose()
    typer.echo(f"database: {revision or '(empty)'}; nervecare needs: {migrate.head_revision()}")


@db_app.command("refresh-summaries")
def refresh(url: UrlOption = None) -> None:
    """Recompute every patient's summary and trajectory (e.g. after an upgrade)."""
    with opened_store(url) as store:
        count = refresh_summaries(store.sessions, actor=cli_actor())
    typer.echo(f"refreshed {count} patient summaries")
