#!/usr/bin/env python3
"""Scores the notes reader, through the triage engine, on the notes evaluation set.

Each case is a check-in whose structured answers say nothing alarming; only its notes differ.
The level is `nervecare.triage.triage(checkin, note_findings=read_notes(notes).findings).level`,
so the figures are what a patient would get.

    .venv/bin/python evaluation/notes/evaluate.py --split tune --show
    .venv/bin/python evaluation/notes/evaluate.py --split holdout
    .venv/bin/python evaluation/notes/evaluate.py --split holdout2
    .venv/bin/python evaluation/notes/evaluate.py --split holdout3

Splits: `tune` (tuned on), `holdout` (never tuned on, but its three errors were known before the
semantic-layer denial work), `holdout2` (written before that work, never tuned on, run once),
`holdout3` (written blind by a separate writer during the lay-paraphrase round, never read while
tuning; scored once at the end), `holdout4` (written blind by a separate writer before the
topic layer, committed unread, scored once when the topic layer was done), `holdout5` (written
blind by a third writer after holdout4 was scored, committed unread, scored once after the
changes holdout4 prompted), `holdout6` (written blind by a fourth writer after holdout5 was
scored, committed unread, scored once after the changes holdout5 prompted), `holdout7`
(written blind by a fifth writer, committed unread, scored once with the learned reader),
`holdout8` and `holdout9` (250 notes each, written blind by two further writers after holdout7
was scored, committed unread, scored once),
`train_a`..`train_f` (written by six further writers as training data for the learned reader;
see REPORT.md), `train_g`..`train_j` (four more writers, written beside holdout8 and holdout9:
near-twins, long chatty notes, phone typing, who and when cues), `holdout10` and `holdout11`
(250 notes each, written blind by two further writers after holdout8 and holdout9 were scored,
committed unread, scored once), `holdout12` and `holdout13` (250 notes each, two further blind
writers after holdout10 and holdout11 were scored, committed unread, scored once).

Sensitivity per red flag: a case is caught when its level is at least the lowest acceptable
level. Mentions that must not escalate (negated, historical, hypothetical, family): the level is
no higher than the highest acceptable level. Exit status 1 when an emergency is missed.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nervecare.checkin import parse_checkin
from nervecare.notes import NotesReading, read_notes
from nervecare.triage import Level, level_rank, triage

HERE = Path(__file__).resolve().parent
SPLITS = (
    "tune",
    "holdout",
    "holdout2",
    "holdout3",
    "holdout4",
    "holdout5",
    "holdout6",
    "holdout7",
    "holdout8",
    "holdout9",
    "holdout10",
    "holdout11",
    "holdout12",
    "holdout13",
    "train_a",
    "train_b",
    "train_c",
    "train_d",
    "train_e",
    "train_f",
    "train_g",
    "train_h",
    "train_i",
    "train_j",
)
NOT_ESCALATING = ("negated", "historical", "hypothetical", "family")
EMERGENCY = level_rank("emergency")


@dataclass(frozen=True)
class Scored:
    case: dict[str, Any]
    level: Level
    reading: NotesReading

    @property
    def lowest(self) -> int:
        return min(level_rank(level) for level in self.case["acceptable"])

    @property
    def under(self) -> bool:
        return level_rank(self.level) < self.lowest

    @property
    def over(self) -> bool:
        return level_rank(self.level) > max(level_rank(x) for x in self.case["acceptable"])

    def describe(self) -> str:
        kind = "UNDER" if self.under else "OVER"
        found = [f"{f.field}={f.value} ({f.certainty})" for f in self.reading.findings]
        case = self.case
        return (
            f"{kind} {case['id']} [{case['category']}/{case['red_flag']}] got {self.level}, "
            f"want {case['acceptable']}: {case['checkin']['notes']!r} -> {found}"
        )


def load(split: str) -> list[dict[str, Any]]:
    names = SPLITS if split == "all" else (split,)
    lines = [
        line
        for name in names
        for line in (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    return [json.loads(line) for line in lines if line.strip()]


def score(cases: list[dict[str, Any]], *, semantic: bool, learned: bool = True) -> list[Scored]:
    scored = []
    for case in cases:
        checkin = parse_checkin(case["checkin"])
        reading = read_notes(checkin.notes or "", semantic=semantic, learned=learned)
        level = triage(checkin, note_findings=reading.findings).level
        scored.append(Scored(case, level, reading))
    return scored


def _share(hit: int, total: int) -> str:
    return f"{hit}/{total} ({hit / total:.0%})" if total else "-"


def summarise(rows: list[Scored]) -> list[str]:
    """The report's tables, in Markdown."""
    caught: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for row in rows:
        if row.case["red_flag"] != "none":
            entry = caught[row.case["red_flag"]]
            entry[0] += not row.under
            entry[1] += 1
    lines = ["| red flag | caught |", "|---|---|"]
    lines += [f"| {flag} | {_share(*caught[flag])} |" for flag in sorted(caught)]
    total = [sum(entry[i] for entry in caught.values()) for i in (0, 1)]
    lines.append(f"| **all red-flag notes** | **{_share(*total)}** |")
    emergencies = [row for row in rows if row.lowest == EMERGENCY]
    missed = sum(row.under for row in emergencies)
    lines += ["", f"Emergencies missed: **{missed} of {len(emergencies)}**.", ""]
    lines += ["| mentions that must not escalate | not escalated |", "|---|---|"]
    quiet = [0, 0]
    for category in NOT_ESCALATING:
        group = [row for row in rows if row.case["category"] == category]
        fine = sum(not row.over for row in group)
        quiet = [quiet[0] + fine, quiet[1] + len(group)]
        lines.append(f"| {category} | {_share(fine, len(group))} |")
    lines.append(f"| **all four** | **{_share(*quiet)}** |")
    benign = [row for row in rows if row.case["category"] == "benign"]
    lines.append(f"| benign notes | {_share(sum(not r.over for r in benign), len(benign))} |")
    accepted = sum(not row.under and not row.over for row in rows)
    lines += ["", f"Level within the acceptable levels: {_share(accepted, len(rows))}."]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description="Score the notes reader on the evaluation set.")
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="tune")
    parser.add_argument("--no-semantic", action="store_true", help="rules only")
    parser.add_argument("--no-learned", action="store_true", help="without the learned reader")
    parser.add_argument("--show", action="store_true", help="print every case not acceptable")
    args = parser.parse_args()
    try:  # one thread is faster than two on a shared machine, and gives the same vectors
        import torch  # noqa: PLC0415

        torch.set_num_threads(1)
    except ImportError:
        pass
    cases = load(args.split)
    rows = score(cases, semantic=not args.no_semantic, learned=not args.no_learned)
    layer = (
        "rules only"
        if args.no_semantic
        else "rules, semantic and topic layers"
        if args.no_learned
        else "rules, semantic and topic layers and the learned reader"
    )
    print(f"### {args.split}: {len(cases)} notes, {layer}\n")
    print("\n".join(summarise(rows)))
    if args.show:
        print("\n".join(row.describe() for row in rows if row.under or row.over))
    return 1 if any(row.under and row.lowest == EMERGENCY for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
