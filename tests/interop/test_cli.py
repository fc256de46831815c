"""`nervecare export PATIENT --fhir` and `nervecare import FILE` (with what the import did:
check-ins, alerts restored or new, and each warning), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nervecare.cli import app
from nervecare.demo.load import load_demo
from nervecare.settings import get_settings
from nervecare.store.service import Store, open_store
from tests.interop.conftest import TODAY
from tests.interop.test_side_effects_round_trip import _starting_gabapentin


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


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_import_prints_alerts_restored(cli: CliRunner, other_store: Store, tmp_path: Path) -> None:
    """An urgent check-in's alert that travelled with it is reported as restored, none new."""
    target = tmp_path / "bundle.json"
    assert cli.invoke(app, ["export", "DEMO-005", "--fhir", "-o", str(target)]).exit_code == 0
    result = cli.invoke(app, ["import", str(target), "--url", _url(other_store)])
    assert result.exit_code == 0, result.output
    assert "DEMO-005 (enrolled)" in result.output
    assert "alerts: 1 restored as recorded, 0 new pending for the care team" in result.output
    assert "warning:" not in result.output


def test_import_prints_new_pending_alerts_and_each_warning(
    cli: CliRunner, other_store: Store, tmp_path: Path
) -> None:
    """Without its alert's Communication the urgent check-in is alerted anew, and the output
    says so in a warning line naming the check-in, as well as a resource left out."""
    target = tmp_path / "bundle.json"
    assert cli.invoke(app, ["export", "DEMO-005", "--fhir", "-o", str(target)]).exit_code == 0
    bundle = json.loads(target.read_text())
    bundle["entry"] = [
        e for e in bundle["entry"] if e["resource"]["resourceType"] != "Communication"
    ]
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "MedicationAdministration",
                "status": "completed",
                "medicationCodeableConcept": {"text": "morphine 5 mg"},
                "subject": {"reference": "Patient/DEMO-005"},
                "effectiveDateTime": "2026-11-01",
            }
        }
    )
    target.write_text(json.dumps(bundle))
    result = cli.invoke(app, ["import", str(target), "--url", _url(other_store)])
    assert result.exit_code == 0, result.output
    assert "alerts: 0 restored as recorded, 1 new pending for the care team" in result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    assert any("not a dose of a nervecare plan" in line for line in warnings)
    assert any("a new alert is pending for the care team" in line for line in warnings)


def test_import_prints_side_effect_answers_restored(
    cli: CliRunner, other_store: Store, tmp_path: Path
) -> None:
    """A patient's side-effect answers travel with their check-ins and the output counts them."""
    _starting_gabapentin(other_store)
    target = tmp_path / "bundle.json"
    exported = cli.invoke(
        app, ["export", "SIDE-1", "--fhir", "-o", str(target), "--url", _url(other_store)]
    )
    assert exported.exit_code == 0, exported.output
    result = cli.invoke(app, ["import", str(target)])
    assert result.exit_code == 0, result.output
    assert "SIDE-1 (enrolled): 2 check-ins stored" in result.output
    assert "side-effect answers: 6 restored" in result.output
