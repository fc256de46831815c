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
started, started_cpu = time.perf_counter(), time.process_time()
if mode == "structured":
    from nervecare.checkin import parse_checkin
    from nervecare.triage import triage
    base = {"days_since_surgery": 12, "leg_pain": 3, "bladder": ["retention"]}
    checkins = [parse_checkin({**base, "leg_pain": i % 11}) for i in range(2000)]
    triage(checkins[0])
    startup = time.perf_counter() - started
    best = 0.0
    for _ in range(rounds):
        t = time.process_time()
        for checkin in checkins:
            triage(checkin)
        best = max(best, len(checkins) / (time.process_time() - t))
    loaded = sorted(m for m in ("spacy", "torch", "medspacy") if m in sys.modules)
    print(json.dumps({"startup_s": startup, "rate": best, "rss_added_mb": rss() - before,
                      "heavy_modules": loaded}))
    sys.exit()
import torch
torch.set_num_threads(1)
from nervecare.notes import read_notes, warm_up
try:
    from nervecare.notes import read_many
except ImportError:  # a checkout from before read_many (see --src)
    read_many = None
semantic = mode != "rules"
# "semantic-unlearned": every layer but the learned reader (to show what it costs)
options = {"learned": False} if mode == "semantic-unlearned" else {}
warm_up(semantic=semantic)
startup = time.perf_counter() - started
startup_cpu = time.process_time() - started_cpu
added = rss() - before
def clear():
    if semantic:
        from nervecare.notes._semantic import semantic_layer
        embedder = getattr(semantic_layer(), "embedder", None)  # None before the cache existed
        if embedder is not None:
            embedder.clear_cache()
def one_by_one():
    for note in notes:
        read_notes(note, semantic=semantic, **options)
def many():
    read_many(notes, semantic=semantic, **options)
def timed(read):
    clear()
    wall, cpu = time.perf_counter(), time.process_time()
    read()
    return len(notes) / (time.perf_counter() - wall), len(notes) / (time.process_time() - cpu)
for note in notes[:20]:
    read_notes(note, semantic=semantic)
figures = {"startup_s": startup, "startup_cpu_s": startup_cpu, "rss_added_mb": added,
           "notes": len(notes)}
ways = {"": one_by_one, "_many": many} if read_many else {"": one_by_one}
for suffix, read in ways.items():
    rounds_run = [timed(read) for _ in range(rounds)]
    figures["rate" + suffix] = max(wall for wall, _ in rounds_run)
    figures["cpu_rate" + suffix] = max(cpu for _, cpu in rounds_run)
print(json.dumps(figures))
"""


def probe(
    mode: str, src: Path | None = None, rounds: int = ROUNDS, **extra: str
) -> dict[str, object]:
    if src is not None:
        extra = {**extra, "PYTHONPATH": str(src)}
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, mode, str(rounds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", **extra},
    )
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _rates(figures: dict[str, object], suffix: str) -> str:
    if f"rate{suffix}" not in figures:
        return "-"
    return f"{figures[f'cpu_rate{suffix}']:.0f} ({figures[f'rate{suffix}']:.0f})"


def _row(name: str, figures: dict[str, object]) -> str:
    return (
        f"| {name} | {_rates(figures, '')} | {_rates(figures, '_many')} | "
        f"{figures['startup_cpu_s']:.1f} s ({figures['startup_s']:.1f} s) | "
        f"{figures['rss_added_mb']:.0f} MB |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark the notes reader.")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS}")
    parser.add_argument(
        "--src",
        type=Path,
        help="measure the nervecare package under this src folder instead (e.g. an older "
        "commit's, from `git archive`): prints its rows only",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help=f"rounds per figure, best taken (default {ROUNDS}; 1 for a quicker, noisier run)",
    )
    args = parser.parse_args()
    rounds = args.rounds
    if args.src is not None:
        for name, mode in (("rules only", "rules"), ("rules and semantic layer", "semantic")):
            print(_row(f"{name} ({args.src})", probe(mode, args.src, rounds)))
        return 0
    rules, structured = probe("rules", rounds=rounds), probe("structured", rounds=rounds)
    semantic = probe("semantic", rounds=rounds)
    unlearned = probe("semantic-unlearned", rounds=rounds)
    full = probe("semantic", rounds=rounds, NERVECARE_NOTES_INT8="0")
    cpu = platform.processor() or platform.machine()
    lines = [
        "## Reading notes: speed and memory",
        "",
        f"Measured with `benchmarks/bench_notes.py` on one core ({cpu}, Python "
        f"{platform.python_version()}, torch limited to one thread) over the "
        f"{rules['notes']} notes of `evaluation/notes/`, each read once per round (best of "
        f"{rounds} round{'s' if rounds > 1 else ''}; the cache of clause vectors emptied "
        "before each round, so every clause is embedded afresh). Notes per second are given "
        "per second of CPU time used by the process (one core's worth of work), and in "
        "brackets per second of wall-clock time, which on a shared machine also counts time "
        "spent waiting for the CPU. Start-up and memory are measured in a fresh process.",
        "",
        "| | notes/s, `read_notes` one by one: CPU (wall) | notes/s, `read_many`: CPU (wall) "
        "| start-up: CPU (wall) | memory added |",
        "|---|---|---|---|---|",
        _row("rules and topic layer (`semantic=False`)", rules),
        _row("every layer and the learned reader, int8 model (default)", semantic),
        _row("every layer but the learned reader (`learned=False`)", unlearned),
        _row("every layer, full precision (`NERVECARE_NOTES_INT8=0`)", full),
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
