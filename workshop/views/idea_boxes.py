"""Idea boxes: the public page where inhabitants post at any time (/p/<slug>/boite/<box>),
the members' moderation, and needs relayed by partners.

Members' pages (``/fabriques/<slug>/boites…``, ``/fabriques/<slug>/besoins/nouveau``,
``/fabriques/<slug>/vers-un-atelier``) check membership first; the public page needs no
account and is rate-limited per address (``IDEA_BOX_POST_LIMIT``).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from ..auth import login_required
from ..errors import WorkshopError
from ..exports.links import external_url
from ..extensions import limiter
from ..models import Fabrique, IdeaBox, Review
from ..schemas.idea_boxes import (
    HONEYPOT_FIELD,
    Nature,
    SourceKind,
    parse_box_form,
    parse_box_post,
    parse_into_workshop,
    parse_relayed_need,
    parse_title_edit,
)
from ..services import idea_boxes
from .access import me, member_fabrique
from .common import form_page, qr_svg

bp = Blueprint("idea_boxes", __name__)

#: Postings one address may send to the idea boxes, unless ``IDEA_BOX_POST_LIMIT`` says
#: otherwise: a person posts a few ideas in a row; a room shown the QR code at a public
#: meeting shares one address, hence a budget per hour that a script soon exhausts.
DEFAULT_POST_LIMIT = "10 per minute; 60 per hour; 300 per day"

PUBLIC_ENDPOINTS = frozenset({"idea_boxes.public_box", "idea_boxes.thanks"})

REVIEW_TABS = (Review.PENDING.value, Review.ACCEPTED.value, Review.REJECTED.value)


def _post_limit() -> str:
    return str(current_app.config.get("IDEA_BOX_POST_LIMIT") or DEFAULT_POST_LIMIT)


post_limit = limiter.limit(_post_limit, scope="idea-box-post", methods=["POST"])


@bp.after_request
def _private(response: Response) -> Response:
    """Members' pages show what inhabitants posted (names, relayers' contacts): never
    kept by a browser's or a proxy's cache."""
    if request.endpoint not in PUBLIC_ENDPOINTS:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "nature_labels": idea_boxes.NATURE_LABELS,
        "source_kind_labels": idea_boxes.SOURCE_KIND_LABELS,
        "review_labels": {
            Review.PENDING.value: _("Postings waiting"),
            Review.ACCEPTED.value: _("Postings accepted"),
            Review.REJECTED.value: _("Postings rejected"),
        },
    }


def box_url(fabrique: Fabrique, box: IdeaBox) -> str:
    """The public link of a box, as phones reach it."""
    return external_url("idea_boxes.public_box", fabrique_slug=fabrique.slug, box_slug=box.slug)


# ----------------------------------------------------------------- members: boxes


def _boxes_page(fabrique: Fabrique, error: WorkshopError | None = None) -> Any:
    boxes = idea_boxes.boxes_of(fabrique)
    form = request.form if error else {"open": "on", "premoderation": "on"}
    return form_page(
        "idea_boxes/boxes.html",
        error,
        fabrique=fabrique,
        boxes=boxes,
        counts=idea_boxes.counts_by_box(fabrique),
        urls={box.id: box_url(fabrique, box) for box in boxes},
        form=form,
    )


@bp.get("/fabriques/<slug>/boites")
@login_required
def boxes(slug: str) -> Any:
    """The Fabrique's idea boxes (link, postings waiting) and a form to create one."""
    return _boxes_page(member_fabrique(slug))


@bp.post("/fabriques/<slug>/boites")
@login_required
def create_box(slug: str) -> Any:
    """Create an idea box; its page then shows its link, QR code and poster."""
    fabrique = member_fabrique(slug)
    try:
        box = idea_boxes.create_box(fabrique, parse_box_form(request.form.to_dict()))
    except WorkshopError as error:
        return _boxes_page(fabrique, error)
    flash(
        _("Idea box « %(title)s » created: share its link or print its poster.", title=box.title),
        "success",
    )
    return redirect(url_for("idea_boxes.box", slug=slug, box_id=box.id))


def _box_page(fabrique: Fabrique, box: IdeaBox, error: WorkshopError | None = None) -> Any:
    url = box_url(fabrique, box)
    form = request.form if error else _form_of(box)
    return form_page(
        "idea_boxes/box.html",
        error,
        fabrique=fabrique,
        box=box,
        url=url,
        qr=qr_svg(url),
        counts=idea_boxes.counts_by_box(fabrique).get(box.id, idea_boxes.BoxCounts()),
        form=form,
    )


def _form_of(box: IdeaBox) -> dict[str, str]:
    form = {
        "title": box.title,
        "slug": box.slug,
        "intro": box.intro,
        "territory": box.territory,
        "campaign": box.campaign,
        "contact": box.contact,
    }
    if box.open:
        form["open"] = "on"
    if box.premoderation:
        form["premoderation"] = "on"
    return form


