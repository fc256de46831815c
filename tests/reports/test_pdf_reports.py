"""The clinic and patient PDFs, rendered to images with pypdfium2 and checked as a reader would:
one page, the words that must be there, and a chart that is really drawn where it belongs.
The rendered pages are kept in <repo>/artifacts/ (git-ignored) to be looked at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from nervecare.demo.load import load_demo
from nervecare.interop.fhir.export import PatientExport
from nervecare.interop.service import read_patient_export
from nervecare.reports import clinic_summary_pdf, patient_summary_pdf
from nervecare.store.service import Store, list_patients, open_store

TODAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LEG_BLUE = (31, 95, 168)
BAND_GREEN = (217, 239, 217)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'r.sqlite3'}")
    load_demo(store.sessions, patients=12, clock=lambda: TODAY)
    yield store
    store.close()


def export_where(demo: Store, predicate: object) -> PatientExport:
    for patient in list_patients(demo.sessions):
        data = read_patient_export(demo.sessions, patient=patient.id, on=TODAY.date())
        if predicate(data):  # type: ignore[operator]
            return data
    raise AssertionError("no demo patient fits")


def render(pdf: bytes, name: str) -> tuple[int, str, Image.Image]:
    """Page count, the first page's text, and its image (also saved under artifacts/)."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = len(document)
        page = document[0]
        text = page.get_textpage().get_text_range()
        image = page.render(scale=1.5).to_pil().convert("RGB")
    finally:
        document.close()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / f"{name}.png")
    return pages, " ".join(text.split()), image


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 4) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def box_of(image: Image.Image, colour: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the pixels of `colour`, sampled every 2 px."""
    width, height = image.size
    pixels = image.load()
    xs, ys = [], []
    for py in range(0, height, 2):
        for px in range(0, width, 2):
            if near(pixels[px, py], colour):
                xs.append(px)
                ys.append(py)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


@pytest.fixture(scope="module")
def red_flag_patient(demo: Store) -> PatientExport:
    return export_where(demo, lambda d: d.history.open_red_flags and d.suggestions)


@pytest.fixture(scope="module")
def worsening_patient(demo: Store) -> PatientExport:
    return export_where(demo, lambda d: d.trajectory.classification == "worsening")


def test_clinic_summary_is_one_page(red_flag_patient: PatientExport) -> None:
    """However much there is to say, the clinic summary is one page."""
    pdf = clinic_summary_pdf(
        red_flag_patient, since=TODAY.date() - dt.timedelta(weeks=6), on=TODAY.date()
    )
    pages, _text, _image = render(pdf, "clinic-summary-red-flag")
    assert pages == 1


def test_clinic_summary_says_what_the_surgeon_needs(red_flag_patient: PatientExport) -> None:
    """Surgery, trajectory, open red flags, treatment, suggestions with sources, the notice."""
    pdf = clinic_summary_pdf(
        red_flag_patient, since=TODAY.date() - dt.timedelta(weeks=6), on=TODAY.date()
    )
    _pages, text, _image = render(pdf, "clinic-summary-red-flag")
    record = red_flag_patient.record
    for expected in (
        record.reference,
        "SYNTHETIC DEMO PATIENT",
        record.surgery.date.strftime("%d %b %Y"),
        "Recovery:",
        "OPEN (not yet reviewed)",
        red_flag_patient.history.open_red_flags[0],
        "Medication and exercise",
        "Suggestions for the care team",
        red_flag_patient.suggestions[0].sources[0],
        "do not replace clinical judgement",
    ):
        assert expected in text, expected


def test_clinic_chart_is_drawn_with_the_band(worsening_patient: PatientExport) -> None:
    """The expected band and the leg pain line are drawn, in the top half of the page."""
    pdf = clinic_summary_pdf(
        worsening_patient, since=TODAY.date() - dt.timedelta(weeks=6), on=TODAY.date()
    )
    _pages, _text, image = render(pdf, "clinic-summary-worsening")
    band = box_of(image, BAND_GREEN)
    line = box_of(image, LEG_BLUE)
    assert band is not None
    assert line is not None
    width, height = image.size
    assert band[3] < height / 2, "the chart sits in the top half"
    assert band[2] - band[0] > width / 3, "the band spans much of the chart's width"
    assert line[1] < band[3], "the leg pain line is drawn over the chart"


def test_patient_summary_is_one_plain_page(worsening_patient: PatientExport) -> None:
    """The patient's page: one page, plain words, the warning signs and what to do."""
    pdf = patient_summary_pdf(worsening_patient, on=TODAY.date())
    pages, text, image = render(pdf, "patient-summary-worsening")
    assert pages == 1
    for expected in (
        "Your recovery so far",
        "weeks ago",
        "It has been getting worse",
        "Get help straight away",
        "emergency department",
        "does not replace your care team",
    ):
        assert expected in text, expected
    for jargon in ("MCID", "trajectory", "gabapentinoid", "ODI"):
        assert jargon not in text, jargon
    assert box_of(image, LEG_BLUE) is not None, "the chart is drawn"


def test_a_patient_with_few_checkins_still_gets_both_pages(demo: Store) -> None:
    """Too little data is said honestly, not as a failure."""
    data = export_where(demo, lambda d: d.trajectory.classification == "insufficient_data")
    pages, text, _image = render(patient_summary_pdf(data, on=TODAY.date()), "patient-summary-few")
    assert pages == 1
    assert "not enough check-ins" in text
    clinic = clinic_summary_pdf(data, since=TODAY.date() - dt.timedelta(weeks=6), on=TODAY.date())
    assert render(clinic, "clinic-summary-few")[0] == 1
