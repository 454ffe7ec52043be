"""bench.portfolio's pure parts: the six exports it imports (valid, distinct, seeded, with
near-duplicates of earlier sessions), its table and its goal."""

from __future__ import annotations

import random

import pytest
from flask import Flask

pytest.importorskip("psutil", reason="the benchmark's extra (make bench) is not installed")

from bench import goals, portfolio  # noqa: E402
from workshop.exports.validation import validate_document  # noqa: E402
from workshop.grouping import nearby  # noqa: E402


@pytest.fixture(scope="module")
def titles() -> list[str]:
    return portfolio.load_titles()


def test_the_real_titles_are_read(titles: list[str]) -> None:
    assert len(titles) > 1000
    assert len(set(titles)) == len(titles)
    assert all(title.strip() == title and title for title in titles)


def test_exports_are_valid_distinct_and_the_same_for_a_seed(app: Flask, titles: list[str]) -> None:
    documents = portfolio.build_exports(seed=3, sessions=3, ideas=60, titles=titles)
    assert documents == portfolio.build_exports(seed=3, sessions=3, ideas=60, titles=titles)
    assert documents != portfolio.build_exports(seed=4, sessions=3, ideas=60, titles=titles)
    with app.test_request_context():
        for document in documents:
            validate_document(document)  # raises ImportInvalid if the importer would refuse
    assert len({d["workshop"]["uid"] for d in documents}) == 3
    texts = [{(i["title"], i["body"]) for i in d["ideas"]} for d in documents]
    assert all(len(found) == 60 for found in texts)
    assert not texts[0] & texts[1] and not texts[1] & texts[2] and not texts[0] & texts[2]
    assert all(i["state"] == "visible" for d in documents for i in d["ideas"])


def test_later_sessions_reword_ideas_of_earlier_ones(titles: list[str]) -> None:
    rng = random.Random(1)
    first = portfolio.session_ideas(titles, rng, [], count=200)
    second = portfolio.session_ideas(titles, rng, first, count=200, near_share=0.1)
    index = nearby.SimilarityIndex([f"{t}\n{b}" for t, b in first], "fr")
    close = [
        found
        for found in index.query_many([f"{t}\n{b}" for t, b in second], 1, 0.5)
        if found and found[0].score < 1.0
    ]
    assert len(close) >= 20  # the 20 rewordings at least: near, not equal
    assert not set(first) & set(second)


def test_reword_changes_a_text_a_little() -> None:
    rng = random.Random(5)
    text = "Végétaliser les cours des écoles du quartier"
    variants = {portfolio.reword(text, rng) for _ in range(40)}
    assert text not in variants and len(variants) > 5
    for variant in variants:
        assert nearby.SimilarityIndex([text], "fr").query(variant, 1, 0.0)[0].score >= 0.5


def test_the_chain_writes_new_sentences_of_real_words(titles: list[str]) -> None:
    chain = portfolio.Chain(titles)
    rng = random.Random(2)
    sentences = [chain.sentence(rng) for _ in range(50)]
    vocabulary = {word for title in titles for word in title.split()}
    assert not set(sentences) & set(titles)
    assert all(3 <= len(s.split()) <= 16 for s in sentences)
    assert all(set(s.split()) <= vocabulary for s in sentences)


def test_the_table_says_the_bare_framework_does_not_apply() -> None:
    figures = {"sessions": 5, "ideas": 1000, "empty_s": 0.3, "import_s": 2.5, "proposals": 40}
    rows = portfolio.rows(figures)
    assert all(row.bare == "n/a" for row in rows)
    goal = next(row for row in rows if row.goal)
    assert (goal.app, goal.goal, goal.met) == (2.5, "<= 2 s", False)
    assert portfolio.rows({**figures, "import_s": 2.0})[2].met is True


def test_the_goal_reads_the_scenario_figure() -> None:
    checked = {c["figure"]: c for c in goals.check_all({"portfolio": {"import_s": 1.4}})}
    assert checked["portfolio.import_s"]["met"] is True
    assert checked["portfolio.import_s"]["goal"] == "<= 2 s"
    assert "n/a" in checked["portfolio.import_s"]["label"]
    missed = goals.check_all({"portfolio": {"import_s": 2.01}})
    assert next(c for c in missed if c["figure"] == "portfolio.import_s")["met"] is False
