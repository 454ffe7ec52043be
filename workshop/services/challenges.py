"""Défis (challenges): creating and editing them, placing ideas in them, merging
duplicate ideas, and applying or undoing a suggested grouping.

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
    MergeCycle,
    NotAuthor,
    NotFound,
    NothingToUndo,
    SuggestionsUnavailable,
    ValidationError,
    WorkshopClosed,
    WorkshopNotOpen,
    WrongPhase,
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
    Phase,
    Vote,
    Workshop,
    WorkshopStatus,
)
from ..phases import PhaseKind, vote_settings
from ..realtime import Facts
from ..schemas import (
    ChallengeEdit,
    ChallengeMerge,
    ChallengeSplit,
    IdeaMerge,
    IdeaMove,
    NewChallenge,
    Role,
    SuggestedGroup,
    TargetRef,
    serialize_challenge,
    serialize_idea,
)
from . import event_log, lookup, workshops
from .volunteers import fold_follow_up
from .workshops import require_facilitator

log = logging.getLogger(__name__)

PLACEABLE = (IdeaStatus.VISIBLE, IdeaStatus.PENDING, IdeaStatus.HIDDEN)


def _require_grouping(workshop: Workshop) -> None:
    """Grouping happens in a grouping step, or while the workshop is in preparation."""
    if workshop.status == WorkshopStatus.CLOSED:
        raise WorkshopClosed()
    if workshop.status == WorkshopStatus.DRAFT:
        return
    phase = workshop.current_phase
    if phase is None or phase.kind != PhaseKind.GROUPING:
        raise WrongPhase(_("Ideas can only be grouped during a grouping step."))


def _grouping_workshop(workshop_id: int, facilitator: Facilitator) -> Workshop:
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    _require_grouping(workshop)
    return workshop


def _challenge_in(workshop: Workshop, challenge_id: int) -> Challenge:
    return lookup.in_workshop(workshop, Challenge, challenge_id)


def _idea_in(workshop: Workshop, idea_id: int) -> Idea:
    return lookup.live_idea(workshop, idea_id)


def challenges_of(workshop: Workshop) -> list[Challenge]:
    return list(
        db.session.scalars(
            select(Challenge)
            .where(Challenge.workshop_id == workshop.id)
            .order_by(Challenge.position, Challenge.id)
        )
    )


def _container(workshop: Workshop, challenge_id: int | None) -> list[Idea]:
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


def _renumber(ideas: list[Idea]) -> None:
    for position, idea in enumerate(ideas):
        if idea.position != position:
            idea.position = position


def _order(workshop: Workshop, challenge_id: int | None) -> dict[str, Any]:
    """A container's absolute order, as facts carry it."""
    return {
        "challenge_id": challenge_id,
        "idea_ids": [idea.id for idea in _container(workshop, challenge_id)],
    }


def _public_order(order: dict[str, Any]) -> dict[str, Any]:
    """Participants and screens only learn of visible ideas' places."""
    visible = set(
        db.session.scalars(
            select(Idea.id).where(Idea.id.in_(order["idea_ids"]), Idea.status == IdeaStatus.VISIBLE)
        )
    )
    return {**order, "idea_ids": [i for i in order["idea_ids"] if i in visible]}


def grouping_state(workshop: Workshop, role: Role) -> dict[str, Any]:
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


def _record_grouping(workshop: Workshop, name: str, extra: dict[str, Any] | None = None) -> None:
    extra = extra or {}
    event_log.record(
        workshop,
        name,
        {**extra, "grouping": grouping_state(workshop, Role.FACILITATOR)},
        {**extra, "grouping": grouping_state(workshop, Role.PARTICIPANT)},
    )


def create_challenge(workshop_id: int, facilitator: Facilitator, new: NewChallenge) -> Challenge:
    """Add a défi at the end of the list. Facilitators, while grouping.

    Emits ``challenge_created``."""
    workshop = _grouping_workshop(workshop_id, facilitator)
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
    event_log.record(
        workshop, Facts.CHALLENGE_CREATED, {"challenge": serialize_challenge(challenge)}
    )
    db.session.commit()
    return challenge


