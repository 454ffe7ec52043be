"""Reports for funders and collectivités, and the public « carnet de projets ».

:func:`funder_report` answers « what did the Fabrique do over this period, on this
territory (and for this campaign)? » in counts only, never a name or a contact: sessions
held and their participants by profile, ideas collected by source, projects at each
stage, holders found, projects launched, committees' decisions.

What counts, and why:

- **Projects** are the portfolio's lines (:class:`~workshop.models.Project`), counted as
  the funnel counts them (:func:`~workshop.services.portfolio.project_queries.counted`):
  a project merged into another is counted once, as the one it was merged into; an
  idea-box posting a member has not accepted (``review != "accepted"``) is not counted
  at all; a project *absent* from its session's newest export still counts once a
  member worked on it (its stage, sheet, holders: that work is real and kept), not when
  nobody touched it (it is no longer a line of the Fabrique's work).
- A project counts in a report when it had **begun by the end of the period**: on its
  session's day (when it came from a dated session), else when it entered the portfolio.
  Its stage is the one it has **now** (the history of stages is in each project's page).
- **Sessions held** are those whose day falls in the period (a session without a day:
  the day it was first imported). Their participants by profile come from exports 1.2
  on; the people of older sessions are counted « non renseigné », as are people who
  erased their data.
- **Ideas collected**: the ideas of the sessions held (neither merged into another idea
  nor withdrawn by their author nor hidden by moderation; still counted when a newer
  export no longer holds them), the accepted postings of idea boxes and the needs
  relayed by partners that entered the portfolio in the period.
- **Territory**: the same words, whatever their case and spacing (« nord ardèche » is
  « Nord Ardèche »). A session's is its own, a project's and an idea's the one the funnel
  counts them in.
- **Campaign**: projects carry one (an idea box's, or set by a member); a session is in a
  campaign when one of its projects is, and its ideas when their project is.

Days are those of the server's time zone (``TIMEZONE``).

The carnet (:func:`carnet_of`) shows the projects a Fabrique chose to publish
(:func:`set_publication`), with their public summary, territory and stage; holders by
name only when they are a collective or a structure, a person as « un·e porteur·se »
(people's names are published only with their consent, which the portfolio does not
record).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..exports.localized import timezone
from ..extensions import db
from ..models import (
    Committee,
    Decision,
    Fabrique,
    Facilitator,
    HolderKind,
    IdeaBox,
    IdeaStatus,
    Meeting,
    MeetingItem,
    PortfolioIdea,
    PortfolioSession,
    Profile,
    Project,
    ProjectEvent,
    ProjectHolder,
    ProjectKind,
    Review,
    Stage,
    utcnow,
)
from ..schemas.reports import Publication, ReportQuery
from ..stages import STAGES
from .fabriques import get_by_slug, lock_fabrique, require_member
from .portfolio.project_queries import counted
from .portfolio.projects import project_in, record

#: Where collected ideas come from, in the report's order.
SOURCES = ("session", "box", "relayed")
#: The key of people whose profile is not known (older exports, erased data).
NOT_GIVEN = "not_given"
# An idea a session collected: not merged into another, not withdrawn, not hidden.
_COLLECTED_STATES = (IdeaStatus.VISIBLE.value, IdeaStatus.PENDING.value)


@dataclass(frozen=True)
class SessionLine:
    """A session held in the period, as the report lists it (no names of people)."""

    title: str
    date: dt.date | None
    territory: str
    format: str
    participants: int
    by_profile: dict[str, int] | None


@dataclass(frozen=True)
class FunderReport:
    """The figures of :func:`funder_report` (counts only)."""

    fabrique_name: str
    query: ReportQuery
    generated_at: dt.datetime
    sessions: list[SessionLine]
    #: People of the sessions held by profile (every profile, then :data:`NOT_GIVEN`).
    participants_by_profile: dict[str, int]
    participants: int
    sessions_without_profiles: int
    #: Ideas collected by source (:data:`SOURCES`).
    ideas_by_source: dict[str, int]
    #: Projects begun by the end of the period, by their stage now (every stage).
    projects_by_stage: dict[str, int]
    projects: int
    projects_with_holder: int
    holders_added: int
    holders_added_by_kind: dict[str, int]
    launched_in_period: int
    launched_total: int
    #: Decisions of committees in the period, by decision (only those taken).
    decisions: dict[str, int] = field(default_factory=dict)

    @property
    def ideas(self) -> int:
        return sum(self.ideas_by_source.values())


# --------------------------------------------------------------------- territories


def normalise(value: str) -> str:
    """How two territories (or campaigns) are compared: case and spacing aside."""
    return " ".join(value.split()).casefold()


def _matching(values: Iterable[str], wanted: str) -> list[str]:
    """The stored ``values`` that are ``wanted`` once normalised."""
    target = normalise(wanted)
    return [value for value in set(values) if normalise(value) == target]


def _distinct(query: Select[str]) -> list[str]:
    return [value for value in db.session.scalars(query.distinct()) if value and value.strip()]


def _capitalised(value: str) -> int:
    return sum(1 for word in value.split() if word[:1].isupper() and word[1:] == word[1:].lower())


def _first_spelling(values: Iterable[str]) -> list[str]:
    """One spelling per normalised value, sorted as people read them."""
    kept: dict[str, str] = {}
    # The spelling most like a name (« Nord Ardèche » over « nord ARDÈCHE »).
    for value in sorted(values, key=lambda v: (normalise(v), -_capitalised(v), v)):
        kept.setdefault(normalise(value), " ".join(value.split()))
    return sorted(kept.values(), key=normalise)


def known_territories(fabrique: Fabrique) -> list[str]:
    """The territories of the Fabrique's sessions and projects (each spelling once), for
    the report form's choices."""
    values = _distinct(
        select(PortfolioSession.territory).where(PortfolioSession.fabrique_id == fabrique.id)
    ) + _distinct(select(Project.territory).where(Project.fabrique_id == fabrique.id))
    return _first_spelling(values)


