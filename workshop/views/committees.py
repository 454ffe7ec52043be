"""Committees: a Fabrique's members set them up (/fabriques/<slug>/comites), committee
members grade through their personal link (/comite/<token>).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from ..auth import login_required
from ..errors import ValidationError, WorkshopError
from ..extensions import limiter
from ..majority import GRADE_LABELS
from ..models import Fabrique
from ..schemas.committees import (
    MEMBER_ROLES,
    criteria_rows,
    parse_agenda_item,
    parse_committee_form,
    parse_criteria,
    parse_decision,
    parse_grading,
    parse_meeting_form,
    parse_member_form,
)
from ..services import committees
from ..services.committees import IssuedLink
from .access import me, member_fabrique
from .common import form_page

bp = Blueprint("committees", __name__)

PREFIX = "/fabriques/<slug>/comites"

# The stacked bar's colours, worst grade first (a text gives the same counts).
GRADE_COLOURS = ("#b3261e", "#d8602b", "#e0a31b", "#c9c34a", "#8dbb4f", "#4f9a4a", "#1f6f3a")
KIND_LABELS = {
    "steering": _l("Steering committee"),
    "expert": _l("Expert committee"),
    "project": _l("Project committee"),
}
STATUS_LABELS = {
    "planned": _l("Planned"),
    "open": _l("Open: members grade"),
    "closed": _l("Meeting closed"),
}
DECISION_LABELS = {
    "prioritised": _l("Prioritised"),
    "study_further": _l("To study further"),
    "postponed": _l("Postponed"),
    "dropped": _l("Dropped"),
}

# A committee member's grades: a member saves one project at a time, a few dozen a
# meeting; an address sending far more is guessing or broken.
grading_limit = limiter.limit(
    lambda: str(current_app.config.get("COMMITTEE_GRADING_LIMIT", "120 per hour")),
    key_func=get_remote_address,
    scope="committee-grading",
    methods=["POST"],
)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "grade_labels": GRADE_LABELS,
        "grade_colours": GRADE_COLOURS,
        "committee_kind_labels": KIND_LABELS,
        "meeting_status_labels": STATUS_LABELS,
        "decision_labels": DECISION_LABELS,
        "format_day": format_day,
        "project_url": project_url,
    }


def project_url(fabrique: Fabrique, project_id: int) -> str | None:
    """The project page's address (``/fabriques/<slug>/projets/<id>``, the projects
    blueprint's page taking ``slug`` and ``project_id``), or ``None`` while there is
    none."""
    for rule in current_app.url_map.iter_rules():
        if (
            rule.endpoint.startswith("projects.")
            and "GET" in (rule.methods or ())
            and set(rule.arguments) == {"slug", "project_id"}
        ):
            return url_for(rule.endpoint, slug=fabrique.slug, project_id=project_id)
    return None


def format_day(day: dt.date) -> str:
    """A meeting's date as people write it (« 14 janvier 2027 »)."""
    return format_date(day, "d MMMM y", locale=str(get_locale() or "fr"))


@bp.app_context_processor
def _project_section() -> dict[str, Any]:
    """``templates/projects/_committees.html`` (included in the project page) reads the
    meetings a project was on through this, and the words it needs."""
    return {
        "committee_sittings": committees.project_sittings,
        "committee_decision_labels": DECISION_LABELS,
        "committee_status_labels": STATUS_LABELS,
        "committee_format_day": format_day,
    }


# ------------------------------------------------------------------ committees


def _index(fabrique: Fabrique, error: WorkshopError | None = None) -> Any:
    return form_page(
        "committees/index.html",
        error,
        fabrique=fabrique,
        committees=committees.committees_of(fabrique),
        projects=committees.projects_of(fabrique),
        form=request.form if error else {},
    )


@bp.get(PREFIX)
@login_required
def index(slug: str) -> Any:
    """The Fabrique's committees and the form to create one."""
    return _index(member_fabrique(slug))


