"""Idea boxes (« Bourse à initiatives ») and needs relayed by partners: they enter the
portfolio as projects.

An *idea box* is a public page of a Fabrique where inhabitants post an idea or a need at
any time, without an account (:func:`post_in_box`). Each posting becomes a
:class:`~workshop.models.Project` of kind "box" at « à étudier »; while the box is
premoderated it waits (``review`` "pending") until a member accepts it
(:func:`accept`) or rejects it (:func:`reject`): only accepted projects count in the
portfolio's figures (:func:`~workshop.services.portfolio.counted.counted_projects_clause`).

Members also enter needs relayed by a collectivité, an association or a company
(:func:`add_relayed_need`), and take projects into a live workshop as imported ideas
(:func:`take_into_workshop`).

Every function here checks its Fabrique (a box or a project of another Fabrique is
:class:`NotFound`), writes under the Fabrique's lock and commits; member pages check
membership before calling (``views.access.member_fabrique``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..errors import Forbidden, NotFound, ValidationError, WorkshopClosed, WorkshopError
from ..exports.ideas_import import ImportRow
from ..extensions import db
from ..models import (
    Fabrique,
    Facilitator,
    Idea,
    IdeaBox,
    Project,
    ProjectEvent,
    ProjectKind,
    Review,
    Stage,
    Workshop,
    WorkshopStatus,
    utcnow,
    workshop_facilitators,
)
from ..schemas.fields import DESCRIPTION_MAX, TITLE_MAX
from ..schemas.idea_boxes import BoxForm, BoxPost, IntoWorkshop, Nature, RelayedNeed
from ..schemas.ideas import NewIdea
from . import event_log, followers, idea_import
from .fabriques import get_by_slug, lock_fabrique
from .portfolio.projects import project_in, record

#: A second identical posting (title, text and name) in the same box within this time
#: is the same one (a double tap on « Envoyer », a form sent again from the browser's
#: history).
REPOST_WINDOW = dt.timedelta(minutes=10)

SOURCE_KIND_LABELS = {
    "collectivite": _l("Collectivité"),
    "association": _l("Association"),
    "company": _l("Company"),
    "other": _l("Other"),
}

NATURE_LABELS = {Nature.IDEA.value: _l("An idea"), Nature.NEED.value: _l("A need")}


class BoxClosed(WorkshopError):
    """The idea box does not take new postings (a member closed it)."""

    code = "box_closed"
    status = 409
    default_message = _l("This idea box is closed: it no longer takes ideas.")


# ------------------------------------------------------------------------- boxes


def boxes_of(fabrique: Fabrique) -> list[IdeaBox]:
    """The Fabrique's idea boxes, open ones first, then by title."""
    return list(
        db.session.scalars(
            select(IdeaBox)
            .where(IdeaBox.fabrique_id == fabrique.id)
            .order_by(IdeaBox.open.desc(), IdeaBox.title, IdeaBox.id)
        )
    )


def box_in(fabrique: Fabrique, box_id: int) -> IdeaBox:
    """The box ``box_id`` of ``fabrique``; :class:`NotFound` for another Fabrique's."""
    box = db.session.get(IdeaBox, box_id) if 0 < box_id < 2**31 else None
    if box is None or box.fabrique_id != fabrique.id:
        raise NotFound()
    return box


def public_box(fabrique_slug: str, box_slug: str) -> tuple[Fabrique, IdeaBox]:
    """The box a public link names (``/p/<fabrique>/boite/<box>``), open or closed;
    :class:`NotFound` when either name is unknown."""
    fabrique = get_by_slug(fabrique_slug)
    box = db.session.scalar(
        select(IdeaBox).where(IdeaBox.fabrique_id == fabrique.id, IdeaBox.slug == box_slug)
    )
    if box is None:
        raise NotFound(_("This idea box does not exist (any more)."))
    return fabrique, box


