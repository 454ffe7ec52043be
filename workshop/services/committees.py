"""Committees of a Fabrique: members invited by link, meetings, agenda, grades on a grid,
decisions.

A Fabrique's members set up a committee (comité de pilotage, comité d'experts, one
project's own committee) with its grid of criteria, add its members, each with a
personal link (``/comite/<secret>``; only the secret's SHA-256 is kept), and hold
meetings whose agenda is a list of the Fabrique's projects. While a meeting is open,
each committee member grades every project on every criterion (majority judgment's
7-grade scale) and comments; the deliberation ranks the projects by majority judgment
and the member running it records a decision per project, written in the project's
history ("decision"), a dropped project moving to « abandoned » with its reason.

Every function that writes takes the Fabrique's write lock, checks that what it names
belongs to the Fabrique (:class:`NotFound` otherwise: ids never leak across
Fabriques) and commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select

from .. import majority
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..models import (
    Committee,
    CommitteeKind,
    CommitteeMember,
    Decision,
    Fabrique,
    Facilitator,
    Grade,
    ItemComment,
    Meeting,
    MeetingItem,
    PortfolioIdea,
    PortfolioSession,
    Project,
    Stage,
    utcnow,
)
from ..schemas.committees import (
    Criterion,
    DecisionForm,
    Grading,
    MeetingForm,
    NewCommittee,
    NewMember,
    default_criteria,
)
from .fabriques import hash_token, lock_fabrique
from .portfolio import projects

#: A meeting's statuses, in order: members grade while it is open.
MEETING_STATUSES = ("planned", "open", "closed")

# How often a member's visit is written down (each page view would be a write).
_SEEN_EVERY = dt.timedelta(minutes=5)


# ------------------------------------------------------------------ committees


def committees_of(fabrique: Fabrique) -> list[Committee]:
    """The Fabrique's committees, by name."""
    return list(
        db.session.scalars(
            select(Committee).where(Committee.fabrique_id == fabrique.id).order_by(Committee.name)
        )
    )


def committee_in(fabrique: Fabrique, committee_id: int) -> Committee:
    """The committee ``committee_id`` of ``fabrique``; :class:`NotFound` otherwise."""
    committee = db.session.get(Committee, committee_id)
    if committee is None or committee.fabrique_id != fabrique.id:
        raise NotFound()
    return committee


def create_committee(fabrique: Fabrique, new: NewCommittee) -> Committee:
    """Create a committee with the default grid (a per-project committee names a
    project of the Fabrique). Any member of the Fabrique may; commits."""
    lock_fabrique(fabrique.id)
    project_id = None
    if new.project_id is not None:
        project_id = projects.project_in(fabrique, new.project_id).id
    committee = Committee(
        fabrique_id=fabrique.id,
        name=new.name,
        kind=CommitteeKind(new.kind).value,
        project_id=project_id,
        criteria=default_criteria(),
    )
    db.session.add(committee)
    db.session.commit()
    return committee


def delete_committee(fabrique: Fabrique, committee_id: int) -> None:
    """Delete a committee with its members, meetings, grades and comments (the
    decisions stay in the projects' histories); commits."""
    lock_fabrique(fabrique.id)
    committee = committee_in(fabrique, committee_id)
    item_ids = select(MeetingItem.id).join(Meeting).where(Meeting.committee_id == committee.id)
    db.session.execute(delete(Grade).where(Grade.item_id.in_(item_ids)))
    db.session.execute(delete(ItemComment).where(ItemComment.item_id.in_(item_ids)))
    db.session.delete(committee)
    db.session.commit()


def save_criteria(fabrique: Fabrique, committee_id: int, criteria: list[Criterion]) -> Committee:
    """Replace the committee's grid (already parsed against it: kept rows keep their
    key). Grades given on a removed criterion stay stored but no longer count; commits."""
    lock_fabrique(fabrique.id)
    committee = committee_in(fabrique, committee_id)
    committee.criteria = [criterion.as_dict() for criterion in criteria]
    db.session.commit()
    return committee


