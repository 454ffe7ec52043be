"""Projects: the lines of a Fabrique's portfolio, and their dated history.

The functions every follow-up feature builds on: find a project of a Fabrique
(:func:`project_in`), record a change in its history (:func:`record`), move it to
another stage (:func:`set_stage`) and give it a holder (:func:`add_holder`). A change
made in the portfolio marks the project ``follow_source = "fabrique"``: a newer export
of its session no longer overrides its stage or sheet.

Functions that change a project take the Fabrique's write lock first (as imports do)
and leave the commit to their caller unless they say otherwise, so a feature can make
one change of several rows in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ...errors import Conflict, NotFound
from ...extensions import db
from ...models import (
    Fabrique,
    Facilitator,
    HolderKind,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    Project,
    ProjectEvent,
    ProjectHolder,
    ProjectKind,
    Stage,
    utcnow,
)
from ...stages import abandon_reason_for
from ..fabriques import lock_fabrique
from .rows import project_follow_up


def project_in(fabrique: Fabrique | int, project_id: int) -> Project:
    """The project ``project_id`` of ``fabrique``; :class:`NotFound` for any other
    Fabrique's project, so ids never leak across Fabriques."""
    fabrique_id = fabrique if isinstance(fabrique, int) else fabrique.id
    project = db.session.get(Project, project_id)
    if project is None or project.fabrique_id != fabrique_id:
        raise NotFound()
    return project


def record(
    project: Project,
    kind: str,
    data: dict[str, Any] | None = None,
    *,
    by: Facilitator | None = None,
    by_label: str = "",
    at: dt.datetime | None = None,
) -> ProjectEvent:
    """Add one dated entry to ``project``'s history (not committed).

    ``by`` is the member who made the change; ``by_label`` says who otherwise ("import",
    an API token's name, a committee's name…)."""
    event = ProjectEvent(
        project_id=project.id,
        at=at or utcnow(),
        by_id=by.id if by is not None else None,
        by_label=by_label,
        kind=kind,
        data=data or {},
    )
    db.session.add(event)
    return event


def history(project: Project) -> list[ProjectEvent]:
    """The project's history, newest first."""
    return list(
        db.session.scalars(
            select(ProjectEvent)
            .where(ProjectEvent.project_id == project.id)
            .order_by(ProjectEvent.at.desc(), ProjectEvent.id.desc())
        )
    )


def touch(project: Project, expected_version: int | None) -> None:
    """Check ``expected_version`` (when given) against the project's and count one more
    change made in the portfolio; :class:`Conflict` when someone changed it meanwhile."""
    if expected_version is not None and project.version != expected_version:
        raise Conflict()
    project.version += 1
    project.follow_source = "fabrique"


def set_stage(
    fabrique: Fabrique,
    project_id: int,
    stage: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    by: Facilitator | None = None,
    by_label: str = "",
    extra: dict[str, Any] | None = None,
) -> Project:
    """Move a project to ``stage`` (an abandoned project must say why), recorded in its
    history as "stage_changed" with the stage before and after (not committed).

    Raises :class:`NotFound`, :class:`Conflict` (``expected_version`` outdated),
    :class:`~workshop.errors.AbandonReasonRequired`, and ``ValueError`` for a stage
    that is not one (callers parse input first)."""
    lock_fabrique(fabrique.id)
    project = project_in(fabrique, project_id)
    Stage(stage)
    kept_reason = abandon_reason_for(stage, reason)
    before = project.stage
    touch(project, expected_version)
    if before == stage and project.abandon_reason == kept_reason:
        return project
    project.stage = stage
    project.abandon_reason = kept_reason
    project.stage_changed_at = utcnow()
    # Its ideas say the same (the ideas' pages and the read API show their stage).
    db.session.execute(
        update(PortfolioIdea)
        .where(PortfolioIdea.project_id == project.id)
        .values(
            stage=stage,
            abandon_reason=kept_reason,
            stage_source="fabrique",
            version=PortfolioIdea.version + 1,
        )
    )
    record(
        project,
        "stage_changed",
        {"from": before, "to": stage, "reason": kept_reason, **(extra or {})},
        by=by,
        by_label=by_label,
    )
    return project


@dataclass(frozen=True)
class NewHolder:
    """A holder as a member enters it (already checked by the schemas)."""

    name: str
    kind: str = HolderKind.PERSON.value
    contact_email: str | None = None
    contact_phone: str | None = None
    note: str = ""
    since: dt.date | None = None
    candidate_id: int | None = None


def add_holder(
    fabrique: Fabrique,
    project_id: int,
    new: NewHolder,
    *,
    by: Facilitator | None = None,
    by_label: str = "",
) -> ProjectHolder:
    """Give a project a holder, recorded as "holder_added" (not committed). The
    history keeps the holder's name and kind, never their contact details."""
    lock_fabrique(fabrique.id)
    project = project_in(fabrique, project_id)
    holder = ProjectHolder(
        project_id=project.id,
        kind=HolderKind(new.kind).value,
        name=new.name,
        contact_email=new.contact_email,
        contact_phone=new.contact_phone,
        note=new.note,
        since=new.since or utcnow().date(),
        candidate_id=new.candidate_id,
    )
    db.session.add(holder)
    touch(project, None)
    db.session.flush()
    record(
        project,
        "holder_added",
        {"holder_id": holder.id, "name": holder.name, "kind": holder.kind},
        by=by,
        by_label=by_label,
    )
    return holder


