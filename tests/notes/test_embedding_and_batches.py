"""Clause vectors are a pure function of their text; reading many notes equals reading each."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervecare.notes import read_many, read_notes
from nervecare.notes._embedding import Embedder
from nervecare.notes._semantic import semantic_layer
from tests.notes.conftest import Reader
from tests.notes.strategies import notes_of_every_kind


@pytest.fixture(scope="session")
def embedder(reader: Reader) -> Embedder:
    """The process-wide embedder (model loaded once, by the `reader` fixture)."""
    return semantic_layer().embedder


@pytest.fixture(scope="session")
def sentence_transformer(embedder: Embedder) -> Any:
    """The SentenceTransformer the embedder was built from (same weights, same int8)."""
    return embedder.encode.model  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        "my foot drags along the ground when i walk",
        "no",
        "I can't feel the toilet seat under me.",
        "Ünïcødé and emoji 🙂 in a note",
        "word " * 300,  # longer than the model reads: both cut at 256 word pieces
    ],
)
def test_a_vector_is_what_sentence_transformers_gives_for_the_text_alone(
    embedder: Embedder, sentence_transformer: Any, text: str
) -> None:
    """The fast path (own tokenizer call, traced encoder) gives SentenceTransformer's vector."""
    expected = sentence_transformer.encode(text, normalize_embeddings=True)
    assert np.allclose(embedder.vector(text), expected, atol=1e-6)


def test_a_vector_does_not_depend_on_what_was_embedded_before(embedder: Embedder) -> None:
    """Embedding other texts first (or from the cache) never changes a text's vector."""
    text = "my wee just trickles out on its own"
    first = embedder.vector(text).copy()
    for other in ("a much longer sentence about feeling good and walking", "x", "no fever"):
        embedder.vector(other)
    embedder.clear_cache()
    assert np.array_equal(embedder.vector(text), first)
    assert np.array_equal(embedder.vector(text), first)  # this one from the cache


def test_the_vector_cache_is_bounded_and_least_recently_used_goes_first(
    embedder: Embedder,
) -> None:
    """A small cache never holds more than its size, and keeps the texts used most recently."""
    encoded: list[str] = []

    def encode(text: str) -> Any:
        encoded.append(text)
        return embedder.encode(text)

    small = Embedder(encode, cache_size=3)
    for text in ("one", "two", "three", "one", "four", "five", "two"):
        small.vector(text)
    info = small.cache_info()
    assert info.size == 3 == info.max_size
    assert encoded == ["one", "two", "three", "four", "five", "two"]  # "one" came from the cache
    assert (info.hits, info.misses) == (1, 6)


def test_a_cache_of_size_zero_keeps_nothing(embedder: Embedder) -> None:
    """With the cache switched off every text is embedded afresh, with the same vector."""
    uncached = Embedder(embedder.encode, cache_size=0)
    first, again = uncached.vector("no fever"), uncached.vector("no fever")
    assert np.array_equal(first, again)
    assert uncached.cache_info().size == 0


def test_the_process_wide_cache_is_bounded(embedder: Embedder) -> None:
    """However many different clauses are read, the shared cache stays within its bound."""
    info = embedder.cache_info()
    assert 0 < info.max_size <= 10_000
    assert info.size <= info.max_size


def test_cached_vectors_cannot_be_changed_in_place(embedder: Embedder) -> None:
    """A vector handed out from the cache is read-only, so no caller can corrupt the cache."""
    vector = embedder.vector("no fever")
    with pytest.raises(ValueError, match="read-only"):
        vector[0] = 1.0


def test_a_long_run_on_clause_is_read_in_overlapping_windows(embedder: Embedder) -> None:
    """A red flag at the end of a very long clause is still embedded (never cut off)."""
    text = "walked to the shops and back " * 20 + "and now my foot hangs down and flops"
    windows = embedder.windows(text)
    assert len(windows) > 1
    assert windows[-1].endswith("my foot hangs down and flops")
    assert embedder.windows("a short clause") == ["a short clause"]


def test_a_paraphrase_at_the_end_of_a_long_note_is_still_found(reader: Reader) -> None:
    """The semantic layer sees the end of a run-on note longer than the model's input."""
    note = "walked to the shops and back " * 20 + "and now my foot hangs down and flops"
    assert "foot_drop" in {finding.field for finding in reader(note).findings}


@settings(max_examples=25, deadline=None)
@given(notes=st.lists(notes_of_every_kind(), min_size=1, max_size=6))
def test_reading_many_notes_gives_each_notes_own_reading(reader: Reader, notes: list[str]) -> None:
    """`read_many` equals `read_notes` note by note, whatever notes are read alongside."""
    assert read_many(notes) == [read_notes(note) for note in notes]


def test_reading_many_evaluation_notes_gives_each_notes_own_reading(
    reader: Reader, evaluation_cases: list[dict[str, Any]]
) -> None:
    """On evaluation notes, read together and in reverse order, each reading is its own."""
    notes = [case["checkin"]["notes"] for case in evaluation_cases[::4]]
    shuffled = notes[::-1]
    together = dict(zip(shuffled, read_many(shuffled), strict=True))
    semantic_layer().embedder.clear_cache()
    assert all(together[note] == read_notes(note) for note in notes)


def test_reading_many_without_the_semantic_layer_matches_too(rules_reader: Reader) -> None:
    """`read_many(..., semantic=False)` equals rules-only `read_notes`, blanks included."""
    notes = ["no fever cant pee", "", "   ", "My dad had incontinence."]
    assert read_many(notes, semantic=False, topics=False) == [rules_reader(note) for note in notes]


def test_reading_no_notes_gives_no_readings() -> None:
    """An empty batch reads as an empty list, loading nothing."""
    assert read_many([]) == []


@pytest.mark.parametrize(
    ("note", "embedded"),
    [
        ("I can't feel the paper when I wipe.", 0),  # every word read by a rule
        ("No problem with my bladder.", 0),  # plainly denied
        ("I can lift my foot up fine now.", 0),  # plainly fine
        ("My foot hangs down and flops when I take a step.", 1),  # only the embedding knows
    ],
)
def test_only_clauses_with_something_left_to_find_are_embedded(
    reader: Reader, embedder: Embedder, note: str, embedded: int
) -> None:
    """Clauses the rules read completely, and plain denials, cost no embedding."""
    embedder.clear_cache()
    reader(note)
    assert embedder.cache_info().misses == embedded
