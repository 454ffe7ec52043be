"""The Fabrique portfolio: create a Fabrique and invite its members, import exports,
follow ideas through stages, merge duplicates, and see the funnel. Only members of a
Fabrique see its pages; any facilitator may create one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth import current_facilitator, login_required
from ..errors import ValidationError, WorkshopError
from ..exports.report import VOLUNTEER_LABELS
from ..models import Fabrique
from ..schemas import parse_stage_change
from ..schemas.portfolio import parse_fabrique_form, parse_member_email, suggest_slug
from ..schemas.projects import ProjectFilter, parse_project_filter
from ..services import fabriques, portfolio
from ..stages import STAGES
from .access import me, member_fabrique
from .common import form_page, import_limit, read_within
from .projects import PROJECT_KIND_LABELS

bp = Blueprint("fabrique", __name__, url_prefix="/fabriques")

STAGE_SOURCE_LABELS = {
    "idea": _l("from the idea's sheet"),
    "challenge": _l("from its défi's sheet"),
    "default": _l("not qualified yet"),
    "fabrique": _l("set in the portfolio"),
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "stage_source_labels": STAGE_SOURCE_LABELS,
        "volunteer_labels": VOLUNTEER_LABELS,
        "project_kind_labels": PROJECT_KIND_LABELS,
    }


@bp.app_context_processor
def _menu() -> dict[str, Any]:
    def in_a_fabrique() -> bool:
        """Whether the menu links to the portfolios: for every facilitator, since any of
        them may create a Fabrique there (or see those they are a member of)."""
        return current_facilitator() is not None

    return {"in_a_fabrique": in_a_fabrique}


@bp.get("/")
@login_required
def index() -> Any:
    """The Fabriques the facilitator belongs to (straight to the only one)."""
    mine = fabriques.fabriques_of(me())
    if len(mine) == 1:
        return redirect(url_for("fabrique.overview", slug=mine[0].slug))
    return render_template("fabrique/index.html", fabriques=mine)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_fabrique() -> Any:
    """Create a Fabrique (its short name suggested from its name); its creator is its
    first member."""
    if request.method == "GET":
        return render_template("fabrique/new.html", error=None, form={})
    form = request.form.to_dict()
    try:
        fabrique = fabriques.create_fabrique(parse_fabrique_form(form), first_member=me())
    except WorkshopError as error:
        if error.details.get("reason") == "taken" and not form.get("slug"):
            form["slug"] = suggest_slug(form.get("name", ""))  # shown, to be changed
        return form_page("fabrique/new.html", error, form=form)
    flash(
        _(
            "Fabrique « %(name)s » created. Invite its members, then import workshop exports.",
            name=fabrique.name,
        ),
        "success",
    )
    return redirect(url_for("fabrique.members", slug=fabrique.slug))


def _members_page(fabrique: Fabrique, error: WorkshopError | None = None) -> Any:
    return form_page(
        "fabrique/members.html",
        error,
        fabrique=fabrique,
        members=fabriques.members_of(fabrique),
        form=request.form if error else {},
    )


@bp.get("/<slug>/members")
@login_required
def members(slug: str) -> Any:
    """The Fabrique's members, a form to add one by email, a button to remove each."""
    return _members_page(member_fabrique(slug))


@bp.post("/<slug>/members")
@login_required
def add_member(slug: str) -> Any:
    """Add the facilitator account with this email as a member."""
    fabrique = member_fabrique(slug)
    try:
        facilitator, added = fabriques.add_member_by_email(
            fabrique, parse_member_email(request.form.to_dict())
        )
    except WorkshopError as error:
        return _members_page(fabrique, error)
    if added:
        flash(_("%(email)s is now a member.", email=facilitator.email), "success")
    else:
        flash(_("%(email)s already was a member.", email=facilitator.email), "info")
    return redirect(url_for("fabrique.members", slug=slug))