def known_campaigns(fabrique: Fabrique) -> list[str]:
    """The campaigns of the Fabrique's projects and idea boxes, for the report form."""
    values = _distinct(
        select(Project.campaign).where(Project.fabrique_id == fabrique.id)
    ) + _distinct(select(IdeaBox.campaign).where(IdeaBox.fabrique_id == fabrique.id))
    return _first_spelling(values)


# ------------------------------------------------------------------------- the report


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period's first moment and the moment after it (UTC), for days ``start`` to
    ``end`` of the server's time zone."""
    zone = timezone()
    first = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return first.astimezone(dt.UTC), after.astimezone(dt.UTC)


def _local_day(moment: dt.datetime | None) -> dt.date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(timezone()).date()


def _in(moment: dt.datetime | None, first: dt.datetime, after: dt.datetime) -> bool:
    if moment is None:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return first <= moment < after


@dataclass(frozen=True)
class _Scope:
    """The report's filters as SQL conditions on the Fabrique's rows."""

    fabrique_id: int
    territories: list[str] | None  # None: any territory
    campaigns: list[str] | None  # None: any campaign

    def projects(self) -> Select[Project]:
        """Counted projects (as the funnel's) of the territory and campaign."""
        query = select(Project).where(Project.fabrique_id == self.fabrique_id, counted())
        if self.territories is not None:
            query = query.where(Project.territory.in_(self.territories))
        if self.campaigns is not None:
            query = query.where(Project.campaign.in_(self.campaigns))
        return query


def _scope(fabrique: Fabrique, query: ReportQuery) -> _Scope:
    territories = campaigns = None
    if query.territory:
        territories = _matching(
            _distinct(
                select(PortfolioSession.territory).where(
                    PortfolioSession.fabrique_id == fabrique.id
                )
            )
            + _distinct(select(Project.territory).where(Project.fabrique_id == fabrique.id))
            + _distinct(
                select(PortfolioIdea.territory).where(PortfolioIdea.fabrique_id == fabrique.id)
            ),
            query.territory,
        )
    if query.campaign:
        campaigns = _matching(
            _distinct(select(Project.campaign).where(Project.fabrique_id == fabrique.id)),
            query.campaign,
        )
    return _Scope(fabrique.id, territories, campaigns)


