"""Who sees an idea in full: one rule, read by the serialiser and by the snapshot query.

A live fact and a snapshot must agree, or a phone shows an idea and then loses it on
reload. So the rule is a table of statuses per audience, and both the Python check
(:func:`sees_idea`, for one idea being serialised) and the SQL clause
(:func:`ideas_seen_by`, for the snapshot) are derived from it.

- Facilitators see every idea but the withdrawn ones (their authors took them back).
- Authors see their own ideas in every state but withdrawn: waiting for approval,
  hidden by moderation (with a badge), merged into another.
- Everybody else (participants, screens) sees visible ideas only; of any other idea
  they get its id and status, so that it leaves their wall.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_

from .models import Idea, IdeaStatus
from .roles import Role


class Audience(StrEnum):
    FACILITATOR = "facilitator"
    AUTHOR = "author"
    PUBLIC = "public"


SEEN: dict[Audience, frozenset[str]] = {
    Audience.FACILITATOR: frozenset(IdeaStatus) - {IdeaStatus.WITHDRAWN},
    Audience.AUTHOR: frozenset(IdeaStatus) - {IdeaStatus.WITHDRAWN},
    Audience.PUBLIC: frozenset({IdeaStatus.VISIBLE}),
}


def audience(role: Role, *, is_author: bool) -> Audience:
    if role is Role.FACILITATOR:
        return Audience.FACILITATOR
    return Audience.AUTHOR if is_author else Audience.PUBLIC


def sees_idea(idea: Idea, role: Role, viewer_id: int | None = None) -> bool:
    """Whether ``role`` (the participant ``viewer_id``, if any) sees ``idea`` in full."""
    is_author = viewer_id is not None and idea.participant_id == viewer_id
    return idea.status in SEEN[audience(role, is_author=is_author)]


def ideas_seen_by(role: Role, viewer_id: int | None = None) -> ColumnElement[bool]:
    """The SQL condition on :class:`Idea` matching :func:`sees_idea` row by row."""
    if role is Role.FACILITATOR:
        return Idea.status.in_(SEEN[Audience.FACILITATOR])
    public = Idea.status.in_(SEEN[Audience.PUBLIC])
    if viewer_id is None:
        return public
    own = and_(Idea.participant_id == viewer_id, Idea.status.in_(SEEN[Audience.AUTHOR]))
    return or_(public, own)
