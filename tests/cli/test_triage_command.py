"""`nervecare triage` through its real entry point: files, standard input, JSON lines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

EMERGENCY = {"days_since_surgery": 5, "leg_pain": 4, "bladder": ["retention"]}
QUIET = {"days_since_surgery": 5, "leg_pain": 2}


def _run(cli: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(cli), "triage", *args], input=stdin, capture_output=True, text=True, check=False
    )


def test_a_file_is_triaged_to_contract_json(cli_path: Path, tmp_path: Path) -> None:
    """A check-in file gives the result as JSON with level, reasons, advice and version."""
    path = tmp_path / "checkin.json"
    path.write_text(json.dumps(EMERGENCY))
    completed = _run(cli_path, str(path))
    assert completed.returncode == 0
    result = json.loads(completed.stdout)
    assert result["level"] == "emergency"
    assert result["reasons"][0]["code"] == "cauda_equina.urinary_retention"
    assert result["ruleset_version"]


def test_standard_input_is_read_with_a_dash(cli_path: Path) -> None:
    """`-` (or no FILE) reads the check-in from standard input."""
    assert json.loads(_run(cli_path, "-", stdin=json.dumps(QUIET)).stdout)["level"] == "self_care"
    assert json.loads(_run(cli_path, stdin=json.dumps(QUIET)).stdout)["level"] == "self_care"


def test_text_format_leads_with_what_to_do(cli_path: Path) -> None:
    """--format text starts with the level's instruction and lists reasons and sources."""
    completed = _run(cli_path, "--format", "text", stdin=json.dumps(EMERGENCY))
    lines = completed.stdout.splitlines()
    assert lines[0] == "EMERGENCY: get help now"
    assert "Why:" in lines
    assert "Sources:" in lines
    assert "girft_ces_pathway_primary_care" in completed.stdout


def test_an_invalid_check_in_is_an_error_never_a_level(cli_path: Path) -> None:
    """Bad input exits 1 with an error naming the field, and gives no level."""
    completed = _run(cli_path, stdin=json.dumps({"days_since_surgery": 5, "leg_pain": 12}))
    assert completed.returncode == 1
    document = json.loads(completed.stdout)
    assert "level" not in document
    assert document["error"]["fields"][0]["field"] == "leg_pain"


def test_a_missing_file_is_a_clear_usage_error(cli_path: Path, tmp_path: Path) -> None:
    """A FILE that does not exist is refused with a message, not a traceback."""
    completed = _run(cli_path, str(tmp_path / "nope.json"))
    assert completed.returncode == 2
    assert "no such file" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_jsonl_keeps_order_and_puts_errors_in_place(cli_path: Path) -> None:
    """One result per line, in order; a bad line gives an error line and the rest go on."""
    lines = [json.dumps(EMERGENCY), "not json", json.dumps(QUIET), json.dumps({"leg_pain": 1})]
    completed = _run(cli_path, "--jsonl", stdin="\n".join(lines) + "\n")
    outputs: list[dict[str, Any]] = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(outputs) == 4
    assert outputs[0]["level"] == "emergency"
    assert outputs[1]["error"]["line"] == 2
    assert "level" not in outputs[1]
    assert outputs[2]["level"] == "self_care"
    assert outputs[3]["error"]["fields"][0] == {
        "field": "days_since_surgery",
        "problem": "missing",
        "message": "is required",
    }
    assert completed.returncode == 1, "any invalid line makes the command fail at the end"


def test_jsonl_of_valid_lines_exits_zero(cli_path: Path) -> None:
    """A stream of valid check-ins exits 0."""
    completed = _run(cli_path, "--jsonl", stdin=(json.dumps(QUIET) + "\n") * 3)
    assert completed.returncode == 0
    assert len(completed.stdout.splitlines()) == 3


def test_jsonl_streams_each_answer_before_the_next_line_arrives(cli_path: Path) -> None:
    """Results come out line by line, so a caller can wait for each answer (streaming)."""
    with subprocess.Popen(
        [str(cli_path), "triage", "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        for document in (EMERGENCY, QUIET):
            process.stdin.write(json.dumps(document) + "\n")
            process.stdin.flush()
            assert json.loads(process.stdout.readline())["level"] in ("emergency", "self_care")
        process.stdin.close()
        assert process.wait(timeout=30) == 0


@pytest.mark.parametrize("blank", ["", "   "])
def test_jsonl_skips_blank_lines(cli_path: Path, blank: str) -> None:
    """Blank lines carry no check-in and give no output line."""
    completed = _run(cli_path, "--jsonl", stdin=f"{json.dumps(QUIET)}\n{blank}\n")
    assert len(completed.stdout.splitlines()) == 1
