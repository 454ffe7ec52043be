"""Loading what a command names, checked against the workshop it acts in."""

from __future__ import annotations

from typing import TypeVar

from ..errors import NotFound, WrongWorkshop
from ..extensions import db
from ..models import Challenge, Idea, IdeaStatus, Participant, Workshop

T = TypeVar("T", Idea, Challenge, Participant)


def in_workshop(workshop: Workshop, model: type[T], item_id: int) -> T:
    """The ``model`` row ``item_id`` of ``workshop``.

    Raises :class:`NotFound` when it does not exist, :class:`WrongWorkshop` when it
    belongs to another workshop.
    """
    item = db.session.get(model, item_id)
    if item is None:
        raise NotFound()
    if item.workshop_id != workshop.id:
        raise WrongWorkshop()
    return item


def live_idea(workshop: Workshop, idea_id: int) -> Idea:
    """An idea of ``workshop`` that is still there: withdrawn and merged ones are gone."""
    idea = in_workshop(workshop, Idea, idea_id)
    if idea.status in (IdeaStatus.WITHDRAWN, IdeaStatus.MERGED):
        raise NotFound()
    return idea