def _check_slug_free(fabrique: Fabrique, slug: str, box_id: int | None = None) -> None:
    taken = db.session.scalar(
        select(IdeaBox.id).where(IdeaBox.fabrique_id == fabrique.id, IdeaBox.slug == slug)
    )
    if taken is not None and taken != box_id:
        raise ValidationError(
            _("Another box of this Fabrique already has this short name."),
            field="slug",
            reason="taken",
        )


def _apply(box: IdeaBox, form: BoxForm) -> None:
    box.title = form.title
    box.slug = form.slug
    box.intro = form.intro
    box.territory = form.territory
    box.campaign = form.campaign
    box.open = form.open
    box.premoderation = form.premoderation
    box.contact = form.contact


def create_box(fabrique: Fabrique, form: BoxForm) -> IdeaBox:
    """Create an idea box (members only: the caller checked). Raises
    :class:`ValidationError` (``taken``) when another box of the Fabrique has its short
    name."""
    lock_fabrique(fabrique.id)
    _check_slug_free(fabrique, form.slug)
    box = IdeaBox(fabrique_id=fabrique.id)
    _apply(box, form)
    db.session.add(box)
    db.session.commit()
    return box


def update_box(fabrique: Fabrique, box_id: int, form: BoxForm) -> IdeaBox:
    """Change a box's settings (a new short name changes its public link). Raises
    :class:`NotFound` and :class:`ValidationError` (``taken``)."""
    lock_fabrique(fabrique.id)
    box = box_in(fabrique, box_id)
    _check_slug_free(fabrique, form.slug, box.id)
    _apply(box, form)
    db.session.commit()
    return box


@dataclass(frozen=True)
class BoxCounts:
    """How many postings of a box wait, were accepted, were rejected."""

    pending: int = 0
    accepted: int = 0
    rejected: int = 0


def counts_by_box(fabrique: Fabrique) -> dict[int, BoxCounts]:
    """Each box's postings by review, in one query."""
    rows = db.session.execute(
        select(Project.box_id, Project.review, func.count())
        .where(Project.fabrique_id == fabrique.id, Project.box_id.is_not(None))
        .group_by(Project.box_id, Project.review)
    )
    found: dict[int, dict[str, int]] = {}
    for box_id, review, count in rows:
        if box_id is not None:
            found.setdefault(int(box_id), {})[str(review)] = int(count)
    return {
        box_id: BoxCounts(
            pending=by.get(Review.PENDING, 0),
            accepted=by.get(Review.ACCEPTED, 0),
            rejected=by.get(Review.REJECTED, 0),
        )
        for box_id, by in found.items()
    }


# ----------------------------------------------------------------------- posting


def post_in_box(fabrique_slug: str, box_slug: str, post: BoxPost) -> Project | None:
    """An inhabitant posts an idea or a need in an open box (anyone, no account).

    It becomes a project of kind "box" at « à étudier », with the box's territory and
    campaign and the name the person signed with (or none); ``review`` is "pending"
    while the box is premoderated, else "accepted". Its history starts with "created"
    (by the box). With an email (always given with the consent to be kept informed),
    the person follows the project (:func:`~workshop.services.followers.subscribe`,
    source "box"). A robot's post (the honeypot filled in) is dropped: ``None``. The
    same posting (title, text, name) sent again within :data:`REPOST_WINDOW` is the
    same project.

    Raises :class:`NotFound` (unknown Fabrique or box) and :class:`BoxClosed`.
    """
    fabrique, box = public_box(fabrique_slug, box_slug)
    if not box.open:
        raise BoxClosed()
    if post.robot:
        return None
    lock_fabrique(fabrique.id)
    box = box_in(fabrique, box.id)  # as it is under the lock
    if not box.open:
        raise BoxClosed()
    now = utcnow()
    project = db.session.scalar(
        select(Project)
        .where(
            Project.box_id == box.id,
            Project.title == post.title,
            Project.summary == post.description,
            Project.author_name.is_(None)
            if post.author_name is None
            else Project.author_name == post.author_name,
            Project.created_at >= now - REPOST_WINDOW,
        )
        .limit(1)
    )
    if project is None:
        project = Project(
            fabrique_id=fabrique.id,
            kind=ProjectKind.BOX.value,
            title=post.title,
            summary=post.description,
            territory=box.territory,
            campaign=box.campaign,
            box_id=box.id,
            author_name=post.author_name,
            review=(Review.PENDING if box.premoderation else Review.ACCEPTED).value,
            stage=Stage.TO_STUDY.value,
            follow_source="fabrique",
        )
        db.session.add(project)
        db.session.flush()
        record(
            project,
            "created",
            {
                "source": "box",
                "box_id": box.id,
                "box": box.title,
                "nature": post.nature,
                "title": post.title,
                "review": project.review,
            },
            by_label=box.title,
        )
    if post.email is not None:
        followers.subscribe(
            fabrique.id, project.id, post.email, name=post.author_name, source="box"
        )
    db.session.commit()
    return project


