"""Triage speed: in-process and through `nervecare triage --jsonl`, against a bare JSON round trip.

    .venv/bin/python benchmarks/bench_triage.py [--lines 100000] [--write]

Makes N structured check-ins (seeded, so every run uses the same lines), then measures in one run:
  1. bare: `json.loads` + `json.dumps` of every line (the floor any JSON-lines tool pays);
  2. in-process: parse and validate, triage, and encode each result;
  3. CLI: the installed `nervecare triage --jsonl`, input from a file, output to /dev/null,
     start-up included.
With --write the figures go to benchmarks/results/triage.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nervecare.checkin import LIST_FIELDS, ORDINAL_FIELDS, parse_checkin_json
from nervecare.triage import load_ruleset, triage_checkin

RESULTS = Path(__file__).parent / "results" / "triage.md"


def make_checkin(rng: random.Random) -> dict[str, Any]:
    """A plausible structured check-in from a recovering patient; a minority raise a flag."""
    days = rng.randrange(0, 365)
    settled = min(days / 60, 1.0)  # pain eases over the first two months, with day-to-day noise
    document: dict[str, Any] = {
        "schema_version": "1",
        "patient_id": f"p{rng.randrange(10_000):05d}",
        "days_since_surgery": days,
        "procedure": rng.choice(("discectomy", "laminectomy", "fusion", "other")),
        "leg_pain": max(0, min(10, round(6 - 4 * settled + rng.gauss(0, 1.5)))),
        "back_pain": max(0, min(10, round(5 - 3 * settled + rng.gauss(0, 1.5)))),
        "leg_pain_change": rng.choices(
            ORDINAL_FIELDS["leg_pain_change"], weights=(10, 40, 40, 8, 2)
        )[0],
        "pain_relieved_by_medication": rng.choices(
            ORDINAL_FIELDS["pain_relieved_by_medication"], weights=(50, 35, 12, 3)
        )[0],
    }
    for field in ("leg_weakness", "foot_drop", "leg_numbness", "saddle_numbness", "both_legs"):
        document[field] = "none" if rng.random() < 0.97 else rng.choice(ORDINAL_FIELDS[field])
    for field, items in LIST_FIELDS.items():
        document[field] = [rng.choice(items)] if rng.random() < 0.01 else []
    if rng.random() < 0.3:
        document["temperature_c"] = round(rng.gauss(36.8, 0.4), 1)
    return document


def _seconds(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(lines: int) -> dict[str, float]:
    rng = random.Random(20261125)  # noqa: S311 - benchmark data, not security
    texts = [json.dumps(make_checkin(rng)) for _ in range(lines)]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def bare() -> None:
        for text in texts:
            dumps(json.loads(text))

    def in_process() -> None:
        # Start cold each time, as a new process would: no remembered results or advice.
        compiled = load_ruleset().compiled()
        compiled.result_cache.clear()
        compiled.advice_cache.clear()
        for text in texts:
            triage_checkin(parse_checkin_json(text)).to_json_line()

    bare_s = min(_seconds(bare) for _ in range(3))
    in_process_s = min(_seconds(in_process) for _ in range(2))

    cli = Path(sys.executable).parent / "nervecare"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkins.jsonl"
        path.write_text("\n".join(texts) + "\n")

        def through_cli() -> None:
            with path.open("rb") as stdin:
                subprocess.run(
                    [str(cli), "triage", "--jsonl"],
                    stdin=stdin,
                    stdout=subprocess.DEVNULL,
                    check=True,
                )

        cli_s = min(_seconds(through_cli) for _ in range(2))
        startup_s = min(
            _seconds(
                lambda: subprocess.run(
                    [str(cli), "triage", "--jsonl"], input=b"", check=True, capture_output=True
                )
            )
            for _ in range(3)
        )
    return {
        "lines": lines,
        "bare_s": bare_s,
        "in_process_s": in_process_s,
        "cli_s": cli_s,
        "startup_s": startup_s,
        "in_process_per_s": lines / in_process_s,
        "cli_per_s": lines / cli_s,
        "cli_over_bare": cli_s / bare_s,
        "in_process_over_bare": in_process_s / bare_s,
    }


def report(figures: dict[str, float]) -> str:
    lines = int(figures["lines"])
    return "\n".join(
        [
            "### Triage speed (structured check-ins)",
            "",
            f"Measured by `benchmarks/bench_triage.py` on {lines:,} check-ins, one run, "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{platform.machine()}, one process:",
            "",
            "| what | time | check-ins per second | vs bare JSON |",
            "|---|---:|---:|---:|",
            f"| bare `json.loads` + `json.dumps` of each line | {figures['bare_s']:.2f} s | "
            f"{lines / figures['bare_s']:,.0f} | 1.0x |",
            f"| in process: validate, triage, encode | {figures['in_process_s']:.2f} s | "
            f"{figures['in_process_per_s']:,.0f} | {figures['in_process_over_bare']:.1f}x |",
            f"| `nervecare triage --jsonl` (start-up included) | {figures['cli_s']:.2f} s | "
            f"{figures['cli_per_s']:,.0f} | {figures['cli_over_bare']:.1f}x |",
            "",
            f"CLI start-up with empty input: {figures['startup_s'] * 1000:.0f} ms.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--write", action="store_true", help="write benchmarks/results/triage.md")
    args = parser.parse_args()
    text = report(run(args.lines))
    print(text)
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
