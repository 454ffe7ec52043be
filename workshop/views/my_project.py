"""« Mon projet »: a holder's project page across a cycle (``/c/<token>/projet``), its
printed version, and the facilitators' view of the cycle's projects
(``/f/cycles/<id>/projets``).

The holder's pages are reached through their personal link: the address carries their
secret, so the answers are never cached and send no referrer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date, format_datetime
from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from ..auth import login_required
from ..errors import WorkshopError
from ..exports.localized import timezone
from ..extensions import limiter
from ..models import CycleProject, Enrolment
from ..schemas.cycle_projects import (
    LOGBOOK_MAX,
    PITCH_MAX,
    SECTION_MAX,
    parse_direction,
    parse_logbook_entry,
    parse_project_for,
    parse_project_form,
    parse_section,
)
from ..schemas.cycles import feedback_kind_label
from ..services import cycle_projects, cycles, pitch
from .access import me
from .common import form_page

bp = Blueprint("my_project", __name__)

HOLDER = "/c/<token>/projet"
FACILITATOR = "/f/cycles/<int:cycle_id>/projets"

LOGBOOK_LABELS = {
    "decided": _l("Decided"),
    "next_step": _l("Next step to take"),
    "note": _l("Note"),
}
DECISION_TEXTS = {
    "kept": _l("The jury kept the project."),
    "rework": _l("The jury asks for the project to be reworked."),
    "declined": _l("The jury declined the project."),
}

# A holder saves a few times an hour, a facilitator a few dozen times a session; an
# address sending far more is guessing links or broken.
writing_limit = limiter.limit(
    lambda: str(current_app.config.get("MY_PROJECT_WRITE_LIMIT", "300 per hour")),
    key_func=get_remote_address,
    scope="my-project",
    methods=["POST"],
)


def kind_label(key: str, label: str) -> str:
    """A feedback kind's label: the one the facilitator gave, else the default's (a
    card of a kind the cycle no longer has: « Other feedback »)."""
    return feedback_kind_label({"key": key, "label": label}) or _("Other feedback")


def format_day(moment: dt.datetime | dt.date | None) -> str:
    """A date as people write it (« 7 décembre 2026 »)."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(timezone())
    return format_date(moment, "d MMMM y", locale=str(get_locale() or "fr"))


def format_moment(moment: dt.datetime | None) -> str:
    """A save's date and time in the server's time zone (« 7 déc. 2026, 14:05 »)."""
    if moment is None:
        return ""
    local = moment.astimezone(timezone())
    return format_datetime(local, "d MMM y, HH:mm", locale=str(get_locale() or "fr"))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "logbook_labels": LOGBOOK_LABELS,
        "decision_texts": DECISION_TEXTS,
        "kind_label": kind_label,
        "format_day": format_day,
        "format_moment": format_moment,
        "pitch_max": PITCH_MAX,
        "section_max": SECTION_MAX,
        "logbook_max": LOGBOOK_MAX,
    }


def _private(body: Any, status: int = 200) -> Any:
    response = make_response(body, status)
    # The address carries the holder's secret: no shared cache keeps the page.
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------ the holder's pages


def _holder_page(
    token: str, enrolment: Enrolment, error: WorkshopError | None = None, failed: str = ""
) -> Any:
    project = cycle_projects.project_of(enrolment)
    body, status = form_page(
        "my_project/project.html",
        error,
        token=token,
        enrolment=enrolment,
        cycle=cycle_projects.cycle_of_enrolment(enrolment),
        page=cycle_projects.project_page(project) if project else None,
        failed=failed,
        form=request.form if error else {},
    )
    return _private(body, status)


def _back(token: str, anchor: str = "") -> Any:
    return redirect(url_for(".holder_project", token=token) + anchor)


@bp.get(HOLDER)
def holder_project(token: str) -> Any:
    """« Mon projet »: create it, or its pitch, note d'intention, logbook, feedback."""
    return _holder_page(token, cycles.enrolment_by_token(token))


@bp.post(HOLDER)
@writing_limit
def create(token: str) -> Any:
    """Create the holder's project (one per cycle)."""
    enrolment = cycles.enrolment_by_token(token)
    try:
        cycle_projects.create_project(
            enrolment, parse_project_form(request.form.to_dict(), creating=True)
        )
    except WorkshopError as error:
        return _holder_page(token, enrolment, error, "project")
    flash(
        _("Your project is created. Write its note d'intention session after session."), "success"
    )
    return _back(token)


@bp.post(f"{HOLDER}/modifier")
@writing_limit
def update(token: str) -> Any:
    """Save the title, the pitch and the choices; an outdated form keeps the typed text."""
    enrolment = cycles.enrolment_by_token(token)
    try:
        project = cycle_projects.update_project(
            enrolment, parse_project_form(request.form.to_dict(), creating=False)
        )
    except WorkshopError as error:
        return _holder_page(token, enrolment, error, "project")
    # Saved while on a session's screen: the screen and the phones show it at once.
    pitch.project_edited(project.id)
    flash(_("Your pitch is saved."), "success")
    return _back(token, "#pitch")


@bp.post(f"{HOLDER}/note/<key>")
@writing_limit
def save_section(token: str, key: str) -> Any:
    """Save one section of the note d'intention."""
    enrolment = cycles.enrolment_by_token(token)
    cycle = cycle_projects.cycle_of_enrolment(enrolment)
    keys = [str(s.get("key", "")) for s in cycle.intention_template or []]
    try:
        cycle_projects.save_section(enrolment, parse_section(request.form.to_dict(), key, keys))
    except WorkshopError as error:
        # A section no longer in the template has no form to show its error: the top.
        return _holder_page(token, enrolment, error, f"section-{key}" if key in keys else "top")
    flash(_("This section of your note d'intention is saved."), "success")
    return _back(token, f"#section-{key}")


