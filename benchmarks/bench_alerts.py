"""Load: concurrent patients through two web processes and two alert workers on PostgreSQL.

    .venv/bin/python benchmarks/bench_alerts.py [--patients 200] [--seconds 120]
        [--max-requests 50000] [--think 2.0] [--urgent 0.1]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--write]

Everything on loopback: a new PostgreSQL database (dropped afterwards), two web processes
(uvicorn, the real app), two `nervecare worker` processes, a real SMTP server (aiosmtpd) and a
webhook receiver in this process. Each simulated patient signs in through the JSON API, then
submits check-ins (`POST /api/v1/checkins`, alternating between the two web processes) with a
random pause of about --think seconds between them; a share --urgent of them report urgent signs
(fever with wound pus), so they raise an alert. The run stops after --seconds or --max-requests.

Measured: the error rate (any non-2xx answer or transport error), the latency of check-in
submission (median, p95, p99), and the end-to-end delay of each alert from its creation (the
check-in's commit, `alerts.created_at`) to its arrival at the SMTP server and at the webhook
(median, p95, p99; the aim is p99 under 5 s). With --write the figures go to
benchmarks/results/alerts.md; --append adds a run to it.
"""

# ruff: noqa: S311 - seeded synthetic load, not security

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import email
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select, text

from nervecare.alerts.channels import DEDUP_HEADER
from nervecare.recovery.models import Surgery
from nervecare.store.accounts import hash_password
from nervecare.store.engine import normalise_url
from nervecare.store.models import Account, OutboxAlert
from nervecare.store.schemas import NewPatient
from nervecare.store.service import add_patient, open_store

RESULTS = Path(__file__).parent / "results" / "alerts.md"
LOOPBACK = "127.0.0.1"
PASSWORD = "bench-password-1"  # noqa: S105 - synthetic accounts in a throwaway database
TEAM = "Benchmark team (synthetic)"
SECRET = "bench-webhook-secret"  # noqa: S105 - throwaway


def _free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


