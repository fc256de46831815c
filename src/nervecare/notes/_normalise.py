"""Rewriting a note the way the rules are written, while remembering the patient's own words.

Patients misspell ("incontinance", "wen"), leave out apostrophes ("cant", "dont"), use American
words ("restroom", "tylenol") and write numbers in words ("thirty eight point nine", "ten out of
ten"). The rules are written once, in standard British spelling; this module rewrites the note to
match, and keeps a map from every rewritten piece back to the original text, so evidence always
quotes what the patient wrote.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nervecare.notes._lexicon import Spelling

__all__ = ["NormalisedText", "Normaliser"]

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:\.\d+)?")
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_NUMBER_WORDS = {*_UNITS, *_TENS, "hundred", "point", "and"}
#: A single number word is only read as a number beside these words ("eight out of ten",
#: "out of ten", "38 point five"), so "one leg is swollen" keeps its words.
_NUMBER_NEIGHBOURS = {"out", "of", "outta", "point", "degrees", "/"}


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """The rewritten note, and where each of its pieces came from in the original."""

    original: str
    text: str
    #: (start in text, end in text, start in original, end in original), in order, covering text.
    pieces: tuple[tuple[int, int, int, int], ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters behind text[start:end] (whole rewritten words)."""
        starts = [piece[0] for piece in self.pieces]
        first = max(bisect.bisect_right(starts, start) - 1, 0)
        last = max(bisect.bisect_left(starts, end) - 1, first)
        head, tail = self.pieces[first], self.pieces[last]
        begin = head[2] + (start - head[0]) if _same_length(head) else head[2]
        finish = tail[2] + (end - tail[0]) if _same_length(tail) else tail[3]
        return begin, min(max(finish, begin), len(self.original))

    def original_words(self, start: int, end: int) -> str:
        begin, finish = self.original_span(start, end)
        return self.original[begin:finish].strip()


def _same_length(piece: tuple[int, int, int, int]) -> bool:
    return piece[1] - piece[0] == piece[3] - piece[2]


def _number_value(words: list[str]) -> str | None:
    """Digits for a run of number words ("thirty eight point five" -> "38.5"), if it is one."""
    whole, decimals, seen_point, current = 0, "", False, 0
    for word in words:
        if word == "point":
            if seen_point:
                return None
            seen_point = True
        elif seen_point:
            if word not in _UNITS or _UNITS[word] > 9:
                return None
            decimals += str(_UNITS[word])
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _TENS:
            current += _TENS[word]
        elif word in _UNITS:
            current += _UNITS[word]
        elif word != "and":
            return None
    whole += current
    if seen_point and not decimals:
        return None
    return f"{whole}.{decimals}" if decimals else str(whole)


class Normaliser:
    """Rewrites notes with the spelling lists, number words and a small fuzzy corrector."""

    def __init__(
        self,
        spelling: Spelling,
        vocabulary: Iterable[str],
        known_words: Callable[[str], bool],
    ) -> None:
        self._spelling = spelling
        self._vocabulary = frozenset(vocabulary)
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(self._vocabulary):
            if word.isalpha():
                self._by_initial.setdefault(word[0], []).append(word)
        self._known = known_words
        self._fuzzy_cache: dict[str, str | None] = {}

    def __call__(self, original: str) -> NormalisedText:
        parts: list[str] = []
        pieces: list[tuple[int, int, int, int]] = []
        length = 0

        def emit(text: str, begin: int, end: int) -> None:
            nonlocal length
            if text:
                parts.append(text)
                pieces.append((length, length + len(text), begin, end))
                length += len(text)

        matches = list(_WORD.finditer(original))
        position, index = 0, 0
        while index < len(matches):
            match = matches[index]
            emit(original[position : match.start()], position, match.start())
            taken, digits = self._number_run(original, matches, index)
            if digits is not None:
                end = matches[index + taken - 1].end()
                emit(digits, match.start(), end)
                position, index = end, index + taken
                continue
            emit(self._word(match.group()), match.start(), match.end())
            position, index = match.end(), index + 1
        emit(original[position:], position, len(original))
        return NormalisedText(original=original, text="".join(parts), pieces=tuple(pieces))

    def _number_run(
        self, original: str, matches: list[re.Match[str]], index: int
    ) -> tuple[int, str | None]:
        words: list[str] = []
        for match in matches[index:]:
            word = match.group().lower()
            gap = original[matches[index + len(words) - 1].end() : match.start()] if words else ""
            if word not in _NUMBER_WORDS or (words and gap.strip(" -")):
                break
            words.append(word)
        while words and words[-1] in ("and", "point"):
            words.pop()
        if not words or words[0] in ("and", "point", "hundred"):
            return 0, None
        if len(words) == 1:
            before = matches[index - 1].group().lower() if index > 0 else ""
            after_index = index + 1
            after = matches[after_index].group().lower() if after_index < len(matches) else ""
            slash = original[matches[index].end() :].lstrip().startswith("/")
            if not ({before, after} & _NUMBER_NEIGHBOURS or slash):
                return 0, None
        value = _number_value(words)
        return (len(words), value) if value is not None else (0, None)

    def _word(self, word: str) -> str:
        lower = word.lower().replace("’", "'")
        rewritten = self._spelling.rewrite(lower)
        if rewritten is not None:
            return rewritten
        corrected = self._fuzzy(lower)
        return corrected if corrected is not None else word.replace("’", "'")

    def _fuzzy(self, word: str) -> str | None:
        """A rules word this is probably a misspelling of; never for words English knows."""
        fuzzy = self._spelling.fuzzy
        if len(word) < fuzzy.min_length or not word.isalpha() or word in self._vocabulary:
            return None
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        best: str | None = None
        if not self._known(word):
            from spacy.matcher.levenshtein import levenshtein  # noqa: PLC0415 - spaCy is loaded

            allowed = fuzzy.distance_for(len(word))
            best_distance = allowed + 1
            for candidate in self._by_initial.get(word[0], ()):
                if abs(len(candidate) - len(word)) > allowed:
                    continue
                distance = levenshtein(word, candidate, allowed + 1)
                if distance < best_distance:
                    best, best_distance = candidate, distance
        self._fuzzy_cache[word] = best
        return best
