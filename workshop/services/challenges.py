"""Défis (challenges): creating, editing, ordering and splitting them, and placing
ideas in them. Merging (défis or duplicate ideas) is in :mod:`.merging`; suggested
groups in :mod:`.suggestions`.

Grouping is the facilitators' work, in a grouping step or while the workshop is being
prepared. Every placement fact carries absolute orders (the full list of idea ids of
each container it touched), so two facilitators moving cards at once both end up with
the server's order and neither move is lost. Titles carry a version: a stale edit is
refused with ``conflict`` instead of silently overwriting the other person's words.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import (
    Conflict,
    Forbidden,
    NotAuthor,
    NotFound,
    NothingToUndo,
    ValidationError,
    WrongWorkshop,
)
from ..extensions import db
from ..models import (
    Challenge,
    Facilitator,
    GroupingSnapshot,
    Idea,
    IdeaStatus,
    Participant,
    Workshop,
    WorkshopStatus,
)
from ..realtime import Facts
from ..schemas import (
    ChallengeEdit,
    ChallengeSplit,
    IdeaMove,
    NewChallenge,
    Role,
    serialize_challenge,
)
from ..wire import (
    ChallengeCreated,
    ChallengesReordered,
    ChallengeUpdated,
    ContainerOrder,
    GroupingView,
    IdeaMoved,
)
from . import event_log, lookup
from .guards import (
    require_capability,
    require_facilitator,
    require_not_closed,
    require_open,
)

log = logging.getLogger(__name__)

PLACEABLE = (IdeaStatus.VISIBLE, IdeaStatus.PENDING, IdeaStatus.HIDDEN)


def require_grouping(workshop: Workshop) -> None:
    """Grouping happens in a grouping step, or while the workshop is in preparation."""
    require_not_closed(workshop)
    if workshop.status == WorkshopStatus.DRAFT:
        return
    require_capability(
        workshop, "group_ideas", _("Ideas can only be grouped during a grouping step.")
    )


def grouping_workshop(workshop_id: int, facilitator: Facilitator) -> Workshop:
    """Lock the workshop for a facilitator's grouping work, checking they may do it now."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_grouping(workshop)
    return workshop


def challenge_in(workshop: Workshop, challenge_id: int) -> Challenge:
    return lookup.in_workshop(workshop, Challenge, challenge_id)


def idea_in(workshop: Workshop, idea_id: int) -> Idea:
    return lookup.live_idea(workshop, idea_id)


def challenges_of(workshop: Workshop) -> list[Challenge]:
    return list(
        db.session.scalars(
            select(Challenge)
            .where(Challenge.workshop_id == workshop.id)
            .order_by(Challenge.position, Challenge.id)
        )
    )


def container(workshop: Workshop, challenge_id: int | None) -> list[Idea]:
    """The placeable ideas of a défi (or the unclassified ones, ``None``), in order."""
    return list(
        db.session.scalars(
            select(Idea)
            .where(
                Idea.workshop_id == workshop.id,
                Idea.challenge_id.is_(None)
                if challenge_id is None
                else Idea.challenge_id == challenge_id,
                Idea.status.in_(PLACEABLE),
            )
            .order_by(Idea.position, Idea.id)
        )
    )


def renumber(ideas: list[Idea]) -> None:
    for position, idea in enumerate(ideas):
        if idea.position != position:
            idea.position = position


def _order(workshop: Workshop, challenge_id: int | None) -> ContainerOrder:
    """A container's absolute order, as facts carry it."""
    return {
        "challenge_id": challenge_id,
        "idea_ids": [idea.id for idea in container(workshop, challenge_id)],
    }


def _public_order(order: ContainerOrder) -> ContainerOrder:
    """Participants and screens only learn of visible ideas' places."""
    visible = set(
        db.session.scalars(
            select(Idea.id).where(Idea.id.in_(order["idea_ids"]), Idea.status == IdeaStatus.VISIBLE)
        )
    )
    return {**order, "idea_ids": [i for i in order["idea_ids"] if i in visible]}