def remove_holder(
    fabrique: Fabrique,
    project_id: int,
    holder_id: int,
    *,
    by: Facilitator | None = None,
    by_label: str = "",
) -> None:
    """Take a holder off a project, recorded as "holder_removed" (not committed)."""
    lock_fabrique(fabrique.id)
    project = project_in(fabrique, project_id)
    holder = db.session.get(ProjectHolder, holder_id)
    if holder is None or holder.project_id != project.id:
        raise NotFound()
    record(
        project,
        "holder_removed",
        {"holder_id": holder.id, "name": holder.name, "kind": holder.kind},
        by=by,
        by_label=by_label,
    )
    touch(project, None)
    db.session.delete(holder)


# ------------------------------------------------------------------ from the imports

#: What a newer export may change on a project whose follow-up it still leads
#: (``follow_source`` "import"), and on any project (its texts).
_FOLLOWED = ("stage", "abandon_reason", "sheet", "territory")
_TEXTS = ("title", "summary")
IMPORT_LABEL = "import"


def _diff(project: Project, values: dict[str, Any]) -> dict[str, Any]:
    """Set ``values`` on ``project``; what changed, as ``{field: {"from", "to"}}`` (a
    sheet's fields one by one, as ``sheet.<field>``)."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        before = getattr(project, key)
        if before == value:
            continue
        if key == "sheet":
            old, new = before or {}, value or {}
            for field in sorted(set(old) | set(new)):
                if old.get(field) != new.get(field):
                    changes[f"sheet.{field}"] = {"from": old.get(field), "to": new.get(field)}
        else:
            changes[key] = {"from": before, "to": value}
        setattr(project, key, value)
    return changes


def _follow_export(
    project: Project, values: dict[str, Any], now: dt.datetime, touched: list[Project]
) -> None:
    """Bring an existing project up to a newer export: its texts always, its stage, sheet
    and territory only while no member changed them in the portfolio. A change is
    recorded as "imported" with each field before and after."""
    keys = _TEXTS + (_FOLLOWED if project.follow_source == "import" else ())
    before_stage = project.stage
    changes = _diff(project, {k: values[k] for k in keys})
    if not changes:
        return
    if project.stage != before_stage:
        project.stage_changed_at = now
    project.updated_at = now
    record(project, "imported", {"changes": changes}, by_label=IMPORT_LABEL, at=now)
    touched.append(project)


def _new_project(
    session: PortfolioSession, kind: ProjectKind, values: dict[str, Any], now: dt.datetime
) -> Project:
    project = Project(
        fabrique_id=session.fabrique_id,
        kind=kind.value,
        session_id=session.id,
        stage_changed_at=now,
        created_at=now,
        updated_at=now,
        follow_source="import",
        version=1,
        **values,
    )
    db.session.add(project)
    return project


def _merge_emptied(
    emptied: Project, into: Project, now: dt.datetime, by_label: str = IMPORT_LABEL
) -> None:
    """An idea's own project left without its idea (it joined a défi in a newer export)
    is merged into the défi's project, both histories saying so: it is never deleted."""
    emptied.merged_into_id = into.id
    emptied.updated_at = now
    record(
        emptied,
        "merged",
        {"into": into.id, "title": into.title, "why": "joined_challenge"},
        by_label=by_label,
        at=now,
    )
    record(
        into,
        "merged",
        {"from": emptied.id, "title": emptied.title, "why": "joined_challenge"},
        by_label=by_label,
        at=now,
    )


