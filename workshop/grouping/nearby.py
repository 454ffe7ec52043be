"""Ideas close to what a participant is typing: hints against duplicates.

Character 3–5-grams (within words, hashed) of the accent-folded content words, TF-IDF
weighted, cosine similarity.  Cheap enough to run on every keystroke: building the index for 1,000
ideas takes a few tens of milliseconds and is cached by content; a query then costs about a
millisecond.  Deterministic: ties are broken by index.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from . import text as textproc

DEFAULT_MIN_SCORE = 0.3
_MAX_CHARS = 2_000
_CACHE_SIZE = 16
# An index grown by appending is rebuilt once it holds this share of texts it was not fit on.
_REFIT_SHARE = 0.2
# Hashed n-gram space: collisions are rare for the few thousand n-grams of a workshop.
_HASHED_FEATURES = 2**20
# Texts scored together by query_many: bounds the dense score block to _BATCH × index size.
_BATCH = 256


@dataclass(frozen=True, slots=True)
class Match:
    """An existing idea close to the query: its index and cosine similarity (0–1)."""

    index: int
    score: float


class SimilarityIndex:
    """A character n-gram TF-IDF index of ``texts``, built once, queried many times.

    N-grams are hashed (no vocabulary to outgrow), so texts appended later with
    :meth:`extended` are matched on all their n-grams; the IDF weights stay those of the
    build, and an n-gram it never saw counts as the rarest.
    """

    def __init__(self, texts: list[str], lang: str = "fr") -> None:
        self.lang = textproc.check_lang(lang)
        self.size = self.fitted_size = len(texts)
        self._hasher = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            n_features=_HASHED_FEATURES,
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
            preprocessor=self._prepare,
        )
        self._weigher = TfidfTransformer(sublinear_tf=True)
        self._matrix: Any = (
            self._weigher.fit_transform(self._hasher.transform(texts)) if texts else None
        )

    def extended(self, more: list[str]) -> SimilarityIndex:
        """This index with ``more`` texts appended, vectorising only them."""
        if not self.fitted_size:
            return SimilarityIndex(more, self.lang)
        if not more:
            return self
        grown = copy.copy(self)
        added = self._weigher.transform(self._hasher.transform(more))
        grown._matrix = sparse.vstack([self._matrix, added]).tocsr()
        grown.size = self.size + len(more)
        return grown

    def _prepare(self, text: str) -> str:
        return textproc.char_text(text[:_MAX_CHARS], self.lang)

    def query(self, query: str, limit: int = 5, min_score: float | None = None) -> list[Match]:
        """The ``limit`` ideas most similar to ``query`` with at least ``min_score``."""
        threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
        if not self.fitted_size or limit < 1 or not self._prepare(query):
            return []
        vector = self._weigher.transform(self._hasher.transform([query]))
        scores = (self._matrix @ vector.T).toarray().ravel()
        order = np.lexsort((np.arange(self.size), -scores))[:limit]
        return [Match(int(i), round(float(scores[i]), 4)) for i in order if scores[i] >= threshold]

    def query_many(
        self, queries: list[str], limit: int = 5, min_score: float | None = None
    ) -> list[list[Match]]:
        """:meth:`query` for each of ``queries``, vectorised and scored in batches.

        The same answers as calling :meth:`query` once per text, at a fraction of the
        cost for hundreds of texts (one product per batch instead of one per text).
        """
        threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
        if not self.fitted_size or limit < 1:
            return [[] for _ in queries]
        results: list[list[Match]] = []
        ties = np.arange(self.size)
        for start in range(0, len(queries), _BATCH):
            batch = queries[start : start + _BATCH]
            vectors = self._weigher.transform(self._hasher.transform(batch))
            scores = (vectors @ self._matrix.T).toarray()
            for text, row in zip(batch, scores, strict=True):
                if not self._prepare(text):
                    results.append([])
                    continue
                order = np.lexsort((ties, -row))[:limit]
                results.append(
                    [Match(int(i), round(float(row[i]), 4)) for i in order if row[i] >= threshold]
                )
        return results


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