def grouping_state(workshop: Workshop, role: Role) -> GroupingView:
    """Every défi with its ordered ideas, and the unclassified ones: the absolute state
    bulk changes (suggestions applied, undo, merges of défis) broadcast.

    In every snapshot, so two queries whatever the number of défis: the défis, and the
    placeable ideas of the workshop in order, sorted into their containers here."""
    challenges = challenges_of(workshop)
    containers: dict[int | None, list[int]] = {None: [], **{c.id: [] for c in challenges}}
    public = role is not Role.FACILITATOR
    placed = db.session.execute(
        select(Idea.id, Idea.challenge_id, Idea.status)
        .where(Idea.workshop_id == workshop.id, Idea.status.in_(PLACEABLE))
        .order_by(Idea.position, Idea.id)
    )
    for idea_id, challenge_id, status in placed:
        if public and status != IdeaStatus.VISIBLE:
            continue  # participants and screens only learn of visible ideas' places
        if challenge_id in containers:
            containers[challenge_id].append(idea_id)
    return {
        "challenges": [serialize_challenge(c) for c in challenges],
        "orders": [
            {"challenge_id": challenge_id, "idea_ids": idea_ids}
            for challenge_id, idea_ids in containers.items()
        ],
    }


def record_grouping(workshop: Workshop, name: str, extra: dict[str, Any] | None = None) -> None:
    extra = extra or {}
    event_log.record(
        workshop,
        name,
        {**extra, "grouping": grouping_state(workshop, Role.FACILITATOR)},
        {**extra, "grouping": grouping_state(workshop, Role.PARTICIPANT)},
    )


def journal(workshop: Workshop, kind: str, key: int, data: dict[str, Any]) -> None:
    """Remember what a grouping change (``kind``, about the idea or défi ``key``) undid,
    so that :func:`merging.undo_grouping_change` can put it back. Journal entries are
    :class:`GroupingSnapshot` rows with a ``kind``; the suggested groupings' snapshots
    have none."""
    db.session.add(
        GroupingSnapshot(workshop_id=workshop.id, data={"kind": kind, "key": key, **data})
    )


def journal_entry(workshop: Workshop, kind: str, key: int) -> GroupingSnapshot:
    """The latest journal entry of ``kind`` about ``key`` in ``workshop``; raises
    :class:`NothingToUndo` when there is none (already undone, or never done here)."""
    for entry in db.session.scalars(
        select(GroupingSnapshot)
        .where(GroupingSnapshot.workshop_id == workshop.id)
        .order_by(GroupingSnapshot.id.desc())
    ):
        if entry.data.get("kind") == kind and entry.data.get("key") == key:
            return entry
    raise NothingToUndo(_("This change can no longer be undone."))


def create_challenge(workshop_id: int, facilitator: Facilitator, new: NewChallenge) -> Challenge:
    """Add a défi at the end of the list. Facilitators, while grouping.

    Emits ``challenge_created``."""
    workshop = grouping_workshop(workshop_id, facilitator)
    last = db.session.scalar(
        select(func.max(Challenge.position)).where(Challenge.workshop_id == workshop.id)
    )
    challenge = Challenge(
        workshop_id=workshop.id,
        title=new.title,
        description=new.description,
        position=(last if last is not None else -1) + 1,
    )
    db.session.add(challenge)
    db.session.flush()
    created: ChallengeCreated = {"challenge": serialize_challenge(challenge)}
    event_log.record(workshop, Facts.CHALLENGE_CREATED, created)
    db.session.commit()
    return challenge


def update_challenge(workshop_id: int, facilitator: Facilitator, edit: ChallengeEdit) -> Challenge:
    """Rename or describe a défi. ``edit.version`` must be the défi's current version:
    two facilitators editing one title at once get a ``conflict``, not a silent
    overwrite. Emits ``challenge_updated``."""
    workshop = grouping_workshop(workshop_id, facilitator)
    challenge = challenge_in(workshop, edit.challenge_id)
    if edit.version != challenge.version:
        raise Conflict()
    title = edit.title if edit.title is not None else challenge.title
    description = edit.description if edit.description is not None else challenge.description
    if (title, description) == (challenge.title, challenge.description):
        return challenge
    challenge.title, challenge.description = title, description
    challenge.version += 1
    db.session.flush()
    updated: ChallengeUpdated = {"challenge": serialize_challenge(challenge)}
    event_log.record(workshop, Facts.CHALLENGE_UPDATED, updated)
    db.session.commit()
    return challenge


def reorder_challenges(workshop_id: int, facilitator: Facilitator, order: list[int]) -> None:
    """Put the défis in ``order`` (every défi id once). Emits ``challenges_reordered``."""
    workshop = grouping_workshop(workshop_id, facilitator)
    challenges = {c.id: c for c in challenges_of(workshop)}
    if sorted(order) != sorted(challenges):
        raise ValidationError(
            _("Give every challenge once."), field="challenge_ids", reason="mismatch"
        )
    for position, challenge_id in enumerate(order):
        challenges[challenge_id].position = position
    db.session.flush()
    reordered: ChallengesReordered = {"challenge_ids": order}
    event_log.record(workshop, Facts.CHALLENGES_REORDERED, reordered)
    db.session.commit()


