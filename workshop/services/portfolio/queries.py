"""Reading a Fabrique's portfolio: its sessions, défis and ideas, and the funnel.

Read-only; every query is scoped to one Fabrique, so an id of another Fabrique's
portfolio reads as :class:`~workshop.errors.NotFound`. Callers have checked who may
read (a member, an API token of the Fabrique).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select

from ...errors import NotFound
from ...extensions import db
from ...models import Fabrique, PortfolioChallenge, PortfolioIdea, PortfolioSession
from ...stages import STAGES


@dataclass
class Funnel:
    """Ideas per stage, in total, per session and per territory."""

    stages: tuple[str, ...]
    total: int
    by_stage: dict[str, int]
    by_session: list[dict[str, Any]] = field(default_factory=list)
    by_territory: list[dict[str, Any]] = field(default_factory=list)


def sessions_of(fabrique: Fabrique) -> list[PortfolioSession]:
    """The portfolio's sessions, latest workshop date first (undated ones last)."""
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
    """One session of the portfolio, by its id or by its workshop ``uid``; raises
    :class:`NotFound`."""
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
    """A session's défis, in their board order."""
    return list(
        db.session.scalars(
            select(PortfolioChallenge)
            .where(PortfolioChallenge.session_id == session.id)
            .order_by(PortfolioChallenge.position, PortfolioChallenge.id)
        )
    )


def idea(fabrique: Fabrique, idea_id: int) -> PortfolioIdea:
    """One idea of the portfolio, merged or not; raises :class:`NotFound`."""
    found = db.session.get(PortfolioIdea, idea_id)
    if found is None or found.fabrique_id != fabrique.id:
        raise NotFound()
    return found


@dataclass(frozen=True)
class IdeaFilter:
    """Which ideas to list: ``None`` leaves a criterion out; merged ideas only on request."""

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
    """One page of :func:`ideas_query` (all of it without ``limit``)."""
    query = ideas_query(fabrique, where).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_ideas(fabrique: Fabrique, where: IdeaFilter) -> int:
    """How many ideas :func:`ideas_query` finds, whatever the page."""
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