# -------------------------------------------------------------------- moderation


@dataclass(frozen=True)
class Posting:
    """A box's posting as the moderation queue shows it."""

    project: Project
    box: IdeaBox | None
    nature: str
    original_title: str


def queue(
    fabrique: Fabrique, *, box_id: int | None = None, review: str = Review.PENDING.value
) -> list[Posting]:
    """The postings of the Fabrique's boxes (or of box ``box_id``: :class:`NotFound`
    for another Fabrique's) in ``review``, oldest first: the queue reads from the
    first one waiting."""
    query = select(Project).where(
        Project.fabrique_id == fabrique.id,
        Project.kind == ProjectKind.BOX.value,
        Project.review == Review(review).value,
    )
    if box_id is not None:
        query = query.where(Project.box_id == box_in(fabrique, box_id).id)
    projects = list(db.session.scalars(query.order_by(Project.created_at, Project.id)))
    created = _created_events([p.id for p in projects])
    boxes = {box.id: box for box in boxes_of(fabrique)}
    return [
        Posting(
            project=project,
            box=boxes.get(project.box_id) if project.box_id is not None else None,
            nature=str(created.get(project.id, {}).get("nature") or Nature.IDEA.value),
            original_title=str(created.get(project.id, {}).get("title") or project.title),
        )
        for project in projects
    ]


def _created_events(project_ids: list[int]) -> dict[int, dict[str, object]]:
    """The data of each project's "created" history entry."""
    if not project_ids:
        return {}
    rows = db.session.execute(
        select(ProjectEvent.project_id, ProjectEvent.data).where(
            ProjectEvent.project_id.in_(project_ids), ProjectEvent.kind == "created"
        )
    )
    return {project_id: dict(data or {}) for project_id, data in rows}


def _posting(fabrique: Fabrique, project_id: int) -> Project:
    lock_fabrique(fabrique.id)
    project = project_in(fabrique, project_id)
    if project.kind != ProjectKind.BOX.value:
        raise NotFound()
    return project


def _review(fabrique: Fabrique, project_id: int, review: Review, by: Facilitator) -> Project:
    project = _posting(fabrique, project_id)
    before = project.review
    if before != review.value:
        project.review = review.value
        project.version += 1
        record(project, "reviewed", {"from": before, "to": review.value}, by=by)
    db.session.commit()
    return project


def accept(fabrique: Fabrique, project_id: int, by: Facilitator) -> Project:
    """Accept a box's posting: it enters the portfolio's figures (a rejected one may be
    accepted after all). History: "reviewed". Raises :class:`NotFound` (not a box's
    posting of this Fabrique)."""
    return _review(fabrique, project_id, Review.ACCEPTED, by)


def reject(fabrique: Fabrique, project_id: int, by: Facilitator) -> Project:
    """Reject a box's posting: it leaves the portfolio's figures and lists, kept in the
    queue's « rejected » tab (and may be accepted later). History: "reviewed"."""
    return _review(fabrique, project_id, Review.REJECTED, by)


