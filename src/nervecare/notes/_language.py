"""Which language a note is written in, so it is read by a reader that knows it, or not passed
as read at all (data: knowledge/data/notes/languages.yaml).

Counting small words each language uses and the others rarely is crude, but it is fast, needs no
model, and is right on the notes this system gets: English, Spanish, and the odd note in a
language the app does not offer, which must reach the care team rather than be read as nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from nervecare.knowledge import read_data

__all__ = ["LanguageSettings", "fold", "language_of", "load_languages"]

_WORD = re.compile(r"[a-z']+")


class LanguageSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    readable: tuple[str, ...] = Field(min_length=1)
    default: str
    min_evidence: int = Field(ge=1)
    words: dict[str, tuple[str, ...]]

    def own_words(self) -> dict[str, frozenset[str]]:
        """Each language's words that no other listed language uses."""
        seen = Counter(word for words in self.words.values() for word in set(words))
        return {
            language: frozenset(w for w in words if seen[w] == 1)
            for language, words in self.words.items()
        }


def fold(text: str) -> str:
    """Lower case without accents, one character for one ("Oriné" -> "orine"), so offsets in
    the folded text are offsets in the note."""
    folded = []
    for char in text.lower():
        base = unicodedata.normalize("NFD", char)[0]
        folded.append(base if len(base) == 1 else char)
    return "".join(folded)


@cache
def load_languages() -> LanguageSettings:
    settings = LanguageSettings.model_validate(read_data("notes", "languages.yaml"))
    if settings.default not in settings.readable:
        raise ValueError("languages.yaml: the default language must be readable")
    return settings


@cache
def _own_words() -> dict[str, frozenset[str]]:
    return load_languages().own_words()


def language_of(note: str) -> str:
    """The note's language code ("en", "es", "fr", ...); the default when it is not clear."""
    settings = load_languages()
    words = _WORD.findall(fold(note))
    counts = {
        language: sum(word in own for word in words) for language, own in _own_words().items()
    }
    best = max(counts, key=lambda language: counts[language])
    if counts[best] < settings.min_evidence or counts[best] <= counts[settings.default]:
        return settings.default
    return best
