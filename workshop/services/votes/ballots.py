"""Casting dots: the hot path of a vote storm.

Every rule is checked inside the transaction that writes, after the workshop's lock
(:func:`..event_log.take_seq`): two phones of one participant voting at the same
moment are serialised, so neither budget nor cap can be exceeded. The unique
constraint and the ``count > 0`` check on ``votes`` are the last guard. Dots that
arrive together are written in one transaction (:func:`submit`, a group commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, insert, select, update

from ...batching import GroupCommit
from ...errors import (
    ItemNotVotable,
    NotFound,
    NoVoteToWithdraw,
    OwnIdeaVote,
    ValidationError,
    VoteBudgetExhausted,
    VoteCapReached,
    VoteClosed,
    WorkshopError,
    WrongPhase,
    WrongWorkshop,
)
from ...extensions import create_event, current_app_object, db, sleep
from ...models import (
    Challenge,
    Idea,
    IdeaStatus,
    Participant,
    Phase,
    Vote,
)
from ...phases import PhaseKind, settings_of
from ...realtime import Facts
from ...schemas import VoteTarget
from ...tallies import tallies_public as tallies_are_public
from ...wire import VoteResult
from .. import event_log
from ..guards import require_open_status

#: What a change does with ``target.count``: add dots, remove them, or set them exactly.
How = Literal["add", "remove", "set"]


def cast_vote(workshop_id: int, participant_id: int, target: VoteTarget) -> VoteResult:
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


def withdraw_vote(workshop_id: int, participant_id: int, target: VoteTarget) -> VoteResult:
    """Take ``target.count`` dots back from an idea, until the vote is frozen.

    Raises :class:`NoVoteToWithdraw` when the participant has fewer dots there.
    Emits ``votes_changed``.
    """
    return _one(workshop_id, VoteChange(participant_id, target, "remove"))


def set_vote(workshop_id: int, participant_id: int, target: VoteTarget) -> VoteResult:
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
    how: How

    def wanted(self, current: int) -> int:
        if self.how == "add":
            return current + self.target.count
        if self.how == "remove":
            return current - self.target.count
        return self.target.count


def _one(workshop_id: int, change: VoteChange) -> VoteResult:
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

    # A participant whose data was erased no longer votes (their socket may linger).
    participant = select(_PARTICIPANTS.c.workshop_id).where(
        _PARTICIPANTS.c.id == bindparam("b_participant"), _PARTICIPANTS.c.erased_at.is_(None)
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


def change_votes(workshop_id: int, changes: list[VoteChange]) -> list[VoteResult | WorkshopError]:
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
        require_open_status(status)
        if phase_id is None:
            raise WrongPhase(_("Votes can only be cast during a vote step."))
        phase = run(_Statements.phase, {"b_phase": phase_id}).one_or_none()
        if phase is None or phase.kind != PhaseKind.VOTE:
            raise WrongPhase(_("Votes can only be cast during a vote step."))
        if phase.frozen_at is not None:
            raise VoteClosed()
        if settings_of(phase.settings)["method"] != "dots":  # majority judgment: grades.py
            raise WrongPhase(_("This vote is by grades, not by dots."))
    except WorkshopError as refusal:
        # Participants of other workshops are refused as such, whatever the phase.
        results: list[VoteResult | WorkshopError] = [
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
    public = (
        None
        if tallies_are_public(settings, phase.revealed_at, phase.frozen_at)
        else {k: v for k, v in data.items() if k != "tallies"}
    )
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
) -> tuple[VoteResult, int, int]:
    """Check and write one change; returns ``(ack, dots added, voters added)``."""
    target = change.target
    participant_id = change.participant_id
    refusal = _foreign(workshop_id, change)
    if refusal is not None:
        raise refusal
    if target.phase_id is not None and target.phase_id != phase_id:
        raise VoteClosed()  # placed in a vote step that has ended since (an offline queue)
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


def _ack_of(phase_id: int, settings: dict[str, Any], mine: dict[int, int]) -> VoteResult:
    budget = int(settings["votes_per_participant"])
    return {
        "phase_id": phase_id,
        "target": settings["target"],
        "votes": {str(k): v for k, v in mine.items()},
        "remaining": max(0, budget - sum(mine.values())),
    }


def submit(workshop_id: int, change: VoteChange) -> VoteResult:
    """Apply one participant's change, written together with the changes that arrive
    at the same moment (one transaction and one ``votes_changed`` for all of them,
    :mod:`workshop.batching`); returns the participant's ack or raises the refusal.

    The socket handlers' entry point during a vote storm; :func:`cast_vote` and its
    siblings apply one change alone (tests, scripts)."""
    app = current_app_object()
    writer: GroupCommit[VoteChange] | None = app.extensions.get("semis_vote_writer")
    if writer is None:
        writer = app.extensions["semis_vote_writer"] = GroupCommit(
            process=_write_batch, create_event=create_event, sleep=sleep
        )
    ack: VoteResult = writer.submit(workshop_id, change)  # what _write_batch gave this change
    return ack


def _write_batch(workshop_id: int, changes: list[VoteChange]) -> list[VoteResult | WorkshopError]:
    try:
        return change_votes(workshop_id, changes)
    except Exception:
        db.session.rollback()  # the leader's session goes on to its own handler
        raise
