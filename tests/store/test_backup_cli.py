"""`nervecare backup` and `nervecare restore` at the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from nervecare.cli import app
from nervecare.demo import load_demo
from nervecare.store.service import open_store
from tests.store.factories import TickingClock


def test_backup_and_restore_commands_round_trip(tmp_path: Path):
    """Backup names the rows written; restore into a new file loads the same number."""
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    opened = open_store(source)
    try:
        load_demo(opened.sessions, patients=5, clock=TickingClock())
    finally:
        opened.close()
    path = tmp_path / "copy.jsonl"
    runner = CliRunner()
    backed_up = runner.invoke(app, ["backup", str(path), "--url", source])
    assert backed_up.exit_code == 0, backed_up.output
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    restored = runner.invoke(app, ["restore", str(path), "--url", target])
    assert restored.exit_code == 0, restored.output
    rows = backed_up.output.split()[2]
    assert f"restored {rows} rows" in restored.output
    again = runner.invoke(app, ["restore", str(path), "--url", target])
    assert again.exit_code == 1
    assert "not empty" in again.output


def test_restore_of_a_missing_file_is_a_clear_error(tmp_path: Path):
    """A mistyped file name is refused without touching the database."""
    result = CliRunner().invoke(
        app, ["restore", str(tmp_path / "nope.jsonl"), "--url", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 2
    assert "no file" in result.output