def project_of(committee: Committee) -> Project | None:
    """A per-project committee's project."""
    return db.session.get(Project, committee.project_id) if committee.project_id else None


def fabrique_name(committee: Committee) -> str:
    """The name of the Fabrique a committee belongs to (a member's page names it)."""
    fabrique = db.session.get(Fabrique, committee.fabrique_id)
    return fabrique.name if fabrique is not None else ""


def criteria_keys(committee: Committee) -> list[str]:
    return [str(criterion["key"]) for criterion in committee.criteria]


# ---------------------------------------------------------------------- members


@dataclass(frozen=True)
class IssuedLink:
    """A member and the secret of their personal link: shown once, never stored."""

    member: CommitteeMember
    secret: str


def member_in(committee: Committee, member_id: int) -> CommitteeMember:
    member = db.session.get(CommitteeMember, member_id)
    if member is None or member.committee_id != committee.id:
        raise NotFound()
    return member


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return secret, hash_token(secret)


def add_member(fabrique: Fabrique, committee_id: int, new: NewMember) -> IssuedLink:
    """Add a member to the committee and make their personal link (no email is sent:
    the member running the committee passes the link on); commits."""
    lock_fabrique(fabrique.id)
    committee = committee_in(fabrique, committee_id)
    secret, digest = _new_secret()
    member = CommitteeMember(
        committee_id=committee.id,
        name=new.name,
        email=new.email,
        role=new.role,
        token_hash=digest,
    )
    db.session.add(member)
    db.session.commit()
    return IssuedLink(member, secret)


def revoke_member(fabrique: Fabrique, committee_id: int, member_id: int) -> CommitteeMember:
    """Stop a member's link from working (their grades and comments stay); commits."""
    lock_fabrique(fabrique.id)
    member = member_in(committee_in(fabrique, committee_id), member_id)
    if member.revoked_at is None:
        member.revoked_at = utcnow()
    db.session.commit()
    return member


def regenerate_link(fabrique: Fabrique, committee_id: int, member_id: int) -> IssuedLink:
    """Give a member a new link (the old one stops working; a revoked member is
    invited again); commits."""
    lock_fabrique(fabrique.id)
    member = member_in(committee_in(fabrique, committee_id), member_id)
    secret, digest = _new_secret()
    member.token_hash = digest
    member.revoked_at = None
    db.session.commit()
    return IssuedLink(member, secret)


def member_by_link(secret: str) -> CommitteeMember:
    """The committee member whose personal link carries ``secret``; :class:`NotFound`
    for an unknown or revoked link (the same answer: a link says nothing of why)."""
    member = None
    if 20 <= len(secret) <= 100:
        member = db.session.scalar(
            select(CommitteeMember).where(CommitteeMember.token_hash == hash_token(secret))
        )
    if member is None or member.revoked_at is not None:
        raise NotFound(_("This link is not valid, or it was replaced or revoked."))
    now = utcnow()
    if member.last_seen_at is None or now - member.last_seen_at > _SEEN_EVERY:
        member.last_seen_at = now
        db.session.commit()
    return member


# --------------------------------------------------------------------- meetings


def meeting_in(fabrique: Fabrique, committee_id: int, meeting_id: int) -> Meeting:
    """A meeting of the Fabrique's committee ``committee_id``; :class:`NotFound`
    otherwise."""
    committee = committee_in(fabrique, committee_id)
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.committee_id != committee.id:
        raise NotFound()
    return meeting


def create_meeting(fabrique: Fabrique, committee_id: int, form: MeetingForm) -> Meeting:
    """Plan a meeting (status « planned »); a per-project committee's meeting starts
    with its project on the agenda; commits."""
    lock_fabrique(fabrique.id)
    committee = committee_in(fabrique, committee_id)
    meeting = Meeting(committee_id=committee.id, title=form.title, date=form.date, place=form.place)
    db.session.add(meeting)
    if committee.project_id is not None:
        meeting.items.append(MeetingItem(project_id=committee.project_id, position=0))
    db.session.commit()
    return meeting


