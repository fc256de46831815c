"""`nervecare serve`: the web application, on SQLite with the demo cohort unless told otherwise."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from nervecare.cli._app import app

__all__ = ["serve"]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool | None,
        typer.Option(
            "--demo/--no-demo",
            help="Load the SYNTHETIC demo cohort if absent (default: yes, except in production).",
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Database URL (default: NERVECARE_DATABASE_URL or SQLite).")
    ] = None,
) -> None:
    """Start the web app: upgrade the schema, load the demo team if absent, print the sign-ins."""
    from nervecare.demo import DEMO_SIGNINS, DemoExistsError, load_demo  # noqa: PLC0415
    from nervecare.demo.production import DEMO_REFUSED, in_production  # noqa: PLC0415
    from nervecare.settings import Settings, get_settings  # noqa: PLC0415
    from nervecare.store import migrate  # noqa: PLC0415
    from nervecare.store.engine import create_store_engine  # noqa: PLC0415
    from nervecare.store.service import open_store  # noqa: PLC0415
    from nervecare.web import create_app  # noqa: PLC0415

    if url:
        os.environ["NERVECARE_DATABASE_URL"] = url
    if in_production():
        if demo:
            typer.echo(DEMO_REFUSED, err=True)
            raise typer.Exit(2)
        demo = False
    elif demo is None:
        demo = True
    if demo:
        os.environ.setdefault("NERVECARE_ENVIRONMENT", "demo")
        os.environ.setdefault("NERVECARE_PRELOAD_NOTES_READER", "true")
    get_settings.cache_clear()
    try:
        settings: Settings = get_settings()
    except ValueError as error:
        typer.echo(f"refusing to start: {error}", err=True)
        raise typer.Exit(2) from None
    engine = create_store_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    if demo:
        store = open_store(settings.database_url)
        try:
            loaded = load_demo(store.sessions)
            typer.echo(f"loaded the SYNTHETIC demo cohort: {loaded.patients} patients")
        except DemoExistsError:
            typer.echo("the SYNTHETIC demo cohort is already there")
        finally:
            store.close()
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - display only
    address = f"http://{shown_host}:{port}/"
    typer.echo(f"nervecare is starting at {address}  (database: {settings.database_url})")
    if demo:
        typer.echo("demo sign-ins (SYNTHETIC data only, for trying nervecare):")
        for signin in DEMO_SIGNINS:
            typer.echo(f"  {signin.kind:<9}  name {signin.username:<15} password {signin.password}")
    _run_server(
        create_app(settings),
        database_url=settings.database_url,
        host=host,
        port=port,
        trusted_proxies=settings.trusted_proxies,
    )


def _run_server(
    application: Any, *, database_url: str, host: str, port: int, trusted_proxies: list[str]
) -> None:
    """Serve; on SQLite also deliver alerts from a worker thread of this process.

    One machine, one process needs no second command. On PostgreSQL, run `nervecare worker`
    processes beside the web processes instead. X-Forwarded-For is believed only from the
    configured trusted proxies (none by default): from anyone else it would let a client choose
    the address that sign-in throttling counts.
    """
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from nervecare.store.service import open_store  # noqa: PLC0415

    def run() -> None:
        uvicorn.run(
            application,
            host=host,
            port=port,
            log_level="info",
            proxy_headers=bool(trusted_proxies),
            forwarded_allow_ips=list(trusted_proxies) or None,
        )

    if not database_url.startswith("sqlite"):
        run()
        return
    from nervecare.alerts.worker import background_worker  # noqa: PLC0415

    worker_store = open_store(database_url)
    try:
        with background_worker(worker_store.sessions):
            typer.echo("alert delivery worker started in this process")
            run()
    finally:
        worker_store.close()
