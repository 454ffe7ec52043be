"""The call for holders: the public page (/p/<slug>/appel) and the candidates a Fabrique's
members follow.

Public pages (no account): ``/p/<slug>/appel`` lists the projects looking for a holder,
``/p/<slug>/appel/<id>`` shows one with the application form (CSRF, a rate limit per
address, a honeypot field, the data notice, explicit consent), then a thank-you page.
They never show a person's data.

Members' pages: ``/fabriques/<slug>/appel`` (the projects in the call and their
candidates by status, the public page's introduction) and ``/fabriques/<slug>/appel/<id>``
(one project's candidates: status, notes, the choice; a candidate met elsewhere; the
project put into or out of the call). They show contact details: never cached.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from ..auth import login_required
from ..errors import WorkshopError
from ..extensions import limiter
from ..models import Fabrique, Project
from ..schemas.candidates import (
    HONEYPOT_FIELD,
    MANUAL_STATUSES,
    honeypot_filled,
    parse_application,
    parse_call_intro,
    parse_call_setting,
    parse_candidate_change,
    parse_met_candidate,
)
from ..services import candidates, fabriques
from ..services.portfolio.projects import project_in
from ..stages import STAGE_LABELS
from .access import me, member_fabrique
from .common import form_page

bp = Blueprint("calls", __name__)

STATUS_LABELS = {
    "received": _l("Received"),
    "met": _l("Met"),
    "selected": _l("Selected"),
    "not_selected": _l("Not selected"),
}

SOURCE_LABELS = {
    "call": _l("Applied through the call"),
    "volunteer": _l("Volunteered during the session"),
    "member": _l("Met by a member"),
}

# Applications one address may send: a family or an office behind one address may send
# a few; a script may not fill the members' list.
DEFAULT_APPLY_LIMIT = "10 per 10 minutes;30 per day"

apply_limit = limiter.limit(
    lambda: str(current_app.config.get("CALL_APPLY_LIMIT", DEFAULT_APPLY_LIMIT)),
    scope="call-apply",
    methods=["POST"],
)


@bp.app_context_processor
def _call_helpers() -> dict[str, Any]:
    def call_summary(fabrique: Fabrique, project: Project) -> candidates.CallLine:
        """The project page's « call for holders » section (templates/projects/)."""
        return candidates.call_summary(fabrique, project)

    return {
        "call_summary": call_summary,
        "candidate_status_labels": STATUS_LABELS,
    }


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "stage_labels": STAGE_LABELS,
        "source_labels": SOURCE_LABELS,
        "manual_statuses": MANUAL_STATUSES,
        "honeypot_field": HONEYPOT_FIELD,
        "retention_days": candidates.retention_days(),
    }