def update_meeting(
    fabrique: Fabrique, committee_id: int, meeting_id: int, form: MeetingForm
) -> Meeting:
    """Change a meeting's title, date and place; commits."""
    lock_fabrique(fabrique.id)
    meeting = meeting_in(fabrique, committee_id, meeting_id)
    meeting.title, meeting.date, meeting.place = form.title, form.date, form.place
    db.session.commit()
    return meeting


def set_status(fabrique: Fabrique, committee_id: int, meeting_id: int, status: str) -> Meeting:
    """Move a meeting to « planned », « open » (members grade) or « closed » (grades
    frozen; decisions can still be recorded). It may go back (reopened); commits."""
    if status not in MEETING_STATUSES:
        raise ValidationError(_("Please choose one of the options."), field="status")
    lock_fabrique(fabrique.id)
    meeting = meeting_in(fabrique, committee_id, meeting_id)
    if status == "open" and not meeting.items:
        raise ValidationError(
            _("Put at least one project on the agenda before opening the meeting."),
            field="status",
            reason="empty_agenda",
        )
    meeting.status = status
    db.session.commit()
    return meeting


def _item_in(meeting: Meeting, item_id: int) -> MeetingItem:
    item = db.session.get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound()
    return item


def add_to_agenda(
    fabrique: Fabrique, committee_id: int, meeting_id: int, project_id: int
) -> MeetingItem:
    """Put a project of the Fabrique at the end of the meeting's agenda (once);
    commits."""
    lock_fabrique(fabrique.id)
    meeting = meeting_in(fabrique, committee_id, meeting_id)
    project = projects.project_in(fabrique, project_id)
    if any(item.project_id == project.id for item in meeting.items):
        raise Conflict(_("This project is already on the agenda."))
    position = max((item.position for item in meeting.items), default=-1) + 1
    item = MeetingItem(project_id=project.id, position=position)
    meeting.items.append(item)
    db.session.commit()
    return item


def remove_from_agenda(
    fabrique: Fabrique, committee_id: int, meeting_id: int, item_id: int
) -> None:
    """Take a project off the agenda, with its grades and comments (not once decided:
    the decision is in the project's history); commits."""
    lock_fabrique(fabrique.id)
    meeting = meeting_in(fabrique, committee_id, meeting_id)
    item = _item_in(meeting, item_id)
    if item.decision is not None:
        raise Conflict(_("A decision was recorded for this project: it stays on the agenda."))
    meeting.items.remove(item)
    db.session.delete(item)
    db.session.commit()


def move_on_agenda(
    fabrique: Fabrique, committee_id: int, meeting_id: int, item_id: int, step: int
) -> None:
    """Move a project one place up (``step`` -1) or down (+1) the agenda; commits."""
    lock_fabrique(fabrique.id)
    meeting = meeting_in(fabrique, committee_id, meeting_id)
    item = _item_in(meeting, item_id)
    ordered = sorted(meeting.items, key=lambda i: (i.position, i.id))
    index = ordered.index(item)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    db.session.commit()


def agenda_choices(fabrique: Fabrique, meeting: Meeting) -> list[Project]:
    """The Fabrique's projects that can be put on the agenda: not on it yet, not
    merged into another, by title."""
    on_agenda = {item.project_id for item in meeting.items}
    rows = db.session.scalars(
        select(Project)
        .where(Project.fabrique_id == fabrique.id, Project.merged_into_id.is_(None))
        .order_by(func.lower(Project.title), Project.id)
    )
    return [project for project in rows if project.id not in on_agenda]


def projects_of(fabrique: Fabrique) -> list[Project]:
    """The Fabrique's projects a per-project committee may follow, by title."""
    return list(
        db.session.scalars(
            select(Project)
            .where(Project.fabrique_id == fabrique.id, Project.merged_into_id.is_(None))
            .order_by(func.lower(Project.title), Project.id)
        )
    )


# ------------------------------------------------------------- what members see


@dataclass(frozen=True)
class ProjectBrief:
    """What a committee member reads of a project before grading it."""

    project: Project
    need: dict[str, str]
    session: PortfolioSession | None
    ideas: list[PortfolioIdea]
    volunteers: int