def update_challenge(workshop_id: int, facilitator: Facilitator, edit: ChallengeEdit) -> Challenge:
    """Rename or describe a défi. ``edit.version`` must be the défi's current version:
    two facilitators editing one title at once get a ``conflict``, not a silent
    overwrite. Emits ``challenge_updated``."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    challenge = _challenge_in(workshop, edit.challenge_id)
    if edit.version != challenge.version:
        raise Conflict()
    title = edit.title if edit.title is not None else challenge.title
    description = edit.description if edit.description is not None else challenge.description
    if (title, description) == (challenge.title, challenge.description):
        return challenge
    challenge.title, challenge.description = title, description
    challenge.version += 1
    db.session.flush()
    event_log.record(
        workshop, Facts.CHALLENGE_UPDATED, {"challenge": serialize_challenge(challenge)}
    )
    db.session.commit()
    return challenge


def reorder_challenges(workshop_id: int, facilitator: Facilitator, order: list[int]) -> None:
    """Put the défis in ``order`` (every défi id once). Emits ``challenges_reordered``."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    challenges = {c.id: c for c in challenges_of(workshop)}
    if sorted(order) != sorted(challenges):
        raise ValidationError(
            _("Give every challenge once."), field="challenge_ids", reason="mismatch"
        )
    for position, challenge_id in enumerate(order):
        challenges[challenge_id].position = position
    db.session.flush()
    event_log.record(workshop, Facts.CHALLENGES_REORDERED, {"challenge_ids": order})
    db.session.commit()


def delete_challenge(workshop_id: int, facilitator: Facilitator, challenge_id: int) -> None:
    """Delete a défi; its ideas go back to the unclassified ones, at the end.

    Emits ``grouping_changed``."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    challenge = _challenge_in(workshop, challenge_id)
    unclassified = _container(workshop, None)
    moved = _container(workshop, challenge.id)
    for idea in moved:
        idea.challenge_id = None
    _renumber(unclassified + moved)
    # Dots on the défi in open votes are given back.
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
    from .votes import record_change  # votes builds on workshops, as this module does

    for phase in open_votes:
        record_change(workshop, phase, challenge.id)
    db.session.delete(challenge)
    db.session.flush()
    _record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "challenge_deleted"})
    db.session.commit()


def merge_challenges(workshop_id: int, facilitator: Facilitator, merge: ChallengeMerge) -> None:
    """Merge défi ``source`` into ``target``: its ideas follow the target's, the source
    disappears. Emits ``grouping_changed``."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    source_id, target_id = merge.source_id, merge.target_id
    if source_id == target_id:
        raise ValidationError(
            _("Choose two different challenges."), field="target_id", reason="same"
        )
    source = _challenge_in(workshop, source_id)
    target = _challenge_in(workshop, target_id)
    ideas = _container(workshop, target.id) + _container(workshop, source.id)
    for idea in ideas:
        idea.challenge_id = target.id
    _renumber(ideas)
    changed = _fold_votes(workshop, source, target)
    from .votes import record_change  # votes builds on workshops, as this module does

    for phase in changed:
        record_change(workshop, phase, target.id)
        record_change(workshop, phase, source.id)
    fold_follow_up(workshop, TargetRef("challenge", source.id), TargetRef("challenge", target.id))
    db.session.delete(source)
    db.session.flush()
    _record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "challenges_merged"})
    db.session.commit()


