"""Suggest groups (défis) for a set of short ideas: consensus clustering of two views.

The method, for ``n`` ideas and ``k`` groups (identical ideas, case and accents aside, are
clustered once and follow their first copy):

1. Two views of the ideas (see :mod:`.features`): sentence meaning (multilingual USE) and
   words (stems ⊕ character n-grams, LSA), plus their concatenation.  Each view is smoothed
   by its nearest neighbours (each vector moves halfway towards the mean of its closest
   ideas), which pulls an idea towards the theme of the ideas that resemble it.
2. Many fast k-means runs (k-means++, one init each, fixed seeds) on the meaning view and on
   the joint view (each reduced to its top 64 principal components), with k from k to 1.5 k:
   partitions a little finer than the target vote on finer structure.  Each run is a vote;
   ``C[i, j]`` is the share of runs that put ideas ``i`` and ``j`` together (the
   co-association matrix of evidence accumulation clustering, Fred & Jain 2005).
3. Average-linkage clustering of ``1 - C``, cut at ``k`` groups.  The consensus is steadier
   than any single k-means run and follows the shape of the data rather than k-means' balls.
4. A balance guard: no group keeps more than half of the ideas (its least typical members
   move to their next-closest group).
5. A name per group that a facilitator can keep: the title (first sentence) of its most
   central idea, the closest to the group's centroid in the joint view — not a list of
   keywords.

When ``k`` is not given, the base runs use a spread of k over ``[2, √n]`` (at most 30: 3 for
10 ideas, 10 for 100, 30 for 1,000), the consensus tree is cut at every k of that range, and
the cut with the best silhouette (cosine distance in the joint view) is kept.

Deterministic: fixed seeds and stable tie-breaking, whatever the hash seed.  No constant
depends on a data set: the same settings serve every workshop, in French or English.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.linalg import eigh
from scipy.spatial.distance import squareform
from sklearn.cluster import KMeans
from sklearn.preprocessing import normalize

from ..headline import ELLIPSIS, headline
from . import features
from . import text as textproc
from .result import Group

__all__ = ["Group", "suggest_groups"]

SEED = 0
# k-means runs per view for the consensus; more is steadier and slower (≈ 10 ms each for
# 1,000 ideas).
RUNS_PER_VIEW = 20
# Base runs use k to BASE_K_SPREAD × k groups (finer partitions vote on finer structure).
BASE_K_SPREAD = 1.5
# Iterations per k-means run: a vote in the consensus need not be fully converged.
MAX_ITER = 100
# Dimensions of each view after PCA (0: keep them all).
VIEW_DIMS = 64
# Neighbourhood smoothing: neighbours averaged, and how far a vector moves towards them.
NEIGHBOURS = 5
SMOOTHING = 0.5
# Bounds of the automatic choice of k.
MIN_AUTO_K = 2
MAX_AUTO_K = 30
# Label: the title of one of the most central ideas, at most this long (a défi's title
# holds 140 characters; a name that reads at a glance is shorter).
LABEL_CHARS = 100
LABEL_CANDIDATES = 3

FloatArray = np.ndarray[Any, np.dtype[np.float32]]


def suggest_groups(texts: list[str], k: int | None = None, lang: str = "fr") -> list[Group]:
    """Group ``texts`` into ``k`` groups (or a number chosen from the data when ``k`` is None).

    Every index of ``texts`` appears in exactly one group; identical ideas (same words, case
    and accents aside) always share a group.  ``k`` larger than the number of distinct ideas
    is clamped.  The result is deterministic: same input, same groups, in the same order
    (largest first, then by first member).
    """
    texts = _check(texts, k, lang)
    if not texts:
        return []
    # Cluster each distinct idea once; copies follow their first occurrence.
    keys = [" ".join(textproc.fold(text[: features.MAX_CHARS]).split()) for text in texts]
    first: dict[str, int] = {}
    unique: list[str] = []
    for text, key in zip(texts, keys, strict=True):
        if key not in first:
            first[key] = len(unique)
            unique.append(text)
    copy_of = np.asarray([first[key] for key in keys])
    unique_content = features.content_words(unique, lang)
    content = [unique_content[i] for i in copy_of]
    weights = np.bincount(copy_of).astype(np.float64)
    if len(unique) == 1 or k == 1:
        assignment = np.zeros(len(unique), dtype=np.int64)
        joint = np.zeros((len(unique), 1), dtype=np.float32)
    else:
        meaning = features.meaning(unique)
        words = features.words(unique_content, lang)
        joint = np.hstack([meaning, words]) * np.float32(math.sqrt(0.5))
        views = [_reduce(_smooth(meaning)), _reduce(_smooth(joint))]
        distinct = min(_distinct_rows(view) for view in views)
        if distinct < 2:
            assignment = np.zeros(len(unique), dtype=np.int64)
        elif k is None:
            assignment = _auto(views, joint, distinct)
        else:
            k = min(k, distinct)
            assignment = _cut(_consensus(views, _finer(k, distinct)), [k])[0]
    assignment = _balance(assignment, joint, weights)
    members = _members(assignment[copy_of])
    return [
        Group(label, group)
        for label, group in zip(
            _label(members, texts, content, lang, joint, copy_of), members, strict=True
        )
    ]


def _check(texts: Sequence[str], k: object, lang: str) -> list[str]:
    """The texts as a list, once they and ``k`` are what the caller's types promise."""
    if isinstance(texts, str) or not all(isinstance(text, str) for text in texts):
        raise TypeError("texts must be a list of strings")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise ValueError("k must be a positive integer or None")
    textproc.check_lang(lang)
    return list(texts)


