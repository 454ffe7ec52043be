"""Importing a workshop export into a Fabrique's portfolio.

:func:`import_export` takes a JSON export (``docs/export.schema.json``) and brings it
into the portfolio in one transaction: a session per workshop ``uid``, its défis and
ideas keyed by their ``reference``. The same export imported twice changes nothing; a
newer export of the same workshop updates the session in place (ideas keep the stage a
member gave them, and their merges). Only the ideas visible at export time are
imported: ideas hidden by moderation, waiting for approval, withdrawn by their authors
or merged into another idea during the session are left out. A défi or an idea a newer
export no longer holds is never deleted: it is marked ``absent_since`` (and so is its
project once all its rows are), so no follow-up work is lost. Each défi, and each idea
without a défi, is a project (:func:`.projects.sync_session`); a session of a cycle
(export 1.3) keeps its ``cycle``, whose projects are projects of the portfolio too
(:func:`.cycle_projects.sync_cycle_projects`). Once that transaction is committed, the
ideas added or reworded are compared with the other sessions'
(:func:`.proposals.propose_merges`, holding no lock while it compares).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import insert, select, update

from ...errors import ImportInvalid, ImportOutdated
from ...exports.validation import read_document, validate_document
from ...extensions import db
from ...models import (
    Fabrique,
    Facilitator,
    IdeaStatus,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    utcnow,
)
from ...offload import run_blocking
from ..fabriques import lock_fabrique
from .cycle_projects import sync_cycle_projects
from .projects import sync_session
from .proposals import propose_merges
from .rows import challenge_values, follow_up_values, idea_values, session_values


@dataclass
class ImportResult:
    """What an import did: ``status`` is "created", "updated" or "unchanged";
    ``removed`` counts the ideas this export no longer holds (kept, marked absent)."""

    status: str
    session_id: int
    workshop_uid: str
    title: str
    challenges: int = 0
    ideas: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    proposals: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The result as the CLI's ``--json`` and ``POST /api/v1/imports`` give it."""
        return asdict(self)


def import_export(
    fabrique: Fabrique,
    document_or_bytes: dict[str, Any] | bytes | str,
    by: Facilitator | None = None,
) -> ImportResult:
    """Import one workshop export into ``fabrique``'s portfolio, in one transaction, then
    propose merges with the other sessions' ideas (a second, short one).

    The caller has checked who may import (a member, the CLI, an import token).
    Raises the ``Import*`` errors of :mod:`workshop.exports.validation`, and
    :class:`ImportOutdated` when the portfolio holds a newer export of the same
    workshop; nothing is written then. Importing an export already held (same digest)
    changes nothing.
    """
    # Reading and checking are CPU work on a file of up to 32 MB: off the event loop.
    document = run_blocking(read_within_bounds, document_or_bytes)
    if document["integrity"]["digest"].lower() != _held_digest(fabrique.id, document):
        # Otherwise it is byte for byte an export already checked and imported.
        run_blocking(validate_document, document)
    try:
        return _import(fabrique.id, document, by)
    except BaseException:
        db.session.rollback()
        raise


# ------------------------------------------------------------------------- bounds
#
# What an import reads at most, checked before the export's own rules: the work of
# checking a file is bounded by these, whatever the file. Each is far beyond a
# Start-up de Territoire (1,000+ citizen ideas, 30 défis, 400 participants).

#: Levels of nesting (brackets): an export has 6.
MAX_DEPTH = 20
#: Items of each list of an export, by the list's name.
MAX_ITEMS = {
    "phases": 100,
    "challenges": 500,
    "ideas": 5000,
    "votes": 20000,
    "rankings": 100,
    "items": 5500,  # of a ranking: ideas and défis
    "volunteers": 2000,  # of an idea or a défi
    "tables": 1000,  # défi tables (format 1.1)
    "contributions": 5000,  # of one table
    # The cycle (format 1.3): its sessions and projects, each project's carnet de bord,
    # feedback cards and note d'intention.
    "sessions": 100,
    "projects": 500,
    "logbook": 2000,
    "cards": 5000,
}
#: Items of any other list (none in the export format).
MAX_OTHER_ITEMS = 100
#: Fields of one object: the largest of the format has 18.
MAX_FIELDS = 64
#: Characters of one text: Semis accepts 2,000 at most.
MAX_TEXT = 10000
#: Values (texts, numbers, lists, objects…) in the whole file.
MAX_VALUES = 1_000_000

