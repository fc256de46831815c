"""The learned reader: a whole note in, the chance of each red flag being present now out.

Why it exists: word lists (the rules, ConText's triggers, the topic layer's cues) were grown
from each blind evaluation set's failures and did not converge; every new writer found new ways
to say a sign and new ways to say it was someone else's, or over. This reader learns who and
when from ~5,800 labelled notes instead of being told: a small convolution over the token
vectors of the same int8 all-MiniLM-L6-v2 encoder the semantic layer uses (the encoder is not
trained), max-pooled over the note, one output per red flag plus "none". Negated, past,
hypothetical and other people's mentions were trained as "none". Trained by
`evaluation/notes/train_learned.py`; weights and a training log (which sets, their hashes)
beside this module's data in `knowledge/data/notes/`.

Like the semantic layer it only ever adds *possible* findings ("possibly ... in your notes:
please confirm"), for red flags no earlier layer found; it never removes or lowers anything.
The rules decide what they know.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from nervecare.knowledge import read_data
from nervecare.notes._embedding import word_windows
from nervecare.triage.findings import NoteFinding, NoteFindingValue

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from spacy.tokens import Span

    from nervecare.notes._pipeline import ParsedNote

    Array = npt.NDArray[np.float32]

__all__ = [
    "FLAGS",
    "MODEL_PATH",
    "TRAINING_LOG",
    "ConfirmPolicy",
    "LearnedReader",
    "learned_reader",
    "token_states",
]

#: The head's outputs, in order ("none" first). Emergency flags are the first three signs.
FLAGS: tuple[str, ...] = (
    "none",
    "ces",
    "both_legs",
    "chest",
    "weakness",
    "pain",
    "fever",
    "wound",
    "calf",
    "headache",
    "sexual",
)
_EMERGENCY = (1, 2, 3)
_URGENT = tuple(range(4, len(FLAGS)))
_DATA = Path(str(resources.files("nervecare.knowledge").joinpath("data", "notes")))
MODEL_PATH = _DATA / "learned_head.npz"
TRAINING_LOG = _DATA / "learned_training.json"


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    field: str
    value: NoteFindingValue
    #: Chosen when the evidence sentence has one of these words (prefixes); else the flag's first
    #: answer without words.
    words: tuple[str, ...] = ()


class _FlagAnswers(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    sources: tuple[str, ...]
    answers: tuple[_Answer, ...]
    #: Further findings that go with the first ("pain": worse AND not relieved by medicine).
    with_: tuple[_Answer, ...] = ()
    #: The flag is read only when its sentence has one of these words (prefixes): a bare number
    #: (a dose, a bay, a clock time) is never a temperature.
    needs_words: tuple[str, ...] = ()


class ConfirmPolicy(BaseModel):
    """How the head's reading of the whole note decides what is definite and what is asked.

    `present` is the head's chance that the note carries any red flag present now in the patient.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    #: A rule finding stays definite (sets the level) only when the head agrees this much;
    #: below it, the rule finding is asked (never dropped).
    definite_at_least: float
    #: A semantic, topic or learned finding is asked only from this chance on...
    ask_at_least: float
    #: ...or when it is a semantic paraphrase at least this close to a red flag,
    paraphrase_at_least: float
    #: or this close to an emergency sign (cauda equina, both legs, chest).
    emergency_paraphrase_at_least: float


class LearnedSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    emergency_threshold: float
    threshold: float
    confirm: ConfirmPolicy
    flags: dict[str, _FlagAnswers]

    def emergency_fields(self) -> frozenset[str]:
        """The answer fields of the emergency flags."""
        return frozenset(
            answer.field
            for name in (FLAGS[i] for i in _EMERGENCY)
            for answer in (*self.flags[name].answers, *self.flags[name].with_)
        )


@dataclass(frozen=True)
class _Head:
    conv: Array  # (channels, 384 * 3): the convolution's three taps, side by side
    conv_bias: Array
    out: Array  # (flags, channels)
    out_bias: Array


def token_states(normalised: str) -> Array:
    """The encoder's last-layer token vectors of one normalised note (what the head reads)."""
    from nervecare.notes._semantic import semantic_layer  # noqa: PLC0415 - loads torch

    return semantic_layer().embedder.tokens(normalised)


