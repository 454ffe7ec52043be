"""The call for holders: applications, volunteers of the sessions as candidates, their
status and the choice.

A Fabrique puts a project *into the call* (``Project.in_call``, with ``call_text``, the
words its public page shows); the public page ``/p/<slug>/appel`` lists the projects in
the call that look for a holder (stage « holder_search », neither absent from their
session's newest export nor merged into another project, nor waiting for moderation).
Anyone may apply there with their consent to be contacted; the people who ticked « je
pourrais porter ce projet » during the session, with consent and a contact, appear among
the candidates too (:func:`sync_volunteers`); members add those they met elsewhere.

Members follow each candidate's status (received → met → selected / not selected) and
notes, and make **the choice**: the selected candidate becomes the project's holder
(:func:`~.portfolio.projects.add_holder`), which its history and its followers learn.

The public side never reads or returns a person's data: :class:`CallProject` holds what a
visitor may see of a project, and nothing else.

Candidates are kept :data:`DEFAULT_RETENTION_DAYS` days after their last change
(:func:`purge_expired`), then deleted: a holder keeps the contact copied onto it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..models import (
    Candidate,
    CandidateStatus,
    Fabrique,
    Facilitator,
    HolderKind,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    Project,
    ProjectEvent,
    ProjectHolder,
    Review,
    Stage,
    VolunteerKind,
    utcnow,
)
from ..schemas.candidates import Application, CallSetting, CandidateChange, MetCandidate
from . import followers
from .fabriques import lock_fabrique
from .portfolio.projects import NewHolder, add_holder, project_in, record, set_stage

#: How long a candidate is kept after its last change, unless CANDIDATE_RETENTION_DAYS.
DEFAULT_RETENTION_DAYS = 365

#: Stages a project may be put into the call from (it then looks for a holder).
CALLABLE_STAGES = (
    Stage.TO_STUDY.value,
    Stage.OPPORTUNITY_STUDY.value,
    Stage.HOLDER_SEARCH.value,
)

STATUSES = tuple(status.value for status in CandidateStatus)


# ------------------------------------------------------------------- the public side


@dataclass(frozen=True)
class CallProject:
    """What the public call page shows of a project: what the Fabrique and the session
    produced, never a person's name or contact."""

    id: int
    title: str
    summary: str
    call_text: str
    territory: str
    need_who: str
    need_where: str
    challenge_title: str
    challenge_body: str
    ideas_count: int
    votes: int
    session_title: str
    session_date: dt.date | None


def _public(query: Any, fabrique_id: int) -> Any:
    """Only the Fabrique's projects the public call shows."""
    return query.where(
        Project.fabrique_id == fabrique_id,
        Project.in_call.is_(True),
        Project.stage == Stage.HOLDER_SEARCH.value,
        Project.absent_since.is_(None),
        Project.merged_into_id.is_(None),
        Project.review == Review.ACCEPTED.value,
    )


def _sheet_need(sheet: dict[str, Any] | None, key: str) -> str:
    """The sheet's « need who » or « need where » (flat, as the portfolio keeps it; or
    nested under ``need`` as an export writes it)."""
    sheet = sheet or {}
    value = sheet.get(f"need_{key}")
    if value is None and isinstance(sheet.get("need"), dict):
        value = sheet["need"].get(key)
    return value if isinstance(value, str) else ""


