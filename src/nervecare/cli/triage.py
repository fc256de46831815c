"""`nervecare triage`: one check-in from a file or standard input, or a stream of them."""

from __future__ import annotations

import json
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

__all__ = ["triage_lines"]


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


def _error_document(error: CheckInError, line: int | None = None) -> dict[str, object]:
    detail = error.to_dict()
    if line is not None:
        detail["line"] = line
    return {"error": detail}


def triage_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[str, bool]]:
    """Triage a stream of JSON lines, yielding (output line, was valid) in input order.

    Blank lines are skipped (they carry no check-in). One bad line gives an error line in its
    place and the stream goes on; memory stays constant however long the stream is.
    """
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            result = triage_checkin(parse_checkin_json(raw))
        except CheckInError as error:
            yield dumps(_error_document(error, number)), False
            continue
        yield dumps(result.to_json_dict()), True


def _open(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {source}", param_hint="FILE")
    return path.open("rb")


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
            all_valid = True
            write, flush = sys.stdout.write, sys.stdout.flush
            for line, valid in triage_lines(stream):
                write(line + "\n")
                # Flush per line: a caller may wait for each answer before sending the next.
                flush()
                all_valid &= valid
            raise typer.Exit(0 if all_valid else 1)
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