@bp.post(PREFIX)
@login_required
def create(slug: str) -> Any:
    """Create a committee (with the default grid)."""
    fabrique = member_fabrique(slug)
    try:
        committee = committees.create_committee(
            fabrique, parse_committee_form(request.form.to_dict())
        )
    except WorkshopError as error:
        return _index(fabrique, error)
    flash(_("Committee « %(name)s » created.", name=committee.name), "success")
    return redirect(url_for(".committee", slug=slug, committee_id=committee.id))


def _committee_page(
    fabrique: Fabrique,
    committee_id: int,
    error: WorkshopError | None = None,
    *,
    section: str = "",
    issued: IssuedLink | None = None,
) -> Any:
    committee = committees.committee_in(fabrique, committee_id)
    return form_page(
        "committees/committee.html",
        error,
        fabrique=fabrique,
        committee=committee,
        project=committees.project_of(committee),
        section=section,
        issued=issued,
        issued_url=issued and url_for(".member_page", token=issued.secret, _external=True),
        roles=[str(role) for role in MEMBER_ROLES],
        form=request.form if error else {},
        criteria_form=_typed_grid() if error and section == "criteria" else None,
    )


def _typed_grid() -> list[dict[str, Any]] | None:
    """The grid as typed, to show again with its error (``None`` for a form that is
    not one: the saved grid is shown)."""
    try:
        return criteria_rows(request.form)
    except WorkshopError:
        return None


@bp.get(f"{PREFIX}/<int:committee_id>")
@login_required
def committee(slug: str, committee_id: int) -> Any:
    """A committee: its grid, its members and their links, its meetings."""
    return _committee_page(member_fabrique(slug), committee_id)


@bp.post(f"{PREFIX}/<int:committee_id>/supprimer")
@login_required
def delete(slug: str, committee_id: int) -> Any:
    """Delete the committee with its members, meetings and grades (a box to tick
    first: it cannot be undone)."""
    fabrique = member_fabrique(slug)
    committee = committees.committee_in(fabrique, committee_id)
    if request.form.get("confirm") != "yes":
        error = ValidationError(
            _("Tick the box to confirm: this cannot be undone."), field="confirm"
        )
        return _committee_page(fabrique, committee_id, error, section="delete")
    name = committee.name
    committees.delete_committee(fabrique, committee_id)
    flash(_("Committee « %(name)s » deleted.", name=name), "success")
    return redirect(url_for(".index", slug=slug))


@bp.post(f"{PREFIX}/<int:committee_id>/criteres")
@login_required
def save_criteria(slug: str, committee_id: int) -> Any:
    """Save the grid (add, rename, describe, remove criteria)."""
    fabrique = member_fabrique(slug)
    committee = committees.committee_in(fabrique, committee_id)
    try:
        criteria = parse_criteria(criteria_rows(request.form), committee.criteria)
        committees.save_criteria(fabrique, committee_id, criteria)
    except WorkshopError as error:
        return _committee_page(fabrique, committee_id, error, section="criteria")
    flash(_("The grid is saved."), "success")
    return redirect(url_for(".committee", slug=slug, committee_id=committee_id) + "#criteria")


@bp.post(f"{PREFIX}/<int:committee_id>/membres")
@login_required
def add_member(slug: str, committee_id: int) -> Any:
    """Add a member: their personal link is shown once, on this answer."""
    fabrique = member_fabrique(slug)
    try:
        issued = committees.add_member(
            fabrique, committee_id, parse_member_form(request.form.to_dict())
        )
    except WorkshopError as error:
        return _committee_page(fabrique, committee_id, error, section="members")
    return _committee_page(fabrique, committee_id, issued=issued)


@bp.post(f"{PREFIX}/<int:committee_id>/membres/<int:member_id>/nouveau-lien")
@login_required
def regenerate_link(slug: str, committee_id: int, member_id: int) -> Any:
    """Give a member a new link (the old one stops working)."""
    fabrique = member_fabrique(slug)
    issued = committees.regenerate_link(fabrique, committee_id, member_id)
    return _committee_page(fabrique, committee_id, issued=issued)


@bp.post(f"{PREFIX}/<int:committee_id>/membres/<int:member_id>/revoquer")
@login_required
def revoke_member(slug: str, committee_id: int, member_id: int) -> Any:
    """Stop a member's link from working."""
    fabrique = member_fabrique(slug)
    member = committees.revoke_member(fabrique, committee_id, member_id)
    flash(_("The link of %(name)s no longer works.", name=member.name), "success")
    return redirect(url_for(".committee", slug=slug, committee_id=committee_id) + "#members")


