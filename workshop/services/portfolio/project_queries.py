"""Reading a Fabrique's projects: the list with its filters, one project with its
lineage, holders and history.

Read-only and scoped to one Fabrique (another Fabrique's project reads as
:class:`~workshop.errors.NotFound`). Callers have checked who may read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, and_, func, or_, select

from ...extensions import db
from ...models import (
    Fabrique,
    Facilitator,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    Project,
    ProjectEvent,
    ProjectHolder,
)
from ...schemas.projects import ProjectFilter
from .counted import counted_projects_clause
from .projects import history, project_in


def counted() -> Any:
    """The projects the funnel and the counts take in: not merged into another one,
    accepted (an idea box's pending or rejected posts are not), and not absent from
    their session's newest export unless a member already followed them up (absence
    from an export does not undo work done; an untouched project that left the export
    is no longer a line of the portfolio's work)."""
    return and_(
        Project.merged_into_id.is_(None),
        counted_projects_clause(),
        or_(Project.absent_since.is_(None), Project.follow_source != "import"),
    )


def origin_date() -> Any:
    """When a project came in, for periods: its session's date, else the day it entered
    the portfolio."""
    return func.coalesce(PortfolioSession.date, func.date(Project.created_at, type_=Date))


def projects_query(fabrique: Fabrique, where: ProjectFilter) -> Any:
    """Projects of the portfolio, newest origin first."""
    query = (
        select(Project)
        .outerjoin(PortfolioSession, PortfolioSession.id == Project.session_id)
        .where(Project.fabrique_id == fabrique.id)
        .order_by(origin_date().desc(), Project.id)
    )
    if where.stage is not None:
        query = query.where(Project.stage == where.stage)
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
    if where.updated_since is not None:
        query = query.where(Project.updated_at >= where.updated_since)
    if not where.include_merged:
        query = query.where(Project.merged_into_id.is_(None))
    if not where.include_absent:
        query = query.where(Project.absent_since.is_(None))
    return query


def find_projects(
    fabrique: Fabrique, where: ProjectFilter, offset: int = 0, limit: int | None = None
) -> list[Project]:
    """One page of :func:`projects_query` (all of it without ``limit``)."""
    query = projects_query(fabrique, where).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_projects(fabrique: Fabrique, where: ProjectFilter) -> int:
    inner = projects_query(fabrique, where).order_by(None).subquery()
    return int(db.session.scalar(select(func.count()).select_from(inner)) or 0)


@dataclass
class ProjectRow:
    """What the list shows of a project besides its own columns."""

    project: Project
    session: PortfolioSession | None
    ideas: int
    holders: int


def project_rows(projects: list[Project]) -> list[ProjectRow]:
    """The list's rows: each project's session and how many ideas and holders it has
    (its own ideas and those of projects merged into it), in three queries."""
    ids = [p.id for p in projects]
    sessions = {
        s.id: s
        for s in db.session.scalars(
            select(PortfolioSession).where(
                PortfolioSession.id.in_({p.session_id for p in projects if p.session_id})
            )
        )
    }
    merged = db.aliased(Project)
    ideas: dict[int, int] = {}
    for project_id, count in db.session.execute(
        select(func.coalesce(merged.merged_into_id, merged.id), func.count(PortfolioIdea.id))
        .join(merged, merged.id == PortfolioIdea.project_id)
        .where(or_(merged.id.in_(ids), merged.merged_into_id.in_(ids)))
        .group_by(func.coalesce(merged.merged_into_id, merged.id))
    ):
        ideas[project_id] = count
    holders = dict(
        db.session.execute(
            select(ProjectHolder.project_id, func.count())
            .where(ProjectHolder.project_id.in_(ids))
            .group_by(ProjectHolder.project_id)
        ).all()
    )
    return [
        ProjectRow(
            p,
            sessions.get(p.session_id) if p.session_id else None,
            ideas.get(p.id, 0),
            holders.get(p.id, 0),
        )
        for p in projects
    ]


def filter_choices(fabrique: Fabrique) -> dict[str, list[Any]]:
    """What the list's filters offer: the portfolio's sessions and territories."""
    territories = db.session.scalars(
        select(Project.territory)
        .where(Project.fabrique_id == fabrique.id, Project.territory != "")
        .distinct()
        .order_by(Project.territory)
    )
    sessions = db.session.scalars(
        select(PortfolioSession)
        .where(PortfolioSession.fabrique_id == fabrique.id)
        .order_by(PortfolioSession.date.desc().nulls_last(), PortfolioSession.id.desc())
    )
    return {"territories": list(territories), "sessions": list(sessions)}


@dataclass
class IdeaLine:
    """An idea of a project, with where it came from."""

    idea: PortfolioIdea
    session: PortfolioSession
    challenge: PortfolioChallenge | None
    via: Project | None = None  # the project merged into this one that brought it


@dataclass
class ProjectDetail:
    """Everything the project page shows."""

    project: Project
    session: PortfolioSession | None
    challenge: PortfolioChallenge | None
    ideas: list[IdeaLine]
    merged_from: list[Project]
    merged_into: Project | None
    holders: list[ProjectHolder]
    history: list[ProjectEvent]
    people: dict[int, Facilitator] = field(default_factory=dict)


def project_detail(fabrique: Fabrique, project_id: int) -> ProjectDetail:
    """One project with its lineage across sessions (its ideas, and those of the
    projects merged into it), its holders and its history, newest first."""
    project = project_in(fabrique, project_id)
    merged_from = list(
        db.session.scalars(
            select(Project).where(Project.merged_into_id == project.id).order_by(Project.id)
        )
    )
    by_id = {p.id: p for p in merged_from}
    items = list(
        db.session.scalars(
            select(PortfolioIdea)
            .where(PortfolioIdea.project_id.in_([project.id, *by_id]))
            .order_by(PortfolioIdea.session_id, PortfolioIdea.id)
        )
    )
    session_ids = {i.session_id for i in items} | ({project.session_id} - {None})
    sessions = {
        s.id: s
        for s in db.session.scalars(
            select(PortfolioSession).where(PortfolioSession.id.in_(session_ids))
        )
    }
    challenge_ids = {i.challenge_id for i in items if i.challenge_id} | (
        {project.challenge_id} - {None}
    )
    challenges = {
        c.id: c
        for c in db.session.scalars(
            select(PortfolioChallenge).where(PortfolioChallenge.id.in_(challenge_ids))
        )
    }
    events = history(project)
    people_ids = {e.by_id for e in events if e.by_id is not None}
    people = {
        f.id: f
        for f in db.session.scalars(select(Facilitator).where(Facilitator.id.in_(people_ids)))
    }
    merged_into = project_in(fabrique, project.merged_into_id) if project.merged_into_id else None
    return ProjectDetail(
        project=project,
        session=sessions.get(project.session_id) if project.session_id else None,
        challenge=challenges.get(project.challenge_id) if project.challenge_id else None,
        ideas=[
            IdeaLine(
                i,
                sessions[i.session_id],
                challenges.get(i.challenge_id) if i.challenge_id else None,
                by_id.get(i.project_id or 0) if i.project_id != project.id else None,
            )
            for i in items
        ],
        merged_from=merged_from,
        merged_into=merged_into,
        holders=list(project.holders),
        history=events,
        people=people,
    )


def challenge_projects(session: PortfolioSession) -> dict[int, int]:
    """The project of each défi of ``session``: défi id → project id."""
    return {
        challenge_id: project_id
        for challenge_id, project_id in db.session.execute(
            select(PortfolioChallenge.id, Project.id)
            .join(Project, Project.challenge_id == PortfolioChallenge.id)
            .where(PortfolioChallenge.session_id == session.id)
        )
    }
