"""A member's work on a project in the portfolio: its stage, qualification sheet,
holders and notes. One function per intent; each takes the Fabrique's write lock,
writes, records the change in the project's history and commits (nothing is written
when it raises).

The caller has checked that ``by`` is a member of ``fabrique``. Every change made here
marks the project as followed by the Fabrique (``follow_source = "fabrique"``): newer
exports of its session no longer override its stage or sheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l

from ...errors import Conflict
from ...extensions import db
from ...models import Fabrique, Facilitator, Project, utcnow
from ...schemas.projects import HolderEntry, ProjectStageChange, SheetEdit
from ..fabriques import lock_fabrique
from .projects import NewHolder, add_holder, project_in, record, remove_holder, set_stage, touch

SHEET_CONFLICT = _l(
    "Someone else saved this project in the meantime. Your text is kept below: compare it "
    "with the saved sheet, then save again."
)


@contextmanager
def _unit() -> Iterator[None]:
    """Commit what the block wrote, or roll all of it back when it raises."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def change_project_stage(
    fabrique: Fabrique,
    project_id: int,
    change: ProjectStageChange,
    by: Facilitator | None = None,
    *,
    by_label: str = "",
) -> Project:
    """Move a project to another stage (an abandoned one says why), recorded as
    "stage_changed". Raises :class:`NotFound` and :class:`Conflict` (``change.version``
    is not the project's any more)."""
    with _unit():
        project = set_stage(
            fabrique,
            project_id,
            change.stage,
            reason=change.abandon_reason or None,
            expected_version=change.version,
            by=by,
            by_label=by_label,
        )
    return project


def save_sheet(
    fabrique: Fabrique,
    project_id: int,
    edit: SheetEdit,
    by: Facilitator | None = None,
    *,
    by_label: str = "",
) -> Project:
    """Save a project's qualification sheet as a member typed it, recorded as
    "sheet_saved" with each field before and after; the sheet's territory, when given,
    is the project's. Raises :class:`NotFound`, and :class:`Conflict` when someone saved
    the project since ``edit.version`` (nothing is written: the form keeps the text)."""
    with _unit():
        lock_fabrique(fabrique.id)
        project = project_in(fabrique, project_id)
        if project.version != edit.version:
            raise Conflict(SHEET_CONFLICT)
        old = project.sheet or {}
        changes: dict[str, Any] = {
            field: {"from": old.get(field), "to": value}
            for field, value in edit.sheet.items()
            if (old.get(field) or None) != (value or None)
        }
        if not changes:
            return project
        touch(project, edit.version)
        project.sheet = dict(edit.sheet)
        territory = edit.sheet.get("territory") or ""
        if territory and territory != project.territory:
            changes["territory"] = {"from": project.territory, "to": territory}
            project.territory = territory
        project.updated_at = utcnow()
        record(project, "sheet_saved", {"changes": changes}, by=by, by_label=by_label)
    return project


def update_project(
    fabrique: Fabrique,
    project_id: int,
    *,
    version: int,
    stage: str | None = None,
    abandon_reason: str = "",
    sheet_changes: dict[str, Any] | None = None,
    by: Facilitator | None = None,
    by_label: str = "",
) -> Project:
    """One change of a project made from ``version`` (the API's PATCH): a new stage
    and/or some fields of its sheet, merged into the stored sheet; one version check, one
    transaction, recorded as "stage_changed" and "sheet_saved". Raises
    :class:`NotFound`, :class:`Conflict` (outdated ``version``: nothing is written)."""
    with _unit():
        lock_fabrique(fabrique.id)
        project = project_in(fabrique, project_id)
        if project.version != version:
            raise Conflict()
        if stage is not None:
            set_stage(
                fabrique,
                project_id,
                stage,
                reason=abandon_reason or None,
                expected_version=version,
                by=by,
                by_label=by_label,
            )
        old = project.sheet or {}
        changes: dict[str, Any] = {
            field: {"from": old.get(field), "to": value}
            for field, value in (sheet_changes or {}).items()
            if (old.get(field) or None) != (value or None)
        }
        if changes:
            if stage is None:
                touch(project, version)
            project.sheet = {**old, **(sheet_changes or {})}
            territory = (sheet_changes or {}).get("territory") or ""
            if territory and territory != project.territory:
                changes["territory"] = {"from": project.territory, "to": territory}
                project.territory = territory
            project.updated_at = utcnow()
            record(project, "sheet_saved", {"changes": changes}, by=by, by_label=by_label)
    return project


def add_project_holder(
    fabrique: Fabrique,
    project_id: int,
    entry: HolderEntry,
    by: Facilitator | None = None,
    *,
    by_label: str = "",
) -> Project:
    """Give a project a holder (a person, a collective or an existing structure);
    the history keeps the name and kind, never the contact details."""
    with _unit():
        holder = add_holder(
            fabrique,
            project_id,
            NewHolder(
                name=entry.name,
                kind=entry.kind,
                contact_email=entry.contact_email,
                contact_phone=entry.contact_phone,
                note=entry.note,
            ),
            by=by,
            by_label=by_label,
        )
        project = project_in(fabrique, holder.project_id)
    return project


def remove_project_holder(
    fabrique: Fabrique, project_id: int, holder_id: int, by: Facilitator
) -> Project:
    """Take a holder off a project. Raises :class:`NotFound` (not this project's)."""
    with _unit():
        remove_holder(fabrique, project_id, holder_id, by=by)
        project = project_in(fabrique, project_id)
    return project


def add_note(
    fabrique: Fabrique,
    project_id: int,
    text: str,
    by: Facilitator | None = None,
    *,
    by_label: str = "",
) -> Project:
    """Write a free note in a project's history (kind "note"). A note is not a change
    of the project: it does not move its version, so nobody's sheet is refused for it."""
    with _unit():
        lock_fabrique(fabrique.id)
        project = project_in(fabrique, project_id)
        record(project, "note", {"text": text}, by=by, by_label=by_label)
        project.updated_at = utcnow()
    return project
