"""Dot voting: budgets and caps per vote phase, hidden tallies, reveal, frozen results.

Every rule is checked inside the transaction that writes, after the workshop's lock
(:func:`.events.lock_workshop`): two phones of one participant voting at the same
moment are serialised, so neither budget nor cap can be exceeded. The unique
constraint and the ``count > 0`` check on ``votes`` are the last guard.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import (
    ItemNotVotable,
    NotFound,
    NoVoteToWithdraw,
    OwnIdeaVote,
    ValidationError,
    VoteBudgetExhausted,
    VoteCapReached,
    VoteClosed,
    WorkshopClosed,
    WorkshopNotOpen,
    WrongPhase,
    WrongWorkshop,
)
from ..extensions import db
from ..models import (
    Challenge,
    Facilitator,
    Idea,
    IdeaStatus,
    Participant,
    Phase,
    Vote,
    Workshop,
    WorkshopStatus,
    utcnow,
)
from ..phases import PhaseKind, on_exit, vote_settings
from ..realtime import Facts
from ..schemas import VoteSettingsChange, VoteTarget, serialize_phase
from . import events, lookup
from .workshops import require_facilitator


def _current_vote_phase(workshop: Workshop) -> Phase:
    if workshop.status == WorkshopStatus.DRAFT:
        raise WorkshopNotOpen()
    if workshop.status == WorkshopStatus.CLOSED:
        raise WorkshopClosed()
    phase = workshop.current_phase
    if phase is None or phase.kind != PhaseKind.VOTE:
        raise WrongPhase(_("Votes can only be cast during a vote step."))
    if phase.frozen_at is not None:
        raise VoteClosed()
    return phase


def _vote_phase(workshop: Workshop, phase_id: int | None) -> Phase:
    """The vote phase ``phase_id`` of ``workshop``, or its current phase when ``None``."""
    phase = workshop.current_phase if phase_id is None else db.session.get(Phase, phase_id)
    if phase is None:
        raise NotFound()
    if phase.workshop_id != workshop.id:
        raise WrongWorkshop()
    if phase.kind != PhaseKind.VOTE:
        raise WrongPhase(_("This step is not a vote."))
    return phase


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
    settings = vote_settings(phase)
    return not settings["hidden"] or phase.revealed_at is not None or phase.frozen_at is not None


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


def vote_state(phase: Phase, *, public: bool) -> dict[str, Any]:
    """What a client shows of ``phase``'s vote: totals, and tallies when allowed."""
    state: dict[str, Any] = {
        "phase_id": phase.id,
        "target": vote_settings(phase)["target"],
        **totals(phase),
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
    data = {
        "phase_id": phase.id,
        "target": vote_settings(phase)["target"],
        "tallies": {str(item_id): int(total or 0)},
        **totals(phase),
    }
    public = None if tallies_public(phase) else {k: v for k, v in data.items() if k != "tallies"}
    events.record(workshop, Facts.VOTES_CHANGED, data, public)


def _ack(participant: Participant, phase: Phase) -> dict[str, Any]:
    column = target_column(phase)
    mine = {
        item_id: count
        for item_id, count in db.session.execute(
            select(column, Vote.count).where(
                Vote.phase_id == phase.id, Vote.participant_id == participant.id
            )
        )
    }
    budget = int(vote_settings(phase)["votes_per_participant"])
    return {
        "phase_id": phase.id,
        "target": vote_settings(phase)["target"],
        "votes": {str(k): v for k, v in mine.items()},
        "remaining": max(0, budget - sum(mine.values())),
    }


def _participant(workshop: Workshop, participant_id: int) -> Participant:
    return lookup.in_workshop(workshop, Participant, participant_id)


def _votable_idea(workshop: Workshop, idea_id: int) -> Idea:
    idea = lookup.in_workshop(workshop, Idea, idea_id)
    if idea.status != IdeaStatus.VISIBLE:
        raise ItemNotVotable()
    return idea


def _votable(workshop: Workshop, phase: Phase, target: VoteTarget) -> Idea | Challenge:
    """The item voted on, which must be of the kind the phase votes on."""
    if vote_settings(phase)["target"] != target.kind:
        field = "challenge_id" if target.kind == "challenges" else "idea_id"
        raise ValidationError(
            _("This vote is on challenges.")
            if target.kind == "ideas"
            else _("This vote is on ideas."),
            field=field,
            reason="target",
        )
    if target.kind == "ideas":
        return _votable_idea(workshop, target.item_id)
    return lookup.in_workshop(workshop, Challenge, target.item_id)


def cast_vote(workshop_id: int, participant_id: int, target: VoteTarget) -> dict[str, Any]:
    """Put ``target.count`` more dots on an idea or a défi; returns the participant's
    votes.

    A participant, during an open vote phase, on a visible idea (or a défi, when the
    vote is on défis) of the same workshop.
    Raises :class:`WrongPhase`, :class:`VoteClosed`, :class:`ItemNotVotable`,
    :class:`OwnIdeaVote`, :class:`VoteBudgetExhausted`, :class:`VoteCapReached` and
    changes nothing then. Emits ``votes_changed`` (tallies hidden from the public
    rooms while the vote is hidden and not revealed).
    """
    workshop = events.lock_workshop(workshop_id)
    participant = _participant(workshop, participant_id)
    phase = _current_vote_phase(workshop)
    item = _votable(workshop, phase, target)
    settings = vote_settings(phase)
    column = target_column(phase)
    if (
        not settings["allow_own"]
        and isinstance(item, Idea)
        and item.participant_id == participant.id
    ):
        raise OwnIdeaVote()
    spent = int(
        db.session.scalar(
            select(func.coalesce(func.sum(Vote.count), 0)).where(
                Vote.phase_id == phase.id, Vote.participant_id == participant.id
            )
        )
        or 0
    )
    if spent + target.count > int(settings["votes_per_participant"]):
        raise VoteBudgetExhausted()
    vote = db.session.scalar(
        select(Vote).where(
            Vote.phase_id == phase.id,
            Vote.participant_id == participant.id,
            column == item.id,
        )
    )
    current = vote.count if vote else 0
    if current + target.count > int(settings["max_per_item"]):
        raise VoteCapReached()
    if vote is None:
        db.session.add(
            Vote(
                workshop_id=workshop.id,
                phase_id=phase.id,
                participant_id=participant.id,
                idea_id=item.id if isinstance(item, Idea) else None,
                challenge_id=item.id if isinstance(item, Challenge) else None,
                count=target.count,
            )
        )
    else:
        vote.count = current + target.count
    db.session.flush()
    record_change(workshop, phase, item.id)
    result = _ack(participant, phase)
    db.session.commit()
    return result


def withdraw_vote(workshop_id: int, participant_id: int, target: VoteTarget) -> dict[str, Any]:
    """Take ``target.count`` dots back from an idea, until the vote is frozen.

    Raises :class:`NoVoteToWithdraw` when the participant has fewer dots there.
    Emits ``votes_changed``.
    """
    workshop = events.lock_workshop(workshop_id)
    participant = _participant(workshop, participant_id)
    phase = _current_vote_phase(workshop)
    column = Vote.challenge_id if target.kind == "challenges" else Vote.idea_id
    vote = db.session.scalar(
        select(Vote).where(
            Vote.phase_id == phase.id,
            Vote.participant_id == participant.id,
            column == target.item_id,
        )
    )
    if vote is None:
        model: type[Idea] | type[Challenge] = Challenge if target.kind == "challenges" else Idea
        lookup.in_workshop(workshop, model, target.item_id)  # not_found, wrong_workshop
        raise NoVoteToWithdraw()
    if vote.count < target.count:
        raise NoVoteToWithdraw()
    if vote.count == target.count:
        db.session.delete(vote)
    else:
        vote.count -= target.count
    db.session.flush()
    record_change(workshop, phase, target.item_id)
    result = _ack(participant, phase)
    db.session.commit()
    return result


def configure_vote(workshop_id: int, facilitator: Facilitator, change: VoteSettingsChange) -> Phase:
    """Set a vote phase's budget, cap, target, own-idea rule and hidden mode.

    Facilitators only, until the results are frozen. Votes already cast stay; a lower
    budget only stops new ones. Emits ``vote_configured`` (and, when tallies become
    public, ``votes_revealed`` with them).
    """
    workshop = events.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, change.phase_id)
    if phase.frozen_at is not None:
        raise VoteClosed()
    settings = vote_settings(phase) | change.changes()
    if settings["max_per_item"] > settings["votes_per_participant"]:
        raise ValidationError(
            _("An item cannot receive more votes than a participant has."),
            field="max_per_item",
            reason="range",
            max=settings["votes_per_participant"],
        )
    if settings == vote_settings(phase):
        return phase  # nothing changes: nothing to announce
    if settings["target"] != vote_settings(phase)["target"] and totals(phase)["votes_cast"]:
        raise ValidationError(
            _("Votes are cast already: what is voted on cannot change any more."),
            field="target",
            reason="votes_cast",
        )
    was_public = tallies_public(phase)
    phase.settings = {**(phase.settings or {}), **settings}
    db.session.flush()
    events.record(workshop, Facts.VOTE_CONFIGURED, {"phase": serialize_phase(phase)})
    if tallies_public(phase) and not was_public:
        _record_reveal(workshop, phase)
    db.session.commit()
    return phase


