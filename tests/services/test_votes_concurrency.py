"""Votes arriving at the same moment, on a real SQLite file with one connection each.

The default test app shares one in-memory connection, which serialises everything;
here each thread opens its own connection to a database file, as server workers do,
so only the workshop's write lock (:func:`workshop.services.event_log.lock_workshop`)
keeps two phones of one participant from both spending the last dot.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import TEST_DATABASE_URL, build_app
from tests.factories import make_participant, make_vote_workshop, recorded
from workshop.errors import (
    NoVoteToWithdraw,
    VoteBudgetExhausted,
    VoteCapReached,
    WorkshopError,
)
from workshop.extensions import db
from workshop.models import Facilitator, Vote, Workshop
from workshop.schemas import VoteTarget
from workshop.services import votes

THREADS = 8
ROUNDS = 4


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    if TEST_DATABASE_URL:  # PostgreSQL: the workshop's row lock, across connections
        app = build_app()
    else:
        app = build_app(DATABASE_URL=f"sqlite:///{tmp_path / 'votes.db'}")
        with app.app_context():
            assert db.engine.url.database == str(tmp_path / "votes.db")
    yield app
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL:
            db.drop_all()
        db.engine.dispose()


def race(app: Flask, acts: list[Callable[[], Any]]) -> list[Any]:
    """Run each act in its own thread and app context, all released at once; returns
    each act's result or the exception it raised."""
    barrier = threading.Barrier(len(acts))
    results: list[Any] = [None] * len(acts)

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = acts[index]()
            except Exception as error:  # any failure is reported, not lost in the thread
                db.session.rollback()
                results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(acts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a voter never finished"
    return results


def outcomes(results: list[Any]) -> Counter[str]:
    """How many acts succeeded, and how many failed with each error code."""
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, WorkshopError)
    ]
    assert not unexpected, f"unexpected failures: {unexpected!r}"
    return Counter("ok" if isinstance(r, dict) else r.code for r in results)


def dots(participant_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Vote.count), 0)).where(
                Vote.participant_id == participant_id
            )
        )
        or 0
    )


