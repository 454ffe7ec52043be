"""What the grouping tests (défis, merging, suggestions) share: the state a refused
command must leave as it was, and short ways to read and move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import (
    recorded,
    vote_rows,
)
from workshop.errors import (
    WorkshopError,
)
from workshop.extensions import db
from workshop.models import (
    Challenge,
    GroupingSnapshot,
    Idea,
    Workshop,
)
from workshop.schemas import IdeaMove, PhaseTarget, Role
from workshop.services import agenda, challenges

Emitted = list[tuple[str, dict[str, Any], str]]


def state_of(workshop_id: int) -> tuple[Any, ...]:
    """Everything a refused command must leave as it was."""
    seq = db.session.scalar(select(Workshop.seq).where(Workshop.id == workshop_id))
    rows = db.session.execute(
        select(Challenge.id, Challenge.title, Challenge.description, Challenge.position)
        .where(Challenge.workshop_id == workshop_id)
        .order_by(Challenge.id)
    ).all()
    versions = db.session.execute(
        select(Challenge.id, Challenge.version).where(Challenge.workshop_id == workshop_id)
    ).all()
    idea_rows = db.session.execute(
        select(Idea.id, Idea.status, Idea.challenge_id, Idea.position, Idea.merged_into_id)
        .where(Idea.workshop_id == workshop_id)
        .order_by(Idea.id)
    ).all()
    snapshots = db.session.scalar(
        select(func.count())
        .select_from(GroupingSnapshot)
        .where(GroupingSnapshot.workshop_id == workshop_id)
    )
    return (
        seq,
        recorded(workshop_id),
        [tuple(r) for r in rows],
        sorted(tuple(v) for v in versions),
        [tuple(r) for r in idea_rows],
        vote_rows(workshop_id),
        snapshots,
    )


def by_room(emitted: Emitted, name: str) -> dict[str, dict[str, Any]]:
    """The last ``name`` payload each room received, by room suffix ("", facilitators, screens)."""
    return {room.partition(":")[2].partition(":")[2]: p for n, p, room in emitted if n == name}


def refused(workshop_id: int, error: type[WorkshopError], act: Callable[[], Any]) -> WorkshopError:
    """``act`` must raise ``error`` and change nothing: no row, no event, no ``seq``."""
    before = state_of(workshop_id)
    with pytest.raises(error) as raised:
        act()
    db.session.rollback()
    assert state_of(workshop_id) == before
    return raised.value


def orders(workshop: Workshop, role: Role = Role.FACILITATOR) -> dict[int | None, list[int]]:
    """The orders ``grouping_state`` gives ``role``, non-empty containers only."""
    state = challenges.grouping_state(workshop, role)
    return {o["challenge_id"]: o["idea_ids"] for o in state["orders"] if o["idea_ids"]}


def move(workshop: Workshop, idea_id: int, challenge_id: int | None, position: int | None = None):
    return challenges.move_idea(
        workshop.id, workshop.owner, IdeaMove(idea_id, challenge_id, position)
    )


def to_step(kind: str) -> Callable[[Workshop], None]:
    """An arrangement that moves the workshop to its first step of ``kind``."""

    def arrange(workshop: Workshop) -> None:
        phase = next(p for p in workshop.phases if p.kind == kind)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=phase.id))

    return arrange