# The bytes that shape a JSON text: brackets and quotes (escapes are removed first).
_NOT_SHAPE = bytes(b for b in range(256) if b not in b'[]{}"')
_QUOTE, _OPENING = ord('"'), frozenset(b"[{")


def read_within_bounds(document_or_bytes: dict[str, Any] | bytes | str) -> dict[str, Any]:
    """:func:`~workshop.exports.validation.read_document`, on a file first checked to be
    no deeper than :data:`MAX_DEPTH`, and whose lists, objects, texts and values are
    within the bounds above; :class:`ImportInvalid` (``details.reason``: ``too_deep``,
    ``too_many`` or ``too_long``, ``details.limit``) otherwise.

    Pure computation (no database): :func:`import_export` runs it off the event loop."""
    if not isinstance(document_or_bytes, dict):
        raw = (
            document_or_bytes.encode("utf-8", "surrogatepass")
            if isinstance(document_or_bytes, str)
            else document_or_bytes
        )
        _check_shape(raw)
    document = read_document(document_or_bytes)
    _check_bounds(document)
    return document


def _check_shape(raw: bytes) -> None:
    """Refuse a JSON text nesting brackets more than :data:`MAX_DEPTH` deep, found
    without parsing it (a parser recurses once per level: Python's gives up near 1,000,
    and whatever walks the result recursively after it), or holding far more values
    than :data:`MAX_VALUES`.

    Escaped backslashes and quotes, then every byte but brackets and quotes, are removed
    by ``bytes`` methods (in C, a few ms a MB); what is left, a few bytes per value, is
    scanned for the depth. A text cut off or damaged is left to the parser."""
    shape = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_SHAPE)
    if shape.count(b"[") + shape.count(b"{") > MAX_VALUES or shape.count(b'"') > 4 * MAX_VALUES:
        raise _too_many_values()
    depth = 0
    in_string = False
    for byte in shape:
        if byte == _QUOTE:
            in_string = not in_string
        elif in_string:
            continue
        elif byte in _OPENING:
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep()
        else:
            depth -= 1


def _too_many_values() -> ImportInvalid:
    return ImportInvalid(
        _(
            "This file holds more than %(max)d values (texts, numbers…): far more than an "
            "export of a session. Import the .json file exactly as Semis exported it.",
            max=MAX_VALUES,
        ),
        path="/",
        reason="too_many",
        limit=MAX_VALUES,
    )


def _too_deep() -> ImportInvalid:
    return ImportInvalid(
        _(
            "This file nests its data more than %(max)d levels deep: it is not a Semis "
            "export. Import the .json file exactly as Semis exported it.",
            max=MAX_DEPTH,
        ),
        path="/",
        reason="too_deep",
        limit=MAX_DEPTH,
    )


def _list_label(name: str) -> str:
    labels: dict[str, str] = {
        "phases": pgettext("import", "steps"),
        "challenges": pgettext("import", "défis"),
        "ideas": pgettext("import", "ideas"),
        "votes": pgettext("import", "vote results"),
        "rankings": pgettext("import", "rankings"),
        "items": pgettext("import", "ranked items"),
        "volunteers": pgettext("import", "volunteers"),
        "tables": pgettext("import", "tables"),
        "contributions": pgettext("import", "table contributions"),
        "sessions": pgettext("import", "sessions of the cycle"),
        "projects": pgettext("import", "projects of the cycle"),
        "logbook": pgettext("import", "lines of a carnet de bord"),
        "cards": pgettext("import", "feedback cards"),
    }
    label: str = labels.get(name) or pgettext("import", "items")
    return label