def check_event_log(workshop_id: int) -> None:
    """Every recorded event has its own seq, 1, 2, 3… up to the workshop's."""
    seqs = [seq for seq, _name in recorded(workshop_id)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert db.session.get(Workshop, workshop_id).seq == len(seqs)


def test_one_participants_phones_cannot_overspend_the_budget(file_app: Flask) -> None:
    with file_app.app_context():
        workshop, ideas = make_vote_workshop(ideas=THREADS, vote={"votes_per_participant": 3})
        workshop_id, idea_ids = workshop.id, [idea.id for idea in ideas]
    for _round in range(ROUNDS):
        with file_app.app_context():
            voter = make_participant(db.session.get(Workshop, workshop_id)).id

        results = race(
            file_app,
            [
                lambda idea_id=idea_id, voter=voter: votes.cast_vote(
                    workshop_id, voter, VoteTarget(idea_id)
                )
                for idea_id in idea_ids
            ],
        )

        assert outcomes(results) == {"ok": 3, VoteBudgetExhausted.code: THREADS - 3}
        # Each success saw the ones before it: 2, 1, then 0 dots left.
        assert sorted(r["remaining"] for r in results if isinstance(r, dict)) == [0, 1, 2]
        with file_app.app_context():
            assert dots(voter) == 3
            check_event_log(workshop_id)


def test_one_participants_phones_cannot_pass_the_cap(file_app: Flask) -> None:
    with file_app.app_context():
        workshop, (idea, *_rest) = make_vote_workshop(
            vote={"votes_per_participant": 5, "max_per_item": 1}
        )
        workshop_id, idea_id = workshop.id, idea.id
    for _round in range(ROUNDS):
        with file_app.app_context():
            voter = make_participant(db.session.get(Workshop, workshop_id)).id

        results = race(
            file_app,
            [lambda voter=voter: votes.cast_vote(workshop_id, voter, VoteTarget(idea_id))] * 2,
        )

        assert outcomes(results) == {"ok": 1, VoteCapReached.code: 1}
        with file_app.app_context():
            assert dots(voter) == 1
            check_event_log(workshop_id)


def test_many_phones_on_one_idea_stop_at_the_cap(file_app: Flask) -> None:
    with file_app.app_context():
        workshop, (idea, *_rest) = make_vote_workshop(
            vote={"votes_per_participant": 5, "max_per_item": 3}
        )
        workshop_id, idea_id = workshop.id, idea.id
        voter = make_participant(workshop).id

    results = race(
        file_app,
        [lambda: votes.cast_vote(workshop_id, voter, VoteTarget(idea_id))] * THREADS,
    )

    assert outcomes(results) == {"ok": 3, VoteCapReached.code: THREADS - 3}
    with file_app.app_context():
        assert db.session.scalars(select(Vote.count).where(Vote.participant_id == voter)).all() == [
            3
        ]


def test_a_dot_taken_back_twice_at_once_is_taken_back_once(file_app: Flask) -> None:
    with file_app.app_context():
        workshop, (idea, *_rest) = make_vote_workshop()
        voter = make_participant(workshop)
        votes.cast_vote(workshop.id, voter.id, VoteTarget(idea.id))
        workshop_id, idea_id, voter_id = workshop.id, idea.id, voter.id

    results = race(
        file_app,
        [lambda: votes.withdraw_vote(workshop_id, voter_id, VoteTarget(idea_id))] * THREADS,
    )

    assert outcomes(results) == {"ok": 1, NoVoteToWithdraw.code: THREADS - 1}
    with file_app.app_context():
        assert dots(voter_id) == 0
        check_event_log(workshop_id)


def test_casting_and_withdrawing_at_once_keep_the_books(file_app: Flask) -> None:
    with file_app.app_context():
        workshop, ideas = make_vote_workshop(ideas=6, vote={"votes_per_participant": 3})
        voter = make_participant(workshop)
        placed, free = ideas[:3], ideas[3:]
        for idea in placed:
            votes.cast_vote(workshop.id, voter.id, VoteTarget(idea.id))
        workshop_id, voter_id = workshop.id, voter.id
        placed_ids, free_ids = [i.id for i in placed], [i.id for i in free]

    withdrawals = [
        lambda idea_id=idea_id: votes.withdraw_vote(workshop_id, voter_id, VoteTarget(idea_id))
        for idea_id in placed_ids
    ]
    casts = [
        lambda idea_id=idea_id: votes.cast_vote(workshop_id, voter_id, VoteTarget(idea_id))
        for idea_id in free_ids
    ]
    results = race(file_app, [*withdrawals, *casts])

    taken_back = sum(isinstance(r, dict) for r in results[: len(withdrawals)])
    added = sum(isinstance(r, dict) for r in results[len(withdrawals) :])
    assert taken_back == len(withdrawals)  # one's own dots can always be taken back
    assert set(outcomes(results)) <= {"ok", VoteBudgetExhausted.code}
    with file_app.app_context():
        assert dots(voter_id) == 3 - taken_back + added <= 3
        check_event_log(workshop_id)


def test_a_freeze_amid_votes_ranks_exactly_the_dots_that_got_in(file_app: Flask) -> None:
    with file_app.app_context():
        workshop, (idea, *_rest) = make_vote_workshop()
        voters = [make_participant(workshop).id for _ in range(THREADS - 1)]
        workshop_id, idea_id, owner_id = workshop.id, idea.id, workshop.owner.id

    def freeze() -> dict[str, Any]:
        phase = votes.freeze_results(workshop_id, db.session.get(Facilitator, owner_id))
        return {"ranking": phase.frozen_ranking}

    casts = [
        lambda voter=voter: votes.cast_vote(workshop_id, voter, VoteTarget(idea_id))
        for voter in voters
    ]
    results = race(file_app, [*casts, freeze])

    frozen = results[-1]
    assert isinstance(frozen, dict), frozen
    got_in = sum(isinstance(r, dict) for r in results[:-1])
    assert set(outcomes(results[:-1])) <= {"ok", "vote_closed"}
    ranked = sum(row["votes"] for row in frozen["ranking"])
    with file_app.app_context():
        total = db.session.scalar(select(func.sum(Vote.count)).where(Vote.idea_id == idea_id))
        assert ranked == got_in == (total or 0)
        check_event_log(workshop_id)
