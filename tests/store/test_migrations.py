"""Schema changes go through migrations, and an upgrade keeps every row."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, func, select

from nervecare.store import migrate
from nervecare.store.engine import create_store_engine
from nervecare.store.migrate import SchemaOutOfDateError
from nervecare.store.models import Base
from nervecare.store.service import open_store, rank_patients, read_patient_history
from tests.store.factories import TickingClock


@pytest.fixture
def engine(database_url: str) -> Engine:
    created = create_store_engine(database_url)
    yield created
    created.dispose()


def test_migrations_build_exactly_the_models(engine: Engine):
    """Upgrading an empty database to head gives the schema the models describe."""
    migrate.upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_downgrade_to_nothing_and_up_again(engine: Engine):
    """Every migration can be undone, and redone."""
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_an_empty_database_is_created_at_head(engine: Engine):
    """The first run on a new database creates the schema without a separate step."""
    migrate.ensure_schema(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_an_older_database_is_not_upgraded_silently(engine: Engine):
    """A database behind this version asks for an explicit upgrade (after a backup)."""
    migrate.upgrade(engine, "0001")
    with pytest.raises(SchemaOutOfDateError, match="nervecare db upgrade"):
        migrate.ensure_schema(engine)


_NOW = dt.datetime(2026, 2, 20, 9, tzinfo=dt.UTC)


def _checkin(number: int, day: int, pain: int, level: str, rank: int) -> dict[str, object]:
    recorded = dt.datetime(2026, 2, 1 + day, 8, tzinfo=dt.UTC)
    return {
        "id": number,
        "patient_id": 1,
        "client_id": f"c-{number}",
        "recorded_at": recorded,
        "recorded_on": recorded.date(),
        "received_at": recorded,
        "days_since_surgery": day,
        "leg_pain": pain,
        "document": {"days_since_surgery": day, "leg_pain": pain},
        "level": level,
        "level_rank": rank,
        "red_flags": ["cauda_equina.x"] if rank == 3 else [],
        "triage": {"level": level, "reasons": [], "advice": "", "ruleset_version": "1"},
        "ruleset_version": "1",
    }


_ROWS_AT_0001: dict[str, list[dict[str, object]]] = {
    "care_teams": [{"id": 1, "name": "T", "is_synthetic": False, "created_at": _NOW}],
    "patients": [
        {
            "id": 1,
            "team_id": 1,
            "reference": "P-OLD",
            "display_name": "Old Patient",
            "birth_year": 1960,
            "is_synthetic": False,
            "created_at": _NOW,
        },
        {
            "id": 2,
            "team_id": 1,
            "reference": "P-NONE",
            "display_name": "No Check-ins",
            "birth_year": None,
            "is_synthetic": False,
            "created_at": _NOW,
        },
    ],
    "surgeries": [
        {
            "id": 1,
            "patient_id": 1,
            "performed_on": dt.date(2026, 2, 1),
            "procedure": "fusion",
            "spinal_levels": ["L4-L5"],
            "side": "right",
            "created_at": _NOW,
        },
        {
            "id": 2,
            "patient_id": 2,
            "performed_on": dt.date(2026, 2, 1),
            "procedure": "discectomy",
            "spinal_levels": [],
            "side": "left",
            "created_at": _NOW,
        },
    ],
    "baselines": [
        {
            "id": 1,
            "surgery_id": 1,
            "leg_pain": 9,
            "back_pain": 6,
            "function_odi": 60,
            "created_at": _NOW,
        },
    ],
    "checkins": [
        _checkin(1, 5, 7, "routine", 1),
        _checkin(2, 10, 8, "emergency", 3),
        _checkin(3, 12, 6, "routine", 1),
    ],
    "audit_log": [
        {"at": _NOW, "actor": "old", "action": "patient.created", "patient_id": 1, "detail": {}},
    ],
}


def _insert_at_0001(engine: Engine) -> None:
    """Data as a release at revision 0001 wrote it, through the tables as they were then."""
    with engine.begin() as connection:
        for name, rows in _ROWS_AT_0001.items():
            table = Table(name, MetaData(), autoload_with=connection)
            connection.execute(table.insert(), rows)
            if connection.dialect.name == "postgresql" and name != "audit_log":
                sequence = f"{name}_id_seq"
                connection.execute(
                    select(func.setval(sequence, select(func.max(table.c.id)).scalar_subquery()))
                )


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        snapshot = {}
        for name in _ROWS_AT_0001:
            table = Table(name, MetaData(), autoload_with=connection)
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            snapshot[name] = [tuple(row) for row in rows]
        return snapshot


def test_upgrade_keeps_every_row_and_summarises_existing_checkins(database_url: str):
    """A database with data at 0001 upgrades to head with nothing lost and ranks correctly."""
    engine = create_store_engine(database_url)
    migrate.upgrade(engine, "0001")
    _insert_at_0001(engine)
    before = _snapshot(engine)
    migrate.upgrade(engine)
    assert _snapshot(engine) == before
    engine.dispose()

    store = open_store(database_url)
    try:
        clock = TickingClock(dt.datetime(2026, 2, 14, 9, tzinfo=dt.UTC))
        ranked = rank_patients(store.sessions, clock=clock)
        assert [row.reference for row in ranked] == ["P-OLD", "P-NONE"]
        assert ranked[0].open_alarms == 1
        assert ranked[0].last_level == "routine"
        assert ranked[0].last_leg_pain == 6
        _, history = read_patient_history(store.sessions, patient="P-OLD", clock=clock)
        assert [point.leg_pain for point in history.points] == [7, 8, 6]
        assert history.open_red_flags == ("cauda_equina.x",)
        assert history.surgery.procedure == "fusion"
    finally:
        store.close()
