"""Storage speed at scale: 10,000 patients and 1,000,000 check-ins, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_store.py [--patients 10000] [--checkins 1000000]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--no-sqlite] [--write]

For each database: a new, empty database (a temporary SQLite file; a new PostgreSQL database,
dropped afterwards) is migrated to head and bulk-loaded (executemany on SQLite, COPY on
PostgreSQL) with seeded synthetic patients, check-ins and their per-patient summary rows. Then,
through the real service layer, it measures:
  1. storing one check-in (`record_checkin`: check-in, triage result, summary, audit entry and
     the trajectory refresh, in one committed transaction);
  2. loading one patient's history and computing the trajectory;
  3. ranking all patients by need of attention (`rank_patients`, every patient, with reasons).
Each measurement stops after --samples runs or --seconds, whichever comes first. With --write the
figures go to benchmarks/results/store.md.
"""

# ruff: noqa: S608, S311 - SQL from constant names only; seeded synthetic data, not security

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from nervecare.checkin import parse_checkin
from nervecare.recovery import assess_trajectory
from nervecare.store import migrate
from nervecare.store.engine import create_store_engine, make_session_factory, normalise_url
from nervecare.store.ranking import rank_patients_query
from nervecare.store.service import rank_patients, read_patient_history, record_checkin
from nervecare.triage import triage_checkin

RESULTS = Path(__file__).parent / "results" / "store.md"
TODAY = dt.date(2026, 11, 25)
CHUNK = 20_000
CLASSES = (("on_track", 0), ("slow", 2), ("plateau", 3), ("worsening", 4))

CHECKIN_COLUMNS = (
    "patient_id, client_id, recorded_at, recorded_on, received_at, days_since_surgery, leg_pain,"
    " back_pain, function_odi, pain_relief, document, level, level_rank, red_flags, triage,"
    " ruleset_version"
)
SUMMARY_COLUMNS = (
    "patient_id, checkin_count, last_checkin_id, last_recorded_at, last_level, last_level_rank,"
    " last_leg_pain, last_days_since_surgery, last_alarm_at, last_alarm_rank, open_alarms,"
    " trajectory, trajectory_concern, updated_at"
)


# ------------------------------------------------------------------ synthetic data


def _triage_documents() -> dict[str, tuple[str, str, int, str]]:
    """One real triage result per level (JSON, level, rank, red flags JSON), reused for speed."""
    examples = {
        "self_care": {"leg_pain": 3},
        "routine": {"leg_pain": 8, "leg_pain_change": "worse"},
        "urgent": {"leg_pain": 4, "temperature_c": 38.6, "wound": ["pus"]},
        "emergency": {"leg_pain": 6, "saddle_numbness": "new"},
    }
    made = {}
    for name, fields in examples.items():
        result = triage_checkin(parse_checkin({"days_since_surgery": 30, **fields}))
        flags = [r.code for r in result.reasons if r.level in ("urgent", "emergency")]
        rank = ("self_care", "routine", "urgent", "emergency").index(result.level)
        made[name] = (
            json.dumps(result.model_dump(mode="json")),
            result.level,
            rank,
            json.dumps(flags),
        )
    return made


def _level_for(rng: random.Random, leg: int) -> str:
    roll = rng.random()
    if roll < 0.0005:
        return "emergency"
    if roll < 0.003:
        return "urgent"
    return "routine" if leg >= 8 else "self_care"