def _check_bounds(document: dict[str, Any]) -> None:
    """Walk the parsed export (a loop, not recursion) and refuse the first list, object,
    text or depth beyond its bound, or a file of more than :data:`MAX_VALUES` values."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
    values = 0
    while stack:
        value, path = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise _too_many_values()
        if len(path) > MAX_DEPTH:
            raise _too_deep()
        if isinstance(value, str):
            _check_text(value, path)
        elif isinstance(value, list):
            name = path[-1] if path and isinstance(path[-1], str) else ""
            limit = MAX_ITEMS.get(name, MAX_OTHER_ITEMS)
            if len(value) > limit:
                raise ImportInvalid(
                    _(
                        "This file holds %(count)d %(what)s at %(path)s; an import reads "
                        "%(max)d at most. Check that it is the export of a single session, "
                        "exactly as Semis exported it.",
                        count=len(value),
                        what=_list_label(name),
                        path=_pointer(path),
                        max=limit,
                    ),
                    path=_pointer(path),
                    reason="too_many",
                    count=len(value),
                    limit=limit,
                )
            stack.extend((item, (*path, index)) for index, item in enumerate(value))
        elif isinstance(value, dict):
            if len(value) > MAX_FIELDS:
                raise ImportInvalid(
                    _(
                        "This file holds an object of %(count)d fields at %(path)s; an "
                        "export has %(max)d at most. Import the .json file exactly as "
                        "Semis exported it.",
                        count=len(value),
                        path=_pointer(path),
                        max=MAX_FIELDS,
                    ),
                    path=_pointer(path),
                    reason="too_many",
                    count=len(value),
                    limit=MAX_FIELDS,
                )
            for key, item in value.items():
                _check_text(key, path)
                stack.append((item, (*path, key)))


def _check_text(text: str, path: tuple[Any, ...]) -> None:
    if len(text) > MAX_TEXT:
        raise ImportInvalid(
            _(
                "The text at %(path)s has %(count)d characters; an import reads %(max)d "
                "at most per text (Semis accepts 2,000). Import the .json file exactly as "
                "Semis exported it.",
                path=_pointer(path),
                count=len(text),
                max=MAX_TEXT,
            ),
            path=_pointer(path),
            reason="too_long",
            count=len(text),
            limit=MAX_TEXT,
        )


def _pointer(path: tuple[Any, ...]) -> str:
    """A JSON Pointer (RFC 6901) to ``path``; "/" for the root."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _held_digest(fabrique_id: int, document: dict[str, Any]) -> str | None:
    """The digest of the export held for the workshop ``document`` names, if any."""
    workshop = document.get("workshop")
    uid = workshop.get("uid") if isinstance(workshop, dict) else None
    if not isinstance(uid, str):
        return None
    return db.session.scalar(
        select(PortfolioSession.digest).where(
            PortfolioSession.fabrique_id == fabrique_id, PortfolioSession.workshop_uid == uid
        )
    )


def _import(fabrique_id: int, document: dict[str, Any], by: Facilitator | None) -> ImportResult:
    """The import itself, under the Fabrique's write lock; commits."""
    lock_fabrique(fabrique_id)
    uid = document["workshop"]["uid"]
    digest = document["integrity"]["digest"].lower()
    values = session_values(document)
    session = db.session.scalar(
        select(PortfolioSession).where(
            PortfolioSession.fabrique_id == fabrique_id, PortfolioSession.workshop_uid == uid
        )
    )
    if session is not None and session.digest == digest:
        db.session.rollback()
        return ImportResult("unchanged", session.id, uid, session.title)
    if session is not None and session.exported_at > values["exported_at"]:
        raise ImportOutdated(
            _(
                "The portfolio already holds a newer export of this session (exported on "
                "%(when)s); /exported_at of this file is older.",
                when=session.exported_at.strftime("%Y-%m-%d %H:%M UTC"),
            ),
            path="/exported_at",
        )
    status = "updated" if session else "created"
    now = utcnow()
    if session is None:
        session = PortfolioSession(fabrique_id=fabrique_id, workshop_uid=uid)
        db.session.add(session)
    for key, value in values.items():
        setattr(session, key, value)
    session.digest = digest
    session.imported_at = now
    session.imported_by_id = by.id if by is not None else None
    db.session.flush()

    result = ImportResult(status, session.id, uid, session.title)
    challenge_ids = _sync_challenges(session, document["challenges"], now)
    result.challenges = len(challenge_ids)
    changed = _sync_ideas(fabrique_id, session, document, challenge_ids, now, result)
    sync_session(session, now)
    sync_cycle_projects(session, now)
    db.session.commit()
    # After the commit: the comparison holds no lock (a failure there leaves the import in).
    language = (document["workshop"].get("language") or "fr")[:2]
    result.proposals = propose_merges(fabrique_id, result.session_id, changed, language)
    return result


