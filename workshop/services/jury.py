"""A cycle's jury: jurors invited by link, grades on a grid, deliberation and decisions.

The facilitators of a cycle define its grid (``Cycle.criteria``: stable keys, labels the
facilitators may change), add jurors (an élu, a partner: no account), each with a
personal link ``/jury/<secret>`` (only the secret's SHA-256 is kept; it can be revoked
or replaced), and open or close grading. While grading is open, each juror grades every
project of the cycle on every criterion (majority judgment's 7-grade scale,
:mod:`workshop.majority`) and comments. The deliberation shows, per project and per
criterion, the majority grade, the grades' distribution, how many jurors graded, the
lowest and highest grade, ranks the projects by majority judgment, and lists the
comments; a facilitator records the decision on each project (kept, to rework,
declined with its reason) on ``CycleProject.decision*``, with its date and who.

Every function that writes takes the cycle's write lock, checks that what it names
belongs to the cycle (:class:`NotFound` otherwise: ids never leak across cycles) and
commits. Nothing here is live: jurors and facilitators work on pages.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import majority
from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import (
    Cycle,
    CycleProject,
    Enrolment,
    Facilitator,
    Juror,
    JuryGrade,
    JuryReview,
    Phase,
    ProjectDecision,
    Workshop,
    WorkshopStatus,
    utcnow,
)
from ..phases import PhaseKind
from ..schemas.fields import INT_MAX
from ..schemas.jury import Criterion, DecisionForm, Grading, NewJuror
from .cycles import link_hash, lock_cycle, require_cycle_facilitator

# Where a closed grading is written down, until the cycle has a column of its own for
# it (see is_open).
_STATE_KEY = "jury"


def _bad_link() -> NotFound:
    """The answer to an unknown, replaced or revoked link: the same, a link says nothing
    of why."""
    return NotFound(_("This link is not valid, or it was replaced or revoked."))


def _own_cycle(cycle_id: int, facilitator: Facilitator) -> Cycle:
    """The cycle, locked, once ``facilitator`` is one of its facilitators (NotFound
    otherwise)."""
    require_cycle_facilitator(cycle_id, facilitator)
    return lock_cycle(cycle_id)


# ------------------------------------------------------------------------ reading


def criteria_of(cycle: Cycle) -> list[dict[str, Any]]:
    """The cycle's grid, in its order (``[{"key", "label", "description"}]``)."""
    return [c for c in cycle.criteria or [] if c.get("key")]


def criteria_keys(cycle: Cycle) -> list[str]:
    return [str(c["key"]) for c in criteria_of(cycle)]


def is_open(cycle: Cycle) -> bool:
    """Whether jurors may grade now: the facilitators have not closed grading and the
    cycle is not over."""
    if cycle.closed_at is not None:
        return False
    state = (cycle.questionnaires or {}).get(_STATE_KEY)
    return not (isinstance(state, dict) and state.get("closed_at"))


def jurors_of(cycle: Cycle) -> list[Juror]:
    """The cycle's jurors, in the order they were added."""
    return list(
        db.session.scalars(select(Juror).where(Juror.cycle_id == cycle.id).order_by(Juror.id))
    )


def projects_of(cycle: Cycle) -> list[CycleProject]:
    """The cycle's projects, in their pitch order."""
    return list(
        db.session.scalars(
            select(CycleProject)
            .where(CycleProject.cycle_id == cycle.id)
            .order_by(CycleProject.position, CycleProject.id)
        )
    )


def holder_name(project: CycleProject) -> str:
    """The holder's name as the jury may read it: only when they chose to show it, and
    never once they erased their data."""
    if not project.show_name or project.enrolment_id is None:
        return ""
    enrolment = db.session.get(Enrolment, project.enrolment_id)
    if enrolment is None or enrolment.erased_at is not None:
        return ""
    return enrolment.display_name


@dataclass(frozen=True)
class Section:
    """One section of a note d'intention, with the template's words for it."""

    key: str
    label: str
    text: str


def intention_sections(cycle: Cycle, project: CycleProject) -> list[Section]:
    """The note d'intention's written sections, in the template's order (a section the
    template no longer has is still shown, last, under its key)."""
    written = {
        str(k): str(v).strip() for k, v in (project.intention or {}).items() if str(v).strip()
    }
    sections = []
    for entry in cycle.intention_template or []:
        key = str(entry.get("key", ""))
        if key in written:
            sections.append(Section(key, str(entry.get("label") or key), written.pop(key)))
    sections.extend(Section(key, key, value) for key, value in written.items())
    return sections


# ------------------------------------------------------------------- the grid


