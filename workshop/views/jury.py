"""The jury of a cycle: jurors grade through their personal link; facilitators deliberate.

``/f/cycles/<id>/jury`` is the facilitators' page: the grid of criteria, the jurors and
their links (shown once, with a QR code), grading open or closed, the results and the
deliberation with a decision per project. ``/jury/<token>`` is a juror's page: the
cycle's projects, a grid of grades and a comment for each, saved one project at a time.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from ..auth import login_required
from ..errors import ValidationError, WorkshopError
from ..extensions import limiter
from ..majority import GRADE_LABELS
from ..models import Cycle
from ..schemas.committees import MEMBER_ROLES
from ..schemas.cycles import default_criteria
from ..schemas.jury import (
    jury_criteria_rows,
    parse_decision,
    parse_juror_form,
    parse_jury_criteria,
    parse_jury_grading,
    parse_open,
)
from ..services import cycles, fabriques, jury
from ..services.jury import IssuedLink
from .access import me
from .committees import GRADE_COLOURS, format_day
from .common import form_page, qr_svg

bp = Blueprint("jury", __name__)

PREFIX = "/f/cycles/<int:cycle_id>/jury"

#: The decisions on a cycle's project, as the pages say them.
DECISION_LABELS = {
    "kept": _l("Kept by the jury"),
    "rework": _l("To rework"),
    "declined": _l("Declined"),
}

# A juror saves one project at a time, a few dozen a jury; an address sending far more
# is guessing or broken.
grading_limit = limiter.limit(
    lambda: str(current_app.config.get("JURY_GRADING_LIMIT", "120 per hour")),
    key_func=get_remote_address,
    scope="jury-grading",
    methods=["POST"],
)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "grade_labels": GRADE_LABELS,
        "grade_colours": GRADE_COLOURS,
        "decision_labels": DECISION_LABELS,
        "format_day": format_day,
    }


# ------------------------------------------------------------ facilitators' page


def _page(
    cycle_id: int,
    error: WorkshopError | None = None,
    *,
    section: str = "",
    issued: IssuedLink | None = None,
    project_id: int | None = None,
) -> Any:
    facilitator = me()
    cycle = cycles.require_cycle_facilitator(cycle_id, facilitator)
    issued_url = issued and url_for(".juror_page", token=issued.secret, _external=True)
    criteria = jury.criteria_of(cycle)
    body, status = form_page(
        "jury/manage.html",
        error,
        cycle=cycle,
        cycle_url=url_for("cycles.cycle", cycle_id=cycle.id),
        criteria=criteria,
        criteria_form=_grid_rows(cycle, criteria, error if section == "criteria" else None),
        jurors=jury.jurors_of(cycle),
        progress=jury.progress(cycle),
        result=jury.deliberation(cycle),
        decided_by=jury.decided_by,
        section=section,
        issued=issued,
        issued_url=issued_url,
        issued_qr=qr_svg(issued_url) if issued_url else None,
        roles=[str(role) for role in MEMBER_ROLES],
        committee_links=[
            (f.name, url_for("committees.index", slug=f.slug))
            for f in fabriques.fabriques_of(facilitator)
        ],
        error_project=project_id,
        form=request.form if error else {},
    )
    response = make_response(body, status)
    if issued:
        # This answer carries a juror's secret: no cache keeps it.
        response.headers["Cache-Control"] = "no-store"
    return response


def _grid_rows(
    cycle: Cycle, criteria: list[dict[str, Any]], error: WorkshopError | None
) -> list[dict[str, Any]]:
    """The grid's rows to show: as typed after a refused save, else the saved grid and
    an empty row to add one; a cycle without a grid is offered the usual one."""
    if error is not None:
        try:
            return jury_criteria_rows(request.form)
        except WorkshopError:
            pass
    if not criteria:
        return [{**row, "key": ""} for row in default_criteria()]
    return [*criteria, {"key": "", "label": "", "description": ""}]


def _back(cycle_id: int, anchor: str) -> Any:
    return redirect(url_for(".manage", cycle_id=cycle_id) + anchor)


@bp.get(PREFIX)
@login_required
def manage(cycle_id: int) -> Any:
    """The jury of a cycle: grading open or closed, jurors and their links, results and
    deliberation with the decisions, the grid."""
    return _page(cycle_id)


@bp.post(f"{PREFIX}/criteres")
@login_required
def save_criteria(cycle_id: int) -> Any:
    """Save the grid (add, rename, describe, remove criteria; keys stay)."""
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    try:
        criteria = parse_jury_criteria(jury_criteria_rows(request.form), cycle.criteria)
        jury.save_criteria(cycle_id, me(), criteria)
    except WorkshopError as error:
        return _page(cycle_id, error, section="criteria")
    flash(_("The grid is saved."), "success")
    return _back(cycle_id, "#criteria")


@bp.post(f"{PREFIX}/notation")
@login_required
def set_open(cycle_id: int) -> Any:
    """Open grading to the jurors, or close it."""
    try:
        cycle = jury.set_open(cycle_id, me(), parse_open(request.form.to_dict()))
    except WorkshopError as error:
        return _page(cycle_id, error, section="status")
    if jury.is_open(cycle):
        flash(_("Grading is open: the jurors can grade with their link."), "success")
    else:
        flash(_("Grading is closed: the grades are frozen."), "success")
    return _back(cycle_id, "#status")


@bp.post(f"{PREFIX}/jures")
@login_required
def add_juror(cycle_id: int) -> Any:
    """Add a juror: their personal link and its QR code are shown once, on this answer."""
    try:
        issued = jury.add_juror(cycle_id, me(), parse_juror_form(request.form.to_dict()))
    except WorkshopError as error:
        return _page(cycle_id, error, section="jurors")
    return _page(cycle_id, issued=issued)


@bp.post(f"{PREFIX}/jures/<int:juror_id>/nouveau-lien")
@login_required
def new_link(cycle_id: int, juror_id: int) -> Any:
    """Give a juror a new link (the old one stops working)."""
    return _page(cycle_id, issued=jury.new_link(cycle_id, me(), juror_id))


@bp.post(f"{PREFIX}/jures/<int:juror_id>/revoquer")
@login_required
def revoke(cycle_id: int, juror_id: int) -> Any:
    """Stop a juror's link from working (their grades stay)."""
    juror = jury.revoke_juror(cycle_id, me(), juror_id)
    flash(_("The link of %(name)s no longer works.", name=juror.name), "success")
    return _back(cycle_id, "#jurors")


