"""Backup and restore in one portable format: JSON lines, one table after another.

Portable on purpose: the same file restores into SQLite or PostgreSQL, so a clinic can start on
SQLite and move to PostgreSQL with `nervecare backup` then `nervecare restore`. The first line
names the format and the schema revision; then every row of every table, in dependency order
(parents before children), each as {"table": ..., "row": {...}}; the last line counts the rows
per table, so a truncated file is refused instead of half restored.

The dump reads in one transaction (a consistent snapshot). The restore writes in one
transaction into a database at the same schema revision that has no rows; `force` first
empties a non-empty one, including the append-only audit log, which is why it must be asked
for. A backup holds every patient record and the teams' webhook secrets: keep it like the
database (the file is created readable by its owner only).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import io
import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    LargeBinary,
    Numeric,
    Table,
    Time,
    func,
    insert,
    select,
    text,
)

from nervecare.store import migrate
from nervecare.store.models import Base

__all__ = [
    "BACKUP_FORMAT",
    "BackupError",
    "BackupSummary",
    "dump_database",
    "restore_database",
    "table_rows",
]

BACKUP_FORMAT = "nervecare-backup/1"
_BATCH = 1000


class BackupError(ValueError):
    """The file is not a complete nervecare backup, or the target cannot take it."""


class BackupSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    revision: str
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _decoder(table: Table) -> dict[str, Any]:
    """Per column, how to turn the JSON value back into what the column type expects."""
    decoders: dict[str, Any] = {}
    for column in table.columns:
        kind = getattr(column.type, "impl", column.type)
        if isinstance(kind, DateTime):
            decoders[column.name] = dt.datetime.fromisoformat
        elif isinstance(kind, Date):
            decoders[column.name] = dt.date.fromisoformat
        elif isinstance(kind, Time):
            decoders[column.name] = dt.time.fromisoformat
        elif isinstance(kind, LargeBinary):
            decoders[column.name] = base64.b64decode
        elif isinstance(kind, Numeric) and getattr(kind, "asdecimal", False):
            decoders[column.name] = Decimal
    return decoders


def table_rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """Every row of `table`, ordered by primary key (so two databases compare row by row)."""
    query = select(table).order_by(*table.primary_key.columns)
    for row in connection.execute(query):
        yield dict(row._mapping)


def _open_for_writing(path: Path) -> IO[str]:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    raw = os.fdopen(descriptor, "wb")
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw, mode="wb"), encoding="utf-8")
    return io.TextIOWrapper(raw, encoding="utf-8")


def _open_for_reading(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def dump_database(engine: Engine, path: Path, *, now: dt.datetime) -> BackupSummary:
    """Write every row of every table to `path` (JSON lines; gzip when it ends in .gz)."""
    revision = migrate.current_revision(engine)
    if revision is None:
        raise BackupError("the database has no nervecare schema: nothing to back up")
    counts: dict[str, int] = {}
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with (
        engine.connect().execution_options(**options) as connection,
        connection.begin(),
        _open_for_writing(path) as out,
    ):
        header = {
            "format": BACKUP_FORMAT,
            "revision": revision,
            "created_at": now.isoformat(),
            "dialect": engine.dialect.name,
            "tables": [table.name for table in _tables()],
        }
        out.write(json.dumps(header) + "\n")
        for table in _tables():
            count = 0
            for row in table_rows(connection, table):
                line = {"table": table.name, "row": {k: _encode(v) for k, v in row.items()}}
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
            counts[table.name] = count
        out.write(json.dumps({"end": True, "counts": counts}) + "\n")
    return BackupSummary(revision=revision, counts=counts)


_Rows = Iterator[tuple[str, dict[str, Any]]]


def _read(path: Path) -> tuple[dict[str, Any], _Rows, dict[str, Any]]:
    """Check the whole file first (header, lines, footer), then hand out its rows."""
    footer: dict[str, Any] | None = None
    with _open_for_reading(path) as source:
        try:
            header = json.loads(source.readline() or "null")
        except json.JSONDecodeError:
            raise BackupError(f"{path} is not a nervecare backup") from None
        if not isinstance(header, dict) or header.get("format") != BACKUP_FORMAT:
            raise BackupError(f"{path} is not a nervecare backup ({BACKUP_FORMAT})")
        for number, line in enumerate(source, start=2):
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                raise BackupError(f"line {number} of {path} is damaged") from None
            if footer is not None:
                raise BackupError(f"line {number} of {path} follows the end marker")
            if entry.get("end") is True:
                footer = entry
    if footer is None:
        raise BackupError(f"{path} is incomplete (no end marker): refusing a partial restore")

    def rows() -> _Rows:
        with _open_for_reading(path) as source:
            source.readline()
            for line in source:
                entry = json.loads(line)
                if "table" in entry:
                    yield entry["table"], entry["row"]

    return header, rows(), footer


def _row_count(connection: Connection) -> int:
    return sum(
        connection.scalar(select(func.count()).select_from(table)) or 0 for table in _tables()
    )


def _empty_everything(connection: Connection) -> None:
    """Delete every row, children first; the audit log's guard is lifted for this only."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for table in reversed(_tables()):
            connection.execute(table.delete())
        connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        return
    triggers = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        )
    ).all()
    for name, _sql in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    for table in reversed(_tables()):
        connection.execute(table.delete())
    for _name, sql in triggers:
        connection.execute(text(sql))


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: the next generated id follows the restored ones."""
    if connection.dialect.name != "postgresql":
        return
    for table in _tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].type.python_type is not int:
            continue
        key = keys[0]
        highest = func.max(key)
        sequence = func.pg_get_serial_sequence(table.name, key.name)
        connection.execute(
            select(
                func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None))
            ).select_from(table)
        )


def restore_database(engine: Engine, path: Path, *, force: bool = False) -> BackupSummary:
    """Load a backup into an empty database (created at the backup's revision if new)."""
    header, rows, footer = _read(path)
    revision = str(header.get("revision"))
    known = {table.name: table for table in _tables()}
    unknown = set(header.get("tables", [])) - set(known)
    if unknown:
        raise BackupError(f"the backup has tables this nervecare does not know: {sorted(unknown)}")
    current = migrate.current_revision(engine)
    if current is None:
        migrate.ensure_schema(engine)
        current = migrate.current_revision(engine)
    if current != revision or revision != migrate.head_revision():
        raise BackupError(
            f"the backup is at schema revision {revision}, the database at {current} and this "
            f"nervecare at {migrate.head_revision()}: restore with the version that made the "
            "backup, then upgrade"
        )
    decoders = {name: _decoder(table) for name, table in known.items()}
    counts: dict[str, int] = dict.fromkeys(known, 0)
    with engine.begin() as connection:
        if _row_count(connection):
            if not force:
                raise BackupError(
                    "the target database is not empty: restore into a new database, or use "
                    "--force to replace everything in it (the audit log included)"
                )
            _empty_everything(connection)
        batch: list[dict[str, Any]] = []
        batch_table: str | None = None
        for name, row in rows:
            if name not in known:
                raise BackupError(f"unknown table {name!r} in the backup")
            if name != batch_table and batch:
                connection.execute(insert(known[str(batch_table)]), batch)
                batch = []
            batch_table = name
            decode = decoders[name]
            batch.append(
                {k: (decode[k](v) if k in decode and v is not None else v) for k, v in row.items()}
            )
            counts[name] += 1
            if len(batch) >= _BATCH:
                connection.execute(insert(known[name]), batch)
                batch = []
        if batch:
            connection.execute(insert(known[str(batch_table)]), batch)
        expected = {name: int(count) for name, count in footer.get("counts", {}).items()}
        if {k: v for k, v in counts.items() if v or k in expected} != expected:
            raise BackupError("the row counts do not match the backup's end marker")
        _reset_sequences(connection)
    return BackupSummary(revision=revision, counts=counts)