def _record_reveal(workshop: Workshop, phase: Phase) -> None:
    events.record(
        workshop,
        Facts.VOTES_REVEALED,
        {"phase": serialize_phase(phase), "votes": vote_state(phase, public=False)},
    )


def reveal_votes(workshop_id: int, facilitator: Facilitator, phase_id: int | None = None) -> Phase:
    """Show the tallies of a hidden vote to everybody. Facilitators only.

    Emits ``votes_revealed`` with the tallies.
    """
    workshop = events.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, phase_id)
    if phase.revealed_at is None:
        was_public = tallies_public(phase)
        phase.revealed_at = utcnow()
        db.session.flush()
        if not was_public:  # a live or frozen vote's tallies are public already
            _record_reveal(workshop, phase)
        db.session.commit()
    return phase


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
    ordered = sorted(items, key=lambda item: (-counts[item.id], item.id))
    result: list[dict[str, Any]] = []
    for position, item in enumerate(ordered):
        tied = result and result[-1]["votes"] == counts[item.id]
        rank = result[-1]["rank"] if tied else position + 1
        result.append({key: item.id, "title": item.title, "votes": counts[item.id], "rank": rank})
    return result


def _freeze(workshop: Workshop, phase: Phase) -> None:
    phase.frozen_at = utcnow()
    phase.frozen_ranking = ranking(phase)
    db.session.flush()
    events.record(
        workshop,
        Facts.RESULTS_FROZEN,
        {"phase": serialize_phase(phase), "votes": vote_state(phase, public=False)},
    )