class LearnedReader:
    def __init__(self, settings: LearnedSettings, heads: list[_Head]) -> None:
        self.settings = settings
        self._heads = heads

    def chances(self, states: Array) -> Array:
        """Each flag's probability (the heads' average) for a note's token vectors."""
        import numpy as np  # noqa: PLC0415

        total = np.zeros(len(FLAGS), dtype=np.float64)
        for head in self._heads:
            total += _softmax(_logits(head, states)[0])
        return np.asarray(total / len(self._heads), dtype=np.float32)

    def scan(self, note: ParsedNote, found: list[NoteFinding]) -> tuple[list[NoteFinding], float]:
        """Possible findings for the flag the note most likely carries, if no layer found it;
        and the chance that the note carries any red flag present now (`present`).

        Sentences that plainly deny something are left out of what the head reads (see
        `_clearly_fine`), so a note of denials finds nothing and a denial added beside a sign
        cannot hide it.
        """
        read = _Read.of(note)
        if read is None:
            return [], 0.0
        from nervecare.notes._semantic import semantic_layer  # noqa: PLC0415

        embedder = semantic_layer().embedder
        best: dict[int, tuple[float, str]] = {}  # flag -> its highest chance, and where
        states_of: dict[str, Array] = {}  # each window is encoded once
        present = 0.0
        for window in _windows(read.text):
            states_of[window] = embedder.tokens(window)
            chances = self.chances(states_of[window])
            present = max(present, 1.0 - float(chances[0]))
            for flag, chance in self._flags(chances):
                if flag not in best or chance > best[flag][0]:
                    best[flag] = (chance, window)
        taken = {f.field for f in found}
        findings: list[NoteFinding] = []
        for flag, (chance, window) in sorted(best.items()):
            states = states_of[window]
            sentence = _heaviest_sentence(read, window, self._heads, states, flag)
            findings += self._findings(note, flag, chance, sentence, taken)
            taken |= {f.field for f in findings}
        return findings, present

    def _findings(
        self, note: ParsedNote, flag: int, chance: float, sentence: Span, taken: set[str]
    ) -> list[NoteFinding]:
        answers = self.settings.flags[FLAGS[flag]]
        evidence = note.text.original_words(sentence.start_char, sentence.end_char)
        lowered = evidence.lower()
        if answers.needs_words and not any(word in lowered for word in answers.needs_words):
            return []
        chosen = next(
            (a for a in answers.answers if a.words and any(w in lowered for w in a.words)),
            next(a for a in answers.answers if not a.words),
        )
        if chosen.field in taken:
            return []  # an earlier layer already read this sign in the note
        detector = f"learned:{FLAGS[flag]}:{chance:.2f}"
        return [
            NoteFinding(
                field=answer.field,
                value=answer.value,
                evidence=evidence,
                certainty="possible",
                context=("uncertain",),
                detector=detector,
                sources=answers.sources,
            )
            for answer in (chosen, *answers.with_)
            if answer.field not in taken or answer is chosen
        ]

    def _flags(self, chances: Array) -> list[tuple[int, float]]:
        """The likeliest emergency flag, if the emergency flags together reach their threshold;
        the likeliest urgent flag, if the urgent ones together reach theirs; else, if all flags
        together reach it, the likeliest of all. Each with the chance that made it."""
        found: list[tuple[int, float]] = []
        emergency = float(sum(chances[i] for i in _EMERGENCY))
        if emergency >= self.settings.emergency_threshold:
            found.append((max(_EMERGENCY, key=lambda i: float(chances[i])), emergency))
        urgent = float(sum(chances[i] for i in _URGENT))
        if urgent >= self.settings.threshold:
            found.append((max(_URGENT, key=lambda i: float(chances[i])), urgent))
        present = 1.0 - float(chances[0])
        if not found and present >= self.settings.threshold:
            found.append((max(range(1, len(FLAGS)), key=lambda i: float(chances[i])), present))
        return found


#: Notes up to this many words are read whole (well under the encoder's 256 word pieces, and
#: longer than any training note); longer ones as overlapping windows.
_WINDOW_WORDS = 150
_WINDOW_STEP = 100


def _windows(text: str) -> list[str]:
    return word_windows(text, _WINDOW_WORDS, _WINDOW_STEP)


def _logits(head: _Head, states: Array) -> tuple[Array, Array]:
    """The head's logits, and each channel's strongest position (the max-pool's choice)."""
    import numpy as np  # noqa: PLC0415

    padded = np.pad(states, ((1, 1), (0, 0)))
    windows = np.concatenate([padded[:-2], padded[1:-1], padded[2:]], axis=1)
    channels = np.maximum(windows @ head.conv.T + head.conv_bias, 0.0)
    strongest = channels.argmax(axis=0)
    pooled = channels.max(axis=0)
    return pooled @ head.out.T + head.out_bias, strongest


def _softmax(logits: Array) -> Array:
    import numpy as np  # noqa: PLC0415

    shifted = np.exp(logits - logits.max())
    return np.asarray(shifted / shifted.sum(), dtype=np.float32)


#: Words that may stand beside a denied rule mention in a denied clause ("No pins and needles
#: around my back passage", "never any leaking").
_DENYING = frozenset(
    {"no", "not", "never", "nothing", "none", "any", "n't", "nor", "neither", "do", "did", "got"}
)