def project_brief(project: Project) -> ProjectBrief:
    """A project's summary for the committee: its sheet's need, the session it came
    from and what that session produced (its ideas, their votes, the volunteers)."""
    sheet = project.sheet or {}
    # The sheet is flat (``need_who``…, the workshop's field names); an older nested
    # ``need`` is read too.
    raw = sheet.get("need")
    nested: dict[str, Any] = raw if isinstance(raw, dict) else {}
    need = {
        key: str(sheet.get(f"need_{key}") or nested.get(key) or "")
        for key in ("who", "where", "evidence")
    }
    need = {key: value for key, value in need.items() if value}
    session = db.session.get(PortfolioSession, project.session_id) if project.session_id else None
    ideas = list(
        db.session.scalars(
            select(PortfolioIdea)
            .where(PortfolioIdea.project_id == project.id, PortfolioIdea.absent_since.is_(None))
            .order_by(PortfolioIdea.votes.desc(), PortfolioIdea.id)
            .limit(12)
        )
    )
    volunteers = sum(len(idea.volunteers or []) for idea in ideas)
    return ProjectBrief(project, need, session, ideas, volunteers)


@dataclass
class MemberItem:
    """One agenda item as a committee member sees it, with what they gave it."""

    item: MeetingItem
    brief: ProjectBrief
    grades: dict[str, int] = field(default_factory=dict)
    comment: str = ""


@dataclass
class MemberMeeting:
    meeting: Meeting
    items: list[MemberItem]


def member_meetings(member: CommitteeMember) -> list[MemberMeeting]:
    """The committee's open and planned meetings (soonest first) with the member's own
    grades and comments: what the member's page shows."""
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.committee_id == member.committee_id, Meeting.status != "closed")
        .order_by(case((Meeting.status == "open", 0), else_=1), Meeting.date, Meeting.id)
    )
    result = []
    for meeting in meetings:
        items = sorted(meeting.items, key=lambda i: (i.position, i.id))
        ids = [item.id for item in items]
        grades: dict[int, dict[str, int]] = defaultdict(dict)
        for grade in db.session.scalars(
            select(Grade).where(Grade.item_id.in_(ids), Grade.member_id == member.id)
        ):
            grades[grade.item_id][grade.criterion] = grade.grade
        comments = {
            c.item_id: c.text
            for c in db.session.scalars(
                select(ItemComment).where(
                    ItemComment.item_id.in_(ids), ItemComment.member_id == member.id
                )
            )
        }
        result.append(
            MemberMeeting(
                meeting,
                [
                    MemberItem(
                        item,
                        project_brief(item.project),
                        grades[item.id],
                        comments.get(item.id, ""),
                    )
                    for item in items
                ],
            )
        )
    return result


def grade_item(member: CommitteeMember, item_id: int, grading: Grading) -> MeetingItem:
    """A committee member's grades and comment on one project of an open meeting of
    their committee: replaces what they gave it before (a criterion left empty is no
    longer graded, an empty comment removes theirs). :class:`NotFound` for an item of
    another committee, :class:`Conflict` when the meeting is not open; commits."""
    committee = db.session.get(Committee, member.committee_id)
    if committee is None:
        raise NotFound()
    lock_fabrique(committee.fabrique_id)
    db.session.refresh(member)
    if member.revoked_at is not None:
        raise NotFound(_("This link is not valid, or it was replaced or revoked."))
    item = db.session.get(MeetingItem, item_id)
    if item is None or item.meeting.committee_id != committee.id:
        raise NotFound()
    if item.meeting.status != "open":
        raise Conflict(_("This meeting is not open: grades can no longer be changed."))
    keys = set(criteria_keys(committee))
    existing = {
        g.criterion: g
        for g in db.session.scalars(
            select(Grade).where(Grade.item_id == item.id, Grade.member_id == member.id)
        )
    }
    for key, value in grading.grades.items():
        if key not in keys:
            continue
        grade = existing.get(key)
        if value is None:
            if grade is not None:
                db.session.delete(grade)
        elif grade is None:
            db.session.add(Grade(item_id=item.id, member_id=member.id, criterion=key, grade=value))
        else:
            grade.grade = value
    comment = db.session.scalar(
        select(ItemComment).where(
            ItemComment.item_id == item.id, ItemComment.member_id == member.id
        )
    )
    if grading.comment:
        if comment is None:
            db.session.add(ItemComment(item_id=item.id, member_id=member.id, text=grading.comment))
        else:
            comment.text = grading.comment
            comment.created_at = utcnow()
    elif comment is not None:
        db.session.delete(comment)
    db.session.commit()
    return item


