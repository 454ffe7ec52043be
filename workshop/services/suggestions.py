"""Suggested groups and similar ideas, from the grouping engine (:mod:`workshop.grouping`).

The facilitator asks for suggested défis, accepts all, some or none of them (one
action) and can undo the last accepted suggestion; a participant typing an idea is
shown the closest ones already posted. The engine runs in its own process, so a
suggestion never stalls the room.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import grouping
from ..errors import NothingToUndo, SuggestionsUnavailable, ValidationError
from ..extensions import db
from ..models import Challenge, Facilitator, GroupingSnapshot, Idea, IdeaStatus, Workshop
from ..realtime import Facts
from ..schemas import SuggestedGroup
from . import challenges, lookup
from .guards import require_facilitator

log = logging.getLogger(__name__)


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
    workshop = lookup.get_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    challenges.require_grouping(workshop)
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
    workshop = challenges.grouping_workshop(workshop_id, facilitator)
    listed = [g_id for group in groups for g_id in group.idea_ids]
    if len(set(listed)) != len(listed):  # placed twice, it would leave a hole behind
        raise ValidationError(_("An item appears twice."), field="groups", reason="duplicate")
    ideas = {g_id: challenges.idea_in(workshop, g_id) for g_id in listed}
    # The containers the ideas leave (not only the unclassified ones) are renumbered.
    left = {None, *(idea.challenge_id for idea in ideas.values())}
    placeable = set(
        db.session.scalars(
            select(Idea.id).where(
                Idea.workshop_id == workshop.id, Idea.status.in_(challenges.PLACEABLE)
            )
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
        challenges.renumber(challenges.container(workshop, container))
    snapshot.data = {**snapshot.data, "created": created}
    db.session.add(snapshot)
    db.session.flush()
    challenges.record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "grouping_applied"})
    db.session.commit()


def undo_grouping(workshop_id: int, facilitator: Facilitator) -> None:
    """Put the grouping back as it was before the last applied suggestion: its défis go,
    every idea returns to its place (ideas posted since stay where they are, or go back
    among the unclassified ones if their défi went). Emits ``grouping_changed``."""
    workshop = challenges.grouping_workshop(workshop_id, facilitator)
    # The latest snapshot of a suggested grouping: the journal entries of merges and
    # splits (with a ``kind``) are undone one by one, by merging.undo_grouping_change.
    snapshot = next(
        (
            entry
            for entry in db.session.scalars(
                select(GroupingSnapshot)
                .where(GroupingSnapshot.workshop_id == workshop.id)
                .order_by(GroupingSnapshot.id.desc())
            )
            if "kind" not in entry.data
        ),
        None,
    )
    if snapshot is None:
        raise NothingToUndo()
    created = set(snapshot.data.get("created", []))
    for challenge in challenges.challenges_of(workshop):
        if challenge.id in created:
            db.session.delete(challenge)
    db.session.flush()
    remaining = {c.id for c in challenges.challenges_of(workshop)}
    placements = snapshot.data.get("placements", {})
    for idea in db.session.scalars(
        select(Idea).where(Idea.workshop_id == workshop.id, Idea.status.in_(challenges.PLACEABLE))
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
        challenges.renumber(challenges.container(workshop, container))
    challenges.record_grouping(workshop, Facts.GROUPING_CHANGED, {"reason": "grouping_undone"})
    db.session.commit()


def find_similar(workshop_id: int, text: str, exclude: int | None = None) -> list[dict[str, Any]]:
    """Visible ideas close to ``text`` (a participant typing a new idea): at most three,
    best first, ``[{"id", "title", "score"}]``. Read-only."""
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
    return "en" if str(get_locale() or "fr").startswith("en") else "fr"
