"""Dot voting: budgets and caps per vote phase, hidden tallies, reveal, frozen results.

Every rule is checked inside the transaction that writes, after the workshop's lock
(:func:`.event_log.lock_workshop`): two phones of one participant voting at the same
moment are serialised, so neither budget nor cap can be exceeded. The unique
constraint and the ``count > 0`` check on ``votes`` are the last guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, insert, select, update

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
    WorkshopError,
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
from ..phases import PhaseKind, on_exit, settings_of, vote_settings
from ..realtime import Facts
from ..schemas import VoteSettingsChange, VoteTarget, serialize_phase
from . import event_log
from .workshops import require_facilitator


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
    event_log.record(workshop, Facts.VOTES_CHANGED, data, public)


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
    return _one(workshop_id, VoteChange(participant_id, target, "add"))


def withdraw_vote(workshop_id: int, participant_id: int, target: VoteTarget) -> dict[str, Any]:
    """Take ``target.count`` dots back from an idea, until the vote is frozen.

    Raises :class:`NoVoteToWithdraw` when the participant has fewer dots there.
    Emits ``votes_changed``.
    """
    return _one(workshop_id, VoteChange(participant_id, target, "remove"))


def set_vote(workshop_id: int, participant_id: int, target: VoteTarget) -> dict[str, Any]:
    """Make the participant's dots on an item exactly ``target.count`` (0 removes them).

    Idempotent, so a phone may resend it after a lost ack or from its offline outbox:
    the same request twice changes nothing the second time and records no fact. Adding
    dots follows :func:`cast_vote`'s rules, removing them :func:`withdraw_vote`'s.
    """
    return _one(workshop_id, VoteChange(participant_id, target, "set"))


@dataclass(frozen=True)
class VoteChange:
    """One participant's command on one item: ``add``/``remove`` ``target.count``
    dots, or ``set`` them to exactly ``target.count``."""

    participant_id: int
    target: VoteTarget
    how: str

    def wanted(self, current: int) -> int:
        if self.how == "add":
            return current + self.target.count
        if self.how == "remove":
            return current - self.target.count
        return self.target.count


def _one(workshop_id: int, change: VoteChange) -> dict[str, Any]:
    [result] = change_votes(workshop_id, [change])
    if isinstance(result, WorkshopError):
        raise result
    return result


_VOTES = Vote.__table__
_IDEAS = Idea.__table__
_CHALLENGES = Challenge.__table__
_PARTICIPANTS = Participant.__table__
_PHASES = Phase.__table__


class _Statements:
    """The vote path's SQL, built once: building expressions per dot cost more than
    running them. Bound parameters are prefixed ``b_`` (names of columns are reserved
    in INSERT and UPDATE)."""

    participant = select(_PARTICIPANTS.c.workshop_id).where(
        _PARTICIPANTS.c.id == bindparam("b_participant")
    )
    phase = select(
        _PHASES.c.kind, _PHASES.c.settings, _PHASES.c.frozen_at, _PHASES.c.revealed_at
    ).where(_PHASES.c.id == bindparam("b_phase"))
    idea = select(_IDEAS.c.workshop_id, _IDEAS.c.status, _IDEAS.c.participant_id).where(
        _IDEAS.c.id == bindparam("b_item")
    )
    challenge = select(_CHALLENGES.c.workshop_id).where(_CHALLENGES.c.id == bindparam("b_item"))
    add = insert(_VOTES)
    totals = select(
        func.count(func.distinct(_VOTES.c.participant_id)),
        func.coalesce(func.sum(_VOTES.c.count), 0),
    ).where(_VOTES.c.phase_id == bindparam("b_phase"))

    def __init__(self, column: Any) -> None:
        mine = (_VOTES.c.phase_id == bindparam("b_phase")) & (
            _VOTES.c.participant_id == bindparam("b_participant")
        )
        one = mine & (column == bindparam("b_item"))
        self.mine = select(column, _VOTES.c.count).where(mine & column.is_not(None))
        self.delete = delete(_VOTES).where(one)
        self.update = update(_VOTES).where(one).values(count=bindparam("b_count"))
        self.tally = select(func.coalesce(func.sum(_VOTES.c.count), 0)).where(
            (_VOTES.c.phase_id == bindparam("b_phase")) & (column == bindparam("b_item"))
        )


_SQL = {"ideas": _Statements(_VOTES.c.idea_id), "challenges": _Statements(_VOTES.c.challenge_id)}


def change_votes(
    workshop_id: int, changes: list[VoteChange]
) -> list[dict[str, Any] | WorkshopError]:
    """Apply dot changes of one workshop in one transaction (a group commit) and
    record one ``votes_changed`` for all of them.

    Each change is checked in turn after the workshop's lock, against the dots the
    changes before it left: its result is its participant's ack, or the
    :class:`WorkshopError` that refused it (a refused change writes nothing; the others
    still apply). When none changes anything (refusals, idempotent repeats) nothing is
    recorded and the transaction is rolled back.

    The hot path of a vote storm, so it runs prepared SQL on the session's connection
    rather than loading ORM objects: one statement takes the lock and the fact's
    ``seq``, one reads the phase; per change, one checks the participant, one reads
    their dots in the phase, one the item, one writes; then one tally per item changed
    and one insert for the fact.
    """
    seq, status, phase_id = event_log.take_seq(workshop_id)
    run = db.session.connection().execute
    try:
        if status == WorkshopStatus.DRAFT:
            raise WorkshopNotOpen()
        if status == WorkshopStatus.CLOSED:
            raise WorkshopClosed()
        if phase_id is None:
            raise WrongPhase(_("Votes can only be cast during a vote step."))
        phase = run(_Statements.phase, {"b_phase": phase_id}).one_or_none()
        if phase is None or phase.kind != PhaseKind.VOTE:
            raise WrongPhase(_("Votes can only be cast during a vote step."))
        if phase.frozen_at is not None:
            raise VoteClosed()
    except WorkshopError as refusal:
        # Participants of other workshops are refused as such, whatever the phase.
        results: list[dict[str, Any] | WorkshopError] = [
            _foreign(workshop_id, change) or refusal for change in changes
        ]
        db.session.rollback()
        return results
    settings = settings_of(phase.settings)
    results = []
    changed: set[tuple[str, int]] = set()
    voters_delta = cast_delta = 0
    for change in changes:
        try:
            ack, delta, voter_delta = _apply(run, workshop_id, phase_id, settings, change)
        except WorkshopError as refusal:
            results.append(refusal)
            continue
        results.append(ack)
        if delta:
            changed.add((change.target.kind, change.target.item_id))
            cast_delta += delta
            voters_delta += voter_delta
    if not changed:  # refusals and idempotent repeats: nothing to write or announce
        db.session.rollback()
        return results
    tallies = {
        str(item_id): int(
            run(_SQL[kind].tally, {"b_phase": phase_id, "b_item": item_id}).scalar() or 0
        )
        for kind, item_id in sorted(changed)
    }
    voters, cast = _phase_totals(phase_id, seq, voters_delta, cast_delta)
    data = {
        "phase_id": phase_id,
        "target": settings["target"],
        "tallies": tallies,
        "voters": voters,
        "votes_cast": cast,
    }
    hidden = settings["hidden"] and phase.revealed_at is None
    public = {k: v for k, v in data.items() if k != "tallies"} if hidden else None
    event_log.record_at(workshop_id, seq, Facts.VOTES_CHANGED, data, public)
    db.session.commit()
    return results


def _foreign(workshop_id: int, change: VoteChange) -> WorkshopError | None:
    found = (
        db.session.connection()
        .execute(_Statements.participant, {"b_participant": change.participant_id})
        .scalar()
    )
    if found is None:
        return NotFound()
    return WrongWorkshop() if found != workshop_id else None


def _apply(
    run: Any, workshop_id: int, phase_id: int, settings: dict[str, Any], change: VoteChange
) -> tuple[dict[str, Any], int, int]:
    """Check and write one change; returns ``(ack, dots added, voters added)``."""
    target = change.target
    participant_id = change.participant_id
    refusal = _foreign(workshop_id, change)
    if refusal is not None:
        raise refusal
    sql = _SQL[target.kind]
    keys = {"b_participant": participant_id, "b_item": target.item_id, "b_phase": phase_id}
    mine: dict[int, int] = {int(item): int(count) for item, count in run(sql.mine, keys)}
    current = mine.get(target.item_id, 0)
    spent = sum(mine.values())
    new = change.wanted(current)
    if new > current:
        _check_votable(workshop_id, participant_id, settings, target)
        if spent + new - current > int(settings["votes_per_participant"]):
            raise VoteBudgetExhausted()
        if new > int(settings["max_per_item"]):
            raise VoteCapReached()
    elif new < current or current == 0:
        if current == 0:
            _check_item(workshop_id, target)  # not_found, wrong_workshop first
        if new < 0:
            raise NoVoteToWithdraw()
    if new == current:  # an idempotent repeat
        return _ack_of(phase_id, settings, mine), 0, 0
    if current == 0:
        run(
            sql.add,
            {
                "workshop_id": workshop_id,
                "phase_id": phase_id,
                "participant_id": participant_id,
                "idea_id": target.item_id if target.kind == "ideas" else None,
                "challenge_id": target.item_id if target.kind == "challenges" else None,
                "count": new,
            },
        )
        mine[target.item_id] = new
    elif new == 0:
        run(sql.delete, keys)
        del mine[target.item_id]
    else:
        run(sql.update, keys | {"b_count": new})
        mine[target.item_id] = new
    return _ack_of(phase_id, settings, mine), new - current, int(bool(mine)) - int(bool(spent))


def _phase_totals(phase_id: int, seq: int, voters_delta: int, cast_delta: int) -> tuple[int, int]:
    """``(voters, votes_cast)`` of a vote phase after the change being recorded at
    ``seq``.

    Counting them is a scan of the phase's votes, too slow for every dot of a storm,
    so the last totals are kept per app with the ``seq`` they were recorded at. When no
    other fact came in between (``seq - 1``: the same process recorded the previous
    one), the change's deltas are applied; any other write, by this process or another
    worker, moved ``seq`` on and the totals are counted again. A rolled-back
    transaction leaves an entry whose ``seq`` is never followed, so it is recounted.
    """
    cache: dict[int, tuple[int, int, int]] = current_app.extensions.setdefault(
        "semis_vote_totals", {}
    )
    known = cache.get(phase_id)
    if known is not None and known[0] == seq - 1:
        voters, cast = known[1] + voters_delta, known[2] + cast_delta
    else:
        counted = db.session.connection().execute(_Statements.totals, {"b_phase": phase_id}).one()
        voters, cast = int(counted[0]), int(counted[1])
    if len(cache) > 1024:  # old phases: forget them all, they are recounted if needed
        cache.clear()
    cache[phase_id] = (seq, voters, cast)
    return voters, cast


def _check_item(workshop_id: int, target: VoteTarget) -> Any:
    """The item's row (workshop_id, and for ideas status and author); raises
    :class:`NotFound` or :class:`WrongWorkshop`."""
    statement = _Statements.challenge if target.kind == "challenges" else _Statements.idea
    row = db.session.connection().execute(statement, {"b_item": target.item_id}).one_or_none()
    if row is None:
        raise NotFound()
    if row.workshop_id != workshop_id:
        raise WrongWorkshop()
    return row


def _check_votable(
    workshop_id: int, participant_id: int, settings: dict[str, Any], target: VoteTarget
) -> None:
    """The item may receive dots from this participant: of the kind the phase votes
    on, of the workshop, visible, and not their own idea unless allowed."""
    if settings["target"] != target.kind:
        field = "challenge_id" if target.kind == "challenges" else "idea_id"
        raise ValidationError(
            _("This vote is on challenges.")
            if target.kind == "ideas"
            else _("This vote is on ideas."),
            field=field,
            reason="target",
        )
    row = _check_item(workshop_id, target)
    if target.kind == "ideas":
        if row.status != IdeaStatus.VISIBLE:
            raise ItemNotVotable()
        if not settings["allow_own"] and row.participant_id == participant_id:
            raise OwnIdeaVote()


def _ack_of(phase_id: int, settings: dict[str, Any], mine: dict[int, int]) -> dict[str, Any]:
    budget = int(settings["votes_per_participant"])
    return {
        "phase_id": phase_id,
        "target": settings["target"],
        "votes": {str(k): v for k, v in mine.items()},
        "remaining": max(0, budget - sum(mine.values())),
    }


def configure_vote(workshop_id: int, facilitator: Facilitator, change: VoteSettingsChange) -> Phase:
    """Set a vote phase's budget, cap, target, own-idea rule and hidden mode.

    Facilitators only, until the results are frozen. Votes already cast stay; a lower
    budget only stops new ones. Emits ``vote_configured`` (and, when tallies become
    public, ``votes_revealed`` with them).
    """
    workshop = event_log.lock_workshop(workshop_id)
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
    event_log.record(workshop, Facts.VOTE_CONFIGURED, {"phase": serialize_phase(phase)})
    if tallies_public(phase) and not was_public:
        _record_reveal(workshop, phase)
    db.session.commit()
    return phase


def _record_reveal(workshop: Workshop, phase: Phase) -> None:
    event_log.record(
        workshop,
        Facts.VOTES_REVEALED,
        {"phase": serialize_phase(phase), "votes": vote_state(phase, public=False)},
    )


def reveal_votes(workshop_id: int, facilitator: Facilitator, phase_id: int | None = None) -> Phase:
    """Show the tallies of a hidden vote to everybody. Facilitators only.

    Emits ``votes_revealed`` with the tallies.
    """
    workshop = event_log.lock_workshop(workshop_id)
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
    event_log.record(
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
    workshop = event_log.lock_workshop(workshop_id)
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
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, phase_id)
    if workshop.status != WorkshopStatus.OPEN or phase.id != workshop.current_phase_id:
        raise WrongPhase(_("Go back to this vote step to reopen its vote."))
    if phase.frozen_at is not None:
        phase.frozen_at = None
        phase.frozen_ranking = None
        db.session.flush()
        event_log.record(workshop, Facts.VOTE_REOPENED, {"phase": serialize_phase(phase)})
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