def split_challenge(workshop_id: int, facilitator: Facilitator, split: ChallengeSplit) -> Challenge:
    """Split a défi: ``idea_ids`` (all from it) leave for a new défi placed right
    after it. Emits ``grouping_changed``."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    challenge_id, idea_ids, new = split.challenge_id, split.idea_ids, split.new
    challenge = _challenge_in(workshop, challenge_id)
    ideas = _container(workshop, challenge.id)
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
    for idea in chosen:
        idea.challenge_id = created.id
    _renumber(chosen)
    _renumber([idea for idea in ideas if idea not in chosen])
    db.session.flush()
    _record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "challenge_split"})
    db.session.commit()
    return created


def move_idea(workshop_id: int, facilitator: Facilitator, move: IdeaMove) -> Idea:
    """Put an idea in a défi (or back among the unclassified, ``challenge_id`` None) at
    ``position`` (the end when None). Emits ``idea_moved`` with both containers'
    absolute orders, so concurrent moves converge."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    idea = _idea_in(workshop, move.idea_id)
    target = None if move.challenge_id is None else _challenge_in(workshop, move.challenge_id)
    return _place(workshop, idea, target.id if target else None, move.position)


def _place(workshop: Workshop, idea: Idea, challenge_id: int | None, position: int | None) -> Idea:
    source_id = idea.challenge_id
    source = [i for i in _container(workshop, source_id) if i.id != idea.id]
    target = source if source_id == challenge_id else _container(workshop, challenge_id)
    target = [i for i in target if i.id != idea.id]
    index = len(target) if position is None else max(0, min(position, len(target)))
    target.insert(index, idea)
    idea.challenge_id = challenge_id
    _renumber(target)
    if source_id != challenge_id:
        _renumber(source)
    db.session.flush()
    orders = [_order(workshop, challenge_id)]
    if source_id != challenge_id:
        orders.append(_order(workshop, source_id))
    event_log.record(
        workshop,
        Facts.IDEA_MOVED,
        {"idea_id": idea.id, "orders": orders},
        {"idea_id": idea.id, "orders": [_public_order(o) for o in orders]},
    )
    db.session.commit()
    return idea


def merge_ideas(workshop_id: int, facilitator: Facilitator, merge: IdeaMerge) -> Idea:
    """Idea ``idea_id`` is absorbed by ``into_id``: it stays traceable (status
    ``merged``, ``merged_into_id``), both authors are kept, and its dots in open votes
    move to the absorbing idea without exceeding anyone's cap (the excess is given
    back). Facilitators, while grouping. Raises :class:`MergeCycle` for an idea merged
    into itself or into an idea merged into it. Emits ``ideas_merged`` (then
    ``votes_changed`` for the votes concerned)."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    idea_id, into_id = merge.idea_id, merge.into_id
    if idea_id == into_id:
        raise MergeCycle()
    absorbed = _idea_in(workshop, idea_id)
    into = lookup.in_workshop(workshop, Idea, into_id)
    if into.status == IdeaStatus.MERGED:
        seen: set[int] = set()
        chain: Idea | None = into
        while chain is not None and chain.merged_into_id and chain.id not in seen:
            seen.add(chain.id)
            if chain.merged_into_id == absorbed.id:
                raise MergeCycle()
            chain = db.session.get(Idea, chain.merged_into_id)
        raise NotFound()
    into = _idea_in(workshop, into_id)
    changed_phases = _fold_votes(workshop, absorbed, into)
    absorbed.status = IdeaStatus.MERGED
    absorbed.merged_into_id = into.id
    container = [i for i in _container(workshop, absorbed.challenge_id) if i.id != absorbed.id]
    _renumber(container)
    db.session.flush()
    event_log.record(
        workshop,
        Facts.IDEAS_MERGED,
        {
            "idea": serialize_idea(into, Role.FACILITATOR, anonymous=False),
            "merged": serialize_idea(absorbed, Role.FACILITATOR, anonymous=False),
        },
        {
            "idea": serialize_idea(into, Role.PARTICIPANT, anonymous=workshop.anonymous),
            "merged": serialize_idea(absorbed, Role.PARTICIPANT, anonymous=workshop.anonymous),
        },
    )
    from .votes import record_change  # votes builds on workshops, as this module does

    for phase in changed_phases:
        record_change(workshop, phase, into.id)
        record_change(workshop, phase, absorbed.id)
    fold_follow_up(workshop, TargetRef("idea", absorbed.id), TargetRef("idea", into.id))
    db.session.commit()
    return into


def _fold_votes(
    workshop: Workshop, absorbed: Idea | Challenge, into: Idea | Challenge
) -> list[Phase]:
    """Move the dots of ``absorbed`` to ``into`` in every open vote on their kind, each
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