def freeze_results(
    workshop_id: int, facilitator: Facilitator, phase_id: int | None = None
) -> Phase:
    """End a vote: no more votes; the ranking is kept as the result exports use.

    Facilitators only. Leaving a vote phase freezes it too. Emits ``results_frozen``
    with the ranking and the tallies, for everybody.
    """
    workshop = events.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, phase_id)
    if phase.frozen_at is None:
        _freeze(workshop, phase)
        db.session.commit()
    return phase


def reopen_vote(workshop_id: int, facilitator: Facilitator, phase_id: int | None = None) -> Phase:
    """Undo a freeze, e.g. after coming back to a vote step left too early. Facilitators
    only, on the current step of an open workshop (a vote reopened elsewhere could not be
    frozen again by leaving it). Emits ``vote_reopened``."""
    workshop = events.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, phase_id)
    if workshop.status != WorkshopStatus.OPEN or phase.id != workshop.current_phase_id:
        raise WrongPhase(_("Go back to this vote step to reopen its vote."))
    if phase.frozen_at is not None:
        phase.frozen_at = None
        phase.frozen_ranking = None
        db.session.flush()
        events.record(workshop, Facts.VOTE_REOPENED, {"phase": serialize_phase(phase)})
        # Ideas hidden or withdrawn while the vote was frozen kept their dots; an open
        # vote gives them back, or they would be lost to participants who cannot see them.
        gone = db.session.scalars(
            select(Idea)
            .join(Vote, Vote.idea_id == Idea.id)
            .where(Vote.phase_id == phase.id, Idea.status != IdeaStatus.VISIBLE)
            .distinct()
        ).all()
        for idea in gone:
            return_votes(workshop, idea)
        db.session.commit()
    return phase


@on_exit(PhaseKind.VOTE)
def _freeze_on_exit(workshop: Workshop, phase: Phase) -> None:
    """Leaving a vote step ends its vote: the ranking exports use is the one seen then."""
    if phase.frozen_at is None:
        _freeze(workshop, phase)


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
