"""Loading what a command names: a workshop by id or join code, and the items of a
workshop, checked against the workshop the command acts in. Read-only, foundation level."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from ..errors import NotFound, UnknownCode, WrongWorkshop
from ..extensions import db
from ..models import Challenge, Idea, IdeaStatus, Participant, Workshop
from ..schemas import INT_MAX, normalize_code

T = TypeVar("T", Idea, Challenge, Participant)


def get_workshop(workshop_id: int) -> Workshop:
    """The workshop ``workshop_id``; raises :class:`NotFound`."""
    # An id outside the database's integer range (a URL can say anything) is no workshop.
    workshop = db.session.get(Workshop, workshop_id) if 0 < workshop_id <= INT_MAX else None
    if workshop is None:
        raise NotFound()
    return workshop


def find_by_code(code: str) -> Workshop:
    """The workshop with join code ``code`` (as typed); raises :class:`UnknownCode`."""
    normalized = normalize_code(code)
    if not normalized:
        raise UnknownCode()
    workshop = db.session.scalar(select(Workshop).where(Workshop.code == normalized))
    if workshop is None:
        raise UnknownCode()
    return workshop


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


def participant(workshop: Workshop, participant_id: int) -> Participant:
    """A participant of ``workshop`` who still exists: one whose data was erased is
    gone (:class:`NotFound`), even if a socket of theirs is still open somewhere."""
    found = in_workshop(workshop, Participant, participant_id)
    if found.erased_at is not None:
        raise NotFound()
    return found
