"""Alembic environment: runs on the connection `nervecare.store.migrate` hands it.

There is no alembic.ini: the configuration is built in code so that migrations run the same from a
source checkout and from an installed package.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from nervecare.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run migrations through `nervecare db upgrade` (nervecare.store.migrate), "
            "which passes the connection in"
        )
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported")
    _run(connection)


_main()
