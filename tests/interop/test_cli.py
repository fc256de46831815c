"""`nervecare export PATIENT --fhir` and `nervecare import FILE`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nervecare.cli import app
from nervecare.demo.load import load_demo
from nervecare.settings import get_settings
from nervecare.store.service import open_store
from tests.interop.conftest import TODAY


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner on the test's database, holding three synthetic demo patients."""
    store = open_store(database_url)
    load_demo(store.sessions, patients=5, clock=lambda: TODAY)
    store.close()
    monkeypatch.setenv("NERVECARE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_export_writes_a_fhir_bundle(cli: CliRunner, tmp_path: Path) -> None:
    """`export --fhir -o FILE` writes a collection Bundle that starts with the Patient."""
    target = tmp_path / "bundle.json"
    result = cli.invoke(app, ["export", "DEMO-001", "--fhir", "-o", str(target)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(target.read_text())
    assert bundle["type"] == "collection"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"


def test_export_needs_a_format(cli: CliRunner) -> None:
    """Without --fhir the command says which format to ask for."""
    result = cli.invoke(app, ["export", "DEMO-001"])
    assert result.exit_code == 2
    assert "--fhir" in result.output


def test_import_of_an_exported_bundle_is_idempotent(cli: CliRunner, tmp_path: Path) -> None:
    """Importing a patient's own Bundle again finds every check-in already stored."""
    target = tmp_path / "bundle.json"
    assert cli.invoke(app, ["export", "DEMO-002", "--fhir", "-o", str(target)]).exit_code == 0
    result = cli.invoke(app, ["import", str(target)])
    assert result.exit_code == 0, result.output
    assert "(already enrolled): 0 check-ins stored" in result.output


def test_import_of_invalid_fhir_prints_an_operation_outcome(cli: CliRunner, tmp_path: Path) -> None:
    """A Patient with no operation is refused with an OperationOutcome and exit status 1."""
    target = tmp_path / "patient.json"
    target.write_text(json.dumps({"resourceType": "Patient", "name": [{"text": "A B"}]}))
    result = cli.invoke(app, ["import", str(target)])
    assert result.exit_code == 1
    outcome = json.loads(result.output)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["Procedure"]