def _describe(projects: list[Project]) -> list[CallProject]:
    """The public description of ``projects``, read in three queries."""
    if not projects:
        return []
    ids = [p.id for p in projects]
    counts = {
        project_id: (count, votes)
        for project_id, count, votes in db.session.execute(
            select(
                PortfolioIdea.project_id,
                func.count(PortfolioIdea.id),
                func.coalesce(func.sum(PortfolioIdea.votes), 0),
            )
            .where(PortfolioIdea.project_id.in_(ids), PortfolioIdea.absent_since.is_(None))
            .group_by(PortfolioIdea.project_id)
        )
    }
    challenge_ids = [p.challenge_id for p in projects if p.challenge_id is not None]
    challenges = {
        c.id: c
        for c in db.session.scalars(
            select(PortfolioChallenge).where(PortfolioChallenge.id.in_(challenge_ids))
        )
    }
    session_ids = [p.session_id for p in projects if p.session_id is not None]
    sessions = {
        s.id: s
        for s in db.session.scalars(
            select(PortfolioSession).where(PortfolioSession.id.in_(session_ids))
        )
    }
    described = []
    for project in projects:
        count, idea_votes = counts.get(project.id, (0, 0))
        challenge = challenges.get(project.challenge_id or 0)
        session = sessions.get(project.session_id or 0)
        described.append(
            CallProject(
                id=project.id,
                title=project.title,
                summary=project.summary,
                call_text=project.call_text,
                territory=project.territory,
                need_who=_sheet_need(project.sheet, "who"),
                need_where=_sheet_need(project.sheet, "where"),
                challenge_title=challenge.title if challenge else "",
                challenge_body=challenge.body if challenge else "",
                ideas_count=int(count),
                votes=int(challenge.votes if challenge and challenge.votes else idea_votes),
                session_title=session.title if session else "",
                session_date=session.date if session else None,
            )
        )
    return described


def call_projects(fabrique: Fabrique) -> list[CallProject]:
    """The projects the public call page lists (anyone may read it), latest put first."""
    projects = list(
        db.session.scalars(
            _public(select(Project), fabrique.id).order_by(
                Project.updated_at.desc(), Project.id.desc()
            )
        )
    )
    return _describe(projects)


def call_project(fabrique: Fabrique, project_id: int) -> CallProject:
    """One project of the public call; :class:`NotFound` for any project the call does
    not show (another Fabrique's, out of the call, found a holder, absent, merged)."""
    project = db.session.scalar(
        _public(select(Project), fabrique.id).where(Project.id == project_id)
    )
    if project is None:
        raise NotFound(_("This project is not in the call for holders (or no longer)."))
    return _describe([project])[0]


def apply(
    fabrique: Fabrique, project_id: int, application: Application, *, language: str = "fr"
) -> Candidate:
    """Someone applies to carry a project through the public call page (no account).

    The project must be in the public call (else :class:`NotFound`). Applying twice with
    the same address (or phone) updates the first application rather than adding one.
    With « keep me informed » the address follows the project
    (:func:`~.followers.subscribe`). The history records a "candidate" entry without the
    person's data. Commits."""
    lock_fabrique(fabrique.id)
    call_project(fabrique, project_id)
    ref = "call:" + (application.email or (application.phone or "").replace(" ", ""))
    candidate = db.session.scalar(
        select(Candidate).where(Candidate.project_id == project_id, Candidate.source_ref == ref)
    )
    now = utcnow()
    if candidate is None:
        candidate = Candidate(
            fabrique_id=fabrique.id, project_id=project_id, source="call", source_ref=ref
        )
        db.session.add(candidate)
        new = True
    else:
        new = False
    candidate.name = application.name
    candidate.email = application.email
    candidate.phone = application.phone
    candidate.structure = application.structure
    candidate.message = application.message
    candidate.consented_at = now
    db.session.flush()
    project = project_in(fabrique, project_id)
    record(
        project,
        "candidate" if new else "candidate_updated",
        {"candidate_id": candidate.id, "source": "call"},
        by_label=_("call for holders"),
    )
    if application.follow and application.email:
        followers.subscribe(
            fabrique.id,
            project_id,
            application.email,
            name=application.name,
            source="call",
            source_ref=f"candidate:{candidate.id}",
            language=language,
        )
    db.session.commit()
    return candidate


# ------------------------------------------------------------------ the members' side


@dataclass
class CallLine:
    """A project on the members' call page, with its candidates counted by status."""

    project: Project
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def public(self) -> bool:
        """Whether the public call page shows it now."""
        p = self.project
        return (
            p.in_call
            and p.stage == Stage.HOLDER_SEARCH.value
            and p.absent_since is None
            and p.merged_into_id is None
            and p.review == Review.ACCEPTED.value
        )