def retitle(fabrique: Fabrique, project_id: int, title: str, by: Facilitator) -> Project:
    """Give a box's posting a clearer title; its history keeps the title before
    ("retitled", from and to; the very first is in "created")."""
    project = _posting(fabrique, project_id)
    before = project.title
    if before != title:
        project.title = title
        project.version += 1
        record(project, "retitled", {"from": before, "to": title}, by=by)
    db.session.commit()
    return project


def delete_posting(fabrique: Fabrique, project_id: int) -> str:
    """Delete a box's posting for good, with its history and its followers: its
    author asked for it (their right to erasure), or it is not an idea at all (spam,
    insults). Returns its title, for the page to say what went. Raises
    :class:`NotFound` (not a box's posting of this Fabrique)."""
    project = _posting(fabrique, project_id)
    title = project.title
    db.session.delete(project)  # history, followers, candidates: ON DELETE CASCADE
    db.session.commit()
    return title


# ----------------------------------------------------------------- relayed needs


def add_relayed_need(fabrique: Fabrique, need: RelayedNeed, by: Facilitator) -> Project:
    """A member enters a need relayed by a partner: a project of kind "relayed",
    accepted, at « à étudier », with its source's kind and name. The relayer's contact
    is kept in the "created" history entry, which only members read."""
    lock_fabrique(fabrique.id)
    project = Project(
        fabrique_id=fabrique.id,
        kind=ProjectKind.RELAYED.value,
        title=need.title,
        summary=need.description,
        territory=need.territory,
        campaign=need.campaign,
        source_kind=need.source_kind,
        source_name=need.source_name,
        review=Review.ACCEPTED.value,
        stage=Stage.TO_STUDY.value,
        follow_source="fabrique",
    )
    db.session.add(project)
    db.session.flush()
    record(
        project,
        "created",
        {
            "source": "relayed",
            "source_kind": need.source_kind,
            "source_name": need.source_name,
            "relayer_contact": need.relayer_contact,
            "title": need.title,
        },
        by=by,
    )
    db.session.commit()
    return project


def relayed_needs(fabrique: Fabrique, limit: int = 20) -> list[Project]:
    """The Fabrique's latest relayed needs, newest first."""
    return list(
        db.session.scalars(
            select(Project)
            .where(Project.fabrique_id == fabrique.id, Project.kind == ProjectKind.RELAYED.value)
            .order_by(Project.created_at.desc(), Project.id.desc())
            .limit(limit)
        )
    )


# ---------------------------------------------------- into a live workshop


def workshops_to_take_into(facilitator: Facilitator) -> list[Workshop]:
    """The workshops ``facilitator`` runs that are not closed, newest first: those
    projects can be taken into."""
    return list(
        db.session.scalars(
            select(Workshop)
            .join(workshop_facilitators, workshop_facilitators.c.workshop_id == Workshop.id)
            .where(
                workshop_facilitators.c.facilitator_id == facilitator.id,
                Workshop.status != WorkshopStatus.CLOSED.value,
            )
            .order_by(Workshop.created_at.desc(), Workshop.id.desc())
        )
    )


def projects_to_take(fabrique: Fabrique) -> list[Project]:
    """The projects that may be taken into a workshop: accepted, not merged into
    another; boxes' postings and relayed needs first, newest first."""
    return list(
        db.session.scalars(
            select(Project)
            .where(
                Project.fabrique_id == fabrique.id,
                Project.review == Review.ACCEPTED.value,
                Project.merged_into_id.is_(None),
            )
            .order_by(
                (Project.kind.in_([ProjectKind.BOX.value, ProjectKind.RELAYED.value])).desc(),
                Project.created_at.desc(),
                Project.id.desc(),
            )
        )
    )


@dataclass(frozen=True)
class IntoResult:
    """What taking projects into a workshop did."""

    workshop: Workshop
    added: int
    already: int


