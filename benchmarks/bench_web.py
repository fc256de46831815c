"""Web speed with the 10,000-patient cohort: page times and check-ins per second through the API.

    .venv/bin/python benchmarks/bench_web.py [--patients 10000] [--checkins 300000]
        [--clients 50] [--seconds 20] [--write]

A temporary SQLite file is bulk-loaded with the store benchmark's seeded synthetic cohort (one
team; `bench_store.load_sqlite`), plus a clinician sign-in and one patient sign-in per API client.
`nervecare serve --no-demo` then runs it on 127.0.0.1 (one uvicorn process, loopback only), and
this script measures, over real HTTP:
  1. the clinician dashboard (the team's 100 patients most in need of attention, ranked over all
     patients, with the open-alert queue), median and p95;
  2. a patient page (timeline, SVG chart against the expected band, trajectory, suggestions),
     median and p95, for random patients;
  3. check-ins per second through `POST /api/v1/checkins` with --clients concurrent clients
     (each a different patient, each request with its own Idempotency-Key), for --seconds.
Each page measurement stops after --samples requests or --seconds. With --write the figures go
to benchmarks/results/web.md.
"""

# ruff: noqa: S311 - seeded synthetic data, not security

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench_store import load_sqlite
from nervecare.store import migrate
from nervecare.store.accounts import add_clinician_account, add_patient_account
from nervecare.store.engine import create_store_engine, make_session_factory
from nervecare.store.models import Clinician, TeamMembership

RESULTS = Path(__file__).parent / "results" / "web.md"
PASSWORD = "bench-password-1"  # noqa: S105 - synthetic benchmark accounts
NOW = dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def served(url: str) -> Iterator[str]:
    """`nervecare serve --no-demo` on the database at `url`, on a free loopback port, until the
    block ends; yields its base address once `/healthz` answers."""
    port = _free_port()
    env = {**os.environ, "NERVECARE_ENVIRONMENT": "development"}
    cli = Path(sys.executable).parent / "nervecare"
    server = subprocess.Popen(
        [str(cli), "serve", "--no-demo", "--url", url, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def build_database(url: str, *, patients: int, checkins: int, clients: int, seed: int) -> None:
    engine = create_store_engine(url)
    try:
        migrate.upgrade(engine)
        load_sqlite(engine, patients, checkins, seed)
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            clinician = Clinician(
                display_name="Bench clinician (SYNTHETIC)", email=None, created_at=NOW
            )
            session.add(clinician)
            session.flush()
            session.add(
                TeamMembership(team_id=1, clinician_id=clinician.id, role="surgeon", created_at=NOW)
            )
            add_clinician_account(
                session,
                clinician_id=clinician.id,
                username="bench.clinician",
                password=PASSWORD,
                is_synthetic=True,
                now=NOW,
            )
            for number in range(1, clients + 1):
                add_patient_account(
                    session,
                    patient_id=number,
                    username=f"bench.patient.{number}",
                    password=PASSWORD,
                    is_synthetic=True,
                    now=NOW,
                )
    finally:
        engine.dispose()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
    }


def _signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    token = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    token.raise_for_status()
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def measure_pages(
    base: str, *, patients: int, samples: int, seconds: float, seed: int
) -> dict[str, dict[str, float]]:
    rng = random.Random(seed)
    results = {}
    client = _signed_in(base, "bench.clinician")
    try:
        client.get("/dashboard").raise_for_status()  # warm up
        for name, path in (
            ("dashboard", lambda: "/dashboard"),
            ("patient_page", lambda: f"/patients/{rng.randint(1, patients)}"),
        ):
            timings: list[float] = []
            deadline = time.perf_counter() + seconds
            while len(timings) < samples and time.perf_counter() < deadline:
                started = time.perf_counter()
                response = client.get(path())
                timings.append(time.perf_counter() - started)
                response.raise_for_status()
            results[name] = _percentiles(timings)
    finally:
        client.close()
    return results


async def measure_checkins(base: str, *, clients: int, seconds: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    tokens = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as login:
        for number in range(1, clients + 1):
            answer = await login.post(
                "/api/v1/session",
                json={"username": f"bench.patient.{number}", "password": PASSWORD},
            )
            answer.raise_for_status()
            tokens.append(answer.json()["token"])
    stored = 0
    failures = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client_loop(token: str) -> None:
        nonlocal stored, failures
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, timeout=120, headers=headers) as client:
            while time.perf_counter() < deadline:
                document = {
                    "schema_version": "1",
                    "days_since_surgery": 300,
                    "leg_pain": rng.randint(0, 10),
                    "back_pain": rng.randint(0, 10),
                }
                started = time.perf_counter()
                response = await client.post(
                    "/api/v1/checkins",
                    json=document,
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code == 201:
                    stored += 1
                else:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(token) for token in tokens))
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": elapsed,
        "stored": stored,
        "failures": failures,
        "per_second": stored / elapsed,
        **_percentiles(latencies),
    }


def _markdown(result: dict[str, Any], args: argparse.Namespace) -> str:
    pages = result["pages"]
    checkins = result["checkins"]
    lines = [
        "## Web application speed",
        "",
        f"Measured with `benchmarks/bench_web.py` on {result['machine']}: SQLite, "
        f"{args.patients:,} patients and {args.checkins:,} check-ins in one team, one uvicorn "
        "process (`nervecare serve --no-demo`), real HTTP over loopback.",
        "",
        "| What | Requests | Median | p95 |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (
        ("dashboard", f"Clinician dashboard (100 most pressing of {args.patients:,} ranked)"),
        ("patient_page", "Patient page (timeline, SVG chart, trajectory, suggestions)"),
    ):
        figures = pages[name]
        lines.append(
            f"| {label} | {figures['n']} | {figures['median_ms']:.0f} ms | "
            f"{figures['p95_ms']:.0f} ms |"
        )
    lines += [
        f"| Check-in through the API ({checkins['clients']} concurrent clients) | "
        f"{checkins['n']} | {checkins['median_ms']:.0f} ms | {checkins['p95_ms']:.0f} ms |",
        "",
        f"Check-ins stored per second through `POST /api/v1/checkins` with "
        f"{checkins['clients']} concurrent clients: **{checkins['per_second']:.0f}/s** "
        f"({checkins['stored']} stored in {checkins['seconds']:.0f} s, "
        f"{checkins['failures']} failed). Each check-in is validated, triaged, stored with its "
        "summary, trajectory refresh and audit entry in one committed transaction (SQLite "
        "serialises writers; PostgreSQL would take concurrent writers).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--checkins", type=int, default=300_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench_web.sqlite3"
        started = time.perf_counter()
        build_database(
            url,
            patients=args.patients,
            checkins=args.checkins,
            clients=args.clients,
            seed=args.seed,
        )
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
        with served(url) as base:
            pages = measure_pages(
                base,
                patients=args.patients,
                samples=args.samples,
                seconds=args.seconds,
                seed=args.seed,
            )
            print(pages, flush=True)
            checkins = asyncio.run(
                measure_checkins(base, clients=args.clients, seconds=args.seconds, seed=args.seed)
            )
            print(checkins, flush=True)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    result = {"pages": pages, "checkins": checkins, "machine": machine}
    text = _markdown(result, args)
    print(text)
    if args.write:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