def _counts(project_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    if not project_ids:
        return counts
    for project_id, status, number in db.session.execute(
        select(Candidate.project_id, Candidate.status, func.count(Candidate.id))
        .where(Candidate.project_id.in_(project_ids))
        .group_by(Candidate.project_id, Candidate.status)
    ):
        counts.setdefault(project_id, {})[status] = int(number)
    return counts


def call_overview(fabrique: Fabrique) -> list[CallLine]:
    """The members' call page: the projects in the call, those looking for a holder
    outside it, and any other with candidates; each with its candidates by status."""
    with_candidates = select(Candidate.project_id).where(Candidate.fabrique_id == fabrique.id)
    projects = list(
        db.session.scalars(
            select(Project)
            .where(
                Project.fabrique_id == fabrique.id,
                Project.merged_into_id.is_(None),
                or_(
                    Project.in_call.is_(True),
                    Project.stage == Stage.HOLDER_SEARCH.value,
                    Project.id.in_(with_candidates),
                ),
            )
            .order_by(Project.in_call.desc(), Project.title, Project.id)
        )
    )
    counts = _counts([p.id for p in projects])
    return [CallLine(p, counts.get(p.id, {})) for p in projects]


def call_summary(fabrique: Fabrique, project: Project) -> CallLine:
    """One project's place in the call (for its page): in or out, shown publicly or
    not, its candidates by status."""
    if project.fabrique_id != fabrique.id:
        raise NotFound()
    return CallLine(project, _counts([project.id]).get(project.id, {}))


def candidates_of(fabrique: Fabrique, project_id: int) -> list[Candidate]:
    """A project's candidates, for its members: the selected first, then by arrival."""
    project = project_in(fabrique, project_id)
    order = {status: index for index, status in enumerate(("selected", "met", "received"))}
    candidates = list(
        db.session.scalars(
            select(Candidate).where(Candidate.project_id == project.id).order_by(Candidate.id)
        )
    )
    return sorted(candidates, key=lambda c: order.get(c.status, len(order)))


def candidate_in(fabrique: Fabrique, project_id: int, candidate_id: int) -> Candidate:
    """The candidate ``candidate_id`` of the project ``project_id`` of ``fabrique``;
    :class:`NotFound` for any other (ids never leak across Fabriques or projects)."""
    candidate = db.session.get(Candidate, candidate_id)
    if (
        candidate is None
        or candidate.fabrique_id != fabrique.id
        or candidate.project_id != project_id
    ):
        raise NotFound()
    return candidate


def set_in_call(
    fabrique: Fabrique,
    project_id: int,
    setting: CallSetting,
    *,
    by: Facilitator | None = None,
    by_label: str = "",
) -> Project:
    """Put a project into the call for holders, with the text its public page shows,
    or take it out (members only: the caller checked membership).

    Putting a project « to study » or in « opportunity study » into the call moves it to
    « looking for a holder » (recorded as a stage change); one further on (launching,
    launched, abandoned) is refused with :class:`ValidationError`. Recorded in the history
    as "call" (in or out, and whether the text changed). :class:`Conflict` when the
    project changed since ``setting.version``. Commits."""
    lock_fabrique(fabrique.id)
    project = project_in(fabrique, project_id)
    if setting.version is not None and project.version != setting.version:
        raise Conflict()
    if setting.in_call and project.stage not in CALLABLE_STAGES:
        raise ValidationError(
            _(
                "Only a project that looks for a holder can be in the call: move it back "
                "to « Looking for a holder » first."
            ),
            field="in_call",
            reason="stage",
        )
    if setting.in_call and project.stage != Stage.HOLDER_SEARCH.value:
        set_stage(fabrique, project.id, Stage.HOLDER_SEARCH.value, by=by, by_label=by_label)
    changed_text = project.call_text != setting.call_text
    if project.in_call == setting.in_call and not changed_text:
        db.session.commit()
        return project
    data: dict[str, Any] = {"in_call": setting.in_call}
    if changed_text:
        data["text_changed"] = True
    project.in_call = setting.in_call
    project.call_text = setting.call_text
    project.version += 1
    record(project, "call", data, by=by, by_label=by_label)
    db.session.commit()
    return project


def set_call_intro(fabrique: Fabrique, intro: str) -> Fabrique:
    """Change the introduction of the Fabrique's public call page (members). Commits."""
    locked = lock_fabrique(fabrique.id)
    locked.call_intro = intro
    db.session.commit()
    return locked


def add_candidate(
    fabrique: Fabrique,
    project_id: int,
    met: MetCandidate,
    *,
    by: Facilitator | None = None,
    by_label: str = "",
) -> Candidate:
    """A member adds a candidate they met elsewhere (source "member", status « met »).
    The member vouches for the person's agreement to be contacted. Commits."""
    lock_fabrique(fabrique.id)
    project = project_in(fabrique, project_id)
    candidate = Candidate(
        fabrique_id=fabrique.id,
        project_id=project.id,
        name=met.name,
        email=met.email,
        phone=met.phone,
        structure=met.structure,
        notes=met.notes,
        source="member",
        status=CandidateStatus.MET.value,
        consented_at=utcnow(),
    )
    db.session.add(candidate)
    db.session.flush()
    record(
        project,
        "candidate",
        {"candidate_id": candidate.id, "source": "member"},
        by=by,
        by_label=by_label,
    )
    db.session.commit()
    return candidate


def change_candidate(
    fabrique: Fabrique,
    project_id: int,
    candidate_id: int,
    change: CandidateChange,
    *,
    by: Facilitator | None = None,
    by_label: str = "",
) -> Candidate:
    """Set a candidate's status (received, met, not selected) and notes. A selected
    candidate stays selected (:class:`ValidationError`): remove the holder on the
    project's page first. A new status is recorded in the history. Commits."""
    lock_fabrique(fabrique.id)
    candidate = candidate_in(fabrique, project_id, candidate_id)
    if candidate.status == CandidateStatus.SELECTED and change.status != candidate.status:
        raise ValidationError(
            _(
                "This candidate was chosen as the holder: remove the holder on the "
                "project's page first."
            ),
            field="status",
            reason="selected",
        )
    before = candidate.status
    candidate.status = change.status if before != CandidateStatus.SELECTED else before
    candidate.notes = change.notes
    if candidate.status != before:
        record(
            project_in(fabrique, project_id),
            "candidate_status",
            {"candidate_id": candidate.id, "from": before, "to": candidate.status},
            by=by,
            by_label=by_label,
        )
    db.session.commit()
    return candidate


def select_candidate(
    fabrique: Fabrique,
    project_id: int,
    candidate_id: int,
    *,
    leave_call: bool = True,
    by: Facilitator | None = None,
    by_label: str = "",
) -> ProjectHolder:
    """The choice: the candidate becomes a holder of the project (a person, or the
    structure they represent), with their contact; the history records the holder added
    and the candidate selected; with ``leave_call`` the project leaves the public call.
    A candidate already selected is refused (:class:`ValidationError`). Commits."""
    lock_fabrique(fabrique.id)
    candidate = candidate_in(fabrique, project_id, candidate_id)
    if candidate.status == CandidateStatus.SELECTED:
        raise ValidationError(
            _("This candidate already is the project's holder."), field=None, reason="selected"
        )
    structure = bool(candidate.structure)
    new = NewHolder(
        name=candidate.structure if structure else candidate.name,
        kind=(HolderKind.STRUCTURE if structure else HolderKind.PERSON).value,
        note=_("Represented by %(name)s.", name=candidate.name) if structure else "",
        contact_email=candidate.email,
        contact_phone=candidate.phone,
        candidate_id=candidate.id,
    )
    holder = add_holder(fabrique, project_id, new, by=by, by_label=by_label)
    before = candidate.status
    candidate.status = CandidateStatus.SELECTED.value
    project = project_in(fabrique, project_id)
    record(
        project,
        "candidate_status",
        {
            "candidate_id": candidate.id,
            "from": before,
            "to": candidate.status,
            "holder_id": holder.id,
        },
        by=by,
        by_label=by_label,
    )
    if leave_call and project.in_call:
        project.in_call = False
        record(project, "call", {"in_call": False, "why": "holder_found"}, by=by, by_label=by_label)
    db.session.commit()
    return holder


def others_not_selected(
    fabrique: Fabrique, project_id: int, *, by: Facilitator | None = None, by_label: str = ""
) -> int:
    """Set every candidate of the project still received or met to « not selected »
    (once the choice is made); how many changed. Recorded in the history. Commits."""
    lock_fabrique(fabrique.id)
    project = project_in(fabrique, project_id)
    waiting = list(
        db.session.scalars(
            select(Candidate).where(
                Candidate.project_id == project.id,
                Candidate.status.in_((CandidateStatus.RECEIVED.value, CandidateStatus.MET.value)),
            )
        )
    )
    for candidate in waiting:
        candidate.status = CandidateStatus.NOT_SELECTED.value
    if waiting:
        record(
            project,
            "candidates_not_selected",
            {"candidate_ids": [c.id for c in waiting]},
            by=by,
            by_label=by_label,
        )
    db.session.commit()
    return len(waiting)


def delete_candidate(
    fabrique: Fabrique,
    project_id: int,
    candidate_id: int,
    *,
    by: Facilitator | None = None,
    by_label: str = "",
) -> None:
    """Delete a candidate and their data at once (an erasure request, a mistake). A
    chosen candidate's holder keeps its own copy (remove it on the project's page). A
    session volunteer deleted this way comes back only if a newer export still holds
    their offer and nobody deleted it since: the history keeps which offer it was, and
    :func:`sync_volunteers` skips it. Commits."""
    lock_fabrique(fabrique.id)
    candidate = candidate_in(fabrique, project_id, candidate_id)
    data: dict[str, Any] = {"candidate_id": candidate.id, "source": candidate.source}
    if candidate.source == "volunteer" and candidate.source_ref:
        data["source_ref"] = candidate.source_ref
    record(project_in(fabrique, project_id), "candidate_deleted", data, by=by, by_label=by_label)
    db.session.delete(candidate)
    db.session.commit()


# ------------------------------------------------------- volunteers of the sessions


def _volunteer_ref(target: str, contact: dict[str, Any]) -> str:
    """A stable name for one « je pourrais porter » offer: its défi's or idea's
    reference and a digest of the contact given (exports carry no participant id)."""
    parts = [str(contact.get(key) or "").strip().lower() for key in ("name", "email", "phone")]
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"volunteer:{target}:{digest}"


def _offers(project: Project) -> dict[str, dict[str, Any]]:
    """The project's « je pourrais porter » offers with consent and a contact, from its
    défi and its ideas (and those of projects merged into it) still in their exports."""
    project_ids = [project.id] + list(
        db.session.scalars(select(Project.id).where(Project.merged_into_id == project.id))
    )
    rows: list[tuple[str, Any]] = []
    for challenge in db.session.scalars(
        select(PortfolioChallenge).where(
            PortfolioChallenge.id.in_(
                select(Project.challenge_id).where(Project.id.in_(project_ids))
            ),
            PortfolioChallenge.absent_since.is_(None),
        )
    ):
        rows.append((challenge.reference, challenge.volunteers or []))
    for idea in db.session.scalars(
        select(PortfolioIdea).where(
            PortfolioIdea.project_id.in_(project_ids), PortfolioIdea.absent_since.is_(None)
        )
    ):
        rows.append((idea.reference, idea.volunteers or []))
    offers: dict[str, dict[str, Any]] = {}
    for reference, volunteers in rows:
        for offer in volunteers:
            if not isinstance(offer, dict) or offer.get("kind") != VolunteerKind.HOLD.value:
                continue
            contact = offer.get("contact")
            if offer.get("consent_contact") is not True or not isinstance(contact, dict):
                continue
            if not (contact.get("email") or contact.get("phone")):
                continue
            offers.setdefault(_volunteer_ref(reference, contact), contact)
    return offers


def _deleted_refs(project_id: int) -> set[str]:
    """The volunteers' offers whose candidate a member deleted, or the purge did: they
    are not brought in again."""
    refs = set()
    for data in db.session.scalars(
        select(ProjectEvent.data).where(
            ProjectEvent.project_id == project_id, ProjectEvent.kind == "candidate_deleted"
        )
    ):
        if isinstance(data, dict) and isinstance(data.get("source_ref"), str):
            refs.add(data["source_ref"])
    return refs


def _volunteer_changes(
    project: Project, offers: dict[str, dict[str, Any]]
) -> tuple[list[str], list[Candidate]]:
    """The offers to bring in (new, never deleted) and the untouched candidates whose
    offer is gone."""
    existing = {
        c.source_ref: c
        for c in db.session.scalars(
            select(Candidate).where(
                Candidate.project_id == project.id, Candidate.source == "volunteer"
            )
        )
    }
    deleted = _deleted_refs(project.id)
    new_refs = [ref for ref in offers if ref not in existing and ref not in deleted]
    gone = [
        c
        for ref, c in existing.items()
        if ref not in offers and c.status == CandidateStatus.RECEIVED.value
    ]
    return new_refs, gone


def _sync(fabrique: Fabrique, project: Project, by_label: str) -> int:
    """:func:`sync_volunteers` of one project, not committed; how many were added."""
    offers = _offers(project)
    new_refs, gone = _volunteer_changes(project, offers)
    if not new_refs and not gone:
        return 0
    # Under the Fabrique's lock, read again: two members opening the page at once
    # must not bring the same offer in twice.
    lock_fabrique(fabrique.id)
    new_refs, gone = _volunteer_changes(project, offers)
    now = utcnow()
    for ref in new_refs:
        contact = offers[ref]
        candidate = Candidate(
            fabrique_id=fabrique.id,
            project_id=project.id,
            name=(str(contact.get("name") or "").strip()[:80] or _("Volunteer of the session")),
            email=(str(contact.get("email") or "").strip()[:254] or None),
            phone=(str(contact.get("phone") or "").strip()[:30] or None),
            source="volunteer",
            source_ref=ref,
            consented_at=now,
        )
        db.session.add(candidate)
        db.session.flush()
        record(
            project,
            "candidate",
            {"candidate_id": candidate.id, "source": "volunteer"},
            by_label=by_label,
        )
    for candidate in gone:
        db.session.delete(candidate)
    db.session.flush()
    return len(new_refs)


def sync_volunteers(fabrique: Fabrique, project_id: int, *, by_label: str = "session") -> int:
    """Bring the session's volunteers who offered to carry the project in among its
    candidates (source "volunteer"): only those who agreed to be contacted and gave a
    contact. Idempotent: ``source_ref`` names each offer, so a second run, or a re-import
    of the same export, adds nobody twice; an offer whose candidate was deleted stays
    out. An offer no longer in the exports (consent withdrawn, data erased) takes its
    candidate out while nobody has acted on it yet (status « received »). Returns how
    many were added. Commits."""
    added = _sync(fabrique, project_in(fabrique, project_id), by_label)
    db.session.commit()
    return added


def sync_call_volunteers(fabrique: Fabrique, *, by_label: str = "session") -> int:
    """:func:`sync_volunteers` for every project the members' call page lists (in the
    call, or looking for a holder), so its counts include the volunteers. Commits."""
    projects = db.session.scalars(
        select(Project).where(
            Project.fabrique_id == fabrique.id,
            Project.merged_into_id.is_(None),
            or_(Project.in_call.is_(True), Project.stage == Stage.HOLDER_SEARCH.value),
        )
    )
    added = sum(_sync(fabrique, project, by_label) for project in list(projects))
    db.session.commit()
    return added


# ----------------------------------------------------------------------- retention


def retention_days() -> int:
    return int(current_app.config.get("CANDIDATE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the candidates (and so their contact details) unchanged for
    :func:`retention_days` days; how many. A selected candidate's holder keeps its own
    copy of the contact; a volunteer's offer purged is not brought in again. For the
    server's daily purge. Commits."""
    limit = (now or utcnow()) - dt.timedelta(days=retention_days())
    expired = list(db.session.scalars(select(Candidate).where(Candidate.updated_at < limit)))
    for candidate in expired:
        data: dict[str, Any] = {"candidate_id": candidate.id, "source": candidate.source}
        if candidate.source == "volunteer" and candidate.source_ref:
            data["source_ref"] = candidate.source_ref
        project = db.session.get(Project, candidate.project_id)
        if project is not None:
            record(project, "candidate_deleted", data, by_label="purge")
        db.session.delete(candidate)
    db.session.commit()
    return len(expired)