def project_client_id(project: Project) -> str:
    """The idempotency key of the idea a project becomes in a workshop: taking it in
    again adds nothing."""
    return f"project-{project.id}"


def _source_label(project: Project) -> str:
    if project.kind == ProjectKind.BOX.value:
        return str(_("idea box of the Fabrique"))
    if project.kind == ProjectKind.RELAYED.value:
        kind = SOURCE_KIND_LABELS.get(project.source_kind, project.source_kind)
        return str(_("need relayed by %(name)s (%(kind)s)", name=project.source_name, kind=kind))
    return str(_("portfolio of the Fabrique"))


def take_into_workshop(fabrique: Fabrique, into: IntoWorkshop, by: Facilitator) -> IntoResult:
    """Add projects of the portfolio to a live workshop as imported ideas (unclassified,
    visible, no author), each idea keeping its project in its details (``project``: the
    id, ``source``: where it came from). Each project taken in gets a
    "taken_into_workshop" history entry with the workshop's title and code; a project
    already in that workshop is left as it is (counted in ``already``).

    Only a facilitator of the workshop, while it is not closed; projects of this
    Fabrique that were accepted. All or nothing, in one transaction; emits
    ``idea_posted`` per idea (through :func:`~workshop.services.idea_import.import_ideas`).

    Raises :class:`NotFound` (a workshop or project that does not exist or is another
    Fabrique's), :class:`Forbidden` (not a facilitator of it), :class:`WorkshopClosed`
    and :class:`ValidationError` (a posting not accepted).
    """
    try:
        lock_fabrique(fabrique.id)
        projects = [project_in(fabrique, project_id) for project_id in into.project_ids]
        waiting = [p for p in projects if p.review != Review.ACCEPTED.value]
        if waiting:
            raise ValidationError(
                _(
                    "« %(title)s » has not been accepted in the moderation queue: accept it "
                    "first, or untick it.",
                    title=waiting[0].title,
                ),
                field="project",
                reason="not_accepted",
            )
        workshop = db.session.get(Workshop, into.workshop_id) if into.workshop_id < 2**31 else None
        if workshop is None:
            raise NotFound(_("This workshop does not exist (any more)."))
        workshop = event_log.lock_workshop(workshop.id)
        if by.id not in {f.id for f in workshop.facilitators}:
            raise Forbidden(
                _(
                    "You do not run the workshop « %(title)s »: ask one of its facilitators "
                    "to add you to its team, or choose one of yours.",
                    title=workshop.title,
                )
            )
        if workshop.status == WorkshopStatus.CLOSED.value:
            raise WorkshopClosed(
                _(
                    "The workshop « %(title)s » is over: no idea can be added to it any more. "
                    "Choose a workshop that is not closed.",
                    title=workshop.title,
                )
            )
        keys = {project_client_id(p): p for p in projects}
        present = set(
            db.session.scalars(
                select(Idea.client_id).where(
                    Idea.workshop_id == workshop.id, Idea.client_id.in_(list(keys))
                )
            )
        )
        rows: list[ImportRow] = []
        for line, project in enumerate(projects, 1):
            key = project_client_id(project)
            rows.append(
                ImportRow(
                    line=line,
                    row_id=key,
                    idea=NewIdea(
                        client_id=key,
                        title=(project.title or _("Untitled project"))[:TITLE_MAX],
                        description=project.summary[:DESCRIPTION_MAX],
                    ),
                    details={"project": str(project.id), "source": _source_label(project)},
                )
            )
            if key not in present:
                record(
                    project,
                    "taken_into_workshop",
                    {
                        "workshop_id": workshop.id,
                        "workshop": workshop.title,
                        "code": workshop.code,
                    },
                    by=by,
                )
        result = idea_import.import_ideas(workshop.id, by, rows)  # commits
    except Exception:
        db.session.rollback()
        raise
    return IntoResult(workshop=workshop, added=result.created, already=result.unchanged)
