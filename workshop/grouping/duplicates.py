"""Likely duplicates among a workshop's ideas: clusters of near-identical texts.

The similarity is the one of the close-idea hints (:mod:`.nearby`: character 3–5-grams of
the accent-folded content words, TF-IDF, cosine), so "Des arbres pour la rue Cler" and
"Plus d'arbres pour la rue Cler" score 1.0 and two ideas that only share a theme score far
lower.  Clusters are grown from the closest pairs first (complete linkage):

- a pair is *proposed* from :data:`MIN_SCORE`;
- two clusters join only if every pair across them is at least :data:`LINK_SCORE` apart
  (no chaining: A close to B and B close to C does not bring A and C together when they
  are not close themselves), and a cluster holds at most :data:`MAX_MEMBERS` ideas;
- pairs the facilitators said were not duplicates (``apart``) never sit in one cluster.

On 1,000 real ideas (Paris participatory budget titles, New York ballot texts) the whole
computation takes well under a second; its cost grows with the number of ideas times
:data:`NEIGHBOURS` (each idea is compared with all, only its closest are kept), not with
the square of the pairs found.  Deterministic: ties are broken by index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import text as textproc
from .nearby import SimilarityIndex

# Cosine from which two ideas are proposed as duplicates. On the real data sets, pairs
# above it are rewordings of one proposal ("Réaménagement de la place Cambronne et de ses
# abords" / "Aménagement de la place Cambronne…"); between 0.6 and 0.8 they mostly share
# a theme and a place name ("Cultiver en ville" / "Cultiver dans les écoles"). The hint
# shown on phones starts at 0.3, the Fabrique's cross-session proposals at 0.5.
MIN_SCORE = 0.8
# Every pair inside one cluster is at least this close.
LINK_SCORE = 0.6
# Closest ideas kept per idea: more than a cluster can hold would only cost time.
NEIGHBOURS = 12
MAX_MEMBERS = 10


@dataclass(frozen=True)
class Cluster:
    """Ideas that look like one another: their indexes (ascending), the most central one
    (closest to the others on average, the suggested idea to keep), and the lowest and
    highest similarity between two of them (0–1)."""

    members: list[int]
    central: int
    lowest: float
    highest: float


def find_clusters(
    texts: Sequence[str],
    lang: str = "fr",
    apart: Iterable[tuple[int, int]] = (),
    min_score: float = MIN_SCORE,
) -> list[Cluster]:
    """Clusters of likely duplicates among ``texts`` (indexes into it), closest first.

    ``apart`` lists pairs of indexes known not to be duplicates: no cluster holds both.
    An idea belongs to one cluster at most; ideas with no close one are in none. Texts
    without a content word (empty, only stop words) are never proposed.
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a list of strings")
    texts = list(texts)
    textproc.check_lang(lang)
    if not 0.0 < min_score <= 1.0:
        raise ValueError("min_score must be in (0, 1]")
    link = min(LINK_SCORE, min_score)
    if len(texts) < 2:
        return []
    separated = {(min(a, b), max(a, b)) for a, b in apart if a != b}
    index = SimilarityIndex(texts, lang)
    close: dict[tuple[int, int], float] = {}
    for i, found in enumerate(index.query_many(texts, NEIGHBOURS + 1, link)):
        for match in found:
            if match.index == i:
                continue
            pair = (min(i, match.index), max(i, match.index))
            if pair in separated:
                continue
            # The score is symmetric up to float rounding: keep the higher reading.
            close[pair] = max(close.get(pair, 0.0), min(match.score, 1.0))
    seeds = sorted(
        ((score, pair) for pair, score in close.items() if score >= min_score),
        key=lambda item: (-item[0], item[1]),
    )
    cluster_of: dict[int, list[int]] = {}
    for _score, (a, b) in seeds:
        left = cluster_of.get(a, [a])
        right = cluster_of.get(b, [b])
        if left is right or len(left) + len(right) > MAX_MEMBERS:
            continue
        if not all((min(x, y), max(x, y)) in close for x in left for y in right):
            continue
        joined = sorted(left + right)
        for member in joined:
            cluster_of[member] = joined
    clusters: list[Cluster] = []
    seen: set[int] = set()
    for members in cluster_of.values():
        if id(members) in seen:
            continue
        seen.add(id(members))
        scores = {(x, y): close[(x, y)] for n, x in enumerate(members) for y in members[n + 1 :]}

        def closeness(member: int, scores: dict[tuple[int, int], float] = scores) -> float:
            return sum(s for pair, s in scores.items() if member in pair)

        central = min(members, key=lambda m: (-round(closeness(m), 6), m))
        values = list(scores.values())
        clusters.append(Cluster(members, central, round(min(values), 4), round(max(values), 4)))
    clusters.sort(key=lambda c: (-c.highest, -c.lowest, c.members[0]))
    return clusters
