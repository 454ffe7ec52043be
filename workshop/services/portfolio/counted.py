"""Which projects count in the portfolio's figures (the funnel, the reports).

One rule for every count: a project posted by the public (an idea box) counts only once
a member accepted it. Waiting for moderation, or rejected, it stays out of every figure;
imported projects and relayed needs are accepted from the start. Merged projects are a
separate rule (``Project.merged_into_id``), left to each count to apply as it reads
lineage.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from ...models import Project, Review


def counted_projects_clause() -> ColumnElement[bool]:
    """The ``WHERE`` clause of the projects that count: add it to every query that
    counts or lists projects in figures (``select(Project).where(counted_projects_clause())``)."""
    return Project.review == Review.ACCEPTED.value


def is_counted(project: Project) -> bool:
    """:func:`counted_projects_clause` for one project already loaded."""
    return project.review == Review.ACCEPTED.value
