#!/usr/bin/env python3
"""Benchmark of the notes reader: start-up time, memory added, notes per second on one core.

    .venv/bin/python benchmarks/bench_notes.py            # prints Markdown; --write updates
    .venv/bin/python benchmarks/bench_notes.py --write    # benchmarks/results/notes.md

Each figure comes from a fresh subprocess so start-up and memory are measured from cold. The notes
are the 325 of evaluation/notes (both splits), each read once per round; torch is limited to one
thread. Structured-only triage is timed too, to show it neither loads spaCy/torch nor slows down.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "notes.md"

_PROBE = r"""
import json, os, sys, time
import psutil
process = psutil.Process()
def rss(): return process.memory_info().rss / 2**20
mode = sys.argv[1]
notes = [json.loads(line)["checkin"]["notes"] for name in ("tune", "holdout")
         for line in open(f"evaluation/notes/{name}.jsonl") if line.strip()]
before = rss()
started = time.perf_counter()
if mode == "structured":
    from nervecare.checkin import parse_checkin
    from nervecare.triage import triage
    base = {"days_since_surgery": 12, "leg_pain": 3, "bladder": ["retention"]}
    checkins = [parse_checkin({**base, "leg_pain": i % 11}) for i in range(2000)]
    triage(checkins[0])
    startup = time.perf_counter() - started
    t = time.perf_counter()
    for _ in range(3):
        for checkin in checkins:
            triage(checkin)
    rate = 3 * len(checkins) / (time.perf_counter() - t)
    loaded = sorted(m for m in ("spacy", "torch", "medspacy") if m in sys.modules)
    print(json.dumps({"startup_s": startup, "rate": rate, "rss_added_mb": rss() - before,
                      "heavy_modules": loaded}))
    sys.exit()
before = rss()
started = time.perf_counter()
if mode == "semantic":
    import torch
    torch.set_num_threads(1)
from nervecare.notes import read_notes, warm_up
semantic = mode == "semantic"
warm_up(semantic=semantic)
startup = time.perf_counter() - started
added = rss() - before
for note in notes[:20]:
    read_notes(note, semantic=semantic)
rounds = []
for _ in range(3):
    t = time.perf_counter()
    for note in notes:
        read_notes(note, semantic=semantic)
    rounds.append(len(notes) / (time.perf_counter() - t))
print(json.dumps({"startup_s": startup, "rate": max(rounds), "rss_added_mb": added,
                  "rss_after_mb": rss(), "notes": len(notes)}))
"""


def probe(mode: str, **extra: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", **extra},
    )
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark the notes reader.")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS}")
    args = parser.parse_args()
    rules, structured = probe("rules"), probe("structured")
    semantic = probe("semantic")
    full = probe("semantic", NERVECARE_NOTES_INT8="0")
    cpu = platform.processor() or platform.machine()
    lines = [
        "## Reading notes: speed and memory",
        "",
        f"Measured with `benchmarks/bench_notes.py` on one core ({cpu}, Python "
        f"{platform.python_version()}, torch limited to one thread) over the "
        f"{rules['notes']} notes of `evaluation/notes/`, each read once per round (best of "
        "three rounds). Start-up and memory are measured in a fresh process.",
        "",
        "| | notes per second | start-up (first note) | memory added |",
        "|---|---|---|---|",
        f"| rules only (`read_notes(text, semantic=False)`) | {rules['rate']:.0f} | "
        f"{rules['startup_s']:.1f} s | {rules['rss_added_mb']:.0f} MB |",
        f"| rules and semantic layer, int8 model (default) | {semantic['rate']:.0f} | "
        f"{semantic['startup_s']:.1f} s | {semantic['rss_added_mb']:.0f} MB |",
        f"| rules and semantic layer, full precision (`NERVECARE_NOTES_INT8=0`) | "
        f"{full['rate']:.0f} | {full['startup_s']:.1f} s | {full['rss_added_mb']:.0f} MB |",
        f"| structured-only triage (no notes) | {structured['rate']:.0f} check-ins/s | "
        f"{structured['startup_s']:.2f} s | {structured['rss_added_mb']:.0f} MB |",
        "",
        "The reader loads only when a check-in has notes, once per process (`warm_up()` loads it "
        "ahead of time). Structured-only triage loaded "
        f"{structured['heavy_modules'] or 'neither spaCy nor torch'}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