@bp.post(f"{PREFIX}/<int:committee_id>/membres/<int:member_id>/supprimer")
@login_required
def remove_member(slug: str, committee_id: int, member_id: int) -> Any:
    """Delete a member with their grades and comments."""
    fabrique = member_fabrique(slug)
    committees.remove_member(fabrique, committee_id, member_id)
    flash(_("The member and their grades are deleted."), "success")
    return redirect(url_for(".committee", slug=slug, committee_id=committee_id) + "#members")


# --------------------------------------------------------------------- meetings


@bp.post(f"{PREFIX}/<int:committee_id>/reunions")
@login_required
def create_meeting(slug: str, committee_id: int) -> Any:
    """Plan a meeting."""
    fabrique = member_fabrique(slug)
    try:
        meeting = committees.create_meeting(
            fabrique, committee_id, parse_meeting_form(request.form.to_dict())
        )
    except WorkshopError as error:
        return _committee_page(fabrique, committee_id, error, section="meeting")
    flash(_("Meeting planned. Put projects on its agenda."), "success")
    return redirect(
        url_for(".meeting", slug=slug, committee_id=committee_id, meeting_id=meeting.id)
    )


def _meeting_page(
    fabrique: Fabrique, committee_id: int, meeting_id: int, error: WorkshopError | None = None
) -> Any:
    meeting = committees.meeting_in(fabrique, committee_id, meeting_id)
    return form_page(
        "committees/meeting.html",
        error,
        fabrique=fabrique,
        committee=meeting.committee,
        meeting=meeting,
        items=sorted(meeting.items, key=lambda i: (i.position, i.id)),
        choices=committees.agenda_choices(fabrique, meeting),
        form=request.form if error else {},
    )


@bp.get(f"{PREFIX}/<int:committee_id>/reunions/<int:meeting_id>")
@login_required
def meeting(slug: str, committee_id: int, meeting_id: int) -> Any:
    """A meeting: its details, its agenda, its status."""
    return _meeting_page(member_fabrique(slug), committee_id, meeting_id)


def _back_to_meeting(slug: str, committee_id: int, meeting_id: int, anchor: str = "") -> Any:
    return redirect(
        url_for(".meeting", slug=slug, committee_id=committee_id, meeting_id=meeting_id) + anchor
    )


@bp.post(f"{PREFIX}/<int:committee_id>/reunions/<int:meeting_id>")
@login_required
def update_meeting(slug: str, committee_id: int, meeting_id: int) -> Any:
    """Change the meeting's title, date and place."""
    fabrique = member_fabrique(slug)
    try:
        committees.update_meeting(
            fabrique, committee_id, meeting_id, parse_meeting_form(request.form.to_dict())
        )
    except WorkshopError as error:
        return _meeting_page(fabrique, committee_id, meeting_id, error)
    flash(_("The meeting is saved."), "success")
    return _back_to_meeting(slug, committee_id, meeting_id)


@bp.post(f"{PREFIX}/<int:committee_id>/reunions/<int:meeting_id>/statut")
@login_required
def set_status(slug: str, committee_id: int, meeting_id: int) -> Any:
    """Open the meeting to grades, close it, or plan it again."""
    fabrique = member_fabrique(slug)
    try:
        meeting = committees.set_status(
            fabrique, committee_id, meeting_id, str(request.form.get("status", ""))
        )
    except WorkshopError as error:
        return _meeting_page(fabrique, committee_id, meeting_id, error)
    flash(str(STATUS_LABELS[meeting.status]), "success")
    return _back_to_meeting(slug, committee_id, meeting_id)


@bp.post(f"{PREFIX}/<int:committee_id>/reunions/<int:meeting_id>/ordre-du-jour")
@login_required
def add_item(slug: str, committee_id: int, meeting_id: int) -> Any:
    """Put a project on the agenda."""
    fabrique = member_fabrique(slug)
    try:
        committees.add_to_agenda(
            fabrique, committee_id, meeting_id, parse_agenda_item(request.form.to_dict())
        )
    except WorkshopError as error:
        return _meeting_page(fabrique, committee_id, meeting_id, error)
    return _back_to_meeting(slug, committee_id, meeting_id, "#agenda")


