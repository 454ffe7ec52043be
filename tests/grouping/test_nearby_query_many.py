"""SimilarityIndex.query_many: the answers of query() for each text, whatever the
n-grams it bounds first (the common ones) and the blocks it scores the queries in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop.grouping import nearby

WORDS = ["jardin", "jardins", "vélo", "vélos", "école", "bio", "épicerie", "bus", "café", "le"]

texts = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join),
    min_size=1,
    max_size=30,
)


def _plain(matches: list[list[nearby.Match]]) -> list[list[tuple[int, float]]]:
    return [[(m.index, m.score) for m in found] for found in matches]


@settings(max_examples=60, deadline=None)
@given(
    ideas=texts,
    queries=texts,
    limit=st.integers(0, 6),
    threshold=st.floats(0.05, 0.95),
    share=st.sampled_from([0.0, 0.3, 1.0]),
    block=st.sampled_from([1, 7, 1_000_000]),
    lookup=st.sampled_from([0, 4, 10**9]),
)
def test_query_many_answers_as_query_does(
    ideas: list[str],
    queries: list[str],
    limit: int,
    threshold: float,
    share: float,
    block: int,
    lookup: int,
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nearby, "_COMMON_SHARE", share)
        patch.setattr(nearby, "_COMMON_MIN", 0)
        patch.setattr(nearby, "_BLOCK_CELLS", block)
        patch.setattr(nearby, "_BLOCK_POSTINGS", block)
        patch.setattr(nearby, "_LOOKUP_COST", lookup)  # 0: bound, 10**9: count them all
        index = nearby.SimilarityIndex(ideas, "fr")
        many = index.query_many(queries, limit, threshold)
    assert _plain(many) == _plain([index.query(q, limit, threshold) for q in queries])


def test_a_grown_index_answers_as_one_built_at_once_on_its_queries() -> None:
    ideas = [f"Des jardins et des vélos, rue numéro {i}" for i in range(120)]
    grown = nearby.SimilarityIndex(ideas[:100], "fr").extended(ideas[100:] + ["café bio"])
    queries = ["jardin rue 104", "café bio", "épicerie", ""]
    assert _plain(grown.query_many(queries, 3, 0.3)) == _plain(
        [grown.query(q, 3, 0.3) for q in queries]
    )
    assert grown.query("café bio", 1, 0.5)[0].index == 120


def test_many_ideas_alike_answer_as_query_does() -> None:
    """Ideas so alike that every pair could reach the threshold: the common n-grams are
    then counted rather than bounded, with the same answers."""
    ideas = [f"Plus de pistes cyclables dans le quartier {i % 3}" for i in range(300)]
    queries = [f"Des pistes cyclables quartier {i % 5}" for i in range(40)]
    index = nearby.SimilarityIndex(ideas, "fr")
    assert _plain(index.query_many(queries, 3, 0.5)) == _plain(
        [index.query(q, 3, 0.5) for q in queries]
    )