@bp.post(f"{HOLDER}/carnet")
@writing_limit
def add_entry(token: str) -> Any:
    """Write a line in the carnet de bord."""
    enrolment = cycles.enrolment_by_token(token)
    try:
        cycle_projects.add_logbook_entry(enrolment, parse_logbook_entry(request.form.to_dict()))
    except WorkshopError as error:
        return _holder_page(token, enrolment, error, "logbook")
    flash(_("Added to your carnet de bord."), "success")
    return _back(token, "#logbook")


@bp.post(f"{HOLDER}/carnet/<int:entry_id>/supprimer")
@writing_limit
def remove_entry(token: str, entry_id: int) -> Any:
    """Delete a line of the carnet de bord the holder wrote."""
    cycle_projects.remove_logbook_entry(cycles.enrolment_by_token(token), entry_id)
    flash(_("The line is deleted from your carnet de bord."), "success")
    return _back(token, "#logbook")


@bp.get(f"{HOLDER}/imprimer")
def print_project(token: str) -> Any:
    """The project as a document to print or save as PDF."""
    enrolment = cycles.enrolment_by_token(token)
    project = cycle_projects.project_of(enrolment)
    if project is None:
        return _back(token)
    return _private(_print_page(project, back=url_for(".holder_project", token=token)))


def _print_page(project: CycleProject, back: str) -> Any:
    body, _status = form_page(
        "my_project/print.html",
        page=cycle_projects.project_page(project),
        back=back,
        printed_on=format_day(dt.datetime.now(dt.UTC)),
    )
    return body


# ------------------------------------------------------- the facilitators' pages


def _index(cycle_id: int, error: WorkshopError | None = None) -> Any:
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    return form_page(
        "my_project/index.html",
        error,
        cycle=cycle,
        rows=cycle_projects.overview(cycle),
        waiting=cycle_projects.holders_without_project(cycle),
        form=request.form if error else {},
    )


@bp.get(FACILITATOR)
@login_required
def index(cycle_id: int) -> Any:
    """All the cycle's projects in pitch order, and a form to create one for a holder."""
    return _index(cycle_id)


@bp.post(FACILITATOR)
@login_required
def create_for(cycle_id: int) -> Any:
    """Create a project for an enrolled holder."""
    try:
        project = cycle_projects.create_project_for(
            cycle_id, me(), parse_project_for(request.form.to_dict())
        )
    except WorkshopError as error:
        return _index(cycle_id, error)
    flash(_("Project « %(title)s » created.", title=project.title), "success")
    return redirect(url_for(".index", cycle_id=cycle_id))


@bp.post(f"{FACILITATOR}/<int:project_id>/deplacer")
@login_required
def move(cycle_id: int, project_id: int) -> Any:
    """Move a project up or down the pitch order."""
    try:
        cycle_projects.move_project(
            cycle_id, me(), project_id, parse_direction(request.form.to_dict())
        )
    except WorkshopError as error:
        return _index(cycle_id, error)
    return redirect(url_for(".index", cycle_id=cycle_id) + f"#project-{project_id}")


def _project(cycle_id: int, project_id: int, error: WorkshopError | None = None) -> Any:
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    return form_page(
        "my_project/view.html",
        error,
        cycle=cycle,
        page=cycle_projects.project_page(cycle_projects.project_in(cycle, project_id)),
        form=request.form if error else {},
    )


@bp.get(f"{FACILITATOR}/<int:project_id>")
@login_required
def project(cycle_id: int, project_id: int) -> Any:
    """One project, read-only, with the facilitator's form to add to its logbook."""
    return _project(cycle_id, project_id)


@bp.post(f"{FACILITATOR}/<int:project_id>/carnet")
@login_required
def facilitator_entry(cycle_id: int, project_id: int) -> Any:
    """A facilitator writes a line in the project's carnet de bord."""
    try:
        cycle_projects.add_facilitator_entry(
            cycle_id, me(), project_id, parse_logbook_entry(request.form.to_dict())
        )
    except WorkshopError as error:
        return _project(cycle_id, project_id, error)
    flash(_("Added to the carnet de bord."), "success")
    return redirect(url_for(".project", cycle_id=cycle_id, project_id=project_id) + "#logbook")


@bp.post(f"{FACILITATOR}/<int:project_id>/carnet/<int:entry_id>/supprimer")
@login_required
def facilitator_remove_entry(cycle_id: int, project_id: int, entry_id: int) -> Any:
    """Delete a line the facilitation team wrote in the project's carnet de bord."""
    cycle_projects.remove_facilitator_entry(cycle_id, me(), project_id, entry_id)
    flash(_("The line is deleted from the carnet de bord."), "success")
    return redirect(url_for(".project", cycle_id=cycle_id, project_id=project_id) + "#logbook")


@bp.get(f"{FACILITATOR}/<int:project_id>/imprimer")
@login_required
def facilitator_print(cycle_id: int, project_id: int) -> Any:
    """A project as its holder prints it."""
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    project = cycle_projects.project_in(cycle, project_id)
    return _print_page(project, back=url_for(".project", cycle_id=cycle_id, project_id=project_id))