def _sessions_held(
    scope: _Scope, query: ReportQuery, first: dt.datetime, after: dt.datetime
) -> list[PortfolioSession]:
    sessions = select(PortfolioSession).where(PortfolioSession.fabrique_id == scope.fabrique_id)
    if scope.territories is not None:
        sessions = sessions.where(PortfolioSession.territory.in_(scope.territories))
    if scope.campaigns is not None:
        in_campaign = (
            select(Project.session_id)
            .where(
                Project.fabrique_id == scope.fabrique_id,
                Project.campaign.in_(scope.campaigns),
                Project.session_id.is_not(None),
            )
            .scalar_subquery()
        )
        sessions = sessions.where(PortfolioSession.id.in_(in_campaign))
    held = [
        session
        for session in db.session.scalars(sessions)
        if (
            query.start <= session.date <= query.end
            if session.date is not None
            else _in(session.created_at, first, after)
        )
    ]
    held.sort(key=lambda s: (s.date or _local_day(s.created_at) or query.start, s.id))
    return held


def _participants(
    sessions: list[PortfolioSession],
) -> tuple[dict[str, int], int, int]:
    """People by profile (plus :data:`NOT_GIVEN`), in all, and the sessions without
    counts by profile."""
    counts: Counter[str] = Counter()
    without = 0
    total = 0
    for session in sessions:
        people = int(session.participants_count or 0)
        total += people
        by_profile = session.participants_by_profile
        if by_profile is None:
            without += 1
            counts[NOT_GIVEN] += people
            continue
        known = 0
        for profile in Profile:
            number = int(by_profile.get(profile.value, 0) or 0)
            counts[profile.value] += number
            known += number
        counts[NOT_GIVEN] += max(0, people - known)
    ordered = {profile.value: counts[profile.value] for profile in Profile}
    ordered[NOT_GIVEN] = counts[NOT_GIVEN]
    return ordered, total, without


def _session_ideas(scope: _Scope, sessions: list[PortfolioSession]) -> int:
    if not sessions:
        return 0
    query = select(func.count(PortfolioIdea.id)).where(
        PortfolioIdea.fabrique_id == scope.fabrique_id,
        PortfolioIdea.session_id.in_([s.id for s in sessions]),
        PortfolioIdea.merged_into_id.is_(None),
        PortfolioIdea.state.in_(_COLLECTED_STATES),
    )
    if scope.territories is not None:
        query = query.where(PortfolioIdea.territory.in_(scope.territories))
    if scope.campaigns is not None:
        query = query.join(Project, Project.id == PortfolioIdea.project_id).where(
            Project.campaign.in_(scope.campaigns)
        )
    return int(db.session.scalar(query) or 0)


def _launched_in(projects: list[Project], first: dt.datetime, after: dt.datetime) -> set[int]:
    """The projects that reached « launched » in the period: by a change of stage in
    their history (a member's, or a newer export's), or, launched when they entered the
    portfolio, by when their stage last changed."""
    ids = {p.id for p in projects}
    launched: set[int] = set()
    if ids:
        for project_id, kind, data in db.session.execute(
            select(ProjectEvent.project_id, ProjectEvent.kind, ProjectEvent.data).where(
                ProjectEvent.project_id.in_(ids),
                ProjectEvent.kind.in_(("stage_changed", "imported")),
                ProjectEvent.at >= first,
                ProjectEvent.at < after,
            )
        ):
            if not isinstance(data, dict):
                continue
            change = (data.get("changes") or {}).get("stage") if kind == "imported" else data
            if isinstance(change, dict) and change.get("to") == Stage.LAUNCHED.value:
                launched.add(int(project_id))
    for project in projects:
        if project.stage == Stage.LAUNCHED.value and _in(
            project.stage_changed_at or project.created_at, first, after
        ):
            launched.add(project.id)
    return launched


