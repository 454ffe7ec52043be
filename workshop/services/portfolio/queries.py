"""Reading a Fabrique's portfolio: its sessions, défis and ideas, and the funnel (of
projects).

Read-only; every query is scoped to one Fabrique, so an id of another Fabrique's
portfolio reads as :class:`~workshop.errors.NotFound`. Callers have checked who may
read (a member, an API token of the Fabrique).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ...errors import NotFound
from ...extensions import db
from ...models import (
    Fabrique,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    Project,
    ProjectEvent,
    Stage,
)
from ...schemas.projects import ProjectFilter
from ...stages import STAGES
from .project_queries import counted, origin_date


@dataclass
class Funnel:
    """Projects per stage, in total, per session, per territory, per kind and per
    period (the year they came in); ``reached`` counts those that got at least as far
    as each stage (now or before being abandoned), ``ideas_total`` the ideas behind
    them. ``unit`` says what is counted: "projects"."""

    stages: tuple[str, ...]
    total: int
    by_stage: dict[str, int]
    by_session: list[dict[str, Any]] = field(default_factory=list)
    by_territory: list[dict[str, Any]] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_period: list[dict[str, Any]] = field(default_factory=list)
    reached: dict[str, int] = field(default_factory=dict)
    ideas_total: int = 0
    unit: str = "projects"


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


#: The pipeline's stages in order, abandoning aside (it can happen at any of them).
PIPELINE = tuple(stage for stage in STAGES if stage != Stage.ABANDONED)


def _furthest(fabrique: Fabrique, ids: set[int]) -> dict[int, int]:
    """How far along :data:`PIPELINE` each project got, from its history's stage
    changes (by members or by imports): its index there."""
    furthest: dict[int, int] = {}
    rank = {stage: i for i, stage in enumerate(PIPELINE)}
    for project_id, kind, data in db.session.execute(
        select(ProjectEvent.project_id, ProjectEvent.kind, ProjectEvent.data)
        .join(Project, Project.id == ProjectEvent.project_id)
        .where(
            Project.fabrique_id == fabrique.id,
            ProjectEvent.kind.in_(("stage_changed", "imported", "created")),
        )
    ):
        if project_id not in ids or not isinstance(data, dict):
            continue
        change = (data.get("changes") or {}).get("stage") if kind == "imported" else data
        if not isinstance(change, dict):
            continue
        for stage in (change.get("from"), change.get("to"), change.get("stage")):
            if stage in rank:
                furthest[project_id] = max(furthest.get(project_id, 0), rank[stage])
    return furthest


def funnel(fabrique: Fabrique, where: ProjectFilter | None = None) -> Funnel:
    """How many projects are at each stage, per session, territory, kind and period
    (:func:`.project_queries.counted` ones: merged projects count once, in the project
    they were merged into; a project without territory is counted under "").
    ``where`` narrows it to a territory, a session, a kind or a period (its stage
    criterion is left aside)."""
    where = where or ProjectFilter()
    origin = origin_date().label("origin")
    query = (
        select(
            Project.id,
            Project.stage,
            Project.territory,
            Project.session_id,
            Project.kind,
            origin,
        )
        .outerjoin(PortfolioSession, PortfolioSession.id == Project.session_id)
        .where(Project.fabrique_id == fabrique.id, counted())
    )
    if where.territory is not None:
        query = query.where(Project.territory == where.territory)
    if where.session_id is not None:
        query = query.where(Project.session_id == where.session_id)
    if where.kind is not None:
        query = query.where(Project.kind == where.kind)
    if where.start is not None:
        query = query.where(origin_date() >= where.start)
    if where.end is not None:
        query = query.where(origin_date() <= where.end)
    rows = db.session.execute(query).all()

    def zero() -> dict[str, int]:
        return dict.fromkeys(STAGES, 0)

    by_stage = zero()
    per_session: dict[int, dict[str, int]] = {}
    per_territory: dict[str, dict[str, int]] = {}
    per_period: dict[str, dict[str, int]] = {}
    by_kind: dict[str, int] = {}
    for row in rows:
        by_stage[row.stage] = by_stage.get(row.stage, 0) + 1
        if row.session_id is not None:
            per_session.setdefault(row.session_id, zero())[row.stage] += 1
        per_territory.setdefault(row.territory, zero())[row.stage] += 1
        period = _period(row.origin)
        per_period.setdefault(period, zero())[row.stage] += 1
        by_kind[row.kind] = by_kind.get(row.kind, 0) + 1

    ids = {row.id for row in rows}
    furthest = _furthest(fabrique, ids)
    rank = {stage: i for i, stage in enumerate(PIPELINE)}
    for row in rows:
        if row.stage in rank:
            furthest[row.id] = max(furthest.get(row.id, 0), rank[row.stage])
    reached = {
        stage: sum(1 for i in ids if furthest.get(i, 0) >= index)
        for index, stage in enumerate(PIPELINE)
    }
    sessions = [s for s in sessions_of(fabrique) if s.id in per_session]
    return Funnel(
        stages=STAGES,
        total=len(rows),
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
        by_kind=by_kind,
        by_period=[
            {"period": p, "counts": c, "total": sum(c.values())}
            for p, c in sorted(per_period.items(), reverse=True)
        ],
        reached=reached,
        ideas_total=_ideas_behind(fabrique, ids, by_kind),
    )


def _period(origin: Any) -> str:
    """The year a project came in (``origin`` is a date, or its text on SQLite)."""
    if isinstance(origin, dt.date):
        return str(origin.year)
    return str(origin)[:4] if origin else ""


def _ideas_behind(fabrique: Fabrique, ids: set[int], by_kind: dict[str, int]) -> int:
    """The ideas behind the counted projects: the imported ideas still in their
    sessions (merged duplicates once) of those projects and of the projects merged
    into them, and each idea box post or relayed need (one idea each)."""
    merged = db.aliased(Project)
    imported = db.session.scalar(
        select(func.count(PortfolioIdea.id))
        .join(merged, merged.id == PortfolioIdea.project_id)
        .where(
            PortfolioIdea.fabrique_id == fabrique.id,
            PortfolioIdea.merged_into_id.is_(None),
            PortfolioIdea.absent_since.is_(None),
            func.coalesce(merged.merged_into_id, merged.id).in_(ids),
        )
    )
    return int(imported or 0) + by_kind.get("box", 0) + by_kind.get("relayed", 0)
