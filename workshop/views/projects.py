"""A Fabrique's projects: the portfolio's lines, their sheet, stage, holders and history.

Members only (:func:`~workshop.views.access.member_fabrique`); another Fabrique's
project is a 404. Each form posts to its own route, which parses it, calls one
service and redirects back to the project's page, or shows the page again with the
error and what was typed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth import login_required
from ..errors import WorkshopError
from ..models import Fabrique, HolderKind, ProjectKind
from ..schemas.projects import (
    SHEET_FIELDS,
    ProjectFilter,
    parse_holder,
    parse_note,
    parse_project_filter,
    parse_project_sheet,
    parse_project_stage,
)
from ..services import portfolio
from .access import me, member_fabrique
from .common import form_page

bp = Blueprint("projects", __name__, url_prefix="/fabriques/<slug>/projets")

#: Projects per page of the list.
PER_PAGE = 100

PROJECT_KIND_LABELS = {
    ProjectKind.CHALLENGE.value: _l("Défi of a session"),
    ProjectKind.IDEA.value: _l("Idea of a session"),
    ProjectKind.BOX.value: _l("Idea box"),
    ProjectKind.RELAYED.value: _l("Relayed need"),
    ProjectKind.CYCLE.value: _l("Project of a cycle"),
}
HOLDER_KIND_LABELS = {
    HolderKind.PERSON.value: _l("A person"),
    HolderKind.COLLECTIVE.value: _l("A collective"),
    HolderKind.STRUCTURE.value: _l("An existing structure"),
}
HISTORY_LABELS = {
    "created": _l("Entered the portfolio"),
    "imported": _l("Updated by a newer export"),
    "stage_changed": _l("Stage changed"),
    "sheet_saved": _l("Qualification sheet saved"),
    "holder_added": _l("Holder added"),
    "holder_removed": _l("Holder removed"),
    "note": _l("Note"),
    "decision": _l("Committee decision"),
    "merged": _l("Merged"),
    "duplicate_linked": _l("Duplicate idea noted"),
    "absent": _l("No longer in its session's export"),
    "present": _l("Back in its session's export"),
    "withdrawn": _l("Withdrawn by its author in the workshop: its text is no longer kept"),
    "candidate": _l("New candidate"),
    "candidate_updated": _l("Candidate updated"),
    "candidate_status": _l("Candidate's status changed"),
    "candidates_not_selected": _l("Other candidates not selected"),
    "candidate_deleted": _l("Candidate deleted"),
    "call": _l("Call for holders"),
    "reviewed": _l("Moderated"),
    "retitled": _l("Title changed"),
    "taken_into_workshop": _l("Taken into a workshop"),
    "published": _l("Carnet de projets"),
}
FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Description"),
    "territory": _l("Territory"),
    "stage": _l("Stage"),
    "abandon_reason": _l("Reason"),
    "need_who": _l("Who has the need"),
    "need_where": _l("Where"),
    "need_evidence": _l("What shows the need"),
    "target_public": _l("Target public"),
    "solution": _l("Envisaged solution"),
    "existing_offer": _l("Existing offer nearby"),
    "partners": _l("Actors and partners"),
    "economic_potential": _l("Economic potential"),
    "potential_holders": _l("Potential holders"),
    "next_step": _l("Next step"),
    "insee_code": _l("INSEE code"),
    "maturity": _l("Maturity"),
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "project_kind_labels": PROJECT_KIND_LABELS,
        "holder_kind_labels": HOLDER_KIND_LABELS,
        "history_labels": HISTORY_LABELS,
        "field_labels": FIELD_LABELS,
        "sheet_fields": SHEET_FIELDS,
    }


@bp.get("/")
@login_required
def index(slug: str) -> Any:
    """The portfolio's projects, filtered by stage, territory, session, kind and period
    (absent and merged ones on request), with how many match."""
    fabrique = member_fabrique(slug)
    error: WorkshopError | None = None
    try:
        where = parse_project_filter(request.args.to_dict())
    except WorkshopError as refused:
        error, where = refused, ProjectFilter()
    matching = portfolio.count_projects(fabrique, where)
    pages = max(1, -(-matching // PER_PAGE))
    page = request.args.get("page", "")
    number = min(int(page), pages) if page.isdigit() and 0 < len(page) < 6 and int(page) else 1
    found = portfolio.find_projects(fabrique, where, (number - 1) * PER_PAGE, PER_PAGE)
    return form_page(
        "projects/index.html",
        error,
        fabrique=fabrique,
        where=where,
        rows=portfolio.project_rows(found),
        args=request.args,
        counts={
            "all": portfolio.count_projects(
                fabrique, ProjectFilter(include_absent=True, include_merged=True)
            ),
            "shown": matching,
        },
        page=number,
        pages=pages,
        choices=portfolio.filter_choices(fabrique),
    )


def _page(
    fabrique: Fabrique,
    project_id: int,
    error: WorkshopError | None = None,
    failed: str = "",
) -> Any:
    """The project's page; after a refused form, ``failed`` names it and its typed
    values are shown again."""
    detail = portfolio.project_detail(fabrique, project_id)
    return form_page(
        "projects/project.html",
        error,
        fabrique=fabrique,
        detail=detail,
        project=detail.project,
        failed=failed,
        form=request.form if error else {},
    )


def _back(slug: str, project_id: int, anchor: str) -> Any:
    return redirect(url_for("projects.project", slug=slug, project_id=project_id) + anchor)


@bp.get("/<int:project_id>")
@login_required
def project(slug: str, project_id: int) -> Any:
    """One project: where it comes from, its stage, sheet, holders, notes and history."""
    return _page(member_fabrique(slug), project_id)


@bp.post("/<int:project_id>/stage")
@login_required
def change_stage(slug: str, project_id: int) -> Any:
    """Move the project to another stage (abandoning says why)."""
    fabrique = member_fabrique(slug)
    try:
        portfolio.change_project_stage(
            fabrique, project_id, parse_project_stage(request.form.to_dict()), me()
        )
    except WorkshopError as error:
        return _page(fabrique, project_id, error, failed="stage")
    flash(_("Stage saved."), "success")
    return _back(slug, project_id, "#stage")


@bp.post("/<int:project_id>/sheet")
@login_required
def save_sheet(slug: str, project_id: int) -> Any:
    """Save the qualification sheet; a save made from an older version is refused and
    the typed text kept."""
    fabrique = member_fabrique(slug)
    try:
        portfolio.save_sheet(
            fabrique, project_id, parse_project_sheet(request.form.to_dict()), me()
        )
    except WorkshopError as error:
        return _page(fabrique, project_id, error, failed="sheet")
    flash(_("Qualification sheet saved."), "success")
    return _back(slug, project_id, "#sheet")


@bp.post("/<int:project_id>/holders")
@login_required
def add_holder(slug: str, project_id: int) -> Any:
    """Give the project a holder."""
    fabrique = member_fabrique(slug)
    try:
        portfolio.add_project_holder(
            fabrique, project_id, parse_holder(request.form.to_dict()), me()
        )
    except WorkshopError as error:
        return _page(fabrique, project_id, error, failed="holder")
    flash(_("Holder added."), "success")
    return _back(slug, project_id, "#holders")


@bp.post("/<int:project_id>/holders/<int:holder_id>/remove")
@login_required
def remove_holder(slug: str, project_id: int, holder_id: int) -> Any:
    """Take a holder off the project."""
    fabrique = member_fabrique(slug)
    portfolio.remove_project_holder(fabrique, project_id, holder_id, me())
    flash(_("Holder removed."), "success")
    return _back(slug, project_id, "#holders")


@bp.post("/<int:project_id>/notes")
@login_required
def add_note(slug: str, project_id: int) -> Any:
    """Write a note in the project's history."""
    fabrique = member_fabrique(slug)
    try:
        portfolio.add_note(fabrique, project_id, parse_note(request.form.to_dict()), me())
    except WorkshopError as error:
        return _page(fabrique, project_id, error, failed="note")
    flash(_("Note added."), "success")
    return _back(slug, project_id, "#history")
