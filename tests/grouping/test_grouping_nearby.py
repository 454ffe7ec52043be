"""Close ideas while typing: relevant, deterministic, fast."""

from __future__ import annotations

import time

from workshop.grouping import SimilarityIndex, similar

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


def test_fast_for_a_thousand_ideas() -> None:
    ideas = [
        f"Idée numéro {i} : des jardins, des vélos et des arbres rue {i % 37}" for i in range(1000)
    ]
    similar(ideas, "warm up", "fr")  # builds and caches the index
    started = time.perf_counter()
    for query in ("jardin", "vélos rue", "arbres partout"):
        similar(ideas, query, "fr")
    assert (time.perf_counter() - started) / 3 < 0.02


def test_appending_ideas_extends_the_cached_index() -> None:
    ideas = [f"Des jardins et des arbres, rue numéro {i}" for i in range(200)]
    similar(ideas, "jardin", "fr")
    grown = [*ideas, "Plus de pistes cyclables"]
    started = time.perf_counter()
    matches = similar(grown, "piste cyclable", "fr")
    assert time.perf_counter() - started < 0.02
    assert [m.index for m in matches] == [200]
    assert [m.index for m in similar(SimilarityIndex(grown), "piste cyclable")] == [200]