def save_criteria(cycle_id: int, facilitator: Facilitator, criteria: list[Criterion]) -> Cycle:
    """Replace the cycle's grid (parsed against it: kept rows keep their key, so their
    grades stay theirs). Grades on a removed criterion stay stored but no longer count,
    until a new criterion takes its key (the grid was also edited on the cycle's page):
    they are deleted then, never counted for it. A facilitator of the cycle only;
    commits."""
    cycle = _own_cycle(cycle_id, facilitator)
    new_keys = {c.key for c in criteria} - set(criteria_keys(cycle))
    if new_keys:
        projects = select(CycleProject.id).where(CycleProject.cycle_id == cycle.id)
        db.session.execute(
            delete(JuryGrade).where(
                JuryGrade.project_id.in_(projects), JuryGrade.criterion.in_(new_keys)
            )
        )
    cycle.criteria = [criterion.as_dict() for criterion in criteria]
    db.session.commit()
    return cycle


def set_open(cycle_id: int, facilitator: Facilitator, open_: bool) -> Cycle:
    """Open grading to the jurors, or close it (grades are frozen; the deliberation and
    decisions go on). A facilitator of the cycle only; a closed cycle stays closed to
    grading (:class:`Conflict`); commits."""
    cycle = _own_cycle(cycle_id, facilitator)
    if open_ and cycle.closed_at is not None:
        raise Conflict(_("This cycle is over: its jury can no longer grade."))
    state = dict(cycle.questionnaires or {})
    if open_:
        state.pop(_STATE_KEY, None)
    else:
        state[_STATE_KEY] = {"closed_at": utcnow().isoformat()}
    cycle.questionnaires = state
    db.session.commit()
    return cycle


# ------------------------------------------------------------------------ jurors


@dataclass(frozen=True)
class IssuedLink:
    """A juror and the secret of their personal link: shown once, never stored."""

    juror: Juror
    secret: str


def _project_in(cycle: Cycle, project_id: int) -> CycleProject:
    project = db.session.get(CycleProject, project_id) if 0 < project_id <= INT_MAX else None
    if project is None or project.cycle_id != cycle.id:
        raise NotFound()
    return project


def _juror_in(cycle: Cycle, juror_id: int) -> Juror:
    juror = db.session.get(Juror, juror_id) if 0 < juror_id <= INT_MAX else None
    if juror is None or juror.cycle_id != cycle.id:
        raise NotFound()
    return juror


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return secret, link_hash(secret)


def add_juror(cycle_id: int, facilitator: Facilitator, new: NewJuror) -> IssuedLink:
    """Add a juror to the cycle with their personal link (nothing is sent: the
    facilitator passes the link on). A facilitator of the cycle only; commits."""
    cycle = _own_cycle(cycle_id, facilitator)
    secret, digest = _new_secret()
    juror = Juror(
        cycle_id=cycle.id, name=new.name, email=new.email, role=new.role, token_hash=digest
    )
    db.session.add(juror)
    db.session.commit()
    return IssuedLink(juror, secret)


def revoke_juror(cycle_id: int, facilitator: Facilitator, juror_id: int) -> Juror:
    """Stop a juror's link from working (their grades and comments stay and count); a
    facilitator of the cycle only; commits."""
    cycle = _own_cycle(cycle_id, facilitator)
    juror = _juror_in(cycle, juror_id)
    if juror.revoked_at is None:
        juror.revoked_at = utcnow()
    db.session.commit()
    return juror


def new_link(cycle_id: int, facilitator: Facilitator, juror_id: int) -> IssuedLink:
    """Give a juror a new link: the old one stops working, a revoked juror is invited
    again. A facilitator of the cycle only; commits."""
    cycle = _own_cycle(cycle_id, facilitator)
    juror = _juror_in(cycle, juror_id)
    secret, digest = _new_secret()
    juror.token_hash = digest
    juror.revoked_at = None
    db.session.commit()
    return IssuedLink(juror, secret)


def remove_juror(cycle_id: int, facilitator: Facilitator, juror_id: int) -> Juror:
    """Delete a juror with their grades and comments (what a juror asks when they want
    their data erased; revoking keeps them). A facilitator of the cycle only; commits."""
    cycle = _own_cycle(cycle_id, facilitator)
    juror = _juror_in(cycle, juror_id)
    db.session.execute(delete(JuryGrade).where(JuryGrade.juror_id == juror.id))
    db.session.execute(delete(JuryReview).where(JuryReview.juror_id == juror.id))
    db.session.delete(juror)
    db.session.commit()
    return juror


