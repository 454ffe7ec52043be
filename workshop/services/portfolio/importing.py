"""A Fabrique's portfolio: importing workshop exports, follow-up stages, duplicates, funnel.

:func:`import_export` takes a JSON export (``docs/export.schema.json``) and brings it
into the portfolio in one transaction: a session per workshop ``uid``, its défis and
ideas keyed by their ``reference``. The same export imported twice changes nothing; a
newer export of the same workshop updates the session in place (ideas keep the stage a
member gave them, and their merges). Only the ideas visible at export time are
imported: ideas hidden by moderation, waiting for approval, withdrawn by their authors
or merged into another idea during the session are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, insert, or_, select, update

from ...errors import (
    Conflict,
    ImportOutdated,
    MergeCycle,
    NotFound,
)
from ...extensions import db
from ...grouping import nearby
from ...models import (
    Fabrique,
    Facilitator,
    IdeaStatus,
    MergeStatus,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioMergeProposal,
    PortfolioSession,
    Stage,
    utcnow,
)
from ...schemas.portfolio import StageChange
from ...stages import STAGES
from ..export_reader import read_document, validate_document

# Cosine similarity (character n-grams, workshop.grouping.nearby) from which two ideas
# of different sessions are proposed for merging; the hint on phones starts at 0.3.
MERGE_MIN_SCORE = 0.5
MERGE_CANDIDATES = 3
# Enough of a description to tell ideas apart; long ones would only slow imports down.
_COMPARED_BODY = 160


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
        return {
            "status": self.status,
            "session_id": self.session_id,
            "workshop_uid": self.workshop_uid,
            "title": self.title,
            "challenges": self.challenges,
            "ideas": self.ideas,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "proposals": self.proposals,
        }


@dataclass
class Funnel:
    """Ideas per stage, in total, per session and per territory."""

    stages: tuple[str, ...]
    total: int
    by_stage: dict[str, int]
    by_session: list[dict[str, Any]] = field(default_factory=list)
    by_territory: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------- importing


def _lock_fabrique(fabrique_id: int) -> Fabrique:
    """Take the Fabrique's write lock (a row lock on PostgreSQL, the write lock on SQLite),
    so two imports into one portfolio run one after the other."""
    result = db.session.execute(
        update(Fabrique).where(Fabrique.id == fabrique_id).values(updated_at=Fabrique.updated_at)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound()
    fabrique = db.session.get(Fabrique, fabrique_id, populate_existing=True)
    assert fabrique is not None  # noqa: S101 - the update just matched it
    return fabrique


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _session_values(document: dict[str, Any]) -> dict[str, Any]:
    workshop = document["workshop"]
    return {
        "code": workshop.get("code") or "",
        "title": workshop.get("title") or "",
        "question": workshop.get("question") or "",
        "territory": workshop.get("territory") or "",
        "date": _parse_date(workshop.get("date")),
        "format": workshop.get("format") or "",
        "status": workshop.get("status") or "",
        "language": workshop.get("language") or "",
        "participants_count": workshop.get("participants_count") or 0,
        "url": workshop.get("url") or "",
        "schema_version": document["version"],
        "exported_at": _parse_time(document["exported_at"]),
    }


def _challenge_values(challenge: dict[str, Any]) -> dict[str, Any]:
    return {
        "reference": challenge["reference"],
        "title": challenge.get("title") or "",
        "body": challenge.get("body") or "",
        "position": challenge.get("position") or 0,
        "votes": challenge.get("votes") or 0,
        "rank": challenge.get("rank"),
        "qualification": challenge.get("qualification"),
        "volunteers": challenge.get("volunteers") or [],
    }


def _follow_up(
    idea: dict[str, Any], challenge: dict[str, Any] | None, session_territory: str
) -> dict[str, Any]:
    """Stage, its source and the territory of an idea: its sheet's, else its défi's."""
    own = idea.get("qualification")
    inherited = challenge.get("qualification") if challenge else None
    sheet, source = (
        (own, "idea") if own else (inherited, "challenge") if inherited else (None, "default")
    )
    territory = next(
        (
            t
            for t in (
                (own or {}).get("territory"),
                (inherited or {}).get("territory"),
                session_territory,
            )
            if t
        ),
        "",
    )
    return {
        "stage": (sheet or {}).get("stage") or Stage.TO_STUDY.value,
        "abandon_reason": (sheet or {}).get("abandon_reason") or "",
        "stage_source": source,
        "territory": territory,
    }


def _idea_values(idea: dict[str, Any]) -> dict[str, Any]:
    author = idea.get("author")
    return {
        "reference": idea["reference"],
        "title": idea.get("title") or "",
        "body": idea.get("body") or "",
        "need": idea.get("need") or "",
        "state": idea.get("state") or IdeaStatus.VISIBLE.value,
        "author_name": author.get("name") if isinstance(author, dict) else None,
        "votes": idea.get("votes") or 0,
        "published_at": _parse_time(idea.get("published_at")),
        "qualification": idea.get("qualification"),
        "volunteers": idea.get("volunteers") or [],
    }


def import_export(
    fabrique: Fabrique,
    document_or_bytes: dict[str, Any] | bytes | str,
    by: Facilitator | None = None,
) -> ImportResult:
    """Import one workshop export into ``fabrique``'s portfolio, in one transaction.

    The caller has checked who may import (a member, the CLI, an import token).
    Raises the ``Import*`` errors of :func:`.export_reader.load_document`, and
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
    _lock_fabrique(fabrique_id)
    uid = document["workshop"]["uid"]
    digest = document["integrity"]["digest"].lower()
    values = _session_values(document)
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
    result.proposals = _propose_merges(fabrique_id, session, changed, document)
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
    rows = [_challenge_values(c) for c in challenges]
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
        row = _idea_values(idea)
        row["challenge_id"] = challenge_ids.get(idea["challenge_id"]) if challenge else None
        follow_up = _follow_up(idea, challenge, session.territory)
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


