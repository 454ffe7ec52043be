"""Reading and moving dots: tallies and totals, what the room may see of them, each
participant's own dots, the ranking, and giving dots back or carrying them over when
an idea or a défi goes away."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ...extensions import db
from ...models import (
    Challenge,
    Idea,
    IdeaStatus,
    Participant,
    Phase,
    Vote,
    Workshop,
)
from ...phases import PhaseKind, vote_settings
from ...realtime import Facts
from ...tallies import ranks
from ...tallies import tallies_public as tallies_are_public
from ...wire import VotesChanged, VoteState
from .. import event_log


def totals(phase: Phase) -> dict[str, int]:
    """How many participants voted in ``phase`` and how many dots they placed."""
    voters, cast = db.session.execute(
        select(
            func.count(func.distinct(Vote.participant_id)), func.coalesce(func.sum(Vote.count), 0)
        ).where(Vote.phase_id == phase.id)
    ).one()
    return {"voters": int(voters), "votes_cast": int(cast)}


def target_column(phase: Phase) -> Any:
    """The ``votes`` column of what ``phase`` votes on: ideas or défis."""
    return Vote.challenge_id if vote_settings(phase)["target"] == "challenges" else Vote.idea_id


def tallies(phase: Phase) -> dict[int, int]:
    """Dots per item (idea or défi, the phase's target) in ``phase``; items without
    votes are absent."""
    column = target_column(phase)
    rows = db.session.execute(
        select(column, func.sum(Vote.count))
        .where(Vote.phase_id == phase.id, column.is_not(None))
        .group_by(column)
    )
    return {int(item_id or 0): int(total or 0) for item_id, total in rows}


def tallies_public(phase: Phase) -> bool:
    """Whether participants and screens may see the tallies of ``phase`` now."""
    return tallies_are_public(vote_settings(phase), phase.revealed_at, phase.frozen_at)


def my_votes(participant: Participant) -> dict[int, dict[int, int]]:
    """A participant's dots: ``{phase_id: {item_id: count}}`` (ideas or défis, as each
    vote's target is)."""
    mine: dict[int, dict[int, int]] = {}
    for phase_id, idea_id, challenge_id, count in db.session.execute(
        select(Vote.phase_id, Vote.idea_id, Vote.challenge_id, Vote.count).where(
            Vote.participant_id == participant.id
        )
    ):
        item_id = idea_id if idea_id is not None else challenge_id
        if item_id is not None:
            mine.setdefault(phase_id, {})[item_id] = count
    return mine


def vote_state(phase: Phase, *, public: bool) -> VoteState:
    """What a client shows of ``phase``'s vote: totals, and tallies when allowed."""
    counted = totals(phase)
    state: VoteState = {
        "phase_id": phase.id,
        "target": vote_settings(phase)["target"],
        "voters": counted["voters"],
        "votes_cast": counted["votes_cast"],
    }
    if not public or tallies_public(phase):
        state["tallies"] = {str(k): v for k, v in tallies(phase).items()}
    return state


def record_change(workshop: Workshop, phase: Phase, item_id: int) -> None:
    """Record ``votes_changed`` for one item (an idea or a défi, as the phase votes):
    its absolute tally and the phase totals."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Vote.count), 0)).where(
            Vote.phase_id == phase.id, target_column(phase) == item_id
        )
    )
    counted = totals(phase)
    data: VotesChanged = {
        "phase_id": phase.id,
        "target": vote_settings(phase)["target"],
        "tallies": {str(item_id): int(total or 0)},
        "voters": counted["voters"],
        "votes_cast": counted["votes_cast"],
    }
    public = None if tallies_public(phase) else {k: v for k, v in data.items() if k != "tallies"}
    event_log.record(workshop, Facts.VOTES_CHANGED, data, public)


def ranking(phase: Phase) -> list[dict[str, Any]]:
    """The ideas (or défis) of ``phase``'s vote by dots, ties sharing a rank ("1, 1, 3").

    Each row: ``{"idea_id" | "challenge_id", "title", "votes", "rank"}``."""
    counts = tallies(phase)
    items: list[Idea | Challenge]
    if vote_settings(phase)["target"] == "challenges":
        key = "challenge_id"
        items = list(db.session.scalars(select(Challenge).where(Challenge.id.in_(counts))))
    else:
        key = "idea_id"
        items = list(
            db.session.scalars(
                select(Idea).where(Idea.id.in_(counts), Idea.status == IdeaStatus.VISIBLE)
            )
        )
    shown = {item.id: item for item in items}
    rank = ranks({item_id: n for item_id, n in counts.items() if item_id in shown})
    return [
        {
            key: item_id,
            "title": shown[item_id].title,
            "votes": counts[item_id],
            "rank": rank[item_id],
        }
        for item_id in sorted(rank, key=lambda i: (rank[i], i))
    ]


def return_votes(workshop: Workshop, idea: Idea) -> None:
    """Give back the dots placed on ``idea`` in votes still open (it was hidden,
    withdrawn or merged away): participants can spend them again. Records
    ``votes_changed`` for each vote concerned. The caller holds the lock."""
    open_phases = [
        phase
        for phase in workshop.phases
        if phase.kind == PhaseKind.VOTE and phase.frozen_at is None
    ]
    for phase in open_phases:
        placed = list(
            db.session.scalars(
                select(Vote).where(Vote.phase_id == phase.id, Vote.idea_id == idea.id)
            )
        )
        if not placed:
            continue
        for vote in placed:
            db.session.delete(vote)
        db.session.flush()
        record_change(workshop, phase, idea.id)


def fold_votes(
    workshop: Workshop, absorbed: Idea | Challenge, into: Idea | Challenge
) -> list[Phase]:
    """Move the dots of ``absorbed`` to ``into`` (a merge) in every open vote on their kind, each
    participant's count capped by the vote's ``max_per_item`` (the excess is given
    back). Returns the vote phases changed."""
    column = Vote.challenge_id if isinstance(absorbed, Challenge) else Vote.idea_id
    changed = []
    for phase in workshop.phases:
        if phase.kind != PhaseKind.VOTE or phase.frozen_at is not None:
            continue
        cap = int(vote_settings(phase)["max_per_item"])
        moved = list(
            db.session.scalars(select(Vote).where(Vote.phase_id == phase.id, column == absorbed.id))
        )
        for vote in moved:
            existing = db.session.scalar(
                select(Vote).where(
                    Vote.phase_id == phase.id,
                    Vote.participant_id == vote.participant_id,
                    column == into.id,
                )
            )
            if existing is None:
                setattr(vote, column.key, into.id)
                vote.count = min(vote.count, cap)
            else:
                existing.count = min(cap, existing.count + vote.count)
                db.session.delete(vote)
        if moved:
            changed.append(phase)
    db.session.flush()
    return changed


def give_back_challenge(workshop: Workshop, challenge: Challenge) -> None:
    """Give back the dots placed on a défi about to be deleted, in votes still open,
    and record ``votes_changed`` for each vote concerned. The caller holds the lock."""
    open_votes = [
        phase
        for phase in workshop.phases
        if phase.kind == PhaseKind.VOTE
        and phase.frozen_at is None
        and db.session.scalar(
            select(func.count())
            .select_from(Vote)
            .where(Vote.phase_id == phase.id, Vote.challenge_id == challenge.id)
        )
    ]
    for vote in db.session.scalars(
        select(Vote).where(
            Vote.challenge_id == challenge.id, Vote.phase_id.in_([p.id for p in open_votes])
        )
    ):
        db.session.delete(vote)
    db.session.flush()
    for phase in open_votes:
        record_change(workshop, phase, challenge.id)