def progress(cycle: Cycle) -> dict[int, int]:
    """How many of the cycle's projects each juror graded on every criterion of the grid
    (juror id → count): what the facilitators check before deliberating."""
    keys = set(criteria_keys(cycle))
    project_ids = select(CycleProject.id).where(CycleProject.cycle_id == cycle.id)
    graded: dict[tuple[int, int], set[str]] = defaultdict(set)
    for juror_id, project_id, criterion in db.session.execute(
        select(JuryGrade.juror_id, JuryGrade.project_id, JuryGrade.criterion).where(
            JuryGrade.project_id.in_(project_ids)
        )
    ):
        if criterion in keys:
            graded[juror_id, project_id].add(criterion)
    done: dict[int, int] = defaultdict(int)
    for (juror_id, _project_id), criteria in graded.items():
        if keys and criteria == keys:
            done[juror_id] += 1
    return dict(done)


def juror_by_link(secret: str) -> Juror:
    """The juror whose personal link carries ``secret``; :class:`NotFound` for an
    unknown, replaced or revoked link (the same answer: a link says nothing of why)."""
    juror = None
    if 20 <= len(secret) <= 100:
        juror = db.session.scalar(select(Juror).where(Juror.token_hash == link_hash(secret)))
    if juror is None or juror.revoked_at is not None:
        raise _bad_link()
    return juror


def cycle_of_juror(juror: Juror) -> Cycle:
    cycle = db.session.get(Cycle, juror.cycle_id)
    if cycle is None:
        raise _bad_link()
    return cycle


# ------------------------------------------------------------- what jurors see


@dataclass
class JurorProject:
    """One project as a juror reads it, with what they gave it."""

    project: CycleProject
    holder: str
    sections: list[Section]
    grades: dict[str, int] = field(default_factory=dict)
    comment: str = ""

    @property
    def graded(self) -> int:
        return len(self.grades)


def juror_projects(juror: Juror) -> list[JurorProject]:
    """The projects of the juror's cycle (pitch order), each with its holder's name (if
    shown), its note d'intention, and the juror's own grades and comment."""
    cycle = cycle_of_juror(juror)
    keys = set(criteria_keys(cycle))
    grades: dict[int, dict[str, int]] = defaultdict(dict)
    for grade in db.session.scalars(select(JuryGrade).where(JuryGrade.juror_id == juror.id)):
        if grade.criterion in keys:
            grades[grade.project_id][grade.criterion] = grade.grade
    comments = {
        review.project_id: review.comment
        for review in db.session.scalars(select(JuryReview).where(JuryReview.juror_id == juror.id))
    }
    return [
        JurorProject(
            project,
            holder_name(project),
            intention_sections(cycle, project),
            grades[project.id],
            comments.get(project.id, ""),
        )
        for project in projects_of(cycle)
    ]


def on_stage(cycle: Cycle) -> int | None:
    """The project a session of the cycle has in its pitch spotlight right now (a pitch
    day: jurors grade while holders pitch), or ``None``."""
    spotlit = db.session.execute(
        select(Workshop.spotlight_project_id)
        .join(Phase, Phase.id == Workshop.current_phase_id)
        .where(
            Workshop.cycle_id == cycle.id,
            Workshop.status == WorkshopStatus.OPEN,
            Workshop.spotlight_project_id.is_not(None),
            Phase.kind == PhaseKind.PITCH,
        )
        .order_by(Workshop.id.desc())
        .limit(1)
    ).scalar()
    return spotlit