def _idea_text(title: str, body: str) -> str:
    """What two ideas are compared on: the title and the start of the description."""
    return f"{title}\n{body[:_COMPARED_BODY]}" if body else title


def _language(document: dict[str, Any]) -> str:
    language = (document["workshop"].get("language") or "fr")[:2]
    return language if language in ("fr", "en") else "fr"


def _propose_merges(
    fabrique_id: int, session: PortfolioSession, idea_ids: list[int], document: dict[str, Any]
) -> int:
    """Propose merging ``idea_ids`` with look-alike ideas of the Fabrique's other sessions.

    Uses the character n-gram similarity of :mod:`workshop.grouping.nearby`; a pair
    already proposed, accepted or dismissed (either way round) is never proposed again.
    """
    if not idea_ids:
        return 0
    others = db.session.execute(
        select(PortfolioIdea.id, PortfolioIdea.title, PortfolioIdea.body)
        .where(
            PortfolioIdea.fabrique_id == fabrique_id,
            PortfolioIdea.session_id != session.id,
            PortfolioIdea.merged_into_id.is_(None),
        )
        .order_by(PortfolioIdea.id)
    ).all()
    if not others:
        return 0
    index = nearby.SimilarityIndex(
        [_idea_text(o.title, o.body) for o in others], _language(document)
    )
    mine = db.session.execute(
        select(PortfolioIdea.id, PortfolioIdea.title, PortfolioIdea.body).where(
            PortfolioIdea.id.in_(idea_ids)
        )
    ).all()
    known = {
        frozenset(pair)
        for pair in db.session.execute(
            select(PortfolioMergeProposal.idea_id, PortfolioMergeProposal.keep_id).where(
                or_(
                    PortfolioMergeProposal.idea_id.in_(idea_ids),
                    PortfolioMergeProposal.keep_id.in_(idea_ids),
                )
            )
        ).all()
    }
    rows = []
    matches = index.query_many(
        [_idea_text(i.title, i.body) for i in mine], MERGE_CANDIDATES, MERGE_MIN_SCORE
    )
    for idea, found in zip(mine, matches, strict=True):
        for match in found:
            other = others[match.index].id
            pair = frozenset((idea.id, other))
            if pair in known:
                continue
            known.add(pair)
            # The later import is merged into the earlier one.
            later, earlier = max(idea.id, other), min(idea.id, other)
            rows.append(
                {
                    "fabrique_id": fabrique_id,
                    "idea_id": later,
                    "keep_id": earlier,
                    "score": match.score,
                    "status": MergeStatus.PROPOSED.value,
                }
            )
    if rows:
        db.session.execute(insert(PortfolioMergeProposal), rows)
    return len(rows)


