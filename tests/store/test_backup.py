"""Backup and restore: a round trip keeps every record, on SQLite, PostgreSQL and across them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from nervecare.alerts.followup import set_reminder
from nervecare.alerts.testing import CapturingChannel
from nervecare.alerts.worker import AlertWorker, WorkerConfig
from nervecare.demo import DEMO_TEAM, load_demo
from nervecare.store import migrate
from nervecare.store.alerts import ChannelDefaults, set_team_alert_settings
from nervecare.store.backup import BackupError, dump_database, restore_database, table_rows
from nervecare.store.models import Base, Patient
from nervecare.store.service import Store, add_patient, open_store
from tests.store.factories import TickingClock, new_patient
from tests.store.fixtures import create_postgres_database, postgres_admin_url

NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


@pytest.fixture
def filled(store: Store) -> Store:
    """A store with the demo cohort, delivered alerts, team channels and a reminder."""
    clock = TickingClock()
    load_demo(store.sessions, patients=8, clock=clock)
    set_team_alert_settings(
        store.sessions,
        team=DEMO_TEAM,
        actor="test",
        now=NOW,
        primary_email="team@example.org",
        webhook_url="https://hooks.example/x",
        webhook_secret="secret-value",  # noqa: S106 - test value
        emergency_escalation_minutes=10,
    )
    with store.sessions.begin() as session:
        reference = session.scalars(select(Patient.reference).limit(1)).one()
    set_reminder(
        store.sessions,
        patient=reference,
        email="patient@example.org",
        remind_at=dt.time(18, 30),
        zone="Europe/London",
        actor="test",
        now=NOW,
    )
    worker = AlertWorker(
        store.sessions,
        channels={"email": CapturingChannel("email"), "webhook": CapturingChannel("webhook")},
        config=WorkerConfig(defaults=ChannelDefaults(primary_email="x@example.org")),
        clock=clock,
    )
    worker.run_once()
    worker.close()
    return store


def _everything(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        return {
            table.name: list(table_rows(connection, table)) for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def empty_target(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], Store]]:
    """Opens an empty database of the asked kind (without creating its schema)."""
    opened: list[Store] = []
    drops: list[Callable[[], None]] = []

    def make(kind: str) -> Store:
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'target{len(opened)}.sqlite3'}"
        else:
            url, drop = create_postgres_database()
            drops.append(drop)
        target = open_store(url, create_schema=False)
        opened.append(target)
        return target

    yield make
    for target in opened:
        target.close()
    for drop in drops:
        drop()


def _kind(store: Store) -> str:
    return store.engine.dialect.name


def test_round_trip_keeps_every_record(
    filled: Store, empty_target: Callable[[str], Store], tmp_path: Path
):
    """Backup, then restore into a new database of the same kind: every row of every table."""
    path = tmp_path / "backup.jsonl"
    summary = dump_database(filled.engine, path, now=NOW)
    target = empty_target(_kind(filled))
    restored = restore_database(target.engine, path)
    assert restored.counts == summary.counts
    assert summary.counts["checkins"] > 0
    assert summary.counts["alert_deliveries"] > 0
    assert _everything(target.engine) == _everything(filled.engine)


@pytest.mark.postgres
def test_sqlite_backup_moves_into_postgres(
    tmp_path: Path, empty_target: Callable[[str], Store], database_url: str
):
    """A clinic that started on SQLite moves to PostgreSQL with every record intact."""
    if _kind_of(database_url) != "sqlite":
        pytest.skip("one direction is enough: SQLite source")
    postgres_admin_url()
    source = open_store(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    try:
        load_demo(source.sessions, patients=6, clock=TickingClock())
        path = tmp_path / "move.jsonl.gz"
        dump_database(source.engine, path, now=NOW)
        target = empty_target("postgresql")
        restore_database(target.engine, path)
        assert _everything(target.engine) == _everything(source.engine)
    finally:
        source.close()


def _kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def test_ids_continue_after_a_restore(
    filled: Store, empty_target: Callable[[str], Store], tmp_path: Path
):
    """A patient added after the restore gets a new id, not one of the restored ones."""
    path = tmp_path / "backup.jsonl"
    dump_database(filled.engine, path, now=NOW)
    target = empty_target(_kind(filled))
    restore_database(target.engine, path)
    with target.sessions.begin() as session:
        highest = max(session.scalars(select(Patient.id)).all())
    record = add_patient(target.sessions, new=new_patient("P-NEW"), clock=TickingClock())
    assert record.id > highest


def test_a_non_empty_database_is_refused_unless_forced(
    filled: Store, empty_target: Callable[[str], Store], tmp_path: Path
):
    """Restore never mixes two databases; --force replaces everything, the audit log included."""
    path = tmp_path / "backup.jsonl"
    dump_database(filled.engine, path, now=NOW)
    target = empty_target(_kind(filled))
    restore_database(target.engine, path)
    add_patient(target.sessions, new=new_patient("P-EXTRA"), clock=TickingClock())
    with pytest.raises(BackupError, match="not empty"):
        restore_database(target.engine, path)
    restore_database(target.engine, path, force=True)
    assert _everything(target.engine) == _everything(filled.engine)


def test_a_truncated_backup_is_refused_and_nothing_is_written(
    filled: Store, empty_target: Callable[[str], Store], tmp_path: Path
):
    """Without its end marker the file is refused before a single row is written."""
    path = tmp_path / "backup.jsonl"
    dump_database(filled.engine, path, now=NOW)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    target = empty_target(_kind(filled))
    with pytest.raises(BackupError, match="incomplete"):
        restore_database(target.engine, path)
    assert migrate.current_revision(target.engine) is None, "not even the schema was created"


def test_a_file_that_is_not_a_backup_is_refused(
    empty_target: Callable[[str], Store], tmp_path: Path, database_url: str
):
    """Any other file gets a clear error."""
    path = tmp_path / "other.jsonl"
    path.write_text(json.dumps({"hello": "world"}) + "\n")
    with pytest.raises(BackupError, match="not a nervecare backup"):
        restore_database(empty_target(_kind_of(database_url)).engine, path)


def test_the_backup_file_is_readable_by_its_owner_only(filled: Store, tmp_path: Path):
    """It holds patient records and webhook secrets."""
    path = tmp_path / "backup.jsonl"
    dump_database(filled.engine, path, now=NOW)
    assert path.stat().st_mode & 0o077 == 0


def test_binary_and_decimal_values_survive_the_json_encoding():
    """Column types no table uses yet (bytes, exact decimals) still round-trip, not crash."""
    from decimal import Decimal  # noqa: PLC0415

    from sqlalchemy import Column, Integer, LargeBinary, MetaData, Numeric, Table  # noqa: PLC0415

    from nervecare.store.backup import _decoder, _encode  # noqa: PLC0415

    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("blob", LargeBinary),
        Column("amount", Numeric(10, 2)),
    )
    row = {"id": 1, "blob": b"\x00\xffdata", "amount": Decimal("12.50")}
    encoded = json.loads(json.dumps({k: _encode(v) for k, v in row.items()}))
    decode = _decoder(table)
    assert {k: decode[k](v) if k in decode else v for k, v in encoded.items()} == row