@bp.post(f"{PREFIX}/<int:committee_id>/reunions/<int:meeting_id>/ordre-du-jour/<int:item_id>")
@login_required
def change_item(slug: str, committee_id: int, meeting_id: int, item_id: int) -> Any:
    """Move a project up or down the agenda, or take it off."""
    fabrique = member_fabrique(slug)
    action = request.form.get("action")
    try:
        if action == "remove":
            committees.remove_from_agenda(fabrique, committee_id, meeting_id, item_id)
        else:
            step = -1 if action == "up" else 1
            committees.move_on_agenda(fabrique, committee_id, meeting_id, item_id, step)
    except WorkshopError as error:
        return _meeting_page(fabrique, committee_id, meeting_id, error)
    return _back_to_meeting(slug, committee_id, meeting_id, "#agenda")


def _deliberation_page(
    fabrique: Fabrique,
    committee_id: int,
    meeting_id: int,
    error: WorkshopError | None = None,
    item_id: int | None = None,
) -> Any:
    return form_page(
        "committees/deliberation.html",
        error,
        fabrique=fabrique,
        result=committees.deliberation(fabrique, committee_id, meeting_id),
        error_item=item_id,
        form=request.form if error else {},
    )


@bp.get(f"{PREFIX}/<int:committee_id>/reunions/<int:meeting_id>/deliberation")
@login_required
def deliberation(slug: str, committee_id: int, meeting_id: int) -> Any:
    """The deliberation: results per project and criterion, ranking, decisions."""
    return _deliberation_page(member_fabrique(slug), committee_id, meeting_id)


@bp.post(f"{PREFIX}/<int:committee_id>/reunions/<int:meeting_id>/deliberation/<int:item_id>")
@login_required
def decide(slug: str, committee_id: int, meeting_id: int, item_id: int) -> Any:
    """Record the committee's decision on one project."""
    fabrique = member_fabrique(slug)
    try:
        item = committees.decide(
            fabrique,
            committee_id,
            meeting_id,
            item_id,
            parse_decision(request.form.to_dict()),
            by=me(),
        )
    except WorkshopError as error:
        return _deliberation_page(fabrique, committee_id, meeting_id, error, item_id)
    flash(
        _(
            "Decision recorded for « %(title)s »: %(decision)s.",
            title=item.project.title,
            decision=str(DECISION_LABELS[item.decision or ""]),
        ),
        "success",
    )
    return redirect(
        url_for(".deliberation", slug=slug, committee_id=committee_id, meeting_id=meeting_id)
        + f"#item-{item_id}"
    )


# ------------------------------------------------------- a committee member's page


def _member_page(token: str, error: WorkshopError | None = None, item_id: int | None = None) -> Any:
    member = committees.member_by_link(token)
    body, status = form_page(
        "committees/member.html",
        error,
        token=token,
        member=member,
        committee=member.committee,
        committee_fabrique_name=committees.fabrique_name(member.committee),
        meetings=committees.member_meetings(member),
        error_item=item_id,
        form=request.form if error else {},
    )
    response = make_response(body, status)
    # The address carries the member's secret: no shared cache keeps the page.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/comite/<token>")
def member_page(token: str) -> Any:
    """A committee member's page: the open meetings' agenda, each project's summary, the
    grid to grade it and a comment."""
    return _member_page(token)


@bp.post("/comite/<token>/projets/<int:item_id>")
@grading_limit
def grade(token: str, item_id: int) -> Any:
    """Save a member's grades and comment on one project."""
    member = committees.member_by_link(token)
    try:
        grading = parse_grading(request.form.to_dict(), committees.criteria_keys(member.committee))
        item = committees.grade_item(member, item_id, grading)
    except WorkshopError as error:
        return _member_page(token, error, item_id)
    flash(_("Your grades for « %(title)s » are saved.", title=item.project.title), "success")
    return redirect(url_for(".member_page", token=token) + f"#item-{item_id}")
