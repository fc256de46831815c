"""Compiling the lexicon's phrase syntax into spaCy token patterns.

`(a|b)` is one of, `[a|b]` optionally one of, `{NAME}` a macro, `*` any one word (not
punctuation; `[*]` any one word or none), for the words a speaker puts between the parts of a
sign ("no siento el agua en la cola"). One-word choices of a group
become a single token test (`{"NORM": {"IN": [...]}}`, optional with `"OP": "?"`), so a phrase
with many choices stays one or a few patterns instead of thousands of literal phrases. Choices are
tokenised by the same tokenizer as the notes and compared on NORM, so "can't", "cant" and
"cannot" are the same words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["TokenPattern", "phrase_words", "token_patterns"]

TokenPattern = list[dict[str, Any]]
Norms = Callable[[str], tuple[str, ...]]

_MACRO = re.compile(r"\{([A-Z_]+)\}")
_GROUP = re.compile(r"\(([^()\[\]]*)\)|\[([^()\[\]]*)\]")


def _with_macros(phrase: str, macros: dict[str, str]) -> str:
    def macro(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise ValueError(f"unknown macro {{{name}}} in {phrase!r}")
        return macros[name]

    return _MACRO.sub(macro, phrase)


def _slots(phrase: str, macros: dict[str, str]) -> Iterator[tuple[tuple[str, ...], bool]]:
    """(choices, optional) for each part of the phrase; plain words are one-choice slots."""
    text = _with_macros(phrase, macros)
    position = 0
    for group in _GROUP.finditer(text):
        for word in text[position : group.start()].split():
            yield (word,), False
        required, optional = group.group(1), group.group(2)
        choices = required if required is not None else optional
        yield tuple(choice.strip() for choice in choices.split("|")), required is None
        position = group.end()
    rest = text[position:]
    if any(mark in rest for mark in "()[]{}"):
        raise ValueError(f"unbalanced or nested group in {phrase!r}")
    for word in rest.split():
        yield (word,), False


def phrase_words(phrase: str, macros: dict[str, str]) -> set[str]:
    """Every word a phrase can use (for the spelling corrector's vocabulary)."""
    return {
        word.lower()
        for choices, _ in _slots(phrase, macros)
        for c in choices
        for word in c.split()
        if word != _ANY
    }


_ANY = "*"
#: A word between the parts of a sign is never one that denies it ("la pantorrilla no esta
#: hinchada" is not "la pantorrilla ... esta hinchada").
_NOT_A_GAP = ("no", "ni", "sin", "nunca", "tampoco", "not", "never", "nada", "raro", "rara")


def _alternatives(choices: tuple[str, ...], optional: bool, norms: Norms) -> list[TokenPattern]:
    if choices == (_ANY,):
        gap: dict[str, Any] = {"IS_PUNCT": False, "NORM": {"NOT_IN": list(_NOT_A_GAP)}}
        return [[{**gap, "OP": "?"} if optional else gap]]
    tokenised = [norms(choice) for choice in choices if choice]
    single = sorted({words[0] for words in tokenised if len(words) == 1})
    multi = [words for words in dict.fromkeys(tokenised) if len(words) > 1]
    alternatives: list[TokenPattern] = []
    if single:
        test: dict[str, Any] = {"NORM": single[0]} if len(single) == 1 else {"NORM": {"IN": single}}
        if optional and not multi:
            test["OP"] = "?"
        alternatives.append([test])
    alternatives += [[{"NORM": word} for word in words] for words in multi]
    if optional and (multi or not single):
        alternatives.append([])
    return alternatives


def token_patterns(phrase: str, macros: dict[str, str], norms: Norms) -> list[TokenPattern]:
    """The spaCy Matcher patterns a phrase stands for (usually one)."""
    per_slot = [
        _alternatives(choices, optional, norms) for choices, optional in _slots(phrase, macros)
    ]
    patterns = [
        [token for part in combination for token in part]
        for combination in itertools.product(*per_slot)
    ]
    return [pattern for pattern in patterns if pattern]