# ----------------------------------------------------------------- deliberation


@dataclass(frozen=True)
class CriterionResult:
    criterion: dict[str, Any]
    merit: majority.Merit[str]


@dataclass(frozen=True)
class Remark:
    author: str
    role: str
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class ItemResult:
    """One project of the deliberation: its result on each criterion, its overall merit
    (all criteria's grades together, which ranks it), the comments."""

    item: MeetingItem
    criteria: list[CriterionResult]
    overall: majority.Merit[int]
    graders: int
    comments: list[Remark]


@dataclass(frozen=True)
class Deliberation:
    meeting: Meeting
    committee: Committee
    items: list[ItemResult]  # best first
    members: int  # members whose link works


def deliberation(fabrique: Fabrique, committee_id: int, meeting_id: int) -> Deliberation:
    """What the member running the meeting sees: per project and per criterion, the
    majority grade, the grades' distribution, how many graded, the lowest and highest;
    the projects ranked by majority judgment on all their criteria's grades; the
    comments."""
    meeting = meeting_in(fabrique, committee_id, meeting_id)
    committee = meeting.committee
    keys = criteria_keys(committee)
    items = sorted(meeting.items, key=lambda i: (i.position, i.id))
    ids = [item.id for item in items]
    by_item: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    graders: dict[int, set[int]] = defaultdict(set)
    for grade in db.session.scalars(select(Grade).where(Grade.item_id.in_(ids))):
        if grade.criterion in keys:
            by_item[grade.item_id][grade.criterion].append(grade.grade)
            graders[grade.item_id].add(grade.member_id)
    names = {
        m.id: (m.name, m.role)
        for m in db.session.scalars(
            select(CommitteeMember).where(CommitteeMember.committee_id == committee.id)
        )
    }
    remarks: dict[int, list[Remark]] = defaultdict(list)
    for comment in db.session.scalars(
        select(ItemComment).where(ItemComment.item_id.in_(ids)).order_by(ItemComment.created_at)
    ):
        name, role = names.get(comment.member_id or 0, ("", ""))
        remarks[comment.item_id].append(Remark(name, role, comment.text, comment.created_at))
    overall = {item.id: [g for key in keys for g in by_item[item.id][key]] for item in items}
    ranked = majority.rank(overall)
    results = [
        ItemResult(
            item=next(i for i in items if i.id == merit.option),
            criteria=[
                CriterionResult(
                    c, majority.merit(str(c["key"]), by_item[merit.option][str(c["key"])])
                )
                for c in committee.criteria
            ],
            overall=merit,
            graders=len(graders[merit.option]),
            comments=remarks[merit.option],
        )
        for merit in ranked
    ]
    members = sum(1 for m in committee.members if m.revoked_at is None)
    return Deliberation(meeting, committee, results, members)


