"""Importing ideas collected before a session (a CSV file) into a workshop."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import ValidationError
from ..exports.ideas_import import ImportRow
from ..extensions import db
from ..models import Facilitator, Idea, IdeaStatus
from ..realtime import Facts
from ..schemas import Role, serialize_idea
from ..wire import IdeaPosted
from . import event_log
from .guards import require_facilitator, require_not_closed


@dataclass(frozen=True)
class ImportResult:
    """How many ideas of the file were added, and how many were there already."""

    created: int
    unchanged: int


def import_ideas(workshop_id: int, facilitator: Facilitator, rows: list[ImportRow]) -> ImportResult:
    """Add the ideas of ``rows`` (from :func:`~workshop.exports.ideas_import.parse_ideas_csv`)
    to the unclassified ideas of a workshop, visible, without author.

    Facilitators of the workshop, in any step, while it is not closed. Idempotent: a line
    whose idea was imported before (same ``id`` in the file, hence the same
    ``client_id``) is left as it is, even if it was edited or grouped since. All or
    nothing, in one transaction. Raises :class:`WorkshopClosed`, :class:`Forbidden`, and
    :class:`ValidationError` when an id of the file collides with an idea posted from a
    phone. Emits ``idea_posted`` for each idea created.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_not_closed(workshop)
    existing: dict[str, int | None] = {
        client_id: participant_id
        for client_id, participant_id in db.session.execute(
            select(Idea.client_id, Idea.participant_id).where(Idea.workshop_id == workshop.id)
        )
    }
    clashes = [row for row in rows if existing.get(row.idea.client_id, None) is not None]
    if clashes:
        row = clashes[0]
        raise ValidationError(
            _(
                "Line %(line)d: this id is already used by an idea posted in the workshop.",
                line=row.line,
            ),
            field="file",
            reason="lines",
            count=len(clashes),
            errors=[
                {"line": r.line, "column": "id", "reason": "duplicate_client_id"}
                for r in clashes[:50]
            ],
        )
    position = int(
        db.session.scalar(
            select(func.count()).select_from(Idea).where(Idea.workshop_id == workshop.id)
        )
        or 0
    )
    created: list[Idea] = []
    for row in rows:
        if row.idea.client_id in existing:
            continue
        idea = Idea(
            workshop_id=workshop.id,
            participant_id=None,
            client_id=row.idea.client_id,
            title=row.idea.title,
            description=row.idea.description,
            need=row.idea.need,
            status=IdeaStatus.VISIBLE,
            position=position,
        )
        existing[row.idea.client_id] = None
        position += 1
        created.append(idea)
    db.session.add_all(created)
    db.session.flush()
    for idea in created:
        data: IdeaPosted = {
            "idea": serialize_idea(idea, Role.FACILITATOR, anonymous=workshop.anonymous)
        }
        public: IdeaPosted = {
            "idea": serialize_idea(idea, Role.PARTICIPANT, anonymous=workshop.anonymous)
        }
        event_log.record(workshop, Facts.IDEA_POSTED, data, public)
    db.session.commit()
    return ImportResult(created=len(created), unchanged=len(rows) - len(created))
