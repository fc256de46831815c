"""The web check-in round trip: from "Send" to the next page (the question page or the result).

    .venv/bin/python benchmarks/bench_roundtrip.py [--patients 36] [--samples 300] [--write]

A temporary SQLite file gets the demo cohort (`nervecare.demo.load_demo`, the cohort the quick
start serves) and a sign-in for each of its patients. `nervecare serve --no-demo` runs it on
127.0.0.1 (one uvicorn process, loopback only), and this script, over real HTTP, sends the web
check-in form's last step ("Send my check-in") with every red-flag question answered "none" and
notes drawn at random from `evaluation/notes/` (English and Spanish, real-sounding patients'
words), then follows the redirect. One round trip is the POST and the GET of the page it leads
to, as a patient's browser does; the patients take turns, so no one reaches the daily cap.

The first check-in of the process is timed on its own: it may wait for the notes reader still
loading in the background. With --write the figures go to benchmarks/results/roundtrip.md,
naming the commit measured.
"""

# ruff: noqa: S311 - seeded synthetic choices, not security

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bench_web import _percentiles, served
from nervecare.demo import load_demo
from nervecare.store.accounts import add_patient_account
from nervecare.store.models import Account, Patient
from nervecare.store.service import open_store

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "roundtrip.md"
PASSWORD = "bench-password-1"  # noqa: S105 - synthetic benchmark accounts
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_CLIENT_ID = re.compile(r'name="client_id" value="([^"]+)"')
_TOTAL = re.compile(r"Part \d+ of (\d+)")


def build_database(url: str, *, patients: int) -> list[str]:
    """The demo cohort and one sign-in per patient; their usernames."""
    store = open_store(url)
    try:
        load_demo(store.sessions, patients=patients)
        usernames = []
        with store.sessions.begin() as session:
            taken = set(session.scalars(select(Account.patient_id)))
            for patient in session.scalars(select(Patient).order_by(Patient.id)):
                if patient.id in taken:  # the demo's own patient sign-in
                    continue
                username = f"bench.{patient.reference.lower()}"
                add_patient_account(
                    session,
                    patient_id=patient.id,
                    username=username,
                    password=PASSWORD,
                    is_synthetic=True,
                    now=patient.created_at,
                )
                usernames.append(username)
        return usernames
    finally:
        store.close()


def evaluation_notes() -> list[str]:
    notes = []
    for path in sorted((ROOT / "evaluation" / "notes").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = json.loads(line)["checkin"].get("notes") if line.strip() else None
            if text:
                notes.append(text)
    return notes


def _signed_in(base: str, username: str) -> httpx.Client:
    """A browser-like client signed in through the sign-in form (cookie and CSRF token)."""
    client = httpx.Client(base_url=base, timeout=180)
    token = _FORM_TOKEN.search(client.get("/signin").text)
    if token is None:
        raise RuntimeError("the sign-in form has changed")
    form = {"username": username, "password": PASSWORD, "form_token": token.group(1)}
    signed = client.post("/signin", data=form)
    if signed.status_code != 303:
        raise RuntimeError(f"sign-in gave {signed.status_code}")
    return client


def round_trip(client: httpx.Client, notes: str, rng: random.Random) -> tuple[float, str]:
    """Seconds from Send to the next page, and which page it was ("question" or "result")."""
    form = client.get("/checkin").text
    client_id = _CLIENT_ID.search(form)
    total = _TOTAL.search(form)
    csrf = _CSRF.search(form)
    if client_id is None or total is None or csrf is None:
        raise RuntimeError("the check-in form has changed")
    data = {
        "csrf_token": csrf.group(1),
        "client_id": client_id.group(1),
        "step": str(int(total.group(1)) - 1),
        "action": "send",
        "leg_pain": str(rng.randint(0, 6)),
        "back_pain": str(rng.randint(0, 6)),
        "saddle_numbness": "none",
        "bladder": "none_of_these",
        "bowel": "none_of_these",
        "notes": notes,
    }
    started = time.perf_counter()
    sent = client.post("/checkin", data=data)
    if sent.status_code != 303:
        raise RuntimeError(f"send gave {sent.status_code}: {sent.text[:300]}")
    page = client.get(sent.headers["location"])
    elapsed = time.perf_counter() - started
    page.raise_for_status()
    return elapsed, "question" if "See my result" in page.text else "result"


def measure(base: str, usernames: list[str], *, samples: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    notes = evaluation_notes()
    clients = [_signed_in(base, username) for username in usernames]
    try:
        first, _ = round_trip(clients[0], rng.choice(notes), rng)
        timings: list[float] = []
        pages = {"question": 0, "result": 0}
        for number in range(samples):
            elapsed, page = round_trip(clients[number % len(clients)], rng.choice(notes), rng)
            timings.append(elapsed)
            pages[page] += 1
    finally:
        for client in clients:
            client.close()
    return {"first_ms": first * 1000, "pages": pages, **_percentiles(timings)}


def _commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _markdown(result: dict[str, Any], args: argparse.Namespace) -> str:
    pages = result["pages"]
    return "\n".join(
        [
            "## The web check-in round trip",
            "",
            f"Measured with `benchmarks/bench_roundtrip.py` at commit `{result['commit']}` "
            f"({result['machine']}): the demo cohort ({args.patients} patients) on SQLite, one "
            "uvicorn process (`nervecare serve --no-demo`), real HTTP over loopback. Each round "
            "trip is the POST of the form's last step with notes drawn from `evaluation/notes/` "
            "and the GET of the page it leads to.",
            "",
            "| What | Round trips | Median | p95 |",
            "|---|---|---|---|",
            f"| Send -> question page or result | {result['n']} | {result['median_ms']:.0f} ms | "
            f"{result['p95_ms']:.0f} ms |",
            "",
            f"{pages['question']} led to the question page, {pages['result']} to the result. The "
            f"process's first check-in took {result['first_ms']:.0f} ms (the notes reader loads "
            "in the background when the server starts; a check-in sent before it is ready waits "
            "for it).",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=36)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'roundtrip.sqlite3'}"
        usernames = build_database(url, patients=args.patients)
        with served(url) as base:
            result = measure(base, usernames, samples=args.samples, seed=args.seed)
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    result["commit"] = _commit()
    text = _markdown(result, args)
    print(text)
    if args.write:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
