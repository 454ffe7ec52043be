"""services.votes.change_votes: a group commit of dots in one transaction, one fact.

The socket handlers queue the dots that arrive together (workshop.batching) and write
them with change_votes: each change is checked against what the changes before it
left, a refused change writes nothing while the others apply, and one
``votes_changed`` carries every item changed.
"""

from __future__ import annotations

from flask import Flask

from tests.factories import facts_since, make_participant, make_vote_workshop, vote_rows
from workshop.errors import (
    ItemNotVotable,
    NotFound,
    VoteBudgetExhausted,
    VoteCapReached,
    WrongWorkshop,
)
from workshop.extensions import db
from workshop.models import IdeaStatus, Workshop
from workshop.schemas import VoteTarget
from workshop.services import votes
from workshop.services.votes import VoteChange


def add(participant_id: int, idea_id: int, count: int = 1) -> VoteChange:
    return VoteChange(participant_id, VoteTarget(item_id=idea_id, count=count), "add")


def test_a_batch_is_one_transaction_and_one_fact_with_every_item(app: Flask) -> None:
    with app.app_context():
        workshop, (first, second, third) = make_vote_workshop(
            ideas=3, vote={"votes_per_participant": 3, "max_per_item": 2}
        )
        alice, bob = make_participant(workshop), make_participant(workshop)
        seq = workshop.seq
        results = votes.change_votes(
            workshop.id,
            [
                add(alice.id, first.id),
                add(bob.id, second.id, 2),
                add(alice.id, first.id),
                add(alice.id, first.id),  # over the cap, after the two before it
                add(alice.id, third.id),
                add(alice.id, second.id),  # over the budget of 3
            ],
        )
        assert [r["remaining"] if isinstance(r, dict) else type(r) for r in results] == [
            2,
            1,
            1,
            VoteCapReached,
            0,
            VoteBudgetExhausted,
        ]
        assert results[4]["votes"] == {str(first.id): 2, str(third.id): 1}
        [(name, data)] = facts_since(workshop.id, seq)
        assert name == "votes_changed"
        assert data["tallies"] == {str(first.id): 2, str(second.id): 2, str(third.id): 1}
        assert (data["voters"], data["votes_cast"]) == (2, 5)
        assert db.session.get(Workshop, workshop.id).seq == seq + 1
        assert sorted((p, i, n) for _ph, p, i, n in vote_rows(workshop.id)) == sorted(
            [(alice.id, first.id, 2), (alice.id, third.id, 1), (bob.id, second.id, 2)]
        )


def test_refusals_and_repeats_alone_write_and_announce_nothing(app: Flask) -> None:
    with app.app_context():
        workshop, (idea,) = make_vote_workshop(ideas=1)
        other, _ = make_vote_workshop(ideas=1)
        stranger = make_participant(other)
        alice = make_participant(workshop)
        idea.status = IdeaStatus.HIDDEN
        db.session.commit()
        seq = workshop.seq
        results = votes.change_votes(
            workshop.id,
            [
                add(alice.id, idea.id),
                add(stranger.id, idea.id),
                add(999_999, idea.id),
                VoteChange(alice.id, VoteTarget(item_id=idea.id, count=0), "set"),
            ],
        )
        assert [type(r) for r in results[:3]] == [ItemNotVotable, WrongWorkshop, NotFound]
        assert results[3] == {
            "phase_id": results[3]["phase_id"],
            "target": "ideas",
            "votes": {},
            "remaining": 5,
        }
        assert facts_since(workshop.id, seq) == []
        assert db.session.get(Workshop, workshop.id).seq == seq
        assert vote_rows(workshop.id) == []