def propose_challenge(workshop_id: int, participant_id: int, move: IdeaMove) -> Idea:
    """A participant puts their own idea in a défi (or takes it out), when the workshop
    allows it, during the ideas or grouping step. Emits ``idea_moved``."""
    workshop = event_log.lock_workshop(workshop_id)
    if not workshop.participants_group:
        raise Forbidden(_("In this workshop, the facilitators place the ideas."))
    if workshop.status != WorkshopStatus.OPEN:
        raise WorkshopClosed() if workshop.status == WorkshopStatus.CLOSED else WorkshopNotOpen()
    phase = workshop.current_phase
    if phase is None or phase.kind not in (PhaseKind.IDEAS, PhaseKind.GROUPING):
        raise WrongPhase(
            _("Ideas can only be placed in a challenge during the ideas or grouping step.")
        )
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.workshop_id != workshop.id:
        raise WrongWorkshop()
    idea = _idea_in(workshop, move.idea_id)
    if idea.participant_id != participant.id:
        raise NotAuthor()
    if idea.status != IdeaStatus.VISIBLE:
        raise Forbidden(_("Only a visible idea can be placed in a challenge."))
    target = None if move.challenge_id is None else _challenge_in(workshop, move.challenge_id)
    return _place(workshop, idea, target.id if target else None, None)


def _suggestable(workshop: Workshop) -> list[Idea]:
    """The ideas a suggestion groups: visible and not in a défi yet."""
    return list(
        db.session.scalars(
            select(Idea)
            .where(
                Idea.workshop_id == workshop.id,
                Idea.status == IdeaStatus.VISIBLE,
                Idea.challenge_id.is_(None),
            )
            .order_by(Idea.id)
        )
    )


def suggest_groups(
    workshop_id: int, facilitator: Facilitator, k: int | None
) -> list[dict[str, Any]]:
    """Propose défis for the unclassified visible ideas: ``[{"label", "idea_ids"}]``.

    Nothing is written: the facilitator accepts all, some or none with
    :func:`apply_grouping`. The engine runs in a separate process so the live session
    never stalls. Raises :class:`SuggestionsUnavailable` if it fails."""
    from .. import grouping

    workshop = workshops.get_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    _require_grouping(workshop)
    ideas = _suggestable(workshop)
    texts = [". ".join(p for p in (i.title, i.description) if p) for i in ideas]
    ids = [i.id for i in ideas]
    db.session.rollback()  # no transaction stays open while the engine works
    if len(ids) < 2:
        return [{"label": texts[0][:60], "idea_ids": ids}] if ids else []
    try:
        groups = grouping.suggest_groups_in_worker(texts, k, _language(), timeout=60)
    except Exception as error:  # the engine's failure is the room's inconvenience, not a crash
        log.warning("grouping suggestions failed: %s", error)
        raise SuggestionsUnavailable() from error
    return [{"label": g.label, "idea_ids": [ids[m] for m in g.members]} for g in groups]