def decide(
    fabrique: Fabrique,
    committee_id: int,
    meeting_id: int,
    item_id: int,
    form: DecisionForm,
    *,
    by: Facilitator | None = None,
    by_label: str = "",
) -> MeetingItem:
    """Record the committee's decision on a project of an open or closed meeting: on
    the agenda item (what, why, when, who) and in the project's history ("decision").
    « Dropped » moves the project to « abandoned » with the reason; any other decision
    keeps its stage unless ``form.stage`` names a new one. ``by`` is the member who
    records it; ``by_label`` says who otherwise (an API token's name), else the history
    names the committee. Commits."""
    lock_fabrique(fabrique.id)
    meeting = meeting_in(fabrique, committee_id, meeting_id)
    if meeting.status == "planned":
        raise Conflict(_("Open the meeting before recording decisions."))
    item = _item_in(meeting, item_id)
    now = utcnow()
    item.decision = Decision(form.decision).value
    item.decision_reason = form.reason
    item.decided_at = now
    item.decided_by_id = by.id if by is not None else None
    committee = meeting.committee
    label = by_label or committee.name
    project = projects.project_in(fabrique, item.project_id)
    projects.record(
        project,
        "decision",
        {
            "decision": item.decision,
            "reason": form.reason,
            "committee_id": committee.id,
            "committee": committee.name,
            "meeting_id": meeting.id,
            "meeting": meeting.title,
            "meeting_date": meeting.date.isoformat(),
        },
        by=by,
        by_label=label,
        at=now,
    )
    context = {"decision": item.decision, "meeting_id": meeting.id}
    if form.decision == Decision.DROPPED:
        projects.set_stage(
            fabrique,
            project.id,
            Stage.ABANDONED.value,
            reason=form.reason,
            by=by,
            by_label=label,
            extra=context,
        )
    elif form.stage is not None and form.stage != project.stage:
        projects.set_stage(fabrique, project.id, form.stage, by=by, by_label=label, extra=context)
    else:
        projects.touch(project, None)
    db.session.commit()
    return item


# ---------------------------------------------------------------- project page


@dataclass(frozen=True)
class ProjectSitting:
    """A meeting a project was on, and what was decided there."""

    committee: Committee
    meeting: Meeting
    item: MeetingItem


def project_sittings(project: Project) -> list[ProjectSitting]:
    """The meetings ``project`` was on (newest first), with their committee and the
    decision taken: the committees' part of the project page."""
    rows = db.session.execute(
        select(MeetingItem, Meeting, Committee)
        .join(Meeting, MeetingItem.meeting_id == Meeting.id)
        .join(Committee, Meeting.committee_id == Committee.id)
        .where(MeetingItem.project_id == project.id, Committee.fabrique_id == project.fabrique_id)
        .order_by(Meeting.date.desc(), Meeting.id.desc())
    ).all()
    return [ProjectSitting(committee, meeting, item) for item, meeting, committee in rows]


def _decided(fabrique: Fabrique, since: dt.datetime | None) -> Any:
    query = (
        select(MeetingItem, Meeting, Committee)
        .join(Meeting, MeetingItem.meeting_id == Meeting.id)
        .join(Committee, Meeting.committee_id == Committee.id)
        .where(Committee.fabrique_id == fabrique.id, MeetingItem.decided_at.is_not(None))
    )
    if since is not None:
        query = query.where(MeetingItem.decided_at >= since)
    return query


def decisions_of(
    fabrique: Fabrique,
    *,
    since: dt.datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[ProjectSitting]:
    """The Fabrique's committees' decisions (recorded at or after ``since``), oldest
    recorded first: what a tool syncing them reads."""
    query = _decided(fabrique, since).order_by(MeetingItem.decided_at, MeetingItem.id)
    query = query.offset(offset).limit(limit)
    return [ProjectSitting(c, m, i) for i, m, c in db.session.execute(query).all()]


def count_decisions(fabrique: Fabrique, *, since: dt.datetime | None = None) -> int:
    """How many decisions :func:`decisions_of` holds in all."""
    inner = _decided(fabrique, since).subquery()
    return int(db.session.scalar(select(func.count()).select_from(inner)) or 0)


def remove_member(fabrique: Fabrique, committee_id: int, member_id: int) -> None:
    """Delete a member with their grades and comments (what a member asks when they
    want their data erased; revoking keeps them); commits."""
    lock_fabrique(fabrique.id)
    member = member_in(committee_in(fabrique, committee_id), member_id)
    db.session.execute(delete(Grade).where(Grade.member_id == member.id))
    db.session.execute(delete(ItemComment).where(ItemComment.member_id == member.id))
    db.session.delete(member)
    db.session.commit()