def grade_project(juror_id: int, project_id: int, grading: Grading) -> CycleProject:
    """A juror's grades and comment on one project of their cycle: replaces what they
    gave it before (a criterion left empty is no longer graded, an empty comment
    removes theirs). The juror's link must still work (:class:`NotFound`), the project
    be their cycle's (:class:`NotFound`) and grading be open (:class:`Conflict`);
    commits."""
    juror = db.session.get(Juror, juror_id)
    if juror is None:
        raise _bad_link()
    cycle = lock_cycle(juror.cycle_id)
    db.session.refresh(juror)
    if juror.revoked_at is not None:
        raise _bad_link()
    project = _project_in(cycle, project_id)
    if not is_open(cycle):
        raise Conflict(_("Grading is closed: grades can no longer be changed."))
    keys = set(criteria_keys(cycle))
    existing = {
        g.criterion: g
        for g in db.session.scalars(
            select(JuryGrade).where(
                JuryGrade.project_id == project.id, JuryGrade.juror_id == juror.id
            )
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
            db.session.add(
                JuryGrade(juror_id=juror.id, project_id=project.id, criterion=key, grade=value)
            )
        else:
            grade.grade = value
    review = db.session.scalar(
        select(JuryReview).where(
            JuryReview.project_id == project.id, JuryReview.juror_id == juror.id
        )
    )
    if grading.comment:
        if review is None:
            db.session.add(
                JuryReview(juror_id=juror.id, project_id=project.id, comment=grading.comment)
            )
        else:
            review.comment = grading.comment
    elif review is not None:
        db.session.delete(review)
    db.session.commit()
    return project


# ------------------------------------------------------------------ deliberation


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
class JurorGrades:
    """What one juror gave a project, criterion key → grade (the deliberation's detail,
    for talking about a spread)."""

    author: str
    role: str
    grades: dict[str, int]


@dataclass(frozen=True)
class ProjectResult:
    """One project of the deliberation: its result on each criterion, its overall merit
    (all its criteria's grades together, which ranks it), how many jurors graded it,
    their comments, and each juror's grades."""

    project: CycleProject
    holder: str
    criteria: list[CriterionResult]
    overall: majority.Merit[int]
    jurors: int
    comments: list[Remark]
    detail: list[JurorGrades]


@dataclass(frozen=True)
class Deliberation:
    cycle: Cycle
    criteria: list[dict[str, Any]]
    projects: list[ProjectResult]  # best first
    jurors: int  # jurors whose link works
    open: bool


def deliberation(cycle: Cycle) -> Deliberation:
    """What the facilitators see: per project and per criterion, the majority grade,
    the grades' distribution, how many jurors graded, the lowest and highest grade; the
    projects ranked by majority judgment on all their criteria's grades (tied projects
    share a rank); the comments with their juror's name and role. Reads only."""
    criteria = criteria_of(cycle)
    keys = [str(c["key"]) for c in criteria]
    projects = projects_of(cycle)
    ids = [p.id for p in projects]
    by_project: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    given: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for grade in db.session.scalars(select(JuryGrade).where(JuryGrade.project_id.in_(ids))):
        if grade.criterion in keys and grade.grade in majority.SCALE:
            by_project[grade.project_id][grade.criterion].append(grade.grade)
            given[grade.project_id][grade.juror_id][grade.criterion] = grade.grade
    jurors = jurors_of(cycle)
    names = {j.id: (j.name, j.role) for j in jurors}
    remarks: dict[int, list[Remark]] = defaultdict(list)
    for review in db.session.scalars(
        select(JuryReview)
        .where(JuryReview.project_id.in_(ids), JuryReview.comment != "")
        .order_by(JuryReview.updated_at, JuryReview.id)
    ):
        name, role = names.get(review.juror_id, ("", ""))
        remarks[review.project_id].append(Remark(name, role, review.comment, review.updated_at))
    overall = {p.id: [g for key in keys for g in by_project[p.id][key]] for p in projects}
    by_id = {p.id: p for p in projects}
    results = [
        ProjectResult(
            project=by_id[merit.option],
            holder=holder_name(by_id[merit.option]),
            criteria=[
                CriterionResult(
                    c, majority.merit(str(c["key"]), by_project[merit.option][str(c["key"])])
                )
                for c in criteria
            ],
            overall=merit,
            jurors=len(given[merit.option]),
            comments=remarks[merit.option],
            detail=[
                JurorGrades(*names.get(juror_id, ("", "")), grades)
                for juror_id, grades in sorted(given[merit.option].items())
            ],
        )
        for merit in majority.rank(overall)
    ]
    working = sum(1 for j in jurors if j.revoked_at is None)
    return Deliberation(cycle, criteria, results, working, is_open(cycle))


def decide(
    cycle_id: int, facilitator: Facilitator, project_id: int, form: DecisionForm
) -> CycleProject:
    """Record the decision on a project of the cycle (kept, to rework, declined with its
    reason): what, why, when and who, on the project (« mon projet » and the exports
    read it). A new decision replaces the previous one. A facilitator of the cycle
    only; :class:`NotFound` for another cycle's project; commits."""
    cycle = _own_cycle(cycle_id, facilitator)
    project = _project_in(cycle, project_id)
    project.decision = ProjectDecision(form.decision).value
    project.decision_reason = form.reason
    project.decided_at = utcnow()
    project.decided_by_id = facilitator.id
    db.session.commit()
    return project


def decided_by(project: CycleProject) -> str:
    """The name of the facilitator who recorded the decision (empty once their account
    is gone)."""
    if project.decided_by_id is None:
        return ""
    facilitator = db.session.get(Facilitator, project.decided_by_id)
    return facilitator.name if facilitator is not None else ""
