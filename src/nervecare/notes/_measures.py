"""Temperatures and pain scores written in a note ("temp 38.6", "101F", "pain 9/10").

Works on the normalised text, where numbers in words are already digits. Pure regular
expressions: a number counts only beside a word that says what it measures, or with a unit, so
"12 days since surgery" is never a temperature and "2 tablets" never a pain score. The one
exception is a reading with a decimal point in the fever range ("I was 38.4 this morning"):
patients often leave out the word, and no other number a note gives looks like it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Measurement", "find_measurements"]

_NUMBER = r"(\d{1,3}(?:\.\d{1,2})?)"
_UNIT = r"\s*(?:°|º|degrees?|deg|grados?)?\s*(c|f|celsius|centigrade|centigrados|fahrenheit)?\b"
# English and Spanish cue words (Spanish notes are matched with their accents folded).
_TEMPERATURE_CUE = (
    r"\b(?:temp|temps|temperature|temperatures|fever|thermometer|pyrexia|burning up|running|"
    r"fiebre|temperatura|calentura|termometro)\b"
)
#: A cue word, then (within a few words, no other number) the reading.
_CUED_TEMPERATURE = re.compile(_TEMPERATURE_CUE + r"[^\d.?!;]{0,30}?" + _NUMBER + _UNIT, re.I)
#: A reading with an explicit unit, wherever it stands ("38.5C", "101 F", "39 degrees").
_UNIT_TEMPERATURE = re.compile(
    r"\b" + _NUMBER + r"\s*(?:°|º|degrees?|deg|grados?)\s*(c|f|celsius|fahrenheit)?\b|\b"
    + _NUMBER + r"\s*(c|f)\b",
    re.I,
)  # fmt: skip
#: A bare decimal reading from 37.5 to 42.9 (Celsius), not followed by another unit.
_BARE_FEVER = re.compile(
    r"(?<![\d.])(37\.[5-9]|3[89]\.\d|4[0-2]\.\d)(?!\.?\d)(?!\s*(?:%|kg|kilos?|g\b|mg|ml|"
    r"lbs?|st\b|stone|cm|mm|km|miles?|minutes?|mins?|hours?|hrs?|days?|weeks?|years?|units?))",
    re.I,
)
#: "9/10", "9 / 10", "9 out of 10", "9 outta 10".
_SCORE = re.compile(r"\b(\d{1,2})\s*(?:/|out of|outta|de|sobre)\s*10\b", re.I)
#: Spanish: "un 9 de dolor", "dolor de 8", "el dolor esta en 7" (accents folded).
_SPANISH_SCORE = re.compile(
    r"\b(?:un|una)\s+(\d{1,2})\s+de\s+dolor\b|\bdolor\s+(?:de\s+|es\s+|esta\s+en\s+|en\s+)?"
    r"(?:un\s+)?(\d{1,2})\b(?!\s*(?:dias?|horas?|semanas?|minutos?|veces|pastillas?|mg|am|pm|%|"
    r"de\s+(?:la|el|los|las)\b))(?!\.\d)"
    # "el dolor de la pierna ya es de 9", "el dolor de espalda esta en 8"
    r"|\bdolor\s+de\s+(?:la\s+)?(?:pierna|espalda)\s+(?:ya\s+)?(?:es|esta|anda|va)\s+"
    r"(?:de\s+|en\s+|por\s+)?(?:un\s+)?(\d{1,2})\b(?!\s*(?:dias?|horas?|semanas?|veces))(?!\.\d)",
    re.I,
)
#: "pain is a 9", "pain 8", "pain level 7" (not "pain 2 days", "pain 3 times").
_CUED_SCORE = re.compile(
    r"\bpain(?:'s|’s)?\s*(?:is|was|at|of|score|level|scores|rating|now|today)?\s*(?:is|at|of)?\s*"
    r"(?:a|an)?\s*"
    r"(\d{1,2})\b(?!\s*(?:/|out|outta|days?|weeks?|hours?|hrs?|minutes?|mins?|times?|tablets?|"
    r"pills?|am|pm|%|mg|x)\b)(?!\.\d)",
    re.I,
)
_CELSIUS_RANGE = (34.0, 43.0)
_FAHRENHEIT_RANGE = (93.0, 110.0)


@dataclass(frozen=True, slots=True)
class Measurement:
    """A number the note states: which check-in field, its value, where in the text."""

    field: str
    value: float | int
    start: int
    end: int


def _celsius(number: float, unit: str | None) -> float | None:
    unit = (unit or "").lower()
    if unit.startswith("f") or (not unit and _FAHRENHEIT_RANGE[0] <= number):
        if not _FAHRENHEIT_RANGE[0] <= number <= _FAHRENHEIT_RANGE[1]:
            return None
        number = (number - 32) * 5 / 9
    if not _CELSIUS_RANGE[0] <= number <= _CELSIUS_RANGE[1]:
        return None
    return round(number, 1)


def _end(match: re.Match[str]) -> int:
    return match.start() + len(match.group().rstrip())


#: The weather or a room, not the patient ("38 grados afuera", "en casa hay 18 grados").
_WEATHER_AFTER = re.compile(
    r"\s*(?:de\s+calor|afuera|fuera|en\s+la\s+calle|a\s+la\s+sombra|ambiente|outside)\b", re.I
)
_WEATHER_BEFORE = re.compile(
    r"\b(?:hace|hay|calor\s+de|calor,|estamos\s+a|esta\s+a|llegamos\s+a|marca|marcaba)\s*$", re.I
)


def _weather(text: str, start: int, end: int) -> bool:
    return bool(_WEATHER_AFTER.match(text, end) or _WEATHER_BEFORE.search(text[:start]))


def _temperatures(text: str) -> list[Measurement]:
    found: list[Measurement] = []
    for match in _CUED_TEMPERATURE.finditer(text):
        value = _celsius(float(match.group(1)), match.group(2))
        if value is not None:
            found.append(Measurement("temperature_c", value, match.start(), _end(match)))
    for match in _UNIT_TEMPERATURE.finditer(text):
        number = match.group(1) or match.group(3)
        unit = match.group(2) or match.group(4)
        value = _celsius(float(number), unit or "c")
        if value is not None and not _weather(text, match.start(), _end(match)):
            found.append(Measurement("temperature_c", value, match.start(), _end(match)))
    for match in _BARE_FEVER.finditer(text):
        found.append(
            Measurement("temperature_c", float(match.group(1)), match.start(), match.end())
        )
    return found


def _pain_field(text: str, start: int) -> str:
    """Back pain when the words just before say "back" (and not "leg"); else leg pain."""
    before = text[max(0, start - 40) : start].lower()
    sentence = re.split(r"[.?!;]", before)[-1]
    after = text[start : start + 30].lower()
    if ("back" in sentence and "leg" not in sentence) or "espalda" in after + sentence:
        return "back_pain"
    return "leg_pain"


def _pain_scores(text: str) -> list[Measurement]:
    found: list[Measurement] = []
    for pattern in (_SCORE, _CUED_SCORE, _SPANISH_SCORE):
        for match in pattern.finditer(text):
            score = int(next(group for group in match.groups() if group is not None))
            if 0 <= score <= 10:
                field = _pain_field(text, match.end())
                found.append(Measurement(field, score, match.start(), match.end()))
    return found


def find_measurements(text: str) -> list[Measurement]:
    """Every temperature and pain score stated in `text`, leftmost first, without overlaps."""
    kept: list[Measurement] = []
    candidates = sorted(
        _temperatures(text) + _pain_scores(text), key=lambda m: (m.start, -(m.end - m.start))
    )
    for measurement in candidates:
        if kept and measurement.start < kept[-1].end:
            continue
        kept.append(measurement)
    return kept
