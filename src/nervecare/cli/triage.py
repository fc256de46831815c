"""`nervecare triage`: one check-in from a file or standard input, or a stream of them."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer

from nervecare.checkin import CheckInError, parse_checkin_json
from nervecare.cli._app import app
from nervecare.cli._render import render_text
from nervecare.triage import TriageResult, triage_checkin

__all__ = ["MAX_LINE_BYTES", "read_line_batches", "triage_line"]


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


def _error_document(error: CheckInError, line: int | None = None) -> dict[str, object]:
    detail = error.to_dict()
    if line is not None:
        detail["line"] = line
    return {"error": detail}


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def triage_line(raw: bytes | str, number: int) -> tuple[str | None, bool]:
    """One JSON line in, (answer line with its newline, was valid) out; blank lines give None.

    A bad line gives an error document in its place, never a level.
    """
    if not raw.strip():
        return None, True
    try:
        result = triage_checkin(parse_checkin_json(raw))
    except CheckInError as error:
        return _dumps(_error_document(error, number)) + "\n", False
    return result.to_json_line() + "\n", True


#: A line longer than this cannot be a valid check-in (notes are at most 5,000 characters).
MAX_LINE_BYTES = 1 << 20
_CHUNK_BYTES = 1 << 16


def read_line_batches(fd: int) -> Iterator[list[bytes]]:
    """Yield the complete lines that have arrived, one batch per read.

    Reading with os.read returns whatever is available, so a batch is everything the writer has
    sent so far: the caller answers it in full (and flushes) before the next read can block. A
    runaway line is cut at MAX_LINE_BYTES so memory stays bounded whatever comes in; its
    remainder is discarded and the line still gets its (error) answer.
    """
    pending = b""
    skipping = False
    while chunk := os.read(fd, _CHUNK_BYTES):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        if skipping and complete:
            complete[0], skipping = b"", False  # the end of the runaway line: nothing to answer
        if len(pending) > MAX_LINE_BYTES and not skipping:
            complete.append(pending[:MAX_LINE_BYTES])
            pending, skipping = b"", True
        elif skipping:
            pending = b""
        if complete:
            yield complete
    if pending.strip() and not skipping:
        yield [pending]


def _open(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {source}", param_hint="FILE")
    return path.open("rb")


def _stream_jsonl(stream: IO[bytes]) -> bool:
    """Answer every line, batch by batch; True when every line was a valid check-in."""
    all_valid = True
    numbered = _numbered(read_line_batches(stream.fileno()))
    out = sys.stdout
    for batch in numbered:
        answers = []
        for number, raw in batch:
            line, valid = triage_line(raw, number)
            if line is not None:
                answers.append(line)
                all_valid &= valid
        out.write("".join(answers))
        # Everything that has arrived is answered before the next read may wait for more.
        out.flush()
    return all_valid


def _numbered(batches: Iterable[list[bytes]]) -> Iterator[list[tuple[int, bytes]]]:
    number = 0
    for batch in batches:
        yield [(number := number + 1, raw) for raw in batch]


def _print_single(result: TriageResult, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.text:
        typer.echo(render_text(result))
    else:
        typer.echo(json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False))


@app.command()
def triage(
    source: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="A check-in JSON file, or - for standard input (the default)."
        ),
    ] = "-",
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="json (the contract) or readable text.")
    ] = OutputFormat.json,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help="Read one check-in per line; write one result per line, in the same order.",
        ),
    ] = False,
) -> None:
    """Triage check-ins (contract v1) into emergency / urgent / routine / self_care, with reasons.

    Exits 1 when any check-in was invalid; an invalid check-in is never given a level.
    """
    stream = _open(source)
    try:
        if jsonl:
            raise typer.Exit(0 if _stream_jsonl(stream) else 1)
        try:
            result = triage_checkin(parse_checkin_json(stream.read()))
        except CheckInError as error:
            if output_format is OutputFormat.text:
                typer.echo(str(error), err=True)
            else:
                typer.echo(json.dumps(_error_document(error), indent=2, ensure_ascii=False))
            raise typer.Exit(1) from None
        _print_single(result, output_format)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
