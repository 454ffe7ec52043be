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
a query only touches the ideas that share an n-gram with it.  Texts are split into
n-grams once per distinct word, then weighed with numpy: building the index for 1,000
ideas takes a few tens of milliseconds and is cached by content; a query then costs well
under a millisecond.  :meth:`SimilarityIndex.query_many` answers many queries at once (a
session of 1,000 ideas against a Fabrique's 5,000, for the merge proposals of an import:
a few tenths of a second), bounding first the n-grams most ideas hold, without losing a
match above its threshold.  Deterministic: ties are broken by index.
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
# At most, in a block of queries of SimilarityIndex.query_many: cells of its scores
# (queries × ideas), postings it reads (each taken by one query, more than one alone).
_BLOCK_CELLS = 1_000_000
_BLOCK_POSTINGS = 1 << 16
# N-grams held by more than this share of an index's ideas are "common" (query_many);
# an index of fewer than _COMMON_MIN / _COMMON_SHARE ideas has none.
_COMMON_SHARE = 0.08
_COMMON_MIN = 32
# Float rounding: the bound of the common part is never under the exact value by more.
_SLACK = 1e-9
# A pair's common n-gram looked up (sorted search) costs about as much as this many
# postings counted: beyond, query_many counts them all.
_LOOKUP_COST = 4


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

    The vectors are kept as arrays (one row per text: ``_starts``, ``_row_columns``,
    ``_row_weights``) and weighed with numpy; only splitting the words into n-grams is
    done word by word, once per distinct word of a call.
    """

    def __init__(self, texts: list[str], lang: str = "fr") -> None:
        np = _numpy()
        self.lang = textproc.check_lang(lang)
        self.size = self.fitted_size = len(texts)
        self._columns: dict[str, int] = {}
        rows, columns, counts = self._counts(texts, self._columns)
        frequency = np.bincount(columns, minlength=len(self._columns))
        # Smoothed IDF: ln((1 + n) / (1 + df)) + 1; an unseen n-gram has df = 0.
        total = 1 + len(texts)
        self._idf = np.log(total / (1.0 + frequency)) + 1.0
        self._unseen_idf = math.log(total) + 1.0
        self._set_rows(*self._weigh(len(texts), rows, columns, counts, self._idf))
        self._invert()

    def extended(self, more: list[str]) -> SimilarityIndex:
        """This index with ``more`` texts appended, vectorising only them.

        The index it extends is left as it was (both may stay in the cache).
        """
        if not self.fitted_size:
            return SimilarityIndex(more, self.lang)
        if not more:
            return self
        np = _numpy()
        grown = copy.copy(self)
        # New n-grams get columns of their own, weighted as unseen by the build.
        grown._columns = dict(self._columns)
        rows, columns, counts = self._counts(more, grown._columns)
        grown._idf = np.concatenate(
            [self._idf, np.full(len(grown._columns) - len(self._idf), self._unseen_idf)]
        )
        rows, columns, weights, _size = self._weigh(len(more), rows, columns, counts, grown._idf)
        old_rows = np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self._starts))
        grown.size = self.size + len(more)
        grown._set_rows(
            np.concatenate([old_rows, rows + self.size]),
            np.concatenate([self._row_columns, columns]),
            np.concatenate([self._row_weights, weights]),
            grown.size,
        )
        grown._invert()
        return grown

    def _prepare(self, text: str) -> str:
        return textproc.char_text(text[:_MAX_CHARS], self.lang)

    def _counts(self, texts: list[str], columns: dict[str, int]) -> tuple[Any, Any, Any]:
        """Each text's n-grams as (text, column, count) arrays sorted by text then column;
        an n-gram ``columns`` lacks gets the next free column there."""
        np = _numpy()
        of_word: dict[str, list[int]] = {}
        found: list[int] = []
        lengths: list[int] = []
        for text in texts:
            before = len(found)
            for word in self._prepare(text).split():
                ids = of_word.get(word)
                if ids is None:
                    ids = of_word[word] = [
                        columns.setdefault(gram, len(columns))
                        for gram, count in _ngrams(word).items()
                        for _ in range(count)
                    ]
                found.extend(ids)
            lengths.append(len(found) - before)
        width = max(len(columns), 1)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        keys, counts = np.unique(
            rows * width + np.asarray(found, dtype=np.int64), return_counts=True
        )
        return keys // width, keys % width, counts

    def _weigh(
        self, size: int, rows: Any, columns: Any, counts: Any, idf: Any
    ) -> tuple[Any, Any, Any, int]:
        """Sublinear TF × IDF scaled to unit length. The columns ``self._idf`` lacks
        (n-grams the build never saw) only lengthen the vectors: they are dropped."""
        np = _numpy()
        weights = (1.0 + np.log(counts)) * idf[columns]
        norms = np.sqrt(np.bincount(rows, weights * weights, minlength=size))
        weights = weights / np.where(norms > 0, norms, 1.0)[rows]
        kept = columns < len(idf)
        return rows[kept], columns[kept], weights[kept], size

    def _set_rows(self, rows: Any, columns: Any, weights: Any, size: int) -> None:
        """Keep the vectors, sorted by text: text ``i`` is at ``_starts[i]:_starts[i + 1]``."""
        np = _numpy()
        self._starts = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=size))])
        self._row_columns, self._row_weights = columns, weights

    def _vectors(self, texts: list[str]) -> tuple[Any, Any, Any]:
        """The vectors of ``texts`` (not in the index): (text, column, weight) arrays, the
        n-grams the index does not hold left out after weighing in their length."""
        np = _numpy()
        columns = dict(self._columns)
        rows, found, counts = self._counts(texts, columns)
        idf = np.concatenate([self._idf, np.full(len(columns) - len(self._idf), self._unseen_idf)])
        rows, found, weights, _size = self._weigh(len(texts), rows, found, counts, idf)
        kept = found < len(self._idf)
        return rows[kept], found[kept], weights[kept]

    def _vector(self, text: str) -> tuple[Any, Any]:
        _rows, columns, weights = self._vectors([text])
        return columns, weights

    def _invert(self) -> None:
        """The postings: for each n-gram (column), the ideas holding it and their weights."""
        np = _numpy()
        ideas = np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self._starts))
        order = np.argsort(self._row_columns, kind="stable")
        self._ideas = ideas[order]
        self._weights = self._row_weights[order]
        self._postings = np.searchsorted(self._row_columns[order], np.arange(len(self._idf) + 1))

    def _postings_of(self, columns: Any) -> tuple[Any, Any]:
        """The positions in the postings of every idea holding each of ``columns``, and
        for each position the index (in ``columns``) of the n-gram it is for."""
        np = _numpy()
        starts = self._postings[columns]
        lengths = self._postings[columns + 1] - starts
        total = int(lengths.sum())
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        return offsets + np.arange(total), np.repeat(np.arange(len(columns)), lengths)

    def _scores(self, vector: tuple[Any, Any]) -> Any:
        """The cosine of ``vector`` with every idea of the index."""
        np = _numpy()
        columns = np.asarray(vector[0], dtype=np.int64)
        if not len(columns):
            return np.zeros(self.size)
        positions, of = self._postings_of(columns)
        products = self._weights[positions] * np.asarray(vector[1])[of]
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
        """:meth:`query` for each of ``queries``: the same answers, in one call.

        The queries are vectorised together and scored by blocks of queries (a block's
        scores are one array of at most ``_BLOCK_CELLS`` cells). Above a threshold, the
        n-grams most ideas hold (:meth:`_common`) are only bounded at first: an idea is
        scored in full only when the rest of the query and that bound could reach the
        threshold, so nothing above it is missed while most of the work is skipped (a
        thousand queries against five thousand ideas: a few tenths of a second).
        """
        threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
        answers: list[list[Match]] = [[] for _ in queries]
        if not self.fitted_size or limit < 1 or not queries:
            return answers
        np = _numpy()
        rows, columns, weights = self._vectors(queries)
        common = self._common() if threshold > 0 else np.zeros(len(self._idf), dtype=bool)
        bounds = _Bounds(self, rows, columns, weights, common, len(queries))
        rare = ~common[columns]
        rows, columns, weights = rows[rare], columns[rare], weights[rare]
        starts = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(queries)))])
        # Blocks of queries whose postings and scores stay small (in the CPU's caches).
        postings = np.concatenate(
            [[0], np.cumsum(self._postings[columns + 1] - self._postings[columns])]
        )
        first = 0
        while first < len(queries):
            most = min(len(queries), first + max(1, _BLOCK_CELLS // self.size))
            reach = np.searchsorted(
                postings[starts[first + 1 : most + 1]],
                postings[starts[first]] + _BLOCK_POSTINGS,
                side="right",
            )
            last = first + max(1, int(reach))
            span = slice(starts[first], starts[last])
            positions, of = self._postings_of(columns[span])
            products = self._weights[positions] * weights[span][of]
            cells = (rows[span][of] - first) * self.size + self._ideas[positions]
            scores = np.bincount(cells, products, minlength=(last - first) * self.size)
            scores = scores.astype(np.float64, copy=False)  # no posting: integer zeros
            found, ideas, partial = bounds.complete(
                scores.reshape(last - first, self.size), first, threshold
            )
            self._best(found + first, ideas, partial, limit, threshold, answers)
            first = last
        # A query without a content word matches nothing, as with query().
        for n, text in enumerate(queries):
            if answers[n] and not self._prepare(text):
                answers[n] = []
        return answers

    def _common(self) -> Any:
        """Which n-grams (columns) are common: held by more than ``_COMMON_SHARE`` of the
        ideas (and ``_COMMON_MIN``). They make most of the work of scoring and little of
        the scores."""
        np = _numpy()
        held = np.diff(self._postings)
        return held > max(_COMMON_MIN, _COMMON_SHARE * self.size)

    @staticmethod
    def _best(
        rows: Any,
        ideas: Any,
        scores: Any,
        limit: int,
        threshold: float,
        answers: list[list[Match]],
    ) -> None:
        """Into ``answers[row]``: the ``limit`` best ``ideas`` of each ``row`` with at
        least ``threshold``, best first, ties by index."""
        np = _numpy()
        kept = scores >= threshold
        rows, ideas, scores = rows[kept], ideas[kept], scores[kept]
        if not len(rows):
            return
        order = np.lexsort((ideas, -scores, rows))
        rows, ideas, scores = rows[order], ideas[order], scores[order]
        group = np.concatenate([[0], np.flatnonzero(rows[1:] != rows[:-1]) + 1])
        rank = np.arange(len(rows)) - np.repeat(group, np.diff(np.append(group, len(rows))))
        top = rank < limit
        for row, idea, score in zip(
            rows[top].tolist(), ideas[top].tolist(), scores[top].tolist(), strict=True
        ):
            answers[row].append(Match(idea, round(score, 4)))


class _Bounds:
    """The part of the queries' scores carried by the common n-grams of an index: an upper
    bound for every idea, the exact value for the ideas that could reach a threshold.

    Bound of the common part of query ``q`` and idea ``d`` (unit vectors): at most
    ``|q_common| × |d_common|`` (Cauchy–Schwarz), and at most ``Σ q_g × max_d d_g``.
    """

    def __init__(
        self,
        index: SimilarityIndex,
        rows: Any,
        columns: Any,
        weights: Any,
        common: Any,
        queries: int,
    ) -> None:
        np = _numpy()
        self.index = index
        self.any = bool(common.any())
        if not self.any:
            return
        width = len(index._idf)
        # The queries' common n-grams, keyed query × width + column (sorted: see _counts).
        mine = common[columns]
        self.keys = rows[mine] * width + columns[mine]
        self.weights = weights[mine]
        self.width = width
        self.query_norms = np.sqrt(np.bincount(rows[mine], self.weights**2, minlength=queries))
        held = index._postings
        heaviest = np.zeros(width)
        present = np.flatnonzero(np.diff(held) > 0)
        if len(present):
            heaviest[present] = np.maximum.reduceat(index._weights, held[present])
        self.query_most = np.bincount(
            rows[mine], self.weights * heaviest[columns[mine]], minlength=queries
        )
        # The ideas' common n-grams, idea by idea.
        ideas = np.repeat(np.arange(index.size, dtype=np.int64), np.diff(index._starts))
        theirs = common[index._row_columns]
        self.idea_columns = index._row_columns[theirs]
        self.idea_weights = index._row_weights[theirs]
        counts = np.bincount(ideas[theirs], minlength=index.size)
        self.idea_starts = np.concatenate([[0], np.cumsum(counts)])
        self.idea_norms = np.sqrt(
            np.bincount(ideas[theirs], self.idea_weights**2, minlength=index.size)
        )

    def complete(self, partial: Any, first: int, threshold: float) -> tuple[Any, Any, Any]:
        """(query row in the block, idea, full score) of every pair of the block whose
        score could reach ``threshold``, given ``partial``, the scores without the common
        n-grams (block × ideas)."""
        np = _numpy()
        if not self.any:
            rows, ideas = np.nonzero(partial >= threshold)
            return rows, ideas, partial[rows, ideas]
        block = slice(first, first + partial.shape[0])
        bound = np.minimum(
            self.query_norms[block, None] * self.idea_norms[None, :],
            self.query_most[block, None],
        )
        rows, ideas = np.nonzero(partial + bound + _SLACK >= threshold)
        # The exact common part for these pairs: each idea's common n-grams, looked up
        # among the query's; by chunks of pairs of at most _BLOCK_POSTINGS n-grams.
        lengths = self.idea_starts[ideas + 1] - self.idea_starts[ideas]
        ends = np.cumsum(lengths)
        mine = slice(*np.searchsorted(self.keys, [first * self.width, block.stop * self.width]))
        columns = self.keys[mine] % self.width
        held = self.index._postings
        if len(rows) and ends[-1] * _LOOKUP_COST > int((held[columns + 1] - held[columns]).sum()):
            # So many pairs could reach the threshold (ideas alike) that counting the
            # common n-grams of every idea is less work.
            scores = partial.copy()
            owners = self.keys[mine] // self.width - first
            weights = self.weights[mine]
            cost = np.cumsum(held[columns + 1] - held[columns])
            # By chunks of n-grams: of at most this many postings, at least one.
            chunk = max(_BLOCK_POSTINGS, partial.size // 2)
            start = 0
            while start < len(columns):
                done = cost[start - 1] if start else 0
                stop = max(start + 1, int(np.searchsorted(cost, done + chunk, "right")))
                positions, of = self.index._postings_of(columns[start:stop])
                products = self.index._weights[positions] * weights[start:stop][of]
                cells = owners[start:stop][of] * self.index.size + self.index._ideas[positions]
                scores += np.bincount(cells, products, minlength=partial.size).reshape(
                    partial.shape
                )
                start = stop
            rows, ideas = np.nonzero(scores >= threshold)
            return rows, ideas, scores[rows, ideas]
        extra = np.zeros(len(rows))
        start = 0
        while start < len(rows):
            done = ends[start - 1] if start else 0
            stop = max(start + 1, int(np.searchsorted(ends, done + _BLOCK_POSTINGS, "right")))
            extra[start:stop] = self._common_part(rows[start:stop] + first, ideas[start:stop])
            start = stop
        return rows, ideas, partial[rows, ideas] + extra

    def _common_part(self, queries: Any, ideas: Any) -> Any:
        """For each pair (``queries[i]``, ``ideas[i]``), their dot product on the common
        n-grams."""
        np = _numpy()
        starts = self.idea_starts[ideas]
        lengths = self.idea_starts[ideas + 1] - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        positions = offsets + np.arange(int(lengths.sum()))
        pair = np.repeat(np.arange(len(queries)), lengths)
        wanted = queries[pair] * self.width + self.idea_columns[positions]
        if not len(self.keys):
            return np.zeros(len(queries))
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        hit = self.keys[at] == wanted
        products = np.where(hit, self.weights[at] * self.idea_weights[positions], 0.0)
        return np.bincount(pair, products, minlength=len(queries))


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
