"""`nervecare backup FILE` and `nervecare restore FILE`: a portable copy of the whole database.

The same file restores into SQLite or PostgreSQL (so it also moves a clinic from one to the
other). Restore goes into an empty database in one transaction; `--force` replaces a non-empty
one (its audit log included).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from nervecare.cli._app import app
from nervecare.cli.db import UrlOption
from nervecare.settings import get_settings

__all__ = ["backup", "restore"]

FileArgument = Annotated[
    Path, typer.Argument(help="The backup file (JSON lines; gzip-compressed if it ends in .gz).")
]


@app.command("backup")
def backup(file: FileArgument, url: UrlOption = None) -> None:
    """Write every record of the database to FILE (readable by you only: it holds patient data)."""
    from nervecare.store.backup import BackupError, dump_database  # noqa: PLC0415 - lazy
    from nervecare.store.engine import create_store_engine  # noqa: PLC0415 - lazy

    engine = create_store_engine(url or get_settings().database_url)
    try:
        summary = dump_database(engine, file, now=dt.datetime.now(dt.UTC))
    except BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(
        f"backed up {summary.rows} rows from {len(summary.counts)} tables "
        f"(schema {summary.revision}) to {file}"
    )


@app.command("restore")
def restore(
    file: FileArgument,
    url: UrlOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace everything in a non-empty database."),
    ] = False,
) -> None:
    """Load FILE into an empty database (SQLite or PostgreSQL), all or nothing."""
    from nervecare.store.backup import BackupError, restore_database  # noqa: PLC0415 - lazy
    from nervecare.store.engine import create_store_engine  # noqa: PLC0415 - lazy

    if not file.is_file():
        typer.echo(f"error: no file {file}", err=True)
        raise typer.Exit(2)
    engine = create_store_engine(url or get_settings().database_url)
    try:
        summary = restore_database(engine, file, force=force)
    except BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"restored {summary.rows} rows into {len(summary.counts)} tables")
