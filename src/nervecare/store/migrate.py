"""Running the packaged Alembic migrations from code (no alembic.ini, works when installed)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

__all__ = [
    "SchemaOutOfDateError",
    "alembic_config",
    "current_revision",
    "ensure_schema",
    "head_revision",
    "upgrade",
]

_SCRIPT_LOCATION = "nervecare.store:migrations"


class SchemaOutOfDateError(RuntimeError):
    """The database is behind (or ahead of) this version of nervecare."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", _SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision` in one transaction (PostgreSQL rolls DDL back on failure too)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to run on one at another revision.

    Upgrading an existing database is an explicit step (`nervecare db upgrade`): someone should
    have taken a backup first.
    """
    current = current_revision(engine)
    if current is None:
        tables = set(inspect(engine).get_table_names()) - {"alembic_version", "sqlite_sequence"}
        if tables:
            raise SchemaOutOfDateError(
                f"the database has tables ({', '.join(sorted(tables)[:5])}...) but no nervecare "
                "schema version; is it the right database?"
            )
        upgrade(engine)
        return
    head = head_revision()
    if current != head:
        raise SchemaOutOfDateError(
            f"the database schema is at revision {current}, this nervecare needs {head}: "
            "back it up, then run `nervecare db upgrade`"
        )