def _smooth(vectors: FloatArray) -> FloatArray:
    """Move each vector halfway towards the mean of its nearest neighbours (cosine)."""
    n = vectors.shape[0]
    neighbours = min(NEIGHBOURS, n // 10)
    if neighbours < 1:
        return vectors
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argpartition(-similarity, neighbours - 1, axis=1)[:, :neighbours]
    mixed = (1 - SMOOTHING) * vectors + SMOOTHING * vectors[nearest].mean(axis=1)
    return np.asarray(normalize(mixed), dtype=np.float32)


def _reduce(vectors: FloatArray) -> Any:
    """The top principal components of ``vectors`` (float64, for k-means' speed)."""
    centred = vectors.astype(np.float64) - vectors.mean(axis=0)
    dims = min(VIEW_DIMS, *centred.shape)
    if not VIEW_DIMS or dims >= centred.shape[1] or centred.shape[0] <= VIEW_DIMS:
        return centred  # Few ideas span few dimensions: nothing to gain.
    values, axes = eigh(
        centred.T @ centred, subset_by_index=[centred.shape[1] - dims, centred.shape[1] - 1]
    )
    return centred @ axes


def _distinct_rows(vectors: FloatArray) -> int:
    """Rows that differ beyond rounding noise: k-means cannot find more clusters than that."""
    return int(np.unique(np.round(vectors, 6), axis=0).shape[0])


def _finer(k: int, distinct: int) -> list[int]:
    """The k of the base runs: five steps from k to ``BASE_K_SPREAD`` × k."""
    steps = [round(k * (1 + (BASE_K_SPREAD - 1) * step / 4)) for step in range(5)]
    return sorted({min(distinct, step) for step in steps})


def _consensus(views: list[FloatArray], ks: list[int]) -> FloatArray:
    """Co-association matrix: the share of k-means runs that put each pair together."""
    votes = []  # One indicator column per (run, cluster): C = H Hᵀ / runs.
    for view in views:
        for run in range(RUNS_PER_VIEW):
            k = ks[run % len(ks)]
            labels = KMeans(k, n_init=1, max_iter=MAX_ITER, random_state=SEED + run).fit_predict(
                view
            )
            votes.append(np.eye(k, dtype=np.float32)[labels])
    indicators = np.hstack(votes)
    return np.asarray(indicators @ indicators.T / len(votes), dtype=np.float32)


def _cut(together: FloatArray, ks: list[int]) -> list[np.ndarray[Any, np.dtype[np.int64]]]:
    """Average-linkage tree of ``1 - together``, cut at each k of ``ks``."""
    distance = 1.0 - together.astype(np.float64)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    n = together.shape[0]
    cuts = []
    for k in ks:
        # Replay the first n - k merges; each leaf's cluster is the last node that took it.
        owner = np.arange(2 * n - 1)
        merges = tree[: n - k, :2].astype(np.int64)
        owner[merges[:, 0]] = owner[merges[:, 1]] = np.arange(n, 2 * n - k)
        while True:
            resolved = owner[owner]
            if np.array_equal(resolved, owner):
                break
            owner = resolved
        cuts.append(np.unique(owner[:n], return_inverse=True)[1].astype(np.int64))
    return cuts


def auto_k_range(n: int) -> list[int]:
    """The k tried when none is given: 2 to √n (at most 30) — 3 for 10 ideas, 30 for 1,000."""
    upper = max(MIN_AUTO_K, min(MAX_AUTO_K, round(math.sqrt(n)), n - 1))
    return list(range(MIN_AUTO_K, upper + 1))


def _auto(views: list[FloatArray], joint: FloatArray, distinct: int) -> Any:
    n = joint.shape[0]
    candidates = [k for k in auto_k_range(n) if k <= distinct] or [min(MIN_AUTO_K, distinct)]
    # Base runs spread over the candidate range, so that the consensus is not biased to one k.
    spread = [
        candidates[round(i * (len(candidates) - 1) / max(1, RUNS_PER_VIEW - 1))]
        for i in range(RUNS_PER_VIEW)
    ]
    cuts = _cut(_consensus(views, spread), candidates)
    distance = np.clip(1.0 - joint @ joint.T, 0.0, 2.0).astype(np.float64)
    np.fill_diagonal(distance, 0.0)
    best, best_score = cuts[0], -math.inf
    for assignment in cuts:
        if not 2 <= len(np.unique(assignment)) < n:
            continue
        score = _silhouette(distance, assignment)
        if score > best_score + 1e-9:
            best, best_score = assignment, score
    return best


def _silhouette(distance: Any, assignment: Any) -> float:
    """Mean silhouette of ``assignment`` under a precomputed ``distance`` matrix.

    The definition of scikit-learn's ``silhouette_score(metric="precomputed")`` (an idea
    alone in its group scores 0), from one product of the distances with the groups'
    indicator matrix: a third of its time for the 29 cuts of 1,000 ideas.
    """
    n = len(assignment)
    groups = int(assignment.max()) + 1
    rows = np.arange(n)
    indicator = np.zeros((n, groups))
    indicator[rows, assignment] = 1.0
    sums = distance @ indicator
    sizes = indicator.sum(axis=0)
    own = sizes[assignment]
    inner = sums[rows, assignment] / np.maximum(own - 1, 1)
    mean_to = sums / sizes
    mean_to[rows, assignment] = np.inf
    nearest = mean_to.min(axis=1)
    scores = np.where(
        own > 1, (nearest - inner) / np.maximum(np.maximum(inner, nearest), 1e-300), 0.0
    )
    return float(scores.mean())


def _balance(assignment: Any, vectors: FloatArray, weights: Any) -> Any:
    """Move the least typical ideas of any group holding more than half of the ideas.

    ``weights`` counts the copies of each distinct idea.  The limit is half of the ideas
    (rounded up when there are only two groups and an odd count, where half cannot be met).
    An idea repeated more often than that stays whole: it is the one exception.
    """
    groups = int(assignment.max()) + 1
    total = float(weights.sum())
    if groups < 2:
        return assignment
    limit = total // 2 if groups > 2 else math.ceil(total / 2)
    assignment = assignment.copy()
    for _ in range(2 * groups):
        sizes = np.bincount(assignment, weights=weights, minlength=groups)
        largest = int(sizes.argmax())
        if sizes[largest] <= limit:
            break
        centroids = normalize(
            np.stack([vectors[assignment == g].mean(axis=0) for g in range(groups)])
        )
        similarity = vectors @ centroids.T
        inside = np.flatnonzero(assignment == largest)
        others = similarity[inside].copy()
        others[:, largest] = -np.inf
        target = others.argmax(axis=1)
        # The ideas that lose least by moving go first; ties by index.
        loss = similarity[inside, largest] - others[np.arange(len(inside)), target]
        excess = sizes[largest] - limit
        for position in np.lexsort((inside, loss)):
            if excess <= 0 or len(inside) == 1:
                break
            if weights[inside[position]] > limit:
                continue
            assignment[inside[position]] = target[position]
            excess -= weights[inside[position]]
    return assignment


def _members(assignment: Any) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for index, group in enumerate(assignment.tolist()):
        groups.setdefault(group, []).append(index)
    return sorted(groups.values(), key=lambda members: (-len(members), members[0]))


def _label(
    members: list[list[int]],
    texts: list[str],
    content: list[list[str]],
    lang: str,
    vectors: FloatArray,
    copy_of: Any,
) -> list[str]:
    """A readable name per group: the title of its most central idea (see
    :func:`_central`), each name once (« (2) » after a repeated one)."""
    stems = [{textproc.stem(word, lang) for word in found} for found in content]
    labels: list[str] = []
    used: set[str] = set()
    for group in members:
        label = _central(group, texts, stems, vectors, copy_of) or _fallback(lang)
        base, suffix = label, 2
        while label in used:
            label, suffix = f"{base} ({suffix})", suffix + 1
        used.add(label)
        labels.append(label)
    return labels


def _central(
    group: list[int], texts: list[str], stems: list[set[str]], vectors: FloatArray, copy_of: Any
) -> str:
    """The title (first sentence, see :func:`workshop.headline.headline`) of the group's
    most central idea: the closest to the group's centroid in the joint view (cosine),
    the one sharing most words with the others when the view cannot tell. Of the
    :data:`LABEL_CANDIDATES` most central, the first whose title needs no cut wins: a
    facilitator keeps a name that reads whole."""
    rows = normalize(np.asarray(vectors[copy_of[group]], dtype=np.float64))
    closeness = rows @ rows.mean(axis=0)
    counts: dict[str, int] = {}
    for index in group:
        for stem in stems[index]:
            counts[stem] = counts.get(stem, 0) + 1
    shared = [
        sum(counts[stem] - 1 for stem in stems[index]) / max(1, len(stems[index]))
        for index in group
    ]
    order = sorted(
        range(len(group)), key=lambda at: (-round(float(closeness[at]), 6), -shared[at], at)
    )
    titles = [headline(texts[group[at]], LABEL_CHARS) for at in order[:LABEL_CANDIDATES]]
    titles = [title for title in titles if title.strip(ELLIPSIS + " ")]
    whole = [title for title in titles if not title.endswith(ELLIPSIS)]
    return (whole or titles or [""])[0]


def _fallback(lang: str) -> str:
    """A name when no idea of the group has any text."""
    return "Groupe" if lang == "fr" else "Group"
