"""Fixtures for the notes reader: the pipeline and the embedding model load once per session."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nervecare.notes import NotesReading, read_notes, warm_up

EVALUATION = Path(__file__).resolve().parents[2] / "evaluation" / "notes"

Reader = Callable[[str], NotesReading]


@pytest.fixture(scope="session")
def reader() -> Reader:
    """read_notes with the semantic layer, warmed up once for the whole session."""
    warm_up()
    return read_notes


@pytest.fixture(scope="session")
def rules_reader() -> Reader:
    """read_notes with the lay-language rules only (no embedding model, no topic layer)."""
    warm_up(semantic=False)
    return lambda text: read_notes(text, semantic=False, topics=False)


@pytest.fixture(scope="session")
def evaluation_cases() -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for name in ("tune", "holdout")
        for line in (EVALUATION / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def answers(reading: NotesReading) -> set[tuple[str, object]]:
    """The (field, value) pairs a reading counts."""
    return {(finding.field, finding.value) for finding in reading.findings}


def set_aside(reading: NotesReading) -> set[tuple[str, str]]:
    """The (field, because) pairs a reading set aside."""
    return {(mention.field, mention.because) for mention in reading.set_aside}
