"""Close ideas while typing: relevant, deterministic, fast."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

from workshop.grouping import SimilarityIndex, nearby, similar

IDEAS = ["Plus de pistes cyclables", "Un jardin partagé", "Des vélos en libre-service", ""]


def test_finds_the_close_idea_despite_accents_and_plurals() -> None:
    matches = similar(IDEAS, "piste cyclable", "fr")
    assert [m.index for m in matches] == [0]
    assert 0 < matches[0].score <= 1
    assert similar(IDEAS, "jardins partages", "fr")[0].index == 1


def test_nothing_close_and_empty_inputs() -> None:
    assert similar(IDEAS, "concert de jazz", "fr") == []
    assert similar(IDEAS, "", "fr") == []
    assert similar([], "vélo", "fr") == []
    assert similar(["", "le la"], "vélo", "fr") == []


def test_limit_order_and_threshold() -> None:
    ideas = ["vélo", "vélos", "vélo électrique", "jardin"]
    matches = similar(ideas, "vélo", "fr", limit=2, min_score=0.0)
    assert len(matches) == 2
    assert matches[0].score >= matches[1].score
    assert similar(ideas, "vélo", "fr", limit=5, min_score=0.0) == similar(
        SimilarityIndex(ideas, "fr"), "vélo", limit=5, min_score=0.0
    )


@pytest.fixture
def vectorised(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every list of texts an index splits into n-grams (its build, an extension, a
    query), in order; with an empty cache of indexes. What a hint costs is counted by
    the texts it reads, not timed: ``make bench-grouping`` times them."""
    calls: list[list[str]] = []
    split = nearby.SimilarityIndex._counts

    def spy(index: Any, texts: list[str], columns: dict[str, int]) -> Any:
        calls.append(list(texts))
        return split(index, texts, columns)

    monkeypatch.setattr(nearby.SimilarityIndex, "_counts", spy)
    monkeypatch.setattr(nearby, "_cache", OrderedDict())
    return calls


def test_a_thousand_ideas_are_read_once_for_every_query(vectorised: list[list[str]]) -> None:
    ideas = [
        f"Idée numéro {i} : des jardins, des vélos et des arbres rue {i % 37}" for i in range(1000)
    ]
    similar(ideas, "warm up", "fr")  # builds and caches the index
    assert vectorised == [ideas, ["warm up"]]
    queries = ["jardin", "vélos rue", "arbres partout"]
    answers = [similar(list(ideas), query, "fr") for query in queries]  # equal, not the same
    # Each query reads itself only: the index of the same texts is the cached one.
    assert vectorised[2:] == [[query] for query in queries]
    fresh = SimilarityIndex(ideas, "fr")
    assert answers == [similar(fresh, query) for query in queries]
    assert any(answers)


def test_appending_ideas_extends_the_cached_index(vectorised: list[list[str]]) -> None:
    ideas = [f"Des jardins et des arbres, rue numéro {i}" for i in range(200)]
    similar(ideas, "jardin", "fr")
    grown = [*ideas, "Plus de pistes cyclables"]
    del vectorised[:]
    matches = similar(grown, "piste cyclable", "fr")
    # Only the new idea and the query are read: the 200 others are in the cached index.
    assert vectorised == [["Plus de pistes cyclables"], ["piste cyclable"]]
    assert [m.index for m in matches] == [200]
    assert [m.index for m in similar(SimilarityIndex(grown), "piste cyclable")] == [200]


def test_an_index_is_built_again_once_a_fifth_of_its_ideas_are_new(
    vectorised: list[list[str]],
) -> None:
    ideas = [f"Des jardins et des arbres, rue numéro {i}" for i in range(80)]
    similar(ideas, "jardin", "fr")
    grown = [*ideas, *(f"Des pistes cyclables, avenue {i}" for i in range(20))]
    del vectorised[:]
    similar(grown, "piste cyclable", "fr")
    # 20 new of 100: a fifth, still extended; one more and the weights are fit again.
    assert vectorised == [grown[80:], ["piste cyclable"]]
    del vectorised[:]
    similar([*grown, "Un four à pain"], "pain", "fr")
    assert vectorised == [[*grown, "Un four à pain"], ["pain"]]