@bp.get("/fabriques/<slug>/boites/<int:box_id>")
@login_required
def box(slug: str, box_id: int) -> Any:
    """One box: its public link, QR code and poster, and its settings."""
    fabrique = member_fabrique(slug)
    return _box_page(fabrique, idea_boxes.box_in(fabrique, box_id))


@bp.post("/fabriques/<slug>/boites/<int:box_id>")
@login_required
def update_box(slug: str, box_id: int) -> Any:
    """Save a box's settings (open or closed, premoderation, texts, short name)."""
    fabrique = member_fabrique(slug)
    held = idea_boxes.box_in(fabrique, box_id)
    try:
        idea_boxes.update_box(fabrique, held.id, parse_box_form(request.form.to_dict()))
    except WorkshopError as error:
        return _box_page(fabrique, held, error)
    flash(_("Idea box saved."), "success")
    return redirect(url_for("idea_boxes.box", slug=slug, box_id=box_id))


@bp.get("/fabriques/<slug>/boites/<int:box_id>/affiche")
@login_required
def poster(slug: str, box_id: int) -> Any:
    """A poster to print: the box's title, intro, QR code and link."""
    fabrique = member_fabrique(slug)
    held = idea_boxes.box_in(fabrique, box_id)
    url = box_url(fabrique, held)
    return render_template(
        "idea_boxes/poster.html", fabrique=fabrique, box=held, url=url, qr=qr_svg(url)
    )


# ------------------------------------------------------------ members: moderation


def _queue_page(fabrique: Fabrique, error: WorkshopError | None = None) -> Any:
    box_arg = request.args.get("boite", "")
    box_id = int(box_arg) if box_arg.isdigit() else None
    review = request.args.get("etat", Review.PENDING.value)
    if review not in REVIEW_TABS:
        review = Review.PENDING.value
    boxes = idea_boxes.boxes_of(fabrique)
    chosen = idea_boxes.box_in(fabrique, box_id) if box_id is not None else None
    return form_page(
        "idea_boxes/queue.html",
        error,
        fabrique=fabrique,
        boxes=boxes,
        chosen=chosen,
        review=review,
        postings=idea_boxes.queue(fabrique, box_id=chosen.id if chosen else None, review=review),
        counts=idea_boxes.counts_by_box(fabrique),
    )


@bp.get("/fabriques/<slug>/boites/moderation")
@login_required
def queue(slug: str) -> Any:
    """The postings waiting for moderation, of all boxes or one (``?boite=<id>``);
    ``?etat=accepted|rejected`` shows those already decided."""
    return _queue_page(member_fabrique(slug))


def _back_to_queue(slug: str) -> Any:
    return redirect(
        url_for(
            "idea_boxes.queue",
            slug=slug,
            boite=request.args.get("boite") or None,
            etat=request.args.get("etat") or None,
        )
    )


@bp.post("/fabriques/<slug>/boites/postings/<int:project_id>/accept")
@login_required
def accept(slug: str, project_id: int) -> Any:
    """Accept a posting: it enters the portfolio at « à étudier »."""
    fabrique = member_fabrique(slug)
    project = idea_boxes.accept(fabrique, project_id, me())
    flash(
        _("« %(title)s » accepted: it is in the portfolio, at « to study ».", title=project.title),
        "success",
    )
    return _back_to_queue(slug)


@bp.post("/fabriques/<slug>/boites/postings/<int:project_id>/reject")
@login_required
def reject(slug: str, project_id: int) -> Any:
    """Reject a posting: it leaves the portfolio's lists and figures."""
    fabrique = member_fabrique(slug)
    project = idea_boxes.reject(fabrique, project_id, me())
    flash(
        _(
            "« %(title)s » rejected: it no longer counts in the portfolio. You find it under "
            "« Postings rejected », where it can still be accepted.",
            title=project.title,
        ),
        "success",
    )
    return _back_to_queue(slug)


@bp.post("/fabriques/<slug>/boites/postings/<int:project_id>/title")
@login_required
def retitle(slug: str, project_id: int) -> Any:
    """Give a posting a clearer title (the history keeps the one it was posted with)."""
    fabrique = member_fabrique(slug)
    try:
        title = parse_title_edit(request.form.to_dict())
        project = idea_boxes.retitle(fabrique, project_id, title, me())
    except WorkshopError as error:
        error.details.setdefault("project_id", project_id)
        return _queue_page(fabrique, error)
    flash(_("Title changed to « %(title)s ».", title=project.title), "success")
    return _back_to_queue(slug)


@bp.post("/fabriques/<slug>/boites/postings/<int:project_id>/delete")
@login_required
def delete_posting(slug: str, project_id: int) -> Any:
    """Delete a posting for good (its author asked, or it is spam)."""
    fabrique = member_fabrique(slug)
    title = idea_boxes.delete_posting(fabrique, project_id)
    flash(_("« %(title)s » deleted for good, with its history.", title=title), "success")
    return _back_to_queue(slug)


# --------------------------------------------------------- members: relayed needs