def _sync_challenges(
    session: PortfolioSession, challenges: list[dict[str, Any]], now: dt.datetime
) -> dict[int, int]:
    """Upsert the session's défis by reference; export id → portfolio id. A défi the
    export no longer holds is kept, marked ``absent_since`` (a member's work hangs on
    it); one that comes back is present again."""
    existing = dict(
        db.session.execute(
            select(PortfolioChallenge.reference, PortfolioChallenge.id).where(
                PortfolioChallenge.session_id == session.id
            )
        ).all()
    )
    rows = [challenge_values(c) for c in challenges]
    wanted = {row["reference"] for row in rows}
    gone = [cid for ref, cid in existing.items() if ref not in wanted]
    if gone:
        db.session.execute(
            update(PortfolioChallenge)
            .where(PortfolioChallenge.id.in_(gone), PortfolioChallenge.absent_since.is_(None))
            .values(absent_since=now)
        )
    updates = [
        {"id": existing[row["reference"]], "absent_since": None, **row}
        for row in rows
        if row["reference"] in existing
    ]
    if updates:
        db.session.execute(update(PortfolioChallenge), updates)
    fresh = [{"session_id": session.id, **row} for row in rows if row["reference"] not in existing]
    if fresh:
        db.session.execute(insert(PortfolioChallenge), fresh)
    by_reference = dict(
        db.session.execute(
            select(PortfolioChallenge.reference, PortfolioChallenge.id).where(
                PortfolioChallenge.session_id == session.id
            )
        ).all()
    )
    return {c["id"]: by_reference[c["reference"]] for c in challenges}


def _sync_ideas(
    fabrique_id: int,
    session: PortfolioSession,
    document: dict[str, Any],
    challenge_ids: dict[int, int],
    now: dt.datetime,
    result: ImportResult,
) -> list[int]:
    """Upsert the session's visible ideas by reference; the ids added or changed."""
    challenges = {c["id"]: c for c in document["challenges"]}
    existing = {
        row.reference: row
        for row in db.session.execute(
            select(
                PortfolioIdea.id,
                PortfolioIdea.reference,
                PortfolioIdea.stage_source,
                PortfolioIdea.title,
                PortfolioIdea.body,
                PortfolioIdea.absent_since,
            ).where(PortfolioIdea.session_id == session.id)
        )
    }
    fresh: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    text_changed: list[int] = []
    kept: set[str] = set()
    for idea in document["ideas"]:
        if idea.get("state") != IdeaStatus.VISIBLE:
            continue
        challenge = challenges.get(idea.get("challenge_id"))
        row = idea_values(idea)
        row["challenge_id"] = challenge_ids.get(idea["challenge_id"]) if challenge else None
        follow_up = follow_up_values(idea, challenge, session.territory)
        kept.add(row["reference"])
        old = existing.get(row["reference"])
        if old is None:
            fresh.append(
                {
                    "fabrique_id": fabrique_id,
                    "session_id": session.id,
                    "created_at": now,
                    "updated_at": now,
                    **row,
                    **follow_up,
                }
            )
            continue
        if old.stage_source == "fabrique":  # a member's decision outlives new exports
            follow_up = {"territory": follow_up["territory"]}
        if (old.title, old.body) != (row["title"], row["body"]):
            text_changed.append(old.id)
        updates.append({"id": old.id, "updated_at": now, "absent_since": None, **row, **follow_up})
    # Never deleted: a member's work hangs on them (the project keeps it in any case).
    gone = [old.id for ref, old in existing.items() if ref not in kept and old.absent_since is None]
    if gone:
        db.session.execute(
            update(PortfolioIdea)
            .where(PortfolioIdea.id.in_(gone))
            .values(absent_since=now, updated_at=now)
        )
    # An idea its author withdrew loses its text and author here too, as in the workshop
    # (the text of a withdrawn idea is never kept: docs/privacy.md); the row stays.
    withdrawn_refs = {
        i["reference"] for i in document["ideas"] if i.get("state") == IdeaStatus.WITHDRAWN
    }
    withdrawn = [old.id for ref, old in existing.items() if ref in withdrawn_refs]
    if withdrawn:
        db.session.execute(
            update(PortfolioIdea)
            .where(PortfolioIdea.id.in_(withdrawn))
            .values(title="", body="", need="", author_name=None, updated_at=now)
        )
    if updates:
        db.session.execute(update(PortfolioIdea), updates)
    added: list[int] = []
    if fresh:
        db.session.execute(insert(PortfolioIdea), fresh)
        added = list(
            db.session.scalars(
                select(PortfolioIdea.id).where(
                    PortfolioIdea.session_id == session.id,
                    PortfolioIdea.reference.in_([r["reference"] for r in fresh]),
                )
            )
        )
    result.ideas = len(kept)
    result.added, result.updated, result.removed = len(fresh), len(updates), len(gone)
    return added + text_changed
