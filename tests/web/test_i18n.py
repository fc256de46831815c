"""Translations: the Spanish catalogue is complete, placeholders survive, and the language is
the person's own choice, else the browser's."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from nervecare.web.catalogue import message_ids
from nervecare.web.i18n import negotiate_language
from tests.web.helpers import Seeded, csrf_from, sign_in

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def spanish() -> dict[str, str]:
    po = resources.files("nervecare.web").joinpath("locale", "es", "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    return {str(message.id): str(message.string) for message in catalog if message.id}


def test_every_message_has_a_spanish_translation(spanish: dict[str, str]):
    """Every text a person can see (templates, code, questions, pages, triage words) is in es."""
    missing = [m for m in message_ids() if not spanish.get(m)]
    assert missing == []


def test_translations_keep_their_placeholders(spanish: dict[str, str]):
    """A translation fills in the same values (%(name)s) as the English text."""
    broken = [
        message
        for message, text in spanish.items()
        if text and set(_PLACEHOLDER.findall(message)) != set(_PLACEHOLDER.findall(text))
    ]
    assert broken == []


@pytest.mark.parametrize(
    ("chosen", "header", "expected"),
    [
        (None, "es-ES,es;q=0.9,en;q=0.8", "es"),
        (None, "fr-FR,fr;q=0.9", "en"),
        ("en", "es", "en"),
        ("es", "en-GB", "es"),
        (None, None, "en"),
    ],
)
def test_language_is_the_persons_choice_then_the_browsers(
    chosen: str | None, header: str | None, expected: str
):
    """The account's setting wins; otherwise the first supported browser language; else English."""
    assert negotiate_language(chosen=chosen, accept_language=header) == expected


def test_a_spanish_browser_gets_the_sign_in_page_in_spanish(client: TestClient):
    """The sign-in page follows Accept-Language, with lang="es" on the page."""
    page = client.get("/signin", headers={"Accept-Language": "es"}).text
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page


def test_the_patients_setting_turns_the_check_in_into_spanish(client: TestClient, seeded: Seeded):
    """After choosing Español, the check-in questions come in Spanish whatever the browser says."""
    sign_in(client, seeded["a"].patient)
    token = csrf_from(client.get("/home").text)
    client.post("/language", data={"csrf_token": token, "language": "es", "next": "/checkin"})
    page = client.get("/checkin", headers={"Accept-Language": "en"}).text
    assert "¿Cuál fue su peor dolor de pierna en las últimas 24 horas" in page
