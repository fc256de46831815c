#!/usr/bin/env python3
"""Benchmark of the notes reader: start-up time, memory added, notes per second on one core.

    .venv/bin/python benchmarks/bench_notes.py            # prints Markdown; --write updates
    .venv/bin/python benchmarks/bench_notes.py --write    # benchmarks/results/notes.md

Each figure comes from a fresh subprocess so start-up and memory are measured from cold. The notes
are those of evaluation/notes (every split), each read once per round, best of five rounds;
torch is limited to one thread (and OMP_NUM_THREADS=1). The cache of clause vectors is emptied
before every round, so no round reads a clause it has already embedded: the figures are for
notes never seen before. Structured-only triage is timed too, to show it neither loads
spaCy/torch nor slows down.
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
ROUNDS = 5

_PROBE = r"""
import json, os, sys, time
from pathlib import Path
import psutil
process = psutil.Process()
def rss(): return process.memory_info().rss / 2**20
mode, rounds = sys.argv[1], int(sys.argv[2])
notes = [json.loads(line)["checkin"]["notes"]
         for path in sorted(Path("evaluation/notes").glob("*.jsonl"))
         for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
before = rss()
started = time.perf_counter()
if mode == "structured":
    from nervecare.checkin import parse_checkin
    from nervecare.triage import triage
    base = {"days_since_surgery": 12, "leg_pain": 3, "bladder": ["retention"]}
    checkins = [parse_checkin({**base, "leg_pain": i % 11}) for i in range(2000)]
    triage(checkins[0])
    startup = time.perf_counter() - started
    best = 0.0
    for _ in range(rounds):
        t = time.perf_counter()
        for checkin in checkins:
            triage(checkin)
        best = max(best, len(checkins) / (time.perf_counter() - t))
    loaded = sorted(m for m in ("spacy", "torch", "medspacy") if m in sys.modules)
    print(json.dumps({"startup_s": startup, "rate": best, "rss_added_mb": rss() - before,
                      "heavy_modules": loaded}))
    sys.exit()
import torch
torch.set_num_threads(1)
from nervecare.notes import read_many, read_notes, warm_up
semantic = mode != "rules"
warm_up(semantic=semantic)
startup = time.perf_counter() - started
added = rss() - before
def clear():
    if semantic:
        from nervecare.notes._semantic import semantic_layer
        semantic_layer().embedder.clear_cache()
for note in notes[:20]:
    read_notes(note, semantic=semantic)
one_by_one, many = [], []
for _ in range(rounds):
    clear()
    t = time.perf_counter()
    for note in notes:
        read_notes(note, semantic=semantic)
    one_by_one.append(len(notes) / (time.perf_counter() - t))
    clear()
    t = time.perf_counter()
    read_many(notes, semantic=semantic)
    many.append(len(notes) / (time.perf_counter() - t))
print(json.dumps({"startup_s": startup, "rate": max(one_by_one), "rate_many": max(many),
                  "rss_added_mb": added, "rss_after_mb": rss(), "notes": len(notes)}))
"""


def probe(mode: str, **extra: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, mode, str(ROUNDS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", **extra},
    )
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _row(name: str, figures: dict[str, object]) -> str:
    return (
        f"| {name} | {figures['rate']:.0f} | {figures['rate_many']:.0f} | "
        f"{figures['startup_s']:.1f} s | {figures['rss_added_mb']:.0f} MB |"
    )


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
        f"{ROUNDS} rounds; the cache of clause vectors emptied before each round, so every "
        "clause is embedded afresh). Start-up and memory are measured in a fresh process.",
        "",
        "| | notes/s, `read_notes` one by one | notes/s, `read_many` | start-up | memory added |",
        "|---|---|---|---|---|",
        _row("rules only (`semantic=False`)", rules),
        _row("rules and semantic layer, int8 model (default)", semantic),
        _row("rules and semantic layer, full precision (`NERVECARE_NOTES_INT8=0`)", full),
        f"| structured-only triage (no notes) | {structured['rate']:.0f} check-ins/s | - | "
        f"{structured['startup_s']:.2f} s | {structured['rss_added_mb']:.0f} MB |",
        "",
        "Start-up is `warm_up()` in a fresh process (imports, pipeline, model load and trace, "
        "example vectors); memory added is the resident memory it adds. The reader loads only "
        "when a check-in has notes, once per process. Structured-only triage loaded "
        f"{structured['heavy_modules'] or 'neither spaCy nor torch'}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
