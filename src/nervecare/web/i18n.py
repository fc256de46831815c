"""Translations: gettext catalogues kept as .po files in the package, compiled in memory.

No generated .mo files live in git: `translations(language)` reads `locale/<lang>/LC_MESSAGES/
messages.po` with Babel and compiles it once per process. English is the source language (the
message ids), so it needs no catalogue. Clinical texts that come from data files (the check-in
questions) are catalogued too, so a Spanish-speaking patient reads every question in Spanish.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["LANGUAGES", "Translator", "negotiate_language", "translations"]

#: The languages with a complete catalogue: code -> name in that language.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue for `language` (English, the source, when there is none)."""
    if language == "en" or language not in LANGUAGES:
        return gettext.NullTranslations()
    po = resources.files("nervecare.web").joinpath("locale", language, "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def negotiate_language(
    *, chosen: str | None, accept_language: str | None, default: str = "en"
) -> str:
    """The person's own choice first, then the browser's preferences, then the default."""
    if chosen in LANGUAGES:
        return chosen
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        if params.strip().startswith("q=0") and params.strip() in ("q=0", "q=0.0", "q=0.00"):
            continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES:
            return primary
    return default


class Translator:
    """`_("text", name=value)`: translate, then fill in %(name)s placeholders."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalogue = translations(language)

    def __call__(self, message: str, **values: object) -> str:
        text = self._catalogue.gettext(message) if message else message
        return text % values if values else text
