"""Reading JSON lines in batches: every line answered, memory bounded whatever arrives."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from nervecare.cli.triage import MAX_LINE_BYTES, read_line_batches


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_end, write_end = os.pipe()
    yield read_end, write_end
    os.close(read_end)


def _feed(pipe: tuple[int, int], data: bytes) -> list[bytes]:
    """Write from another thread (a pipe holds only so much) while the reader reads."""
    read_end, write_end = pipe

    def write() -> None:
        with os.fdopen(write_end, "wb") as writer:
            writer.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    lines = [line for batch in read_line_batches(read_end) for line in batch]
    writer.join(timeout=30)
    return lines


def test_lines_come_out_whole_and_in_order(pipe: tuple[int, int]) -> None:
    """Lines split across reads are joined; the last line needs no newline."""
    assert _feed(pipe, b"a\nbb\n" + b"c" * 70_000 + b"\nlast") == [
        b"a",
        b"bb",
        b"c" * 70_000,
        b"last",
    ]


def test_a_runaway_line_is_cut_and_the_stream_goes_on(pipe: tuple[int, int]) -> None:
    """A line longer than the limit becomes one (bounded) line; the next line is intact."""
    lines = _feed(pipe, b"x" * (MAX_LINE_BYTES * 3) + b'\n{"ok": 1}\n')
    assert len(lines[0]) == MAX_LINE_BYTES
    assert lines[-1] == b'{"ok": 1}'
    assert all(len(line) <= MAX_LINE_BYTES for line in lines)
