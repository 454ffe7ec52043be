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

from sqlalchemy import select

from ...errors import Conflict, NotFound
from ...extensions import db
from ...models import (
    Fabrique,
    Facilitator,
    HolderKind,
    Project,
    ProjectEvent,
    ProjectHolder,
    Stage,
    utcnow,
)
from ...stages import abandon_reason_for
from ..fabriques import lock_fabrique


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