def _no_store(response: Any) -> Any:
    """Contact details stay out of caches (the browser's and any proxy's)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _local(target: str | None) -> str | None:
    """``target`` when it is a path on this site (a form's way back), else ``None``."""
    if not target or any(ch == "\\" or ch < " " for ch in target):
        return None
    return target if target.startswith("/") and not target.startswith("//") else None


def project_page_url(fabrique: Fabrique, project_id: int) -> str | None:
    """The project's own page in the portfolio, when that page exists."""
    try:
        return url_for("projects.project", slug=fabrique.slug, project_id=project_id)
    except BuildError:
        return None


# ------------------------------------------------------------------------ public


@bp.get("/p/<slug>/appel")
def public_call(slug: str) -> Any:
    """The Fabrique's call for holders: its introduction and the projects in the call."""
    fabrique = fabriques.get_by_slug(slug)
    return render_template(
        "calls/public.html", fabrique=fabrique, projects=candidates.call_projects(fabrique)
    )


def _application_page(
    fabrique: Fabrique, project: candidates.CallProject, error: WorkshopError | None = None
) -> Any:
    return form_page(
        "calls/public_project.html",
        error,
        fabrique=fabrique,
        project=project,
        form=request.form if error else {},
    )


@bp.route("/p/<slug>/appel/<int:project_id>", methods=["GET", "POST"])
@apply_limit
def public_project(slug: str, project_id: int) -> Any:
    """A project of the call and the form to apply to carry it; after sending, the
    thank-you page. A robot that fills the hidden field gets the same page, and nothing
    is kept."""
    fabrique = fabriques.get_by_slug(slug)
    project = candidates.call_project(fabrique, project_id)
    if request.method == "GET":
        return _application_page(fabrique, project)
    form = request.form.to_dict()
    if not honeypot_filled(form):
        try:
            application = parse_application(form)
            candidates.apply(fabrique, project.id, application, language=str(get_locale() or "fr"))
        except WorkshopError as error:
            return _application_page(fabrique, project, error)
    return redirect(url_for("calls.thanks", slug=fabrique.slug, project_id=project.id))


@bp.get("/p/<slug>/appel/<int:project_id>/merci")
def thanks(slug: str, project_id: int) -> Any:
    """After an application: what happens next."""
    fabrique = fabriques.get_by_slug(slug)
    return render_template(
        "calls/thanks.html",
        fabrique=fabrique,
        project=candidates.call_project(fabrique, project_id),
    )


# ----------------------------------------------------------------------- members


def _overview(fabrique: Fabrique, error: WorkshopError | None = None) -> Any:
    return form_page(
        "calls/members.html",
        error,
        fabrique=fabrique,
        lines=candidates.call_overview(fabrique),
        form=request.form if error else {},
    )


@bp.get("/fabriques/<slug>/appel")
@login_required
def members(slug: str) -> Any:
    """The projects in the call, and those looking for a holder outside it, with their
    candidates counted by status (the sessions' volunteers brought in first); the
    public page's introduction."""
    fabrique = member_fabrique(slug)
    candidates.sync_call_volunteers(fabrique)
    return _overview(fabrique)


@bp.post("/fabriques/<slug>/appel/intro")
@login_required
def save_intro(slug: str) -> Any:
    """Change the introduction of the public call page."""
    fabrique = member_fabrique(slug)
    try:
        candidates.set_call_intro(fabrique, parse_call_intro(request.form.to_dict()))
    except WorkshopError as error:
        return _overview(fabrique, error)
    flash(_("The introduction of the call is saved."), "success")
    return redirect(url_for("calls.members", slug=slug))


def _project_page(
    fabrique: Fabrique,
    project_id: int,
    error: WorkshopError | None = None,
    *,
    failed: str = "",
    candidate_id: int | None = None,
) -> Any:
    project = project_in(fabrique, project_id)
    page, status = form_page(
        "calls/project.html",
        error,
        fabrique=fabrique,
        project=project,
        line=candidates.call_summary(fabrique, project),
        candidates=candidates.candidates_of(fabrique, project.id),
        project_url=project_page_url(fabrique, project.id),
        form=request.form if error else {},
        failed=failed,
        failed_candidate=candidate_id,
    )
    return _no_store(current_app.make_response((page, status)))


@bp.get("/fabriques/<slug>/appel/<int:project_id>")
@login_required
def project(slug: str, project_id: int) -> Any:
    """One project's candidates; the session's volunteers who offered to carry it (with
    consent) are brought in first."""
    fabrique = member_fabrique(slug)
    project_in(fabrique, project_id)
    candidates.sync_volunteers(fabrique, project_id)
    return _project_page(fabrique, project_id)


@bp.post("/fabriques/<slug>/appel/<int:project_id>/call")
@login_required
def set_in_call(slug: str, project_id: int) -> Any:
    """Put the project into the call (with its public text) or take it out; back to the
    page the form was on (a refusal shows on the candidates' page, with the form as
    typed)."""
    fabrique = member_fabrique(slug)
    back = _local(request.form.get("next"))
    try:
        project = candidates.set_in_call(
            fabrique, project_id, parse_call_setting(request.form.to_dict()), by=me()
        )
    except WorkshopError as error:
        # Shown on the candidates' page, which has the same form, with what was typed.
        return _project_page(fabrique, project_id, error, failed="call")
    if project.in_call:
        flash(_("The project is in the call for holders."), "success")
    else:
        flash(_("The project is no longer in the call for holders."), "success")
    return redirect(back or url_for("calls.project", slug=slug, project_id=project_id))


@bp.post("/fabriques/<slug>/appel/<int:project_id>/candidats")
@login_required
def add_candidate(slug: str, project_id: int) -> Any:
    """Add a candidate a member met elsewhere."""
    fabrique = member_fabrique(slug)
    try:
        candidate = candidates.add_candidate(
            fabrique, project_id, parse_met_candidate(request.form.to_dict()), by=me()
        )
    except WorkshopError as error:
        return _project_page(fabrique, project_id, error, failed="add")
    flash(_("%(name)s is among the candidates.", name=candidate.name), "success")
    return redirect(url_for("calls.project", slug=slug, project_id=project_id))


@bp.post("/fabriques/<slug>/appel/<int:project_id>/candidats/<int:candidate_id>")
@login_required
def change_candidate(slug: str, project_id: int, candidate_id: int) -> Any:
    """A candidate's status (received, met, not selected) and notes."""
    fabrique = member_fabrique(slug)
    try:
        candidate = candidates.change_candidate(
            fabrique,
            project_id,
            candidate_id,
            parse_candidate_change(request.form.to_dict()),
            by=me(),
        )
    except WorkshopError as error:
        return _project_page(
            fabrique, project_id, error, failed="candidate", candidate_id=candidate_id
        )
    flash(_("Saved for %(name)s.", name=candidate.name), "success")
    return redirect(
        url_for("calls.project", slug=slug, project_id=project_id, _anchor=f"c{candidate_id}")
    )


@bp.post("/fabriques/<slug>/appel/<int:project_id>/candidats/<int:candidate_id>/choisir")
@login_required
def select_candidate(slug: str, project_id: int, candidate_id: int) -> Any:
    """The choice: this candidate becomes the project's holder."""
    fabrique = member_fabrique(slug)
    try:
        holder = candidates.select_candidate(
            fabrique,
            project_id,
            candidate_id,
            leave_call=bool(request.form.get("leave_call")),
            by=me(),
        )
    except WorkshopError as error:
        return _project_page(
            fabrique, project_id, error, failed="candidate", candidate_id=candidate_id
        )
    flash(_("%(name)s is now the project's holder.", name=holder.name), "success")
    return redirect(url_for("calls.project", slug=slug, project_id=project_id))


@bp.post("/fabriques/<slug>/appel/<int:project_id>/candidats/<int:candidate_id>/supprimer")
@login_required
def delete_candidate(slug: str, project_id: int, candidate_id: int) -> Any:
    """Delete a candidate and their data (an erasure request, a mistake)."""
    fabrique = member_fabrique(slug)
    candidates.delete_candidate(fabrique, project_id, candidate_id, by=me())
    flash(_("The candidate and their data are deleted."), "success")
    return redirect(url_for("calls.project", slug=slug, project_id=project_id))


@bp.post("/fabriques/<slug>/appel/<int:project_id>/non-retenus")
@login_required
def others_not_selected(slug: str, project_id: int) -> Any:
    """Every candidate still waiting is set to « not selected »."""
    fabrique = member_fabrique(slug)
    count = candidates.others_not_selected(fabrique, project_id, by=me())
    flash(
        ngettext(
            "%(num)d candidate set to « not selected ».",
            "%(num)d candidates set to « not selected ».",
            count,
        ),
        "success",
    )
    return redirect(url_for("calls.project", slug=slug, project_id=project_id))