def _checkin_rows(
    patients: int, checkins: int, seed: int, stamp: Callable[[dt.datetime], Any]
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Chunks of check-in rows, and the summary rows of the patients completed in the chunk."""
    rng = random.Random(seed)
    results = _triage_documents()
    per_patient = checkins // patients
    next_id = 1
    rows: list[tuple[Any, ...]] = []
    summaries: list[tuple[Any, ...]] = []
    received = stamp(dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC))
    for patient_id in range(1, patients + 1):
        count = per_patient + (1 if patient_id <= checkins % patients else 0)
        surgery = TODAY - dt.timedelta(days=count * 5 // 2 + rng.randrange(0, 30))
        baseline = rng.randint(6, 9)
        trajectory, concern = rng.choice(CLASSES)
        day = 1
        last: tuple[Any, ...] | None = None
        alarm_at, alarm_rank, open_alarms = None, 0, 0
        for _ in range(count):
            leg = max(
                0, min(10, round(baseline * (0.4 + 0.6 * 0.97**day)) + rng.choice((-1, 0, 1)))
            )
            name = _level_for(rng, leg)
            triage, level, rank, flags = results[name]
            recorded = dt.datetime.combine(surgery + dt.timedelta(days=day), dt.time(9), dt.UTC)
            document = json.dumps(
                {
                    "schema_version": "1",
                    "recorded_at": recorded.isoformat(),
                    "days_since_surgery": day,
                    "leg_pain": leg,
                    "back_pain": max(0, leg - 2),
                    "pain_relieved_by_medication": "partly",
                }
            )
            rows.append(
                (
                    patient_id,
                    None,
                    stamp(recorded),
                    (surgery + dt.timedelta(days=day)).isoformat(),
                    received,
                    day,
                    leg,
                    max(0, leg - 2),
                    None,
                    "partly",
                    document,
                    level,
                    rank,
                    flags,
                    triage,
                    "bench",
                )
            )
            last = (next_id, stamp(recorded), level, rank, leg, day)
            if rank >= 2:
                alarm_at, alarm_rank, open_alarms = stamp(recorded), rank, open_alarms + 1
            next_id += 1
            day += rng.choice((2, 2, 3))
        if last is not None:
            summaries.append(
                (
                    patient_id,
                    count,
                    *last,
                    alarm_at,
                    alarm_rank,
                    open_alarms,
                    trajectory,
                    concern,
                    received,
                )
            )
        if len(rows) >= CHUNK:
            yield rows, summaries
            rows, summaries = [], []
    if rows or summaries:
        yield rows, summaries


def _patient_rows(patients: int, now: str) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "patients": [
            (i, 1, f"B-{i:06d}", f"Bench patient {i}", 1960 + i % 40, True, now)
            for i in range(1, patients + 1)
        ],
        "surgeries": [
            (
                i,
                i,
                (TODAY - dt.timedelta(days=300)).isoformat(),
                "discectomy",
                '["L5-S1"]',
                "left",
                now,
            )
            for i in range(1, patients + 1)
        ],
        "baselines": [(i, i, None, 8, 5, 50, now) for i in range(1, patients + 1)],
    }


_PATIENT_SQL = {
    "patients": "patients (id, team_id, reference, display_name, birth_year, is_synthetic, "
    "created_at)",
    "surgeries": "surgeries (id, patient_id, performed_on, procedure, spinal_levels, side, "
    "created_at)",
    "baselines": "baselines (id, surgery_id, recorded_on, leg_pain, back_pain, function_odi, "
    "created_at)",
}


def load_sqlite(engine: Engine, patients: int, checkins: int, seed: int) -> None:
    def stamp(value: dt.datetime) -> str:
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    now = stamp(dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        cursor.execute(
            "INSERT INTO care_teams (id, name, is_synthetic, created_at) VALUES (?, ?, ?, ?)",
            (1, "Bench team (SYNTHETIC)", True, now),
        )
        for table, rows in _patient_rows(patients, now).items():
            marks = ", ".join("?" * len(rows[0]))
            cursor.executemany(f"INSERT INTO {_PATIENT_SQL[table]} VALUES ({marks})", rows)
        checkin_marks = ", ".join("?" * 16)
        summary_marks = ", ".join("?" * 14)
        for rows, summaries in _checkin_rows(patients, checkins, seed, stamp):
            cursor.executemany(
                f"INSERT INTO checkins ({CHECKIN_COLUMNS}) VALUES ({checkin_marks})", rows
            )
            cursor.executemany(
                f"INSERT INTO patient_summaries ({SUMMARY_COLUMNS}) VALUES ({summary_marks})",
                summaries,
            )
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
    finally:
        raw.close()


def load_postgres(engine: Engine, patients: int, checkins: int, seed: int) -> None:
    def stamp(value: dt.datetime) -> dt.datetime:
        return value

    now = dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            "INSERT INTO care_teams (id, name, is_synthetic, created_at) VALUES (%s, %s, %s, %s)",
            (1, "Bench team (SYNTHETIC)", True, now),
        )
        for table, rows in _patient_rows(patients, now.isoformat()).items():
            with cursor.copy(f"COPY {_PATIENT_SQL[table]} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for rows, summaries in _checkin_rows(patients, checkins, seed, stamp):
            with cursor.copy(f"COPY checkins ({CHECKIN_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            with cursor.copy(f"COPY patient_summaries ({SUMMARY_COLUMNS}) FROM STDIN") as copy:
                for row in summaries:
                    copy.write_row(row)
        for table in ("care_teams", "patients", "surgeries", "baselines", "checkins"):
            cursor.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


# ------------------------------------------------------------------ measuring


def _measure(action: Callable[[int], object], *, samples: int, seconds: float) -> dict[str, float]:
    timings: list[float] = []
    deadline = time.perf_counter() + seconds
    for index in range(samples):
        started = time.perf_counter()
        action(index)
        timings.append(time.perf_counter() - started)
        if time.perf_counter() > deadline:
            break
    timings.sort()
    return {
        "n": len(timings),
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": timings[min(len(timings) - 1, int(len(timings) * 0.95))] * 1000,
    }


def bench(engine: Engine, *, patients: int, samples: int, seconds: float) -> dict[str, Any]:
    sessions = make_session_factory(engine)
    rng = random.Random(7)
    clock_now = [dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)]

    def clock() -> dt.datetime:
        clock_now[0] += dt.timedelta(milliseconds=1)
        return clock_now[0]

    checkin = parse_checkin({"schema_version": "1", "days_since_surgery": 250, "leg_pain": 3})
    result = triage_checkin(checkin)

    def store(index: int) -> object:
        return record_checkin(
            sessions,
            patient_id=rng.randint(1, patients),
            checkin=checkin,
            triage_result=result,
            client_id=f"bench-{uuid.uuid4()}",
            actor="bench",
            clock=clock,
        )

    def history(index: int) -> object:
        _, loaded = read_patient_history(
            sessions, patient=rng.randint(1, patients), actor="bench", clock=clock
        )
        return assess_trajectory(loaded, on=TODAY)

    def rank(index: int) -> object:
        ranked = rank_patients(sessions, actor="bench", clock=clock)
        assert len(ranked) == patients
        return ranked

    def rank_query(index: int) -> object:
        with sessions() as session:
            rows = session.execute(rank_patients_query()).all()
        assert len(rows) == patients
        return rows

    return {
        "store one check-in": _measure(store, samples=samples, seconds=seconds),
        "load one history + trajectory": _measure(history, samples=samples, seconds=seconds),
        "rank all patients": _measure(rank, samples=max(5, samples // 10), seconds=seconds),
        "ranking query alone": _measure(rank_query, samples=max(5, samples // 10), seconds=seconds),
    }


def run_one(
    label: str, url: str, *, patients: int, checkins: int, samples: int, seconds: float
) -> dict[str, Any]:
    engine = create_store_engine(url)
    try:
        migrate.upgrade(engine)
        started = time.perf_counter()
        loader = load_postgres if engine.dialect.name == "postgresql" else load_sqlite
        loader(engine, patients, checkins, seed=11)
        load_seconds = time.perf_counter() - started
        print(f"{label}: loaded {checkins:,} check-ins in {load_seconds:.0f} s", flush=True)
        figures = bench(engine, patients=patients, samples=samples, seconds=seconds)
    finally:
        engine.dispose()
    for name, figure in figures.items():
        print(
            f"  {name}: median {figure['median_ms']:.1f} ms, p95 {figure['p95_ms']:.1f} ms "
            f"(n={figure['n']:.0f})",
            flush=True,
        )
    return {"label": label, "load_seconds": load_seconds, "figures": figures}


def _postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    admin = normalise_url(admin_url)
    name = f"nervecare_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return admin.set(database=name).render_as_string(hide_password=False), drop


def _markdown(runs: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "## Storage at scale",
        "",
        f"{args.patients:,} patients, {args.checkins:,} check-ins "
        f"(about {args.checkins // args.patients} each), measured with "
        "`benchmarks/bench_store.py` through the service layer on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}. Median and 95th percentile per operation.",
        "",
        "| operation | " + " | ".join(run["label"] for run in runs) + " |",
        "| --- | " + " | ".join("---" for _ in runs) + " |",
    ]
    names = list(runs[0]["figures"])
    for name in names:
        cells = [
            f"{run['figures'][name]['median_ms']:.1f} ms (p95 {run['figures'][name]['p95_ms']:.1f})"
            for run in runs
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(
        "| bulk load (setup, not a user operation) | "
        + " | ".join(f"{run['load_seconds']:.0f} s" for run in runs)
        + " |"
    )
    lines += [
        "",
        "- *store one check-in*: one committed transaction with the check-in, its triage result "
        "and ruleset version, the per-patient summary, the audit entry and the trajectory refresh "
        "(reads the patient's ~100 check-ins). SQLite commits with `synchronous=FULL` (WAL).",
        "- *load one history + trajectory*: the audited read of one patient's record and history, "
        "then `assess_trajectory`.",
        "- *rank all patients*: every patient ordered by need of attention, one query over the "
        "per-patient summary table, with the reasons built for each patient; *ranking query "
        "alone* is the SQL and fetching its rows, without building the reasons.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--checkins", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="per measurement")
    parser.add_argument("--postgres-url", default=os.environ.get("NERVECARE_TEST_DATABASE_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    runs = []
    options = {
        "patients": args.patients,
        "checkins": args.checkins,
        "samples": args.samples,
        "seconds": args.seconds,
    }
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="nervecare-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            runs.append(run_one("SQLite", url, **options))
    if args.postgres_url:
        url, drop = _postgres_database(args.postgres_url)
        try:
            runs.append(run_one("PostgreSQL", url, **options))
        finally:
            drop()
    else:
        print("no --postgres-url (or NERVECARE_TEST_DATABASE_URL): PostgreSQL skipped")
    if args.write and runs:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(_markdown(runs, args))
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
