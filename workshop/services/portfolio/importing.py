"""Importing a workshop export into a Fabrique's portfolio.

:func:`import_export` takes a JSON export (``docs/export.schema.json``) and brings it
into the portfolio in one transaction: a session per workshop ``uid``, its défis and
ideas keyed by their ``reference``. The same export imported twice changes nothing; a
newer export of the same workshop updates the session in place (ideas keep the stage a
member gave them, and their merges). Only the ideas visible at export time are
imported: ideas hidden by moderation, waiting for approval, withdrawn by their authors
or merged into another idea during the session are left out. Ideas added or reworded
are compared with the other sessions' (:func:`.follow_up.propose_merges`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from ...errors import ImportOutdated
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
from ..fabriques import lock_fabrique
from .follow_up import propose_merges
from .rows import challenge_values, follow_up_values, idea_values, session_values


@dataclass
class ImportResult:
    """What an import did: ``status`` is "created", "updated" or "unchanged"."""

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
    """Import one workshop export into ``fabrique``'s portfolio, in one transaction.

    The caller has checked who may import (a member, the CLI, an import token).
    Raises the ``Import*`` errors of :mod:`workshop.exports.validation`, and
    :class:`ImportOutdated` when the portfolio holds a newer export of the same
    workshop; nothing is written then. Importing an export already held (same digest)
    changes nothing.
    """
    document = read_document(document_or_bytes)
    if document["integrity"]["digest"].lower() != _held_digest(fabrique.id, document):
        # Otherwise it is byte for byte an export already checked and imported.
        validate_document(document)
    try:
        return _import(fabrique.id, document, by)
    except BaseException:
        db.session.rollback()
        raise


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
    challenge_ids = _sync_challenges(session, document["challenges"])
    result.challenges = len(challenge_ids)
    changed = _sync_ideas(fabrique_id, session, document, challenge_ids, now, result)
    result.proposals = propose_merges(fabrique_id, session, changed, document)
    db.session.commit()
    return result


def _sync_challenges(session: PortfolioSession, challenges: list[dict[str, Any]]) -> dict[int, int]:
    """Upsert the session's défis by reference; export id → portfolio id."""
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
        db.session.execute(delete(PortfolioChallenge).where(PortfolioChallenge.id.in_(gone)))
    updates = [
        {"id": existing[row["reference"]], **row} for row in rows if row["reference"] in existing
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
        updates.append({"id": old.id, "updated_at": now, **row, **follow_up})
    gone = [old.id for ref, old in existing.items() if ref not in kept]
    if gone:
        db.session.execute(delete(PortfolioIdea).where(PortfolioIdea.id.in_(gone)))
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
