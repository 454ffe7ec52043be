"""A cycle's projects in a Fabrique's portfolio (export 1.3).

Each session of a cycle exports the whole cycle (``cycle`` of docs/export.schema.json):
its holders' projects are the same in every session's export, known by their
``reference`` (``"<cycle uid>/project/<id>"``). :func:`sync_cycle_projects` makes each
one a portfolio :class:`~workshop.models.Project` of kind "cycle" (title, summary = its
pitch, territory = the cycle's, else the session's), upserted by reference across the
Fabrique, never deleted: a project the newest export of the cycle no longer holds is
marked ``absent_since`` (present again if it comes back), as the défis' projects are.
Only its holder's erasure takes a project out of its cycle (``privacy.erase_enrolment``):
its title and pitch are then forgotten, in its history too, as a withdrawn idea's text
is (docs/privacy.md); the members' work on it (stage, sheet, notes) stays.

Only the newest export of the cycle held by the Fabrique leads: importing an older
session's export after a newer one (the sessions of a cycle are imported in any order)
changes no project, so it never brings back one the newer export no longer holds.
Holders' names, feedback and the jury's results stay on the sessions (``cycle``), and
every session of the cycle shows the projects as the newest export has them: what a
holder erased or took back (their name, the feedback texts, the whole project) leaves
the copies of the older sessions too. The portfolio's project holds no personal data
of the holder.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import PortfolioSession, Project, ProjectKind
from .projects import IMPORT_LABEL, _forget_texts, record


def _others(session: PortfolioSession, cycle_uid: str) -> list[PortfolioSession]:
    """The other sessions of the same cycle the Fabrique holds."""
    return [
        other
        for other in db.session.scalars(
            select(PortfolioSession).where(
                PortfolioSession.fabrique_id == session.fabrique_id,
                PortfolioSession.id != session.id,
                PortfolioSession.cycle.is_not(None),
            )
        )
        if isinstance(other.cycle, dict) and other.cycle.get("uid") == cycle_uid
    ]


def _values(project: dict[str, Any], territory: str) -> dict[str, Any]:
    return {
        "title": project.get("title") or "",
        "summary": project.get("pitch") or "",
        "territory": territory,
    }


def sync_cycle_projects(session: PortfolioSession, now: dt.datetime) -> int:
    """Upsert the projects of the cycle ``session`` (just imported, flushed) belongs to;
    how many the export holds. Inside the import's transaction (not committed)."""
    cycle = session.cycle
    if not isinstance(cycle, dict):
        return 0
    others = _others(session, str(cycle["uid"]))
    newest = max(others, key=lambda other: other.exported_at, default=None)
    if newest is not None and newest.exported_at > session.exported_at:
        # An older export: the session shows the cycle's projects as the newest has them.
        session.cycle = {**cycle, "projects": (newest.cycle or {}).get("projects") or []}
        return 0
    # The newest: the other sessions' copies of the projects follow it (a holder's name,
    # texts or whole project gone from it are gone from them).
    for other in others:
        other.cycle = {
            **(other.cycle or {}),
            "projects": copy.deepcopy(cycle.get("projects") or []),
        }
    prefix = f"{cycle['uid']}/project/"
    territory = cycle.get("territory") or session.territory or ""
    existing = {
        str(p.reference): p
        for p in db.session.scalars(
            select(Project).where(
                Project.fabrique_id == session.fabrique_id,
                Project.kind == ProjectKind.CYCLE.value,
                Project.reference.startswith(prefix, autoescape=True),
            )
        )
    }
    exported = {str(p["reference"]): p for p in cycle.get("projects") or []}
    created: list[Project] = []
    for reference, item in exported.items():
        values = _values(item, territory)
        project = existing.get(reference)
        if project is None:
            project = Project(
                fabrique_id=session.fabrique_id,
                kind=ProjectKind.CYCLE.value,
                session_id=session.id,
                reference=reference,
                stage_changed_at=now,
                created_at=now,
                updated_at=now,
                follow_source="import",
                version=1,
                **values,
            )
            db.session.add(project)
            created.append(project)
            continue
        if project.follow_source != "import":  # a member's territory outlives exports
            values.pop("territory")
        changes = {
            key: {"from": getattr(project, key), "to": value}
            for key, value in values.items()
            if getattr(project, key) != value
        }
        if changes:
            for key, value in values.items():
                setattr(project, key, value)
            project.updated_at = now
            record(project, "imported", {"changes": changes}, by_label=IMPORT_LABEL, at=now)
        if project.absent_since is not None:
            record(
                project,
                "present",
                {"absent_since": project.absent_since.isoformat()},
                by_label=IMPORT_LABEL,
                at=now,
            )
            project.absent_since = None
            project.updated_at = now
    for reference, project in existing.items():
        if reference not in exported and project.absent_since is None:
            project.absent_since = now
            project.updated_at = now
            record(project, "absent", {}, by_label=IMPORT_LABEL, at=now)
            # Only its holder's erasure takes a project out of its cycle: their title and
            # pitch are no longer kept, here nor in its history (the members' work stays).
            _forget_texts(project, now)
    db.session.flush()
    for project in created:
        record(
            project,
            "created",
            {"kind": project.kind, "title": project.title, "session": session.title},
            by_label=IMPORT_LABEL,
            at=now,
        )
    return len(exported)
