"""Ideas close to what a participant is typing: hints against duplicates.

Character 3–5-grams (within words) of the accent-folded content words, TF-IDF weighted
(sublinear term frequency, smoothed IDF, each vector of unit length), cosine similarity:
what scikit-learn's ``HashingVectorizer(analyzer="char_wb")`` and ``TfidfTransformer``
computed here before, now with numpy alone, so that the server process never imports
scikit-learn and scipy for a hint (about 95 MB; the grouping engine, which needs them,
runs in its own process: :mod:`.worker`).  numpy itself (about 19 MB) is imported on the
first index built, not when the server starts.  N-grams are keyed by their text rather
than hashed, so two n-grams never share a weight (scikit-learn's 2^20 hashed features
merged about 1.5 % of a thousand ideas' n-grams).

The index is an inverted one (each n-gram → the ideas holding it, with their weights), so
a query only touches the ideas that share an n-gram with it.  Building the index for
1,000 ideas takes a few tens of milliseconds and is cached by content; a query then costs
well under a millisecond.  Deterministic: ties are broken by index.
"""

from __future__ import annotations

import copy
import math
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

from . import text as textproc

DEFAULT_MIN_SCORE = 0.3
_MAX_CHARS = 2_000
_CACHE_SIZE = 16
# An index grown by appending is rebuilt once it holds this share of texts it was not fit on.
_REFIT_SHARE = 0.2
_NGRAMS = (3, 5)


@dataclass(frozen=True, slots=True)
class Match:
    """An existing idea close to the query: its index and cosine similarity (0–1)."""

    index: int
    score: float


def _ngrams(prepared: str) -> Counter[str]:
    """The character n-grams of each word padded with a space, as scikit-learn's ``char_wb``.

    A word shorter than the smallest n yields itself once (padded).
    """
    low, high = _NGRAMS
    found: Counter[str] = Counter()
    for word in prepared.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if length <= n:
                found[padded] += 1
                break
            for offset in range(length - n + 1):
                found[padded[offset : offset + n]] += 1
    return found


def _numpy() -> Any:
    import numpy  # On first use: a server that never shows a hint never loads it.

    return numpy


