"""Texts from the data files (explanations, exercises, restrictions) follow the reader's language
on the plan pages, like the rest of the page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.helpers import Seeded, csrf_from, sign_in

PLAN_FORM = {
    "drug_0": "gabapentin",
    "start_0": "300",
    "target_0": "900",
    "step_0": "300",
    "every_0": "1",
    "crcl": "90",
}


def _plan_and_programme(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, seeded["a"].clinician)
    path = f"/patients/{seeded['a'].patient_id}/plans"
    token = csrf_from(client.get(path).text)
    client.post(path, data={**PLAN_FORM, "action": "save", "csrf_token": token})
    plan_id = client.get(path).text.split("/plans/", 1)[1].split("/activate", 1)[0]
    client.post(f"{path}/{plan_id}/activate", data={"csrf_token": token})
    client.post(f"/patients/{seeded['a'].patient_id}/programme", data={"csrf_token": token})
    client.cookies.clear()


def _today_in(client: TestClient, seeded: Seeded, language: str) -> str:
    sign_in(client, seeded["a"].patient)
    token = csrf_from(client.get("/home").text)
    client.post("/language", data={"csrf_token": token, "language": language, "next": "/today"})
    page = client.get("/today", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    return page.text


def test_a_spanish_reader_gets_the_data_texts_in_spanish(
    client: TestClient, seeded: Seeded
) -> None:
    """Exercise titles, how-to, stop signs, restrictions and medicine explanations in Spanish."""
    _plan_and_programme(client, seeded)
    page = _today_in(client, seeded, "es")
    assert '<html lang="es">' in page
    assert "Caminar" in page
    assert "Camine por terreno llano" in page
    assert "No se agache, no se incline ni gire el tronco" in page
    assert "Este plan viene de su equipo sanitario" in page
    assert "Para saber si le ayuda" in page
    for english in ("Walking", "Walk on flat ground", "No bending, stooping", "This plan comes"):
        assert english not in page


def test_an_english_reader_keeps_the_english_texts(client: TestClient, seeded: Seeded) -> None:
    _plan_and_programme(client, seeded)
    page = _today_in(client, seeded, "en")
    assert "Walk on flat ground" in page
    assert "This plan comes from your care team" in page
    assert "Camine" not in page