# ---------------------------------------------------------------- follow-up work


def _idea_in(fabrique: Fabrique, idea_id: int) -> PortfolioIdea:
    idea = db.session.get(PortfolioIdea, idea_id)
    if idea is None or idea.fabrique_id != fabrique.id:
        raise NotFound()
    return idea


def change_stage(fabrique: Fabrique, change: StageChange) -> PortfolioIdea:
    """Move an idea to another follow-up stage; a member's choice, kept over new exports.

    The caller has checked membership. Raises :class:`NotFound`, and
    :class:`Conflict` when ``change.version`` is not the idea's current version.
    """
    _lock_fabrique(fabrique.id)
    idea = _idea_in(fabrique, change.idea_id)
    if idea.version != change.version:
        raise Conflict()
    idea.stage = change.stage
    idea.abandon_reason = change.abandon_reason
    idea.stage_source = "fabrique"
    idea.version += 1
    db.session.commit()
    return idea


def _proposal_in(fabrique: Fabrique, proposal_id: int) -> PortfolioMergeProposal:
    proposal = db.session.get(PortfolioMergeProposal, proposal_id)
    if proposal is None or proposal.fabrique_id != fabrique.id:
        raise NotFound()
    if proposal.status != MergeStatus.PROPOSED:
        raise Conflict(_("This proposal was already decided."))
    return proposal


def accept_merge(fabrique: Fabrique, proposal_id: int, by: Facilitator) -> PortfolioMergeProposal:
    """Merge the proposal's later idea into the earlier one (ideas merged into it follow).

    Raises :class:`NotFound`, :class:`Conflict` (already decided) and
    :class:`MergeCycle` (the earlier idea was itself merged into the later one).
    """
    _lock_fabrique(fabrique.id)
    proposal = _proposal_in(fabrique, proposal_id)
    target = proposal.keep
    seen = {proposal.idea_id}
    while target.merged_into_id is not None:
        if target.id in seen:
            raise MergeCycle()
        seen.add(target.id)
        target = _idea_in(fabrique, target.merged_into_id)
    if target.id == proposal.idea_id:
        raise MergeCycle()
    db.session.execute(
        update(PortfolioIdea)
        .where(
            or_(
                PortfolioIdea.id == proposal.idea_id,
                PortfolioIdea.merged_into_id == proposal.idea_id,
            )
        )
        .values(merged_into_id=target.id, updated_at=utcnow())
    )
    proposal.status = MergeStatus.ACCEPTED.value
    proposal.decided_at = utcnow()
    proposal.decided_by_id = by.id
    db.session.commit()
    return proposal


def dismiss_merge(fabrique: Fabrique, proposal_id: int, by: Facilitator) -> PortfolioMergeProposal:
    """Mark a proposal as not a duplicate; it is never proposed again."""
    _lock_fabrique(fabrique.id)
    proposal = _proposal_in(fabrique, proposal_id)
    proposal.status = MergeStatus.DISMISSED.value
    proposal.decided_at = utcnow()
    proposal.decided_by_id = by.id
    db.session.commit()
    return proposal


def open_proposals(fabrique: Fabrique) -> list[PortfolioMergeProposal]:
    """Proposals still to decide whose two ideas are both unmerged, best score first."""
    kept = db.aliased(PortfolioIdea)
    merged = db.aliased(PortfolioIdea)
    return list(
        db.session.scalars(
            select(PortfolioMergeProposal)
            .join(merged, merged.id == PortfolioMergeProposal.idea_id)
            .join(kept, kept.id == PortfolioMergeProposal.keep_id)
            .where(
                PortfolioMergeProposal.fabrique_id == fabrique.id,
                PortfolioMergeProposal.status == MergeStatus.PROPOSED,
                merged.merged_into_id.is_(None),
                kept.merged_into_id.is_(None),
            )
            .order_by(PortfolioMergeProposal.score.desc(), PortfolioMergeProposal.id)
        )
    )