def _need_page(fabrique: Fabrique, error: WorkshopError | None = None) -> Any:
    return form_page(
        "idea_boxes/need.html",
        error,
        fabrique=fabrique,
        form=request.form if error else {},
        source_kinds=list(SourceKind),
        latest=idea_boxes.relayed_needs(fabrique),
    )


@bp.get("/fabriques/<slug>/besoins/nouveau")
@login_required
def new_need(slug: str) -> Any:
    """The form of a need relayed by a collectivité, an association or a company."""
    return _need_page(member_fabrique(slug))


@bp.post("/fabriques/<slug>/besoins/nouveau")
@login_required
def add_need(slug: str) -> Any:
    """Enter a relayed need: a project at « à étudier », its source kept."""
    fabrique = member_fabrique(slug)
    try:
        project = idea_boxes.add_relayed_need(
            fabrique, parse_relayed_need(request.form.to_dict()), me()
        )
    except WorkshopError as error:
        return _need_page(fabrique, error)
    flash(
        _(
            "Need « %(title)s » added to the portfolio, at « to study », relayed by %(source)s.",
            title=project.title,
            source=project.source_name,
        ),
        "success",
    )
    return redirect(url_for("idea_boxes.new_need", slug=slug))


# ------------------------------------------------- members: into a live workshop


def _into_page(fabrique: Fabrique, error: WorkshopError | None = None) -> Any:
    if error:
        ticked = set(request.form.getlist("project"))
        chosen = request.form.get("workshop", "")
    else:
        ticked = set(request.args.getlist("project"))
        chosen = request.args.get("workshop", "")
    workshops = idea_boxes.workshops_to_take_into(me())
    # After ideas were added: a link to that workshop's console.
    added_to = next((w for w in workshops if str(w.id) == chosen and not error), None)
    return form_page(
        "idea_boxes/into_workshop.html",
        error,
        fabrique=fabrique,
        projects=idea_boxes.projects_to_take(fabrique),
        workshops=workshops,
        ticked=ticked,
        chosen=chosen,
        console=url_for("facilitator.console", workshop_id=added_to.id) if added_to else None,
    )


@bp.get("/fabriques/<slug>/vers-un-atelier")
@login_required
def into_workshop(slug: str) -> Any:
    """Pick projects (``?project=<id>`` ticks one) and a workshop you run that is not
    closed: they become imported ideas of that workshop."""
    return _into_page(member_fabrique(slug))


@bp.post("/fabriques/<slug>/vers-un-atelier")
@login_required
def take_into_workshop(slug: str) -> Any:
    """Add the ticked projects to the chosen workshop as imported ideas."""
    fabrique = member_fabrique(slug)
    try:
        into = parse_into_workshop(request.form.getlist("project"), request.form.get("workshop"))
        result = idea_boxes.take_into_workshop(fabrique, into, me())
    except WorkshopError as error:
        return _into_page(fabrique, error)
    message = ngettext(
        "%(num)d idea added to the workshop « %(title)s ».",
        "%(num)d ideas added to the workshop « %(title)s ».",
        result.added,
        title=result.workshop.title,
    )
    if result.already:
        message += " " + ngettext(
            "%(num)d was already in it.", "%(num)d were already in it.", result.already
        )
    flash(message, "success")
    return redirect(url_for("idea_boxes.into_workshop", slug=slug, workshop=result.workshop.id))


# ---------------------------------------------------------------- the public box


def _public_page(
    fabrique: Fabrique, box: IdeaBox, error: WorkshopError | None = None, form: Any = None
) -> Any:
    return form_page(
        "idea_boxes/public.html",
        error,
        fabrique=fabrique,
        box=box,
        form=form or {},
        natures=list(Nature),
        honeypot=HONEYPOT_FIELD,
    )


@bp.route("/p/<fabrique_slug>/boite/<box_slug>", methods=["GET", "POST"])
@post_limit
def public_box(fabrique_slug: str, box_slug: str) -> Any:
    """The idea box's public page: its intro and the form « Une idée, un besoin ? »
    (no account). A closed box says so and takes nothing."""
    fabrique, held = idea_boxes.public_box(fabrique_slug, box_slug)
    if request.method == "GET":
        return _public_page(fabrique, held)
    form = request.form.to_dict()
    try:
        idea_boxes.post_in_box(fabrique_slug, box_slug, parse_box_post(form))
    except WorkshopError as error:
        return _public_page(fabrique, held, error, form)
    return redirect(url_for("idea_boxes.thanks", fabrique_slug=fabrique_slug, box_slug=box_slug))


@bp.get("/p/<fabrique_slug>/boite/<box_slug>/merci")
def thanks(fabrique_slug: str, box_slug: str) -> Any:
    """After posting: what happens next (read by the Fabrique, moderated first or not)."""
    fabrique, held = idea_boxes.public_box(fabrique_slug, box_slug)
    return render_template("idea_boxes/thanks.html", fabrique=fabrique, box=held)