@bp.post(f"{PREFIX}/jures/<int:juror_id>/supprimer")
@login_required
def remove(cycle_id: int, juror_id: int) -> Any:
    """Delete a juror with their grades and comments."""
    juror = jury.remove_juror(cycle_id, me(), juror_id)
    flash(_("%(name)s and their grades are deleted.", name=juror.name), "success")
    return _back(cycle_id, "#jurors")


@bp.post(f"{PREFIX}/decisions/<int:project_id>")
@login_required
def decide(cycle_id: int, project_id: int) -> Any:
    """Record the decision on one project (kept, to rework, declined with its reason)."""
    try:
        project = jury.decide(cycle_id, me(), project_id, parse_decision(request.form.to_dict()))
    except ValidationError as error:
        return _page(cycle_id, error, section="decision", project_id=project_id)
    flash(
        _(
            "Decision recorded for « %(title)s »: %(decision)s.",
            title=project.title,
            decision=str(DECISION_LABELS[project.decision or ""]),
        ),
        "success",
    )
    return _back(cycle_id, f"#project-{project_id}")


# -------------------------------------------------------------- a juror's page


def _juror_page(
    token: str, error: WorkshopError | None = None, project_id: int | None = None
) -> Any:
    juror = jury.juror_by_link(token)
    cycle = jury.cycle_of_juror(juror)
    body, status = form_page(
        "jury/juror.html",
        error,
        token=token,
        juror=juror,
        cycle=cycle,
        criteria=jury.criteria_of(cycle),
        grading_open=jury.is_open(cycle),
        on_stage=jury.on_stage(cycle),
        projects=jury.juror_projects(juror),
        error_project=project_id,
        form=request.form if error else {},
    )
    response = make_response(body, status)
    # The address carries the juror's secret: no shared cache keeps the page.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jury/<token>")
def juror_page(token: str) -> Any:
    """A juror's page: each project of the cycle, the grid to grade it, a comment."""
    return _juror_page(token)


@bp.post("/jury/<token>/projets/<int:project_id>")
@grading_limit
def grade(token: str, project_id: int) -> Any:
    """Save a juror's grades and comment on one project."""
    juror = jury.juror_by_link(token)
    cycle = jury.cycle_of_juror(juror)
    try:
        grading = parse_jury_grading(request.form.to_dict(), jury.criteria_keys(cycle))
        project = jury.grade_project(juror.id, project_id, grading)
    except WorkshopError as error:
        if error.status == 404:
            raise
        return _juror_page(token, error, project_id)
    flash(_("Your grades for « %(title)s » are saved.", title=project.title), "success")
    return redirect(url_for(".juror_page", token=token) + f"#project-{project_id}")