def _holders(
    projects: list[Project], query: ReportQuery, first: dt.datetime, after: dt.datetime
) -> tuple[int, dict[str, int]]:
    """Projects with at least one holder now, and the holders who arrived in the period
    by kind (their ``since`` day, else the day they were entered)."""
    ids = [p.id for p in projects]
    if not ids:
        return 0, {kind.value: 0 for kind in HolderKind}
    with_holder: set[int] = set()
    added: Counter[str] = Counter()
    for holder in db.session.scalars(
        select(ProjectHolder).where(ProjectHolder.project_id.in_(ids))
    ):
        with_holder.add(holder.project_id)
        if holder.since is not None:
            arrived = query.start <= holder.since <= query.end
        else:
            arrived = _in(holder.created_at, first, after)
        if arrived:
            added[holder.kind] += 1
    return len(with_holder), {kind.value: added[kind.value] for kind in HolderKind}


def _decisions(scope: _Scope, first: dt.datetime, after: dt.datetime) -> dict[str, int]:
    query = (
        select(MeetingItem.decision, func.count())
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .join(Project, Project.id == MeetingItem.project_id)
        .where(
            Committee.fabrique_id == scope.fabrique_id,
            Project.fabrique_id == scope.fabrique_id,
            MeetingItem.decision.is_not(None),
            MeetingItem.decided_at >= first,
            MeetingItem.decided_at < after,
        )
        .group_by(MeetingItem.decision)
    )
    if scope.territories is not None:
        query = query.where(Project.territory.in_(scope.territories))
    if scope.campaigns is not None:
        query = query.where(Project.campaign.in_(scope.campaigns))
    counts = {str(decision): int(n) for decision, n in db.session.execute(query)}
    return {d.value: counts[d.value] for d in Decision if counts.get(d.value)}


def funder_report(
    fabrique: Fabrique,
    period_start: dt.date,
    period_end: dt.date,
    territory: str | None = None,
    campaign: str | None = None,
) -> FunderReport:
    """The report of ``fabrique`` for the days ``period_start`` to ``period_end``
    (included), on ``territory`` and for ``campaign`` when given (see the module
    docstring for what counts). Read-only: the caller checks who may see it (members of
    the Fabrique)."""
    query = ReportQuery(period_start, period_end, territory or "", campaign or "")
    first, after = period_bounds(period_start, period_end)
    scope = _scope(fabrique, query)

    sessions = _sessions_held(scope, query, first, after)
    by_profile, participants, without = _participants(sessions)

    begun: list[Project] = []
    session_days = {
        int(session_id): day
        for session_id, day in db.session.execute(
            select(PortfolioSession.id, PortfolioSession.date).where(
                PortfolioSession.fabrique_id == fabrique.id
            )
        )
    }
    ideas_by_source = {source: 0 for source in SOURCES}
    ideas_by_source["session"] = _session_ideas(scope, sessions)
    for project in db.session.scalars(scope.projects()):
        day = session_days.get(project.session_id) if project.session_id else None
        if day is not None:
            if day <= period_end:
                begun.append(project)
        elif project.created_at < after:
            begun.append(project)
        if project.kind in (ProjectKind.BOX.value, ProjectKind.RELAYED.value) and _in(
            project.created_at, first, after
        ):
            ideas_by_source[project.kind] += 1

    stages = Counter(project.stage for project in begun)
    with_holder, added = _holders(begun, query, first, after)
    return FunderReport(
        fabrique_name=fabrique.name,
        query=query,
        generated_at=utcnow(),
        sessions=[
            SessionLine(
                title=session.title,
                date=session.date or _local_day(session.created_at),
                territory=session.territory,
                format=session.format,
                participants=int(session.participants_count or 0),
                by_profile=session.participants_by_profile,
            )
            for session in sessions
        ],
        participants_by_profile=by_profile,
        participants=participants,
        sessions_without_profiles=without,
        ideas_by_source=ideas_by_source,
        projects_by_stage={stage: stages[stage] for stage in STAGES},
        projects=len(begun),
        projects_with_holder=with_holder,
        holders_added=sum(added.values()),
        holders_added_by_kind=added,
        launched_in_period=len(_launched_in(begun, first, after)),
        launched_total=stages[Stage.LAUNCHED.value],
        decisions=_decisions(scope, first, after),
    )


