"""The semantic layer: catching red flags in words no rule was written for.

Each clause of a note is embedded with all-MiniLM-L6-v2 (see `_embedding`) and compared with
example descriptions of each red flag and of ordinary recovery. A clause close enough to a red
flag, and closer to it than to any ordinary example, becomes a *possible* finding: the engine
raises the level and asks the patient to confirm. It only ever adds: a field the rules already
found or set aside in that clause is left to the rules, and a clause with a negation, history,
hypothetical or family trigger is set aside.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from nervecare.notes._clauses import Clause, clauses, set_aside_reason
from nervecare.notes._embedding import Embedder, load_embedder
from nervecare.notes._fine import parts_left
from nervecare.notes._lexicon import SemanticExamples, SemanticFlag, load_lexicon
from nervecare.notes._model import SetAsideMention
from nervecare.notes._pipeline import Mention, ParsedNote
from nervecare.triage.findings import NoteFinding

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["SemanticLayer", "semantic_layer"]


class SemanticLayer:
    """Example vectors computed once; each clause embedded alone (and remembered)."""

    def __init__(self, examples: SemanticExamples, embedder: Embedder) -> None:
        import numpy as np  # noqa: PLC0415

        self._examples = examples
        self.embedder = embedder
        texts = [text for flag in examples.flags for text in flag.examples]
        self._owner = np.array([i for i, flag in enumerate(examples.flags) for _ in flag.examples])
        #: Each example's threshold: its flag's own, else the file's.
        self._thresholds = np.array(
            [
                examples.threshold if flag.threshold is None else flag.threshold
                for flag in examples.flags
                for _ in flag.examples
            ],
            dtype=np.float32,
        )
        #: Red-flag examples first, then benign ones: one product per clause scores both.
        self._vectors = self._stack([*texts, *examples.benign])
        self._flag_count = len(texts)

    def _stack(self, texts: list[str]) -> npt.NDArray[np.float32]:
        import numpy as np  # noqa: PLC0415

        return np.stack([self.embedder.vector(text) for text in texts])

    def scan(
        self, note: ParsedNote, rule_mentions: tuple[Mention, ...]
    ) -> tuple[list[NoteFinding], list[SetAsideMention]]:
        """Possible findings (and clearly discounted matches) the rules did not already cover."""
        found_fields = {(m.field, m.value) for m in rule_mentions if not _counts_not(m)}
        findings: list[NoteFinding] = []
        set_aside: list[SetAsideMention] = []
        for clause in clauses(note):
            if self._read_by_rules(clause, rule_mentions):
                continue
            left = self._words_left(note, clause)
            if left is None:
                continue  # every part of the clause says nothing is wrong
            text, words = left
            match = self._match(text)
            if match is None:
                continue
            flag, score = match
            in_clause = [m for m in rule_mentions if clause.span.start <= m.start < clause.span.end]
            if any(m.field == flag.field for m in in_clause):
                continue  # the rules know this clause's words for this field
            discounted_by = clause.discounted_by or next(
                (reason for m in in_clause if (reason := set_aside_reason(m)) is not None), None
            )
            if (flag.field, flag.value) in found_fields:
                continue  # already found for certain elsewhere in the note
            detector = f"semantic:{flag.id}:{score:.2f}"
            if discounted_by is not None:
                set_aside.append(
                    SetAsideMention(
                        words=words,
                        field=flag.field,
                        value=flag.value,
                        because=discounted_by,
                        context=(discounted_by,),
                        detector=detector,
                        sources=flag.sources,
                    )
                )
                continue
            findings.append(
                NoteFinding(
                    field=flag.field,
                    value=flag.value,
                    evidence=words,
                    certainty="possible",
                    context=("uncertain",),
                    detector=detector,
                    sources=flag.sources,
                )
            )
            found_fields.add((flag.field, flag.value))
        return findings, set_aside

    def _read_by_rules(self, clause: Clause, rule_mentions: tuple[Mention, ...]) -> bool:
        """Every word of the clause is in a rule's mention or a function word: nothing is left
        for the embedding to find ("I can't feel the paper when I wipe.")."""
        span = clause.span
        covered = {
            index
            for mention in rule_mentions
            if span.start <= mention.start < span.end
            for index in range(mention.start, mention.end)
        }
        if not covered:
            return False
        function_words = self._examples.function_words
        return all(
            token.i in covered or token.norm_.lower() in function_words
            for token in span
            if token.is_alpha
        )

    @property
    def function_words(self) -> frozenset[str]:
        return frozenset(self._examples.function_words)

    def clearly_fine(self, note: ParsedNote, clause: Clause) -> bool:
        """Every part of the clause says nothing is wrong (the `clearly_fine` word lists)."""
        return self._words_left(note, clause) is None

    def _words_left(self, note: ParsedNote, clause: Clause) -> tuple[str, str] | None:
        """What of the clause to embed, and those words as the patient wrote them; None when
        every part says nothing is wrong ("no problem with my bladder", "my foot is fine")."""
        span = clause.span
        left = parts_left(span, self._examples.clearly_fine)
        if left is None:
            return span.text, clause.words
        if not left:
            return None
        doc = span.doc
        text = ", ".join(doc[part.start : part.end].text for part in left)
        first, last = doc[left[0].start], doc[left[-1].end - 1]
        words = note.text.original_words(first.idx, last.idx + len(last.text))
        return text, words

    def _match(self, text: str) -> tuple[SemanticFlag, float] | None:
        """The red flag the text is closest to, if close enough (best window of a long one)."""
        best: tuple[SemanticFlag, float] | None = None
        for window in self.embedder.windows(text):
            scores = self._vectors @ self.embedder.vector(window)
            flags, benign = scores[: self._flag_count], scores[self._flag_count :]
            match = self._best_flag(flags, float(benign.max()))
            if match is not None and (best is None or match[1] > best[1]):
                best = match
        return best

    def _best_flag(
        self, scores: npt.NDArray[np.float32], benign: float
    ) -> tuple[SemanticFlag, float] | None:
        """The closest example that passes its own flag's threshold and beats the benign ones.

        Per-flag thresholds let the signs of cauda equina be raised at a lower similarity than
        the rest: a false alarm there is a question asked again, a miss is the worst defect.
        """
        import numpy as np  # noqa: PLC0415

        passing = (scores >= self._thresholds) & (scores >= benign + self._examples.margin)
        if not passing.any():
            return None
        best = int(np.where(passing, scores, -np.inf).argmax())
        return self._examples.flags[int(self._owner[best])], float(scores[best])


def _counts_not(mention: Mention) -> bool:
    return set_aside_reason(mention) is not None


@cache
def semantic_layer() -> SemanticLayer:
    """The process-wide semantic layer: model and example vectors, loaded on first use."""
    return SemanticLayer(load_lexicon().semantic, load_embedder())