def _clearly_fine(note: ParsedNote, sentence: Span) -> bool:
    """Every clause of the sentence is denied, by ConText (negated), by the semantic layer's
    reading of denials ("no problems with my bladder", "my foot is fine"), or because its only
    words are rule mentions the rules read as negated. A learned match there would contradict
    the patient's plain words, so, as with the semantic layer, it does not raise. (Other
    ConText readings, past, hypothetical, someone else's, are left to the head's own
    judgement: that is what it learned.)"""
    from nervecare.notes._clauses import clauses  # noqa: PLC0415
    from nervecare.notes._semantic import semantic_layer  # noqa: PLC0415

    layer = semantic_layer()
    inside = [
        c for c in clauses(note) if sentence.start <= c.span.start and c.span.end <= sentence.end
    ]
    return bool(inside) and all(
        layer.clearly_fine(note, c) or _only_denied_mentions(note, c.span, layer.function_words)
        for c in inside
    )


def _only_denied_mentions(note: ParsedNote, span: Span, function_words: frozenset[str]) -> bool:
    inside = [m for m in note.mentions if span.start <= m.start < span.end]
    if not inside or any("negated" not in m.context for m in inside):
        return False
    covered = {i for m in inside for i in range(m.start, m.end)}
    allowed = function_words | _DENYING
    return all(
        t.i in covered or t.norm_.lower() in allowed or t.lower_ in allowed
        for t in span
        if t.is_alpha or t.norm_ == "n't"
    )


@dataclass(frozen=True)
class _Read:
    """What the head reads of a note: its sentences but the plainly denied ones, joined."""

    text: str
    sentences: list[Span]
    starts: list[int]  # where each sentence starts in `text`

    @classmethod
    def of(cls, note: ParsedNote) -> _Read | None:
        everything = list(note.doc.sents)
        kept = [s for s in everything if not _clearly_fine(note, s)]
        if not any(t.is_alpha for s in kept for t in s):
            return None
        if len(kept) == len(everything):  # the note as written, as the head was trained
            return cls(note.text.text, kept, [s.start_char for s in kept])
        starts, pieces, at = [], [], 0
        for sentence in kept:
            starts.append(at)
            pieces.append(sentence.text)
            at += len(sentence.text) + 1
        return cls(" ".join(pieces), kept, starts)

    def sentence_at(self, position: int) -> Span:
        index = max(bisect.bisect_right(self.starts, position) - 1, 0)
        return self.sentences[index]


def _heaviest_sentence(
    read: _Read, window: str, heads: list[_Head], states: Array, flag: int
) -> Span:
    """The sentence that weighs most for `flag`: where the max-pool took its evidence, each
    position weighted by how much its channels count for the flag."""
    import numpy as np  # noqa: PLC0415

    from nervecare.notes._semantic import semantic_layer  # noqa: PLC0415

    weight = np.zeros(len(states), dtype=np.float64)
    for head in heads:
        _, strongest = _logits(head, states)
        for channel, position in enumerate(strongest):
            weight[position] += max(float(head.out[flag, channel]), 0.0)
    starts = semantic_layer().embedder.token_starts(window)
    offset = max(read.text.find(window), 0)
    by_sentence: dict[int, float] = {}
    for token in np.flatnonzero(weight > 0):
        sentence = read.sentence_at(starts[int(token)] + offset)
        by_sentence[sentence.start] = by_sentence.get(sentence.start, 0.0) + float(weight[token])
    if not by_sentence:
        return read.sentences[0]
    heaviest = max(by_sentence, key=lambda start: by_sentence[start])
    return next(s for s in read.sentences if s.start == heaviest)


@cache
def learned_reader() -> LearnedReader:
    """The trained heads and their settings, loaded once per process."""
    import numpy as np  # noqa: PLC0415

    settings = LearnedSettings.model_validate(read_data("notes", "learned.yaml"))
    unknown = set(settings.flags) ^ set(FLAGS[1:])
    if unknown:
        raise ValueError(f"learned.yaml must map exactly the head's flags; differs on {unknown}")
    log: dict[str, Any] = json.loads(TRAINING_LOG.read_text(encoding="utf-8"))
    if tuple(log["flags"]) != FLAGS:
        raise ValueError("the learned head was trained for other flags; retrain it")
    with np.load(MODEL_PATH) as weights:
        heads = [
            _Head(
                conv=np.ascontiguousarray(
                    weights[f"conv_w{k}"]
                    .transpose(0, 2, 1)
                    .reshape(len(weights[f"conv_b{k}"]), -1),
                    dtype=np.float32,
                ),
                conv_bias=weights[f"conv_b{k}"],
                out=np.asarray(weights[f"out_w{k}"], dtype=np.float32),
                out_bias=weights[f"out_b{k}"],
            )
            for k in range(int(log["seeds"]))
        ]
    return LearnedReader(settings, heads)
