"""Importing ideas collected before a session (a CSV file) into a workshop: the file's
bounds and reading (off the event loop), then the import itself."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import ValidationError
from ..exports.ideas_import import MAX_BYTES, SPLIT, ImportRow, LongTexts, parse_ideas_csv
from ..extensions import db
from ..models import Facilitator, Idea, IdeaStatus
from ..offload import run_blocking
from ..realtime import Facts
from ..schemas import Role, serialize_idea
from ..wire import IdeaPosted
from . import event_log
from .guards import require_facilitator, require_not_closed

# What a CSV of ideas may hold at most, checked before its lines are read (the reader
# itself refuses more than 5,000 ideas and 5 MB): the work of reading a file is bounded
# by these, whatever the file.
#: Lines, blank ones and those of a cell written on several lines included.
MAX_LINES = 100_000
#: Characters of one line: an idea's line holds about 3,200 at most.
MAX_LINE_CHARS = 20_000
#: Columns named on the first line (id, text, description and need are read, the
#: others kept as the ideas' details).
MAX_COLUMNS = 50


def read_file(data: bytes, long_texts: LongTexts = SPLIT) -> list[ImportRow]:
    """The checked ideas of a CSV file (:func:`~workshop.exports.ideas_import.
    parse_ideas_csv`, its long texts split as ``long_texts`` says), read off the event
    loop, once its lines, their length and its columns are within the bounds above;
    :class:`ValidationError` otherwise (``details.reason``: ``too_many_lines``,
    ``line_too_long``, ``too_many_columns``, or one of the reader's)."""
    return run_blocking(_read_within_bounds, data, long_texts)


def _read_within_bounds(data: bytes, long_texts: LongTexts) -> list[ImportRow]:
    if len(data) <= MAX_BYTES:  # else the reader says it is too large
        _check_shape(data)
    return parse_ideas_csv(data, long_texts)


def _check_shape(data: bytes) -> None:
    """Count lines, measure them and count the header's cells with ``bytes`` methods (in
    C): the CSV reader goes cell by cell in Python."""
    lines = data.count(b"\n") + 1
    if lines > MAX_LINES:
        raise ValidationError(
            _(
                "This file has %(count)d lines; an import reads %(max)d at most. Remove "
                "the empty lines at its end, or split it into several files.",
                count=lines,
                max=MAX_LINES,
            ),
            field="file",
            reason="too_many_lines",
            count=lines,
            max=MAX_LINES,
        )
    for number, line in enumerate(data.split(b"\n"), 1):
        if len(line) > MAX_LINE_CHARS and len(line.decode("utf-8", "replace")) > MAX_LINE_CHARS:
            raise ValidationError(
                _(
                    "Line %(line)d has more than %(max)d characters: it cannot be one idea. "
                    "Check that the file is a CSV of ideas, one idea per line.",
                    line=number,
                    max=MAX_LINE_CHARS,
                ),
                field="file",
                reason="line_too_long",
                line=number,
                max=MAX_LINE_CHARS,
            )
    header = data.lstrip().split(b"\n", 1)[0]
    columns = max(header.count(delimiter) for delimiter in (b",", b";", b"\t")) + 1
    if columns > MAX_COLUMNS:
        raise ValidationError(
            _(
                "The first line names %(count)d columns; an import reads %(max)d at most. "
                "Keep the columns id, text, description and need, and remove the others.",
                count=columns,
                max=MAX_COLUMNS,
            ),
            field="file",
            reason="too_many_columns",
            count=columns,
            max=MAX_COLUMNS,
        )


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
            details=row.details,
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