def sync_session(session: PortfolioSession, now: dt.datetime) -> None:
    """Build or bring up to date the projects of an imported session (called by the
    import inside its transaction, once its défis and ideas are written; not committed).

    Each défi is one project (kind "challenge") holding its ideas; an idea without a
    défi is a project of its own (kind "idea"). A new project's history starts with
    "created" (by "import"); a newer export that changes its texts, or its stage or
    sheet while no member changed them in the portfolio, adds "imported".

    An idea that joins a défi in a newer export joins the défi's project; its own
    project, left empty, is merged into the défi's (never deleted), unless a member
    already worked on it in the portfolio: then the idea stays the project of its own
    the member knows. An idea that leaves its défi becomes a project of its own.
    Ideas merged across sessions and ideas no longer exported stay where they are.

    A project all of whose rows (its défi, its ideas) the export no longer holds gets
    ``absent_since`` and an "absent" entry; coming back clears it ("present").
    """
    challenges = list(
        db.session.scalars(
            select(PortfolioChallenge)
            .where(PortfolioChallenge.session_id == session.id)
            .order_by(PortfolioChallenge.position, PortfolioChallenge.id)
        )
    )
    ideas = list(
        db.session.scalars(
            select(PortfolioIdea)
            .where(PortfolioIdea.session_id == session.id)
            .order_by(PortfolioIdea.id)
            .execution_options(populate_existing=True)
        )
    )
    projects = {
        p.id: p for p in db.session.scalars(select(Project).where(Project.session_id == session.id))
    }
    by_challenge = {p.challenge_id: p for p in projects.values() if p.challenge_id is not None}
    created: list[Project] = []
    touched: list[Project] = []

    for challenge in challenges:
        values = {
            "title": challenge.title,
            "summary": challenge.body,
            **project_follow_up(challenge.qualification, session.territory),
        }
        project = by_challenge.get(challenge.id)
        if project is None:
            project = _new_project(session, ProjectKind.CHALLENGE, values, now)
            project.challenge_id = challenge.id
            by_challenge[challenge.id] = project
            created.append(project)
        else:
            _follow_export(project, values, now, touched)

    # Which project each idea belongs to (new projects get their ids at the flush).
    placed: dict[int, Project] = {}
    emptied: dict[int, tuple[Project, Project]] = {}  # project → where its idea went
    for item in ideas:
        current = projects.get(item.project_id) if item.project_id is not None else None
        placed_before = current
        if item.absent_since is not None or (item.merged_into_id is not None and current):
            target = current
        elif item.challenge_id is not None:
            target = by_challenge[item.challenge_id]
            if (
                current is not None
                and current is not target
                and current.kind == ProjectKind.IDEA
                and current.follow_source != "import"
            ):
                target = current  # the member's own project of this idea
        elif current is not None and current.kind == ProjectKind.IDEA:
            target = current
        else:
            values = {"title": item.title, "summary": item.body}
            values.update(project_follow_up(item.qualification, session.territory))
            target = _new_project(session, ProjectKind.IDEA, values, now)
            created.append(target)
        if target is None:
            continue
        placed[item.id] = target
        if (
            placed_before is not None
            and target is not placed_before
            and placed_before.kind == ProjectKind.IDEA
        ):
            emptied[placed_before.id] = (placed_before, target)
    db.session.flush()
    for project in created:
        projects[project.id] = project
        record(
            project,
            "created",
            {"kind": project.kind, "title": project.title, "session": session.title},
            by_label=IMPORT_LABEL,
            at=now,
        )
    members: dict[int, list[PortfolioIdea]] = {}
    for item in ideas:
        target = placed.get(item.id)
        if target is not None and item.project_id != target.id:
            item.project_id = target.id
        if item.project_id is not None:
            members.setdefault(item.project_id, []).append(item)

    # An idea's own project follows its idea's texts (and sheet while led by exports).
    for project in projects.values():
        own = members.get(project.id, [])
        if project.kind == ProjectKind.IDEA and len(own) == 1 and project not in created:
            item = own[0]
            if item.absent_since is not None and not item.title:
                _forget_texts(project, now)  # withdrawn by its author
                continue
            values = {"title": item.title, "summary": item.body}
            values.update(project_follow_up(item.qualification, session.territory))
            _follow_export(project, values, now, touched)

    for project, into in emptied.values():
        if project.merged_into_id is None and not members.get(project.id):
            _merge_emptied(project, into, now)

    challenge_absent = {c.id: c.absent_since is not None for c in challenges}
    for project in projects.values():
        rows = [i.absent_since is None for i in members.get(project.id, [])]
        if project.challenge_id is not None and project.challenge_id in challenge_absent:
            rows.append(not challenge_absent[project.challenge_id])
        if rows:
            _mark_presence(project, any(rows), now)


def _forget_texts(project: Project, now: dt.datetime) -> None:
    """An idea's own project whose idea its author withdrew in the workshop: its title
    and description (the author's text) are no longer kept, here nor in its history
    (the text of a withdrawn idea is never kept: docs/privacy.md); the member's work
    (stage, sheet, holders, notes) stays."""
    if not project.title and not project.summary:
        return
    project.title = project.summary = ""
    project.updated_at = now
    for event in db.session.scalars(
        select(ProjectEvent).where(ProjectEvent.project_id == project.id)
    ):
        data = dict(event.data or {})
        if "title" in data:
            data["title"] = ""
        changes = {
            k: v for k, v in (data.get("changes") or {}).items() if k not in ("title", "summary")
        }
        if "changes" in data:
            data["changes"] = changes
        event.data = data
    record(project, "withdrawn", {}, by_label=IMPORT_LABEL, at=now)


def _mark_presence(project: Project, present: bool, now: dt.datetime) -> None:
    """Mark a project absent from its session's newest export (all its rows are), or
    present again, recorded as "absent" / "present"."""
    if present and project.absent_since is not None:
        record(
            project,
            "present",
            {"absent_since": project.absent_since.isoformat()},
            by_label=IMPORT_LABEL,
            at=now,
        )
        project.absent_since = None
        project.updated_at = now
    elif not present and project.absent_since is None:
        project.absent_since = now
        project.updated_at = now
        record(project, "absent", {}, by_label=IMPORT_LABEL, at=now)