# ---------------------------------------------------------------------- reading


def sessions_of(fabrique: Fabrique) -> list[PortfolioSession]:
    return list(
        db.session.scalars(
            select(PortfolioSession)
            .where(PortfolioSession.fabrique_id == fabrique.id)
            .order_by(PortfolioSession.date.desc().nulls_last(), PortfolioSession.id.desc())
        )
    )


def session_in(
    fabrique: Fabrique, session_id: int | None = None, uid: str | None = None
) -> PortfolioSession:
    query = select(PortfolioSession).where(PortfolioSession.fabrique_id == fabrique.id)
    if uid is not None:
        query = query.where(PortfolioSession.workshop_uid == uid)
    else:
        query = query.where(PortfolioSession.id == session_id)
    session = db.session.scalar(query)
    if session is None:
        raise NotFound()
    return session


def challenges_of(session: PortfolioSession) -> list[PortfolioChallenge]:
    return list(
        db.session.scalars(
            select(PortfolioChallenge)
            .where(PortfolioChallenge.session_id == session.id)
            .order_by(PortfolioChallenge.position, PortfolioChallenge.id)
        )
    )


def idea(fabrique: Fabrique, idea_id: int) -> PortfolioIdea:
    return _idea_in(fabrique, idea_id)


@dataclass(frozen=True)
class IdeaFilter:
    session_id: int | None = None
    stage: str | None = None
    territory: str | None = None
    include_merged: bool = False


def ideas_query(fabrique: Fabrique, where: IdeaFilter) -> Any:
    """Ideas of the portfolio, oldest session first, in their défi order."""
    query = (
        select(PortfolioIdea)
        .join(PortfolioSession, PortfolioSession.id == PortfolioIdea.session_id)
        .outerjoin(PortfolioChallenge, PortfolioChallenge.id == PortfolioIdea.challenge_id)
        .where(PortfolioIdea.fabrique_id == fabrique.id)
        .order_by(
            PortfolioSession.id,
            PortfolioChallenge.position.is_(None),
            PortfolioChallenge.position,
            PortfolioIdea.id,
        )
    )
    if where.session_id is not None:
        query = query.where(PortfolioIdea.session_id == where.session_id)
    if where.stage is not None:
        query = query.where(PortfolioIdea.stage == where.stage)
    if where.territory is not None:
        query = query.where(PortfolioIdea.territory == where.territory)
    if not where.include_merged:
        query = query.where(PortfolioIdea.merged_into_id.is_(None))
    return query


def find_ideas(
    fabrique: Fabrique, where: IdeaFilter, offset: int = 0, limit: int | None = None
) -> list[PortfolioIdea]:
    query = ideas_query(fabrique, where).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_ideas(fabrique: Fabrique, where: IdeaFilter) -> int:
    inner = ideas_query(fabrique, where).order_by(None).subquery()
    return int(db.session.scalar(select(func.count()).select_from(inner)) or 0)


def lineage(
    ideas: list[PortfolioIdea],
) -> tuple[dict[int, PortfolioSession], dict[int, PortfolioChallenge]]:
    """The sessions and défis of ``ideas``, by id (two queries, whatever their number)."""
    session_ids = {i.session_id for i in ideas}
    challenge_ids = {i.challenge_id for i in ideas if i.challenge_id is not None}
    sessions = {
        s.id: s
        for s in db.session.scalars(
            select(PortfolioSession).where(PortfolioSession.id.in_(session_ids))
        )
    }
    challenges = {
        c.id: c
        for c in db.session.scalars(
            select(PortfolioChallenge).where(PortfolioChallenge.id.in_(challenge_ids))
        )
    }
    return sessions, challenges