# ------------------------------------------------------------------------ the carnet


@dataclass(frozen=True)
class CarnetEntry:
    """A project as the public carnet shows it: nothing personal."""

    title: str
    summary: str
    territory: str
    stage: str
    #: Collectives and structures that carry it, by name.
    named_holders: tuple[str, ...]
    #: People who carry it (never named).
    people_holders: int


@dataclass(frozen=True)
class Carnet:
    """A Fabrique's public carnet: its introduction and its published projects by stage."""

    fabrique_name: str
    intro: str
    #: ``(stage, entries)`` in the stages' order, stages without a project left out.
    groups: list[tuple[str, list[CarnetEntry]]]

    @property
    def count(self) -> int:
        return sum(len(entries) for _stage, entries in self.groups)


def _entry(project: Project) -> CarnetEntry:
    named = tuple(
        holder.name
        for holder in project.holders
        if holder.kind in (HolderKind.COLLECTIVE.value, HolderKind.STRUCTURE.value)
    )
    return CarnetEntry(
        title=project.title,
        summary=project.public_summary,
        territory=project.territory,
        stage=project.stage,
        named_holders=named,
        people_holders=sum(1 for h in project.holders if h.kind == HolderKind.PERSON.value),
    )


def carnet_of(slug: str) -> Carnet:
    """The public carnet of the Fabrique ``slug`` (:class:`NotFound` for no such
    Fabrique): the projects it published, not merged into another, accepted, by stage
    then title. Anyone may read it."""
    fabrique = get_by_slug(slug)
    projects = db.session.scalars(
        select(Project)
        .options(selectinload(Project.holders))
        .where(
            Project.fabrique_id == fabrique.id,
            Project.published.is_(True),
            Project.merged_into_id.is_(None),
            Project.review == Review.ACCEPTED.value,
        )
    ).all()
    groups = []
    for stage in STAGES:
        entries = sorted(
            (_entry(p) for p in projects if p.stage == stage),
            key=lambda e: normalise(e.title),
        )
        if entries:
            groups.append((stage, entries))
    return Carnet(fabrique_name=fabrique.name, intro=fabrique.carnet_intro, groups=groups)


def set_carnet_intro(fabrique: Fabrique, intro: str, by: Facilitator) -> Fabrique:
    """A member writes the introduction of the Fabrique's carnet (already parsed).
    Raises :class:`~workshop.errors.Forbidden` for anyone else."""
    require_member(fabrique, by)
    locked = lock_fabrique(fabrique.id)
    locked.carnet_intro = intro
    db.session.commit()
    return locked


def set_publication(
    fabrique: Fabrique, project_id: int, publication: Publication, by: Facilitator
) -> Project:
    """A member shows a project in the carnet, or takes it out, with the summary the
    carnet shows; recorded in its history ("published", "unpublished" or
    "public_summary") when something changed.

    The stage and sheet keep following the session's exports: publishing is not a
    change of the follow-up. Raises :class:`~workshop.errors.Forbidden` for anyone but
    a member, :class:`~workshop.errors.NotFound` for another Fabrique's project.
    """
    require_member(fabrique, by)
    lock_fabrique(fabrique.id)
    project = project_in(fabrique, project_id)
    data: dict[str, Any] = {}
    kind = ""
    if publication.published != project.published:
        kind = "published" if publication.published else "unpublished"
        data["published"] = publication.published
    if publication.public_summary != project.public_summary:
        kind = kind or "public_summary"
        data["public_summary"] = {
            "from": project.public_summary,
            "to": publication.public_summary,
        }
    if kind:
        project.published = publication.published
        project.public_summary = publication.public_summary
        record(project, kind, data, by=by)
    db.session.commit()
    return project
