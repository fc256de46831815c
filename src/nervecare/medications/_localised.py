"""Patient texts in the reader's language, kept beside the English in the data files.

A data entry whose texts patients read (a drug explanation, a side-effect question, an exercise,
a restriction) carries a Spanish variant of each such field under `es:`:

    - key: dizziness
      question: "Have you felt dizzy?"
      es: {question: "¿Se ha sentido mareado?"}

The model names its patient-facing fields in `LOCALISED`; loading fails when a field that has
English text lacks its Spanish (or `es` names a field that is not localised), so a missing
translation is an error found by the tests, never an English sentence on a Spanish page.

The hook to use everywhere (pages, PDFs, the check-in form):

    entry.text_for("question", language)   # "es" -> Spanish, anything else -> English

English is the source text; other languages fall back to it only because no catalogue for them
exists yet (see `DATA_LANGUAGES`). An optional field with no English text gives "".
The Spanish texts await review by a Spanish-speaking clinician (see knowledge/data/README.md).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["DATA_LANGUAGES", "Localised"]

#: Languages every patient-facing data text must have besides English (the source language).
DATA_LANGUAGES: tuple[str, ...] = ("es",)


class Localised(BaseModel):
    """A data entry with patient texts in English (its fields) and Spanish (`es`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The fields a patient reads; each one with English text needs its Spanish in `es`.
    LOCALISED: ClassVar[tuple[str, ...]] = ()

    es: dict[str, str] = {}

    @model_validator(mode="after")
    def _every_text_translated(self) -> Localised:
        needed = {name for name in self.LOCALISED if getattr(self, name)}
        given = {name for name, text in self.es.items() if text.strip()}
        missing = sorted(needed - given)
        extra = sorted(set(self.es) - needed)
        where = getattr(self, "key", type(self).__name__)
        if missing:
            raise ValueError(f"{where}: Spanish text missing for {', '.join(missing)}")
        if extra:
            raise ValueError(f"{where}: es names fields without English text: {', '.join(extra)}")
        return self

    def text_for(self, field: str, language: str) -> str:
        """The text of `field` in `language`: Spanish for "es", English otherwise."""
        if field not in self.LOCALISED:
            raise KeyError(f"{field!r} is not a patient text of {type(self).__name__}")
        english = getattr(self, field)
        if not english:
            return ""
        if language in DATA_LANGUAGES:
            return self.es[field]
        return str(english)