def funnel(fabrique: Fabrique) -> Funnel:
    """How many ideas (merged duplicates left out) are at each stage, per session and
    per territory (an idea without territory is counted under "")."""
    live = and_(PortfolioIdea.fabrique_id == fabrique.id, PortfolioIdea.merged_into_id.is_(None))

    def counts(*columns: Any) -> list[Any]:
        return list(
            db.session.execute(
                select(*columns, PortfolioIdea.stage, func.count())
                .where(live)
                .group_by(*columns, PortfolioIdea.stage)
            ).all()
        )

    by_stage = dict.fromkeys(STAGES, 0)
    for stage, count in db.session.execute(
        select(PortfolioIdea.stage, func.count()).where(live).group_by(PortfolioIdea.stage)
    ):
        by_stage[stage] = by_stage.get(stage, 0) + count
    sessions = sessions_of(fabrique)
    per_session: dict[int, dict[str, int]] = {s.id: dict.fromkeys(STAGES, 0) for s in sessions}
    for session_id, stage, count in counts(PortfolioIdea.session_id):
        per_session[session_id][stage] = count
    per_territory: dict[str, dict[str, int]] = {}
    for territory, stage, count in counts(PortfolioIdea.territory):
        per_territory.setdefault(territory, dict.fromkeys(STAGES, 0))[stage] = count
    return Funnel(
        stages=STAGES,
        total=sum(by_stage.values()),
        by_stage=by_stage,
        by_session=[
            {"session": s, "counts": per_session[s.id], "total": sum(per_session[s.id].values())}
            for s in sessions
        ],
        by_territory=[
            {"territory": t, "counts": c, "total": sum(c.values())}
            for t, c in sorted(
                per_territory.items(), key=lambda item: (item[0] == "", item[0].casefold())
            )
        ],
    )


# ------------------------------------------------------------------ serialising


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def serialize_session(session: PortfolioSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "workshop_uid": session.workshop_uid,
        "code": session.code,
        "title": session.title,
        "question": session.question,
        "territory": session.territory,
        "date": session.date.isoformat() if session.date else None,
        "format": session.format,
        "status": session.status,
        "language": session.language,
        "participants_count": session.participants_count,
        "url": session.url,
        "schema_version": session.schema_version,
        "exported_at": _iso(session.exported_at),
        "imported_at": _iso(session.imported_at),
    }


def serialize_challenge(challenge: PortfolioChallenge) -> dict[str, Any]:
    return {
        "id": challenge.id,
        "reference": challenge.reference,
        "title": challenge.title,
        "body": challenge.body,
        "position": challenge.position,
        "votes": challenge.votes,
        "rank": challenge.rank,
        "qualification": challenge.qualification,
        "volunteers": challenge.volunteers,
    }


def serialize_idea(
    idea: PortfolioIdea, session: PortfolioSession, challenge: PortfolioChallenge | None
) -> dict[str, Any]:
    return {
        "id": idea.id,
        "reference": idea.reference,
        "title": idea.title,
        "body": idea.body,
        "need": idea.need,
        "author": None if idea.author_name is None else {"name": idea.author_name},
        "votes": idea.votes,
        "published_at": _iso(idea.published_at),
        "lineage": {
            "session": {
                "id": session.id,
                "workshop_uid": session.workshop_uid,
                "title": session.title,
            },
            "challenge": None
            if challenge is None
            else {"id": challenge.id, "reference": challenge.reference, "title": challenge.title},
        },
        "territory": idea.territory,
        "stage": idea.stage,
        "stage_source": idea.stage_source,
        "abandon_reason": idea.abandon_reason,
        "version": idea.version,
        "merged_into_id": idea.merged_into_id,
        "qualification": idea.qualification,
        "volunteers": idea.volunteers,
    }


def serialize_funnel(result: Funnel) -> dict[str, Any]:
    return {
        "stages": list(result.stages),
        "total": result.total,
        "by_stage": result.by_stage,
        "by_session": [
            {
                "session": {
                    "id": row["session"].id,
                    "workshop_uid": row["session"].workshop_uid,
                    "title": row["session"].title,
                },
                "counts": row["counts"],
                "total": row["total"],
            }
            for row in result.by_session
        ],
        "by_territory": result.by_territory,
    }
