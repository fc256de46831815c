#!/usr/bin/env python3
"""Trains the learned reader (`nervecare.notes._learned`) and writes its weights.

The learned reader is a small convolutional head over the token vectors of the same int8
all-MiniLM-L6-v2 encoder the semantic layer uses (the encoder itself is not trained). It reads
a whole note and gives, for each red flag, the chance that the note says the sign is present
now in the patient; negated, past, hypothetical and other people's mentions are trained as
"none". It learns who and when from examples, where the ConText word lists have to be told.

Trained on every labelled set except the blind ones not yet scored (see TRAIN_SETS), with
several seeds whose probabilities are averaged. Deterministic for a given torch build:

    .venv/bin/python evaluation/notes/train_learned.py            # writes the weights
    .venv/bin/python evaluation/notes/train_learned.py --cv       # leave-one-writer-out figures

`--cv` trains without each of the ten training sets in turn and scores it, alone and with the
rest of the reader: how the whole reader does on a writer it has never seen (the rules and
the other layers were never tuned on those sets).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nervecare.notes._learned import FLAGS, MODEL_PATH, TRAINING_LOG, token_states
from nervecare.notes._pipeline import rules_pipeline

HERE = Path(__file__).resolve().parent
#: Sets the head learns from. holdout8 and holdout9 are left out until each has been scored once,
#: blind (a test checks it).
TRAIN_SETS = (
    "tune",
    "holdout",
    "holdout2",
    "holdout3",
    "holdout4",
    "holdout5",
    "holdout6",
    "holdout7",
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
#: Held out in turn by --cv: sets by ten writers whom no rule, trigger or example was tuned on.
HELD_OUT = tuple(f"train_{letter}" for letter in "abcdefghij")
CV_SEEDS = 3
LEVELS = ("self_care", "routine", "urgent", "emergency")
CHANNELS = 128
EPOCHS = 30
SEEDS = 5
BATCH = 32
EMERGENCY_FLAGS = ("ces", "both_legs", "chest")


def target(case: dict[str, Any]) -> int:
    """The red flag truly present now, or "none" (index 0)."""
    present = (
        min(("self_care", "routine", "urgent", "emergency").index(a) for a in case["acceptable"])
        >= 2
    )
    return FLAGS.index(case["red_flag"]) if present else 0


class Head(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv1d(384, CHANNELS, 3, padding=1)
        self.drop = torch.nn.Dropout(0.3)
        self.out = torch.nn.Linear(CHANNELS, len(FLAGS))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        h = h.masked_fill(~mask[..., None], -1e4).max(1).values
        return self.out(self.drop(h))


def _batch(tokens: list[torch.Tensor], idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(tokens[i]) for i in idx)
    x = torch.zeros(len(idx), longest, 384)
    mask = torch.zeros(len(idx), longest, dtype=torch.bool)
    for row, i in enumerate(idx):
        x[row, : len(tokens[i])] = tokens[i]
        mask[row, : len(tokens[i])] = True
    return x, mask


def train(tokens: list[torch.Tensor], y: torch.Tensor, rows: list[int], seed: int) -> Head:
    torch.manual_seed(seed)
    head = Head()
    optimiser = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-2)
    counts = torch.bincount(y[rows], minlength=len(FLAGS)).float()
    weight = (counts.sum() / (counts + 1)) ** 0.5  # rarer flags count more, gently
    loss_of = torch.nn.CrossEntropyLoss(weight=weight / weight.mean())
    for epoch in range(EPOCHS):
        head.train()
        order = np.random.RandomState(seed * 1000 + epoch).permutation(rows)
        for start in range(0, len(order), BATCH):
            idx = [int(i) for i in order[start : start + BATCH]]
            x, mask = _batch(tokens, idx)
            loss = loss_of(head(x, mask), y[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    head.eval()
    return head


def load_sets(names: tuple[str, ...]) -> list[dict[str, Any]]:
    cases = []
    for name in names:
        for line in (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append({**json.loads(line), "set": name})
    return cases


def digest(names: tuple[str, ...]) -> dict[str, str]:
    return {
        name: hashlib.sha256((HERE / f"{name}.jsonl").read_bytes()).hexdigest() for name in names
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="leave-one-writer-out figures only")
    args = parser.parse_args()
    torch.set_num_threads(2)
    cases = load_sets(TRAIN_SETS)
    pipeline = rules_pipeline()
    tokens = [
        torch.from_numpy(token_states(pipeline.parse(case["checkin"]["notes"]).text.text))
        for case in cases
    ]
    y = torch.tensor([target(case) for case in cases])
    if args.cv:
        return cross_validate(cases, tokens, y)
    heads = [train(tokens, y, list(range(len(cases))), seed) for seed in range(SEEDS)]
    arrays: dict[str, np.ndarray] = {}
    for k, head in enumerate(heads):
        arrays[f"conv_w{k}"] = head.conv.weight.detach().numpy().astype(np.float16)
        arrays[f"conv_b{k}"] = head.conv.bias.detach().numpy().astype(np.float32)
        arrays[f"out_w{k}"] = head.out.weight.detach().numpy().astype(np.float16)
        arrays[f"out_b{k}"] = head.out.bias.detach().numpy().astype(np.float32)
    np.savez_compressed(MODEL_PATH, **arrays)
    log = {
        "flags": list(FLAGS),
        "channels": CHANNELS,
        "epochs": EPOCHS,
        "seeds": SEEDS,
        "notes": len(cases),
        "torch": torch.__version__,
        "training_sets": digest(TRAIN_SETS),
        "weights_sha256": hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest(),
    }
    TRAINING_LOG.write_text(json.dumps(log, indent=2) + "\n", encoding="utf-8")
    print(f"{len(cases)} notes, {SEEDS} heads -> {MODEL_PATH}")
    return 0


def cross_validate(cases: list[dict[str, Any]], tokens: list[torch.Tensor], y: torch.Tensor) -> int:
    """Each training set held out in turn: the head trained without it, scored on it alone
    and together with the rest of the reader (which was never tuned on these sets)."""
    from nervecare.checkin import parse_checkin  # noqa: PLC0415
    from nervecare.notes import read_notes  # noqa: PLC0415
    from nervecare.triage import level_rank, triage  # noqa: PLC0415

    emergency = [FLAGS.index(flag) for flag in EMERGENCY_FLAGS]
    scored: list[tuple[dict[str, Any], np.ndarray, int]] = []
    for held in HELD_OUT:
        train_rows = [i for i, case in enumerate(cases) if case["set"] != held]
        test_rows = [i for i, case in enumerate(cases) if case["set"] == held]
        chances = np.zeros((len(test_rows), len(FLAGS)))
        for seed in range(CV_SEEDS):
            head = train(tokens, y, train_rows, seed)
            with torch.no_grad():
                x, mask = _batch(tokens, test_rows)
                chances += torch.softmax(head(x, mask), 1).numpy() / CV_SEEDS
        for row, i in enumerate(test_rows):
            case = cases[i]
            checkin = parse_checkin(case["checkin"])
            reading = read_notes(case["checkin"]["notes"], learned=False)
            rest = level_rank(triage(checkin, note_findings=reading.findings).level)
            scored.append((case, chances[row], rest))
    print(
        "| reader | emergency, urgent threshold | emergencies missed | urgent missed | "
        "negated, past, hypothetical, others' kept below urgent |"
    )
    print("|---|---|---|---|---|")
    for alone in (True, False):
        for thresholds in ((0.2, 0.3), (0.2, 0.5), (0.3, 0.3), (0.5, 0.5), (None, None)):
            if alone and thresholds[0] is None:
                continue
            missed = urgent_missed = kept = discounted = emergencies = urgents = 0
            for case, chance, rest in scored:
                level = 0
                if thresholds[0] is not None:
                    if chance[emergency].sum() >= thresholds[0]:
                        level = 3
                    elif 1 - chance[0] >= thresholds[1]:
                        level = 2
                if not alone:
                    level = max(level, rest)
                lowest = min(LEVELS.index(a) for a in case["acceptable"])
                emergencies += lowest == 3
                missed += lowest == 3 and level < 3
                urgents += lowest == 2
                urgent_missed += lowest == 2 and level < 2
                if case["category"] in ("negated", "historical", "hypothetical", "family"):
                    discounted += 1
                    kept += level <= 1
            name = (
                "head alone"
                if alone
                else "whole reader"
                if thresholds[0]
                else "reader without the head"
            )
            shown = "-" if thresholds[0] is None else f"{thresholds[0]}, {thresholds[1]}"
            print(
                f"| {name} | {shown} | {missed} of {emergencies} | {urgent_missed} of {urgents} "
                f"| {kept}/{discounted} ({kept / discounted:.1%}) |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