def apply_grouping(
    workshop_id: int, facilitator: Facilitator, groups: list[SuggestedGroup]
) -> None:
    """Create a défi for each accepted group and move its ideas there (at the end of it),
    keeping a snapshot of the grouping before, for :func:`undo_grouping`. Emits
    ``grouping_changed``."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    listed = [g_id for group in groups for g_id in group.idea_ids]
    if len(set(listed)) != len(listed):  # placed twice, it would leave a hole behind
        raise ValidationError(_("An item appears twice."), field="groups", reason="duplicate")
    ideas = {g_id: _idea_in(workshop, g_id) for g_id in listed}
    # The containers the ideas leave (not only the unclassified ones) are renumbered.
    left = {None, *(idea.challenge_id for idea in ideas.values())}
    placeable = set(
        db.session.scalars(
            select(Idea.id).where(Idea.workshop_id == workshop.id, Idea.status.in_(PLACEABLE))
        )
    )
    snapshot = GroupingSnapshot(
        workshop_id=workshop.id,
        data={
            "placements": {
                str(i.id): [i.challenge_id, i.position]
                for i in db.session.scalars(select(Idea).where(Idea.id.in_(placeable)))
            },
            "created": [],
        },
    )
    last = db.session.scalar(
        select(func.max(Challenge.position)).where(Challenge.workshop_id == workshop.id)
    )
    position = (last if last is not None else -1) + 1
    created = []
    for group in groups:
        challenge = Challenge(workshop_id=workshop.id, title=group.title, position=position)
        position += 1
        db.session.add(challenge)
        db.session.flush()
        created.append(challenge.id)
        for index, idea_id in enumerate(group.idea_ids):
            ideas[idea_id].challenge_id = challenge.id
            ideas[idea_id].position = index
    for container in left:
        _renumber(_container(workshop, container))
    snapshot.data = {**snapshot.data, "created": created}
    db.session.add(snapshot)
    db.session.flush()
    _record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "grouping_applied"})
    db.session.commit()


def undo_grouping(workshop_id: int, facilitator: Facilitator) -> None:
    """Put the grouping back as it was before the last applied suggestion: its défis go,
    every idea returns to its place (ideas posted since stay where they are, or go back
    among the unclassified ones if their défi went). Emits ``grouping_changed``."""
    workshop = _grouping_workshop(workshop_id, facilitator)
    snapshot = db.session.scalar(
        select(GroupingSnapshot)
        .where(GroupingSnapshot.workshop_id == workshop.id)
        .order_by(GroupingSnapshot.id.desc())
        .limit(1)
    )
    if snapshot is None:
        raise NothingToUndo()
    created = set(snapshot.data.get("created", []))
    for challenge in challenges_of(workshop):
        if challenge.id in created:
            db.session.delete(challenge)
    db.session.flush()
    remaining = {c.id for c in challenges_of(workshop)}
    placements = snapshot.data.get("placements", {})
    for idea in db.session.scalars(
        select(Idea).where(Idea.workshop_id == workshop.id, Idea.status.in_(PLACEABLE))
    ):
        placed = placements.get(str(idea.id))
        if placed is not None:
            challenge_id, position = placed
            idea.challenge_id = challenge_id if challenge_id in remaining else None
            idea.position = position
        elif idea.challenge_id is not None and idea.challenge_id not in remaining:
            idea.challenge_id = None
    db.session.delete(snapshot)
    db.session.flush()
    for container in [None, *remaining]:
        _renumber(_container(workshop, container))
    _record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "grouping_undone"})
    db.session.commit()


def find_similar(workshop_id: int, text: str, exclude: int | None = None) -> list[dict[str, Any]]:
    """Visible ideas close to ``text`` (a participant typing a new idea): at most three,
    best first, ``[{"id", "title", "score"}]``. Read-only."""
    from .. import grouping

    if len(text) < 4:
        return []
    ideas = list(
        db.session.scalars(
            select(Idea)
            .where(Idea.workshop_id == workshop_id, Idea.status == IdeaStatus.VISIBLE)
            .order_by(Idea.id)
        )
    )
    ideas = [i for i in ideas if i.id != exclude]
    texts = [". ".join(p for p in (i.title, i.description) if p) for i in ideas]
    try:
        matches = grouping.similar(texts, text, lang=_language(), limit=3)
    except Exception:  # a hint is a courtesy: without it the phone posts as usual
        log.exception("close-idea hints failed")
        return []
    return [
        {"id": ideas[m.index].id, "title": ideas[m.index].title, "score": round(m.score, 3)}
        for m in matches
    ]


def _language() -> str:
    from flask_babel import get_locale

    return "en" if str(get_locale() or "fr").startswith("en") else "fr"