class Arrivals:
    """First arrival time (Unix seconds) of each de-duplication key, and how many copies."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.copies = 0
        self.lock = threading.Lock()

    def record(self, key: str) -> None:
        now = time.time()
        with self.lock:
            self.copies += 1
            self.first.setdefault(key, now)


class _SmtpHandler:
    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        self.arrivals.record(str(message[DEDUP_HEADER]))
        return "250 OK"


def _webhook_server(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrivals.record(str(self.headers.get(DEDUP_HEADER)))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def _database(admin_url: str) -> Iterator[str]:
    admin = normalise_url(admin_url)
    name = f"nervecare_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _populate(url: str, patients: int, smtp_port: int, webhook_url: str) -> list[str]:
    """The team, its channels and `patients` synthetic patients with sign-ins; the usernames."""
    from nervecare.store.alerts import set_team_alert_settings  # noqa: PLC0415

    store = open_store(url)
    now = dt.datetime.now(dt.UTC)
    surgery = Surgery(
        date=now.date() - dt.timedelta(days=28),
        procedure="discectomy",
        spinal_levels=("L5-S1",),
        side="left",
    )
    usernames = []
    password_hash = hash_password(PASSWORD)
    try:
        for number in range(patients):
            record = add_patient(
                store.sessions,
                new=NewPatient(
                    team=TEAM,
                    reference=f"BENCH-{number:04}",
                    display_name=f"Synthetic {number}",
                    surgery=surgery,
                    is_synthetic=True,
                ),
            )
            username = f"bench{number:04}"
            with store.sessions.begin() as session:
                session.add(
                    Account(
                        username=username,
                        kind="patient",
                        patient_id=record.id,
                        password_hash=password_hash,
                        is_synthetic=True,
                        disabled=False,
                        created_at=now,
                    )
                )
            usernames.append(username)
        set_team_alert_settings(
            store.sessions,
            team=TEAM,
            actor="benchmark",
            now=now,
            primary_email="team@bench.invalid",
            webhook_url=webhook_url,
            webhook_secret=SECRET,
            webhook_allowed_hosts=(LOOPBACK,),  # the receiver runs on this machine
        )
    finally:
        store.close()
    del smtp_port
    return usernames


def _start(command: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_healthy(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{LOOPBACK}:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"web process on port {port} did not start")


def _checkin(rng: random.Random, urgent: float) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": "1",
        "days_since_surgery": 28,
        "leg_pain": rng.randint(1, 6),
    }
    if rng.random() < urgent:
        document.update({"temperature_c": 38.6, "wound": ["pus"]})
    return document


async def _sign_in(
    client: httpx.AsyncClient, *, username: str, ports: list[int], gate: asyncio.Semaphore
) -> str | None:
    """Set-up, not measured: a few sign-ins at a time (Argon2 is slow on purpose), retried."""
    for attempt in range(5):
        async with gate:
            try:
                answer = await client.post(
                    f"http://{LOOPBACK}:{ports[attempt % len(ports)]}/api/v1/session",
                    json={"username": username, "password": PASSWORD},
                )
            except httpx.HTTPError:
                continue
        if answer.status_code == 200:
            return str(answer.json()["token"])
    return None


async def _patient(
    client: httpx.AsyncClient,
    *,
    token: str,
    ports: list[int],
    deadline: float,
    budget: list[int],
    think: float,
    urgent: float,
    rng: random.Random,
    latencies: list[float],
    errors: list[str],
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    await asyncio.sleep(rng.uniform(0, think))
    turn = rng.randrange(len(ports))
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        turn += 1
        port = ports[turn % len(ports)]
        started = time.perf_counter()
        try:
            response = await client.post(
                f"http://{LOOPBACK}:{port}/api/v1/checkins",
                json=_checkin(rng, urgent),
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            if response.status_code not in (200, 201):
                errors.append(f"HTTP {response.status_code}")
        except httpx.HTTPError as error:
            errors.append(type(error).__name__)
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def _load(
    usernames: list[str], ports: list[int], arguments: argparse.Namespace
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [arguments.max_requests]
    limits = httpx.Limits(max_connections=len(usernames) + 10)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        gate = asyncio.Semaphore(4)
        tokens = await asyncio.gather(
            *(_sign_in(client, username=u, ports=ports, gate=gate) for u in usernames)
        )
        errors.extend("sign-in failed" for token in tokens if token is None)
        started = time.monotonic()
        await asyncio.gather(
            *(
                _patient(
                    client,
                    token=token,
                    ports=ports,
                    deadline=started + arguments.seconds,
                    budget=budget,
                    think=arguments.think,
                    urgent=arguments.urgent,
                    rng=random.Random(f"{arguments.seed}:{number}"),
                    latencies=latencies,
                    errors=errors,
                )
                for number, token in enumerate(tokens)
                if token is not None
            )
        )
    return latencies, errors, time.monotonic() - started


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return value, value, value
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[94], cuts[98]


def _delays(url: str, arrivals: Arrivals, suffix: str) -> tuple[list[float], int]:
    store = open_store(url)
    try:
        with store.sessions.begin() as session:
            alerts = session.execute(select(OutboxAlert.id, OutboxAlert.created_at)).all()
    finally:
        store.close()
    delays = []
    missing = 0
    for alert_id, created_at in alerts:
        arrived = arrivals.first.get(f"alert-{alert_id}-{suffix}")
        if arrived is None:
            missing += 1
        else:
            delays.append(arrived - created_at.timestamp())
    return delays, missing


def _all_delivered(url: str) -> bool:
    store = open_store(url)
    try:
        with store.sessions.begin() as session:
            states = set(session.scalars(select(OutboxAlert.state).distinct()).all())
    finally:
        store.close()
    return states <= {"delivered"}


def _report(
    arguments: argparse.Namespace,
    *,
    latencies: list[float],
    errors: list[str],
    elapsed: float,
    mail: tuple[list[float], int, int],
    hook: tuple[list[float], int, int],
) -> str:
    requests = len(latencies)
    median, p95, p99 = _quantiles(latencies)
    lines = [
        "# Load: check-ins through two web processes and two alert workers (PostgreSQL)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, everything on loopback "
        "(web, workers, PostgreSQL, SMTP and webhook receivers share the machine).",
        f"`{' '.join(['benchmarks/bench_alerts.py', *sys.argv[1:]])}`",
        "",
        f"- {arguments.patients} concurrent patients, pause ~{arguments.think} s between "
        f"check-ins, {arguments.urgent:.0%} urgent; {requests} check-ins in {elapsed:.0f} s "
        f"({requests / elapsed:.1f}/s)",
        f"- errors: {len(errors)} ({len(errors) / max(requests, 1):.2%})"
        + (f": {sorted(set(errors))[:5]}" if errors else ""),
        f"- check-in latency: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms",
    ]
    for name, (delays, missing, copies) in (("email", mail), ("webhook", hook)):
        middle, high, top = _quantiles(delays)
        lines.append(
            f"- {name}: {len(delays) + missing} alerts, end-to-end delay median {middle:.2f} s, "
            f"p95 {high:.2f} s, p99 {top:.2f} s; not arrived {missing}; copies received {copies}"
        )
    return "\n".join(lines) + "\n"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--think", type=float, default=2.0, help="mean pause per patient (s)")
    parser.add_argument("--urgent", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "NERVECARE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--write", action="store_true", help="write the results file")
    parser.add_argument("--append", action="store_true", help="add to the results file")
    return parser.parse_args()


def main() -> None:
    arguments = _arguments()
    arguments.seconds = min(arguments.seconds, 600.0)

    smtp_arrivals, webhook_arrivals = Arrivals(), Arrivals()
    smtp_port = _free_port()
    smtp = Controller(_SmtpHandler(smtp_arrivals), hostname=LOOPBACK, port=smtp_port)
    smtp.start()
    webhook = _webhook_server(webhook_arrivals)
    webhook_url = f"http://{LOOPBACK}:{webhook.server_address[1]}/hook"
    processes: list[subprocess.Popen[bytes]] = []
    bin_dir = Path(sys.executable).parent
    try:
        with _database(arguments.postgres_url) as url:
            print(f"populating {arguments.patients} patients ...", flush=True)
            usernames = _populate(url, arguments.patients, smtp_port, webhook_url)
            environment = {
                **os.environ,
                "NERVECARE_DATABASE_URL": url,
                "NERVECARE_ENVIRONMENT": "development",
                "NERVECARE_SMTP_HOST": LOOPBACK,
                "NERVECARE_SMTP_PORT": str(smtp_port),
                "NERVECARE_WORKER_POLL_SECONDS": "0.2",
                # The benchmark measures throughput: no sign-in limits between its own patients.
                "NERVECARE_SIGNIN_FAILURES_PER_ADDRESS": "100000",
                "NERVECARE_WEBHOOK_ALLOWED_HOSTS": f'["{LOOPBACK}"]',
            }
            ports = [_free_port(), _free_port()]
            for port in ports:
                processes.append(
                    _start(
                        [
                            str(bin_dir / "python"),
                            "-m",
                            "uvicorn",
                            "nervecare.web:create_app",
                            "--factory",
                            "--host",
                            LOOPBACK,
                            "--port",
                            str(port),
                            "--log-level",
                            "warning",
                            "--no-access-log",
                            # Longer than a patient's pause, so a kept-alive connection is not
                            # closed by the server just as the client reuses it.
                            "--timeout-keep-alive",
                            "30",
                        ],
                        environment,
                    )
                )
            for _ in range(2):
                processes.append(_start([str(bin_dir / "nervecare"), "worker"], environment))
            for port in ports:
                _wait_healthy(port)
            print(f"load: {arguments.patients} patients for {arguments.seconds:.0f} s", flush=True)
            latencies, errors, elapsed = asyncio.run(_load(usernames, ports, arguments))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not _all_delivered(url):
                time.sleep(0.5)
            time.sleep(1.0)
            mail_delays, mail_missing = _delays(url, smtp_arrivals, "initial")
            hook_delays, hook_missing = _delays(url, webhook_arrivals, "initial")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        webhook.shutdown()

    report = _report(
        arguments,
        latencies=latencies,
        errors=errors,
        elapsed=elapsed,
        mail=(mail_delays, mail_missing, smtp_arrivals.copies),
        hook=(hook_delays, hook_missing, webhook_arrivals.copies),
    )
    print(report)
    if arguments.write:
        RESULTS.write_text(report)
    elif arguments.append:
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write("\n" + report.split("\n", 2)[2])


if __name__ == "__main__":
    main()