@bp.post("/<slug>/members/<int:facilitator_id>/remove")
@login_required
def remove_member(slug: str, facilitator_id: int) -> Any:
    """Remove a member (not the last one); one who removes themself leaves the Fabrique."""
    fabrique = member_fabrique(slug)
    try:
        removed = fabriques.remove_member_by_id(fabrique, facilitator_id)
    except WorkshopError as error:
        return _members_page(fabrique, error)
    if removed.id == me().id:
        flash(_("You left the Fabrique « %(name)s ».", name=fabrique.name), "success")
        return redirect(url_for("fabrique.index"))
    flash(_("%(email)s is no longer a member.", email=removed.email), "success")
    return redirect(url_for("fabrique.members", slug=slug))


def _overview(fabrique: Fabrique, error: WorkshopError | None = None) -> Any:
    return form_page(
        "fabrique/overview.html",
        error,
        fabrique=fabrique,
        sessions=portfolio.sessions_of(fabrique),
        funnel=portfolio.funnel(fabrique),
        proposals=len(portfolio.open_proposals(fabrique)),
    )


@bp.get("/<slug>/")
@login_required
def overview(slug: str) -> Any:
    """The portfolio's sessions, the import form and a summary of the funnel."""
    return _overview(member_fabrique(slug))


@bp.post("/<slug>/import")
@login_required
def upload(slug: str) -> Any:
    """Import an uploaded JSON export; a refused file is named with its problem."""
    fabrique = member_fabrique(slug)
    try:
        limit = import_limit("file")  # before the form is parsed
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationError(_("Choose an export file."), field="file", reason="required")
        result = portfolio.import_export(
            fabrique, read_within(upload.stream, limit, "file"), by=me()
        )
    except WorkshopError as error:
        return _overview(fabrique, error)
    messages = {
        "created": _(
            "Session « %(title)s » imported: %(ideas)d ideas, %(proposals)d possible duplicates.",
            title=result.title,
            ideas=result.ideas,
            proposals=result.proposals,
        ),
        "updated": _(
            "Session « %(title)s » updated: %(added)d ideas added, %(updated)d updated, "
            "%(removed)d no longer in the export (kept, marked as such), %(proposals)d "
            "possible duplicates.",
            title=result.title,
            added=result.added,
            updated=result.updated,
            removed=result.removed,
            proposals=result.proposals,
        ),
        "unchanged": _(
            "This export of « %(title)s » was already imported: nothing changed.",
            title=result.title,
        ),
    }
    flash(messages[result.status], "success" if result.status != "unchanged" else "info")
    return redirect(url_for("fabrique.session", slug=slug, session_id=result.session_id))


@bp.get("/<slug>/sessions/<int:session_id>")
@login_required
def session(slug: str, session_id: int) -> Any:
    """One session: its défis, each with its ideas and their stages."""
    fabrique = member_fabrique(slug)
    held = portfolio.session_in(fabrique, session_id)
    ideas = portfolio.find_ideas(fabrique, portfolio.IdeaFilter(session_id=held.id))
    by_challenge: dict[int | None, list[Any]] = {}
    for idea in ideas:
        by_challenge.setdefault(idea.challenge_id, []).append(idea)
    return render_template(
        "fabrique/session.html",
        fabrique=fabrique,
        session=held,
        challenges=portfolio.challenges_of(held),
        by_challenge=by_challenge,
        challenge_projects=portfolio.challenge_projects(held),
    )


def _filter_from_args() -> portfolio.IdeaFilter:
    stage = request.args.get("stage") or None
    session_id = request.args.get("session", "")
    territory = request.args.get("territory")
    return portfolio.IdeaFilter(
        session_id=int(session_id) if session_id.isdigit() else None,
        stage=stage if stage in STAGES else None,
        territory=territory if territory is not None and "territory" in request.args else None,
    )


@bp.get("/<slug>/ideas")
@login_required
def ideas(slug: str) -> Any:
    """Every idea of the portfolio with its lineage (session → défi → idea) and stage."""
    fabrique = member_fabrique(slug)
    where = _filter_from_args()
    found = portfolio.find_ideas(fabrique, where)
    sessions, challenges = portfolio.lineage(found)
    return render_template(
        "fabrique/ideas.html",
        fabrique=fabrique,
        ideas=found,
        sessions=sessions,
        challenges=challenges,
        where=where,
        all_sessions=portfolio.sessions_of(fabrique),
    )