class SimilarityIndex:
    """A character n-gram TF-IDF index of ``texts``, built once, queried many times.

    Texts appended later with :meth:`extended` are matched on all their n-grams; the IDF
    weights stay those of the build, and an n-gram it never saw counts as the rarest
    (it weighs in the text's length, and matches nothing).
    """

    def __init__(self, texts: list[str], lang: str = "fr") -> None:
        self.lang = textproc.check_lang(lang)
        self.size = self.fitted_size = len(texts)
        counts = [_ngrams(self._prepare(text)) for text in texts]
        frequency: Counter[str] = Counter()
        for found in counts:
            frequency.update(found.keys())
        self._columns = {gram: column for column, gram in enumerate(frequency)}
        # Smoothed IDF: ln((1 + n) / (1 + df)) + 1; an unseen n-gram has df = 0.
        total = 1 + len(texts)
        self._idf = [math.log(total / (1 + df)) + 1.0 for df in frequency.values()]
        self._unseen_idf = math.log(total) + 1.0
        self._rows = [self._weigh(found) for found in counts]
        self._invert()

    def extended(self, more: list[str]) -> SimilarityIndex:
        """This index with ``more`` texts appended, vectorising only them.

        The index it extends is left as it was (both may stay in the cache).
        """
        if not self.fitted_size:
            return SimilarityIndex(more, self.lang)
        if not more:
            return self
        grown = copy.copy(self)
        # New n-grams get columns of their own, weighted as unseen by the build.
        grown._columns = dict(self._columns)
        grown._idf = list(self._idf)
        grown._rows = self._rows + [
            grown._weigh(_ngrams(self._prepare(text)), grow=True) for text in more
        ]
        grown.size = self.size + len(more)
        grown._invert()
        return grown

    def _prepare(self, text: str) -> str:
        return textproc.char_text(text[:_MAX_CHARS], self.lang)

    def _weigh(self, counts: Counter[str], grow: bool = False) -> tuple[list[int], list[float]]:
        """Sublinear TF × IDF scaled to unit length, as (columns, weights) of the n-grams
        the index holds; with ``grow``, an n-gram it does not hold gets a column, else it
        only lengthens the vector (no idea holds it)."""
        columns: list[int] = []
        weights: list[float] = []
        norm = 0.0
        for gram, count in counts.items():
            column = self._columns.get(gram)
            if column is None and grow:
                column = self._columns[gram] = len(self._idf)
                self._idf.append(self._unseen_idf)
            weight = (1.0 + math.log(count)) * (
                self._unseen_idf if column is None else self._idf[column]
            )
            norm += weight * weight
            if column is not None:
                columns.append(column)
                weights.append(weight)
        if norm:
            scale = 1.0 / math.sqrt(norm)
            weights = [weight * scale for weight in weights]
        return columns, weights

    def _vector(self, text: str) -> tuple[list[int], list[float]]:
        return self._weigh(_ngrams(self._prepare(text)))

    def _invert(self) -> None:
        """The postings: for each n-gram (column), the ideas holding it and their weights."""
        np = _numpy()
        lengths = [len(columns) for columns, _ in self._rows]
        columns = np.fromiter(
            (c for row, _ in self._rows for c in row), dtype=np.int64, count=sum(lengths)
        )
        weights = np.fromiter(
            (w for _, row in self._rows for w in row), dtype=np.float64, count=sum(lengths)
        )
        ideas = np.repeat(np.arange(len(self._rows), dtype=np.int64), lengths)
        order = np.argsort(columns, kind="stable")
        self._ideas = ideas[order]
        self._weights = weights[order]
        self._starts = np.searchsorted(columns[order], np.arange(len(self._idf) + 1))

    def _scores(self, vector: tuple[list[int], list[float]]) -> Any:
        """The cosine of ``vector`` with every idea of the index."""
        np = _numpy()
        columns = np.asarray(vector[0], dtype=np.int64)
        if not len(columns):
            return np.zeros(self.size)
        starts = self._starts[columns]
        lengths = self._starts[columns + 1] - starts
        total = int(lengths.sum())
        # The positions of every posting of the query's n-grams, then one weighted count.
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        positions = offsets + np.arange(total)
        products = self._weights[positions] * np.repeat(np.asarray(vector[1]), lengths)
        return np.bincount(self._ideas[positions], products, minlength=self.size)

    def query(self, query: str, limit: int = 5, min_score: float | None = None) -> list[Match]:
        """The ``limit`` ideas most similar to ``query`` with at least ``min_score``."""
        threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
        if not self.fitted_size or limit < 1 or not self._prepare(query):
            return []
        np = _numpy()
        scores = self._scores(self._vector(query))
        order = np.lexsort((np.arange(self.size), -scores))[:limit]
        return [Match(int(i), round(float(scores[i]), 4)) for i in order if scores[i] >= threshold]

    def query_many(
        self, queries: list[str], limit: int = 5, min_score: float | None = None
    ) -> list[list[Match]]:
        """:meth:`query` for each of ``queries``: the same answers, in one call."""
        return [self.query(text, limit, min_score) for text in queries]


_cache: OrderedDict[tuple[str, tuple[str, ...]], SimilarityIndex] = OrderedDict()


def index_for(texts: list[str], lang: str = "fr") -> SimilarityIndex:
    """A :class:`SimilarityIndex` of ``texts``, reused while the texts are unchanged.

    When ``texts`` extends a list indexed before (ideas are appended as they are posted),
    that index is extended with the new texts only; it is rebuilt in full once a fifth of
    its texts are new, or when an earlier text changed.
    """
    key = (lang, tuple(texts))
    index = _cache.get(key)
    if index is None:
        index = _grow(key) or SimilarityIndex(list(texts), lang)
        _cache[key] = index
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return index


def _grow(key: tuple[str, tuple[str, ...]]) -> SimilarityIndex | None:
    lang, texts = key
    for (old_lang, old_texts), old in reversed(_cache.items()):
        if (
            old_lang == lang
            and len(old_texts) < len(texts)
            and len(texts) - old.fitted_size <= _REFIT_SHARE * len(texts)
            and texts[: len(old_texts)] == old_texts
        ):
            return old.extended(list(texts[len(old_texts) :]))
    return None


def similar(
    texts_or_index: list[str] | SimilarityIndex,
    query: str,
    lang: str = "fr",
    limit: int = 5,
    min_score: float | None = None,
) -> list[Match]:
    """The ideas of ``texts_or_index`` closest to ``query``, best first.

    Pass a list of texts (its index is built once and cached by content) or a
    :class:`SimilarityIndex` you keep yourself.
    """
    if isinstance(texts_or_index, SimilarityIndex):
        index = texts_or_index
    else:
        index = index_for(list(texts_or_index), lang)
    return index.query(query, limit, min_score)
