"""`nervecare summary clinic|patient|outcomes` write their documents for a stored patient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from nervecare.cli import app
from nervecare.demo.load import load_demo
from nervecare.settings import get_settings
from nervecare.store.service import open_store


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    store = open_store(url)
    load_demo(store.sessions, patients=5)
    store.close()
    monkeypatch.setenv("NERVECARE_DATABASE_URL", url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.mark.parametrize("kind", ["clinic", "patient"])
def test_summary_writes_a_one_page_pdf(cli: CliRunner, tmp_path: Path, kind: str) -> None:
    """`summary clinic|patient PATIENT -o FILE` writes a one-page PDF."""
    target = tmp_path / f"{kind}.pdf"
    result = cli.invoke(app, ["summary", kind, "DEMO-001", "-o", str(target)])
    assert result.exit_code == 0, result.output
    document = pdfium.PdfDocument(str(target))
    try:
        assert len(document) == 1
    finally:
        document.close()


def test_summary_outcomes_writes_one_row_per_patient(cli: CliRunner, tmp_path: Path) -> None:
    """`summary outcomes -o FILE` writes the header, five patients and three summary rows."""
    target = tmp_path / "outcomes.csv"
    result = cli.invoke(app, ["summary", "outcomes", "-o", str(target)])
    assert result.exit_code == 0, result.output
    lines = [line for line in target.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == 1 + 5 + 3


def test_summary_of_an_unknown_patient_fails_clearly(cli: CliRunner, tmp_path: Path) -> None:
    """An unknown patient: exit status 1 and a message naming them."""
    result = cli.invoke(app, ["summary", "clinic", "NOBODY", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "NOBODY" in result.output