def split_challenge(workshop_id: int, facilitator: Facilitator, split: ChallengeSplit) -> Challenge:
    """Split a défi: ``idea_ids`` (all from it) leave for a new défi placed right
    after it. Emits ``grouping_changed``."""
    workshop = grouping_workshop(workshop_id, facilitator)
    challenge_id, idea_ids, new = split.challenge_id, split.idea_ids, split.new
    challenge = challenge_in(workshop, challenge_id)
    ideas = container(workshop, challenge.id)
    chosen = [idea for idea in ideas if idea.id in set(idea_ids)]
    if not chosen or len(chosen) != len(set(idea_ids)):
        raise ValidationError(
            _("Choose ideas of this challenge."), field="idea_ids", reason="not_in_challenge"
        )
    for other in challenges_of(workshop):
        if other.position > challenge.position:
            other.position += 1
    created = Challenge(
        workshop_id=workshop.id,
        title=new.title,
        description=new.description,
        position=challenge.position + 1,
    )
    db.session.add(created)
    db.session.flush()
    journal(
        workshop,
        "challenge_split",
        challenge.id,
        {"created_id": created.id, "order": [idea.id for idea in ideas]},
    )
    for idea in chosen:
        idea.challenge_id = created.id
    renumber(chosen)
    renumber([idea for idea in ideas if idea not in chosen])
    db.session.flush()
    record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "challenge_split"})
    db.session.commit()
    return created


def move_idea(workshop_id: int, facilitator: Facilitator, move: IdeaMove) -> Idea:
    """Put an idea in a défi (or back among the unclassified, ``challenge_id`` None) at
    ``position`` (the end when None). Emits ``idea_moved`` with both containers'
    absolute orders, so concurrent moves converge."""
    workshop = grouping_workshop(workshop_id, facilitator)
    idea = idea_in(workshop, move.idea_id)
    target = None if move.challenge_id is None else challenge_in(workshop, move.challenge_id)
    return _place(workshop, idea, target.id if target else None, move.position)


def _place(workshop: Workshop, idea: Idea, challenge_id: int | None, position: int | None) -> Idea:
    source_id = idea.challenge_id
    source = [i for i in container(workshop, source_id) if i.id != idea.id]
    target = source if source_id == challenge_id else container(workshop, challenge_id)
    target = [i for i in target if i.id != idea.id]
    index = len(target) if position is None else max(0, min(position, len(target)))
    target.insert(index, idea)
    idea.challenge_id = challenge_id
    renumber(target)
    if source_id != challenge_id:
        renumber(source)
    db.session.flush()
    orders = [_order(workshop, challenge_id)]
    if source_id != challenge_id:
        orders.append(_order(workshop, source_id))
    moved: IdeaMoved = {"idea_id": idea.id, "orders": orders}
    public: IdeaMoved = {"idea_id": idea.id, "orders": [_public_order(o) for o in orders]}
    event_log.record(workshop, Facts.IDEA_MOVED, moved, public)
    db.session.commit()
    return idea


def propose_challenge(workshop_id: int, participant_id: int, move: IdeaMove) -> Idea:
    """A participant puts their own idea in a défi (or takes it out), when the workshop
    allows it, during the ideas or grouping step. Emits ``idea_moved``."""
    workshop = event_log.lock_workshop(workshop_id)
    if not workshop.participants_group:
        raise Forbidden(_("In this workshop, the facilitators place the ideas."))
    require_open(workshop)
    require_capability(
        workshop,
        "place_own_ideas",
        _("Ideas can only be placed in a challenge during the ideas or grouping step."),
    )
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.workshop_id != workshop.id:
        raise WrongWorkshop()
    if participant.erased_at is not None:
        raise NotFound()
    idea = idea_in(workshop, move.idea_id)
    if idea.participant_id != participant.id:
        raise NotAuthor()
    if idea.status != IdeaStatus.VISIBLE:
        raise Forbidden(_("Only a visible idea can be placed in a challenge."))
    target = None if move.challenge_id is None else challenge_in(workshop, move.challenge_id)
    return _place(workshop, idea, target.id if target else None, None)
