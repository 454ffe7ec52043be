"""Duplicate proposals after the import got faster (issue #15): the same proposals as the
plain computation, the comparison handed to the offload pool, nothing else changed.

The reference below is the similarity as :mod:`workshop.grouping.nearby` defined it
before it was vectorised and pruned (dictionaries, one query at a time): character
3–5-grams of the folded content words, sublinear TF × smoothed IDF of the other sessions'
ideas, unit length, cosine; the three best at 0.5 or more, ties by order.
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.portfolio.conftest import build_document, idea
from workshop import offload
from workshop.extensions import db
from workshop.grouping import nearby
from workshop.grouping import text as textproc
from workshop.models import Fabrique, PortfolioIdea, PortfolioMergeProposal
from workshop.services import portfolio
from workshop.services.portfolio import proposals

WORDS = (
    "jardin partagé épicerie mobile vélo atelier réparation village école cantine bio "
    "marché local covoiturage navette bus tiers-lieu café associatif ressourcerie compost "
    "quartier maison santé jeunes aînés solidarité numérique formation emploi"
).split()


def _grams(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for word in textproc.char_text(text[:2000], "fr").split():
        padded = f" {word} "
        for n in range(3, 6):
            if len(padded) <= n:
                counts[padded] += 1
                break
            for at in range(len(padded) - n + 1):
                counts[padded[at : at + n]] += 1
    return counts


def _reference_vector(text: str, idf: dict[str, float], unseen: float) -> dict[str, float]:
    weights = {g: (1 + math.log(c)) * idf.get(g, unseen) for g, c in _grams(text).items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {g: w / norm for g, w in weights.items() if g in idf}


def reference_look_alikes(others: list[str], mine: list[str]) -> list[list[tuple[int, float]]]:
    """For each of ``mine``: (index in ``others``, score) of its three best at ≥ 0.5."""
    held: Counter[str] = Counter()
    for text in others:
        held.update(_grams(text).keys())
    total = 1 + len(others)
    idf = {g: math.log(total / (1 + df)) + 1 for g, df in held.items()}
    unseen = math.log(total) + 1
    vectors = [_reference_vector(t, idf, unseen) for t in others]
    answers = []
    for text in mine:
        if not _grams(text):
            answers.append([])
            continue
        query = _reference_vector(text, idf, unseen)
        scores = [sum(w * v.get(g, 0.0) for g, w in query.items()) for v in vectors]
        best = sorted(range(len(others)), key=lambda i: (-scores[i], i))[:3]
        answers.append([(i, round(scores[i], 4)) for i in best if scores[i] >= 0.5])
    return answers


def _sessions(seed: int, sessions: int, per_session: int) -> list[dict[str, Any]]:
    """Exports of made-up ideas on a small vocabulary (many look alike), some copied
    with a word changed from an earlier session."""
    rng = random.Random(seed)
    made: list[tuple[str, str]] = []
    documents = []
    for number in range(sessions):
        ideas = []
        for n in range(per_session):
            if made and rng.random() < 0.15:
                title, body = rng.choice(made)
                words = title.split()
                words[rng.randrange(len(words))] = rng.choice(WORDS)
                title = " ".join(words)
            else:
                title = " ".join(rng.sample(WORDS, rng.randint(2, 5)))
                body = " ".join(rng.sample(WORDS, rng.randint(0, 8)))
            made.append((title, body))
            ideas.append(idea(n + 1, title.capitalize(), body=body))
        documents.append(build_document(title=f"Session {number}", ideas=ideas))
    return documents


def _fabrique(ref: Any) -> Fabrique:
    found = db.session.get(Fabrique, ref.id)
    assert found is not None
    return found


def _proposals() -> set[tuple[int, int, float]]:
    return {
        (p.idea_id, p.keep_id, p.score) for p in db.session.scalars(select(PortfolioMergeProposal))
    }


def _expected(session_ids: list[int]) -> set[tuple[int, int, float]]:
    """The proposals the reference makes, session after session, as the imports did."""
    expected: set[tuple[int, int, float]] = set()
    known: set[frozenset[int]] = set()
    for at, session_id in enumerate(session_ids):
        rows = db.session.execute(
            select(
                PortfolioIdea.id, PortfolioIdea.title, PortfolioIdea.body, PortfolioIdea.session_id
            )
            .where(PortfolioIdea.session_id.in_(session_ids[: at + 1]))
            .order_by(PortfolioIdea.id)
        ).all()
        others = [r for r in rows if r.session_id != session_id]
        mine = [r for r in rows if r.session_id == session_id]
        if not others:
            continue
        found = reference_look_alikes(
            [proposals._idea_text(o.title, o.body) for o in others],
            [proposals._idea_text(m.title, m.body) for m in mine],
        )
        for row, matches in zip(mine, found, strict=True):
            for index, score in matches:
                pair = frozenset((row.id, others[index].id))
                if pair not in known:
                    known.add(pair)
                    expected.add((max(pair), min(pair), score))
    return expected


@pytest.mark.parametrize(
    "common", [None, (0.0, 0), (1.0, 10**9)], ids=["as-shipped", "all-common", "none-common"]
)
def test_the_same_proposals_as_the_plain_computation(
    app: Flask,
    new_fabrique: Any,
    monkeypatch: pytest.MonkeyPatch,
    common: tuple[float, int] | None,
) -> None:
    # The n-grams held by many ideas are bounded before they are counted
    # (SimilarityIndex.query_many): whichever they are, no proposal may be lost.
    if common is not None:
        monkeypatch.setattr(nearby, "_COMMON_SHARE", common[0])
        monkeypatch.setattr(nearby, "_COMMON_MIN", common[1])
    ref = new_fabrique()
    with app.app_context():
        made = 0
        session_ids = []
        for document in _sessions(seed=15, sessions=3, per_session=80):
            result = portfolio.import_export(_fabrique(ref), document)
            made += result.proposals
            session_ids.append(result.session_id)
        stored = _proposals()
        assert made == len(stored) > 20  # the data makes some, or the test proves nothing
        assert stored == _expected(session_ids)


def test_the_comparison_runs_in_the_offload_pool(app: Flask, new_fabrique: Any) -> None:
    """What the server's async mode registers (eventlet's tpool): the comparison is
    computed in another thread, the import's result and the duplicates are the same."""
    handed: list[str] = []

    def executor(run: Any, *args: Any) -> Any:
        inner = getattr(args[-1], "func", None)
        handed.append(getattr(inner, "__name__", "?"))
        outcome: list[Any] = []
        worker = threading.Thread(target=lambda: outcome.append(run(*args)))
        worker.start()
        worker.join()
        return outcome[0]

    plain, pooled = new_fabrique(), new_fabrique()
    documents = _sessions(seed=7, sessions=2, per_session=40)
    with app.app_context():
        first = [portfolio.import_export(_fabrique(plain), d).proposals for d in documents]
        counts_plain = {
            (p.idea.title, p.keep.title, p.score)
            for p in portfolio.open_proposals(_fabrique(plain))
        }
    offload.register(app, executor)
    try:
        with app.app_context():
            second = [portfolio.import_export(_fabrique(pooled), d).proposals for d in documents]
            counts_pooled = {
                (p.idea.title, p.keep.title, p.score)
                for p in portfolio.open_proposals(_fabrique(pooled))
            }
    finally:
        del app.extensions[offload.EXTENSION]
    assert "look_alikes" in handed
    assert first == second and second[1] > 0
    assert counts_plain == counts_pooled


def test_look_alikes_of_nothing() -> None:
    assert proposals.look_alikes([], ["vélo"], "fr") == [[]]
    assert proposals.look_alikes(["vélo"], [], "fr") == []
    assert proposals.look_alikes(["atelier vélo"], ["", "le la", "atelier vélo"], "fr") == [
        [],
        [],
        [nearby.Match(0, 1.0)],
    ]