def _idea_page(fabrique: Fabrique, idea_id: int, error: WorkshopError | None = None) -> Any:
    idea = portfolio.idea(fabrique, idea_id)
    sessions, challenges = portfolio.lineage([idea])
    merged_into = (
        portfolio.idea(fabrique, idea.merged_into_id) if idea.merged_into_id is not None else None
    )
    project = portfolio.project_in(fabrique, idea.project_id) if idea.project_id else None
    return form_page(
        "fabrique/idea.html",
        error,
        fabrique=fabrique,
        idea=idea,
        project=project,
        session=sessions[idea.session_id],
        challenge=challenges.get(idea.challenge_id) if idea.challenge_id else None,
        merged_into=merged_into,
        form=request.form if error else {},
    )


@bp.get("/<slug>/ideas/<int:idea_id>")
@login_required
def idea(slug: str, idea_id: int) -> Any:
    """One idea: its lineage, qualification sheet, volunteers and follow-up stage."""
    return _idea_page(member_fabrique(slug), idea_id)


@bp.post("/<slug>/ideas/<int:idea_id>/stage")
@login_required
def change_stage(slug: str, idea_id: int) -> Any:
    """Move an idea's project to another follow-up stage (a reason is needed to
    abandon it)."""
    fabrique = member_fabrique(slug)
    try:
        portfolio.change_stage(
            fabrique, parse_stage_change({**request.form.to_dict(), "idea_id": idea_id}), by=me()
        )
    except WorkshopError as error:
        return _idea_page(fabrique, idea_id, error)
    flash(_("Stage saved."), "success")
    return redirect(url_for("fabrique.idea", slug=slug, idea_id=idea_id))


@bp.get("/<slug>/duplicates")
@login_required
def duplicates(slug: str) -> Any:
    """Ideas of different sessions that look alike, to merge or to keep apart."""
    fabrique = member_fabrique(slug)
    proposals = portfolio.open_proposals(fabrique)
    sessions, _challenges = portfolio.lineage(
        [p.idea for p in proposals] + [p.keep for p in proposals]
    )
    return render_template(
        "fabrique/duplicates.html", fabrique=fabrique, proposals=proposals, sessions=sessions
    )


@bp.post("/<slug>/duplicates/<int:proposal_id>/<any(accept, dismiss):decision>")
@login_required
def decide(slug: str, proposal_id: int, decision: str) -> Any:
    """Accept (merge the later idea into the earlier one) or dismiss a proposal."""
    fabrique = member_fabrique(slug)
    if decision == "accept":
        portfolio.accept_merge(fabrique, proposal_id, me())
        flash(_("Ideas merged."), "success")
    else:
        portfolio.dismiss_merge(fabrique, proposal_id, me())
        flash(_("Kept apart: these two ideas will not be proposed again."), "success")
    return redirect(url_for("fabrique.duplicates", slug=slug))


@bp.get("/<slug>/funnel")
@login_required
def funnel(slug: str) -> Any:
    """How many projects are at each stage (and got that far), in total, by territory,
    session, origin and year; narrowed to a territory, an origin or a period."""
    fabrique = member_fabrique(slug)
    error: WorkshopError | None = None
    try:
        where = parse_project_filter(request.args.to_dict())
    except WorkshopError as refused:
        error, where = refused, ProjectFilter()
    counted = portfolio.funnel(fabrique, where)
    return form_page(
        "fabrique/funnel.html",
        error,
        fabrique=fabrique,
        funnel=counted,
        where=where,
        args=request.args,
        choices=portfolio.filter_choices(fabrique),
        pipeline=portfolio.PIPELINE,
        territory_rows=[
            (row["territory"] or _("Territory not given"), row["counts"], row["total"])
            for row in counted.by_territory
        ],
        session_rows=[
            (row["session"].title, row["counts"], row["total"]) for row in counted.by_session
        ],
        period_rows=[
            (row["period"] or _("Date not known"), row["counts"], row["total"])
            for row in counted.by_period
        ],
    )
