"""Parts of a clause that plainly say nothing is wrong, which the semantic layer leaves out.

The embedding model cannot see a denial: "no problem with my bladder" lies close to "I have lost
control of my bladder", and "I can lift my foot up fine now" close to "I cannot lift the front of
my foot". ConText's scopes stop early in such sentences ("with my" ends a negation's scope), so
the clause is not discounted either. Here a clause is cut into parts (at commas, and before
"and my ...", "just my ...") and each part read with the word lists of semantic.yaml
(`clearly_fine`): filler, denied ("I don't have any problems with ...") or fine ("my
waterworks are fine", "I can wee fine"). What is left is embedded; a clause with nothing left
is not embedded at all.

Only words that plainly say nothing is wrong take a part out. A negated ability or sensation
("no feeling when I wipe", "I can't lift my foot", "I don't know when my bladder is full") is
never a denial here, since its negated word is not one of the listed problems; an uncertain part
("not sure my foot lifts properly") is never fine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nervecare.notes._lexicon import ClearlyFine

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

__all__ = ["Part", "parts_left"]

_NEGATION_REACH = 4  # a denial opens a part: its negation is among the first four words
_PROBLEM_REACH = 4  # ... and the problem it denies follows within four words


@dataclass(frozen=True, slots=True)
class Part:
    """A stretch of a clause (doc token offsets) left for the embedding to read."""

    start: int
    end: int


def parts_left(span: Span, words: ClearlyFine) -> list[Part] | None:
    """The parts of `span` that are not filler, denied or fine, in order; None when no part was
    left out (the whole clause is read as it stands)."""
    parts = _parts(span, words)
    left = [part for part in parts if not _says_nothing_wrong(span, part, words)]
    return None if len(left) == len(parts) else left


def _parts(span: Span, words: ClearlyFine) -> list[Part]:
    parts: list[Part] = []
    start = span.start
    doc = span.doc
    for index in range(span.start, span.end):
        token = doc[index]
        follower = doc[index + 1].norm_ if index + 1 < span.end else ""
        if token.is_punct and token.text not in ("'", "’"):
            if start < index:
                parts.append(Part(start, index))
            start = index + 1
        elif index > start and (
            (token.norm_ in words.joins and follower in words.subjects)
            or _run_on_start(doc[index - 1], token)
        ):
            parts.append(Part(start, index))
            start = index
    if start < span.end:
        parts.append(Part(start, span.end))
    return [part for part in parts if any(doc[i].is_alpha for i in range(part.start, part.end))]


def _run_on_start(previous: Token, token: Token) -> bool:
    """A capital after a lower-case word, with no stop between: a new sentence written without
    one ("no problems with my bladder No problem with my bowels"). "I" is a capital anywhere."""
    return (
        previous.is_alpha
        and previous.text.islower()
        and token.is_alpha
        and token.text[0].isupper()
        and token.lower_ != "i"
    )


def _says_nothing_wrong(span: Span, part: Part, words: ClearlyFine) -> bool:
    norms = [token.norm_.lower() for token in span.doc[part.start : part.end] if not token.is_punct]
    if all(norm in words.filler for norm in norms):
        return True
    return _denied(norms, words) or _fine(norms, words)


def _denied(norms: Sequence[str], words: ClearlyFine) -> bool:
    """ "I don't have any problems with my bladder", "not had any accidents", "no leaks"."""
    negation = next(
        (i for i, norm in enumerate(norms[:_NEGATION_REACH]) if norm in words.negations), None
    )
    if negation is None:
        return False
    window = norms[negation + 1 : negation + 1 + _PROBLEM_REACH]
    problem = next((negation + 1 + i for i, n in enumerate(window) if n in words.problems), None)
    if problem is None:
        return False
    after = norms[problem + 1 :]
    return not any(
        norm in words.reversals
        or norm in words.negations
        or (norm in words.symptoms and norm not in words.problems)
        for norm in after
    )


def _fine(norms: Sequence[str], words: ClearlyFine) -> bool:
    """ "my waterworks are fine", "I can lift my foot up fine now", "heels and toes no problem"."""
    end = len(norms)
    while end and norms[end - 1] in words.filler:
        end -= 1
    body = list(norms[:end])
    phrase = _fine_ending(body, words)
    if phrase == 0:
        return False
    before = body[: len(body) - phrase]
    if any(
        norm in words.negations or norm in words.reversals or norm in words.symptoms
        for norm in before
    ):
        return False
    if before and before[0] == "i":
        return len(before) <= words.max_words_before and "i" not in before[1:]
    return 0 < len(before) <= words.max_subject_words and "i" not in before


def _fine_ending(body: Sequence[str], words: ClearlyFine) -> int:
    """How many words at the end of `body` say "fine" (0 if none)."""
    for phrase in words.fine_phrases:
        tokens = phrase.split()
        if len(body) > len(tokens) and list(body[-len(tokens) :]) == tokens:
            return len(tokens)
    return 1 if len(body) > 1 and body[-1] in words.fine else 0
