"""Holders' projects across a cycle (« mon projet »): pitch, note d'intention, logbook,
next steps, the feedback received, and the facilitators' view of them.

An enrolled person has at most one project per cycle (their enrolment is the holder):
the page ``/c/<token>/projet`` is « mon projet », singular; a second project would be a
second enrolment. A facilitator may create the project for a holder.

Edits of the project itself (title, pitch, choices, a section of the note d'intention)
are versioned: each form names the version it was made from and a save from an older
one is refused (:class:`Conflict`) so that the page keeps the typed text and shows the
saved one. The logbook only grows and the pitch order is the facilitators': neither
changes the version, so they never make a holder's save fail.

Each save of a section of the note d'intention is also written in the logbook as an
entry of kind ``"intention"`` whose text is the section's key: it dates the section
and names the session it was written in, while ``CycleProject.intention`` stays the
plain ``{section key: text}`` that the jury and the exports read. These entries are
not shown as lines of the carnet de bord.

``CycleProject.next_steps`` holds the logbook's next steps, one per line, oldest first
(kept here on each new one), for the exports.

Every function that writes takes the cycle's write lock, checks that what it names
belongs to the cycle (:class:`NotFound` otherwise: a token or a facilitator of another
cycle never reaches a project of this one) and commits. No fact is recorded: these
pages are not a live room (the pitch step reads the project when it shows it).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import (
    Cycle,
    CycleProject,
    Enrolment,
    Facilitator,
    FeedbackCard,
    LogbookEntry,
    Participant,
    Workshop,
    utcnow,
)
from ..models.workshops import WorkshopStatus
from ..schemas.cycle_projects import (
    Direction,
    LogbookKind,
    NewLogbookEntry,
    NewProjectFor,
    ProjectForm,
    SectionEdit,
)
from . import cycles

#: The logbook kind that dates a save of the note d'intention (text: the section key).
SECTION_SAVED = "intention"

# Words too common to tie a session's theme to a section of the note d'intention.
_STOP_WORDS = frozenset({"avec", "dans", "leur", "leurs", "notre", "nous", "pour", "vous", "with"})


# ------------------------------------------------------------------- reading


def cycle_of_enrolment(enrolment: Enrolment) -> Cycle:
    cycle = db.session.get(Cycle, enrolment.cycle_id)
    if cycle is None:
        raise NotFound()
    return cycle


def project_of(enrolment: Enrolment) -> CycleProject | None:
    """The enrolled person's project in their cycle, if they have one."""
    return db.session.scalars(
        select(CycleProject)
        .where(
            CycleProject.enrolment_id == enrolment.id,
            CycleProject.cycle_id == enrolment.cycle_id,
        )
        .order_by(CycleProject.id)
        .limit(1)
    ).first()


def _own_project(enrolment: Enrolment) -> CycleProject:
    project = project_of(enrolment)
    if project is None:
        raise NotFound()
    return project


def project_in(cycle: Cycle, project_id: int) -> CycleProject:
    """The project ``project_id`` of ``cycle``; :class:`NotFound` otherwise."""
    project = db.session.get(CycleProject, project_id)
    if project is None or project.cycle_id != cycle.id:
        raise NotFound()
    return project


def projects_of(cycle: Cycle) -> list[CycleProject]:
    """The cycle's projects in their pitch order."""
    return list(
        db.session.scalars(
            select(CycleProject)
            .where(CycleProject.cycle_id == cycle.id)
            .order_by(CycleProject.position, CycleProject.id)
        )
    )


def holders_without_project(cycle: Cycle) -> list[Enrolment]:
    """The cycle's enrolled people (not erased) who have no project yet, by name."""
    with_project = select(CycleProject.enrolment_id).where(
        CycleProject.cycle_id == cycle.id, CycleProject.enrolment_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(
                Enrolment.cycle_id == cycle.id,
                Enrolment.erased_at.is_(None),
                Enrolment.id.not_in(with_project),
            )
            .order_by(Enrolment.display_name, Enrolment.id)
        )
    )


def current_session(cycle: Cycle) -> Workshop | None:
    """The session of the cycle running now (open), if any: the first by date."""
    return next(
        (w for w in cycles.sessions_of(cycle) if w.status == WorkshopStatus.OPEN),
        None,
    )


def theme_session(cycle: Cycle, today: dt.date | None = None) -> Workshop | None:
    """The session whose theme the note d'intention is working on: the one running now,
    else the next one planned (today or later)."""
    running = current_session(cycle)
    if running is not None:
        return running
    today = today or dt.date.today()
    return next(
        (
            w
            for w in cycles.sessions_of(cycle)
            if w.status == WorkshopStatus.DRAFT and w.date is not None and w.date >= today
        ),
        None,
    )


def _words(value: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return {w for w in re.split(r"[^a-z0-9]+", plain) if len(w) >= 4 and w not in _STOP_WORDS}


def _plain(value: str) -> str:
    return " ".join(sorted(_words(value))) or value.strip().casefold()


def theme_section(template: list[dict[str, Any]], theme: str) -> str | None:
    """The key of the template's section a session's theme works on: the section whose
    key or label is the theme (accents and case aside), else the one sharing the most
    words with it (« gouvernance participative » → « Gouvernance »), else ``None``."""
    if not theme.strip():
        return None
    wanted = _plain(theme)
    for section in template:
        if theme.strip() == str(section.get("key", "")) or wanted == _plain(
            str(section.get("label", ""))
        ):
            return str(section["key"])
    theme_words = _words(theme)
    best, best_score = None, 0
    for section in template:
        words = _words(str(section.get("label", ""))) | _words(str(section.get("key", "")))
        score = len(theme_words & words)
        if score > best_score:
            best, best_score = str(section["key"]), score
    return best


# ---------------------------------------------------------------- writing


def _new_position(cycle: Cycle) -> int:
    last = db.session.scalar(
        select(func.max(CycleProject.position)).where(CycleProject.cycle_id == cycle.id)
    )
    return 0 if last is None else last + 1


def _create(cycle: Cycle, enrolment: Enrolment, form: ProjectForm) -> CycleProject:
    if project_of(enrolment) is not None:
        raise Conflict(_("You already have a project in this cycle."), reason="has_project")
    project = CycleProject(
        cycle_id=cycle.id,
        enrolment_id=enrolment.id,
        title=form.title,
        pitch=form.pitch,
        intention={},
        next_steps="",
        show_name=form.show_name,
        share_feedback=form.share_feedback,
        position=_new_position(cycle),
        version=1,
    )
    db.session.add(project)
    db.session.commit()
    return project


def create_project(enrolment: Enrolment, form: ProjectForm) -> CycleProject:
    """The enrolled person creates their project (one per cycle: :class:`Conflict`
    ``has_project`` when they have one). It goes last in the pitch order; commits."""
    cycle = cycles.lock_cycle(enrolment.cycle_id)
    return _create(cycle, enrolment, form)


def create_project_for(cycle_id: int, facilitator: Facilitator, new: NewProjectFor) -> CycleProject:
    """A facilitator of the cycle creates the project of an enrolled person of the same
    cycle (another cycle's or an erased enrolment: :class:`NotFound`); commits."""
    cycles.require_cycle_facilitator(cycle_id, facilitator)
    cycle = cycles.lock_cycle(cycle_id)
    enrolment = db.session.get(Enrolment, new.enrolment_id)
    if enrolment is None or enrolment.cycle_id != cycle.id or enrolment.erased_at is not None:
        raise NotFound()
    return _create(cycle, enrolment, new.project)


def _touch(project: CycleProject, version: int) -> None:
    if project.version != version:
        raise Conflict(_("This was saved meanwhile, from another phone or window."))
    project.version += 1


def update_project(enrolment: Enrolment, form: ProjectForm) -> CycleProject:
    """The holder saves their project's title, pitch and choices (name on the screen,
    feedback texts in exports). :class:`Conflict` when the form's version is not the
    project's (saved meanwhile, on another phone); commits."""
    cycles.lock_cycle(enrolment.cycle_id)
    project = _own_project(enrolment)
    _touch(project, form.version or 0)
    project.title = form.title
    project.pitch = form.pitch
    project.show_name = form.show_name
    project.share_feedback = form.share_feedback
    db.session.commit()
    return project


def save_section(enrolment: Enrolment, edit: SectionEdit) -> CycleProject:
    """The holder saves one section of their note d'intention (a key of the cycle's
    template, checked by the parser against it), dated and tied to the session running
    now through a logbook entry of kind ``"intention"``. :class:`Conflict` on an
    outdated version; commits."""
    cycle = cycles.lock_cycle(enrolment.cycle_id)
    project = _own_project(enrolment)
    _touch(project, edit.version)
    intention = dict(project.intention or {})
    intention[edit.key] = edit.text
    project.intention = intention
    running = current_session(cycle)
    db.session.add(
        LogbookEntry(
            project_id=project.id,
            workshop_id=running.id if running else None,
            kind=SECTION_SAVED,
            author="holder",
            text=edit.key,
            created_at=utcnow(),
        )
    )
    db.session.commit()
    return project


def _append(
    cycle: Cycle, project: CycleProject, entry: NewLogbookEntry, author: str
) -> LogbookEntry:
    running = current_session(cycle)
    line = LogbookEntry(
        project_id=project.id,
        workshop_id=running.id if running else None,
        kind=entry.kind,
        author=author,
        text=entry.text,
        created_at=utcnow(),
    )
    db.session.add(line)
    db.session.flush()
    _sync_next_steps(project)
    db.session.commit()
    return line


def _sync_next_steps(project: CycleProject) -> None:
    """``next_steps``: the logbook's next steps, one per line, oldest first."""
    steps = db.session.scalars(
        select(LogbookEntry.text)
        .where(
            LogbookEntry.project_id == project.id,
            LogbookEntry.kind == LogbookKind.NEXT_STEP.value,
        )
        .order_by(LogbookEntry.created_at, LogbookEntry.id)
    )
    project.next_steps = "\n".join(" ".join(step.split()) for step in steps)


def _remove(project: CycleProject, entry_id: int, author: str) -> None:
    line = db.session.get(LogbookEntry, entry_id)
    if (
        line is None
        or line.project_id != project.id
        or line.author != author
        or line.kind == SECTION_SAVED
    ):
        raise NotFound()
    db.session.delete(line)
    db.session.flush()
    _sync_next_steps(project)
    db.session.commit()


def add_logbook_entry(enrolment: Enrolment, entry: NewLogbookEntry) -> LogbookEntry:
    """The holder writes a line of their carnet de bord (decided, next step, note),
    dated and tied to the session running now, if any; commits."""
    cycle = cycles.lock_cycle(enrolment.cycle_id)
    return _append(cycle, _own_project(enrolment), entry, "holder")


def add_facilitator_entry(
    cycle_id: int, facilitator: Facilitator, project_id: int, entry: NewLogbookEntry
) -> LogbookEntry:
    """A facilitator of the cycle writes a line in a project's carnet de bord; commits."""
    cycles.require_cycle_facilitator(cycle_id, facilitator)
    cycle = cycles.lock_cycle(cycle_id)
    return _append(cycle, project_in(cycle, project_id), entry, "facilitator")


def remove_logbook_entry(enrolment: Enrolment, entry_id: int) -> None:
    """The holder deletes a line of their carnet de bord that they wrote (a line of the
    facilitation team's, or of another project: :class:`NotFound`); commits."""
    cycles.lock_cycle(enrolment.cycle_id)
    _remove(_own_project(enrolment), entry_id, "holder")


def remove_facilitator_entry(
    cycle_id: int, facilitator: Facilitator, project_id: int, entry_id: int
) -> None:
    """A facilitator of the cycle deletes a line the facilitation team wrote in a
    project's carnet de bord (the holder's lines are theirs: :class:`NotFound`); commits."""
    cycles.require_cycle_facilitator(cycle_id, facilitator)
    cycle = cycles.lock_cycle(cycle_id)
    _remove(project_in(cycle, project_id), entry_id, "facilitator")


def move_project(
    cycle_id: int, facilitator: Facilitator, project_id: int, direction: Direction
) -> CycleProject:
    """A facilitator moves a project one place up or down the pitch order (the order
    the pitch step spotlights them in); at either end nothing moves; commits."""
    cycles.require_cycle_facilitator(cycle_id, facilitator)
    cycle = cycles.lock_cycle(cycle_id)
    project = project_in(cycle, project_id)
    ordered = projects_of(cycle)
    index = ordered.index(project)
    other = index - 1 if direction == Direction.UP else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    db.session.commit()
    return project


# ---------------------------------------------------------------- the page


@dataclass(frozen=True)
class Section:
    """One section of the note d'intention: the template's words, the text, when it was
    last saved and in which session; ``current`` when it is the session's theme."""

    key: str
    label: str
    prompt: str
    text: str
    saved_at: dt.datetime | None
    saved_in: str
    current: bool


@dataclass(frozen=True)
class LogLine:
    entry: LogbookEntry
    session: str


@dataclass(frozen=True)
class Card:
    text: str
    signer: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class FeedbackGroup:
    key: str
    label: str
    cards: list[Card]


@dataclass(frozen=True)
class ProjectPage:
    """Everything « mon projet » and its printed version show."""

    cycle: Cycle
    project: CycleProject
    holder: str
    theme_session: Workshop | None
    current_session: Workshop | None
    sections: list[Section]
    logbook: list[LogLine]
    next_steps: list[LogLine]
    feedback: list[FeedbackGroup]

    @property
    def filled(self) -> int:
        return sum(1 for section in self.sections if section.text.strip())

    @property
    def feedback_total(self) -> int:
        return sum(len(group.cards) for group in self.feedback)


def _session_titles(cycle: Cycle) -> dict[int, str]:
    return {w.id: w.cycle_theme or w.title for w in cycles.sessions_of(cycle)}


def visible_cards(project: CycleProject) -> list[FeedbackCard]:
    """The feedback cards given to the project that a facilitator did not hide."""
    return list(
        db.session.scalars(
            select(FeedbackCard)
            .where(FeedbackCard.project_id == project.id, FeedbackCard.status == "visible")
            .order_by(FeedbackCard.created_at, FeedbackCard.id)
        )
    )


def _feedback(cycle: Cycle, project: CycleProject) -> list[FeedbackGroup]:
    cards = visible_cards(project)
    signers = {
        p.id: p.display_name
        for p in db.session.scalars(
            select(Participant).where(
                Participant.id.in_({c.participant_id for c in cards if c.signed}),
                Participant.erased_at.is_(None),
            )
        )
    }
    kinds = [(str(k.get("key", "")), str(k.get("label", ""))) for k in cycle.feedback_kinds or []]
    known = {key for key, _label in kinds}
    groups = [
        FeedbackGroup(
            key,
            label,
            [
                Card(c.text, signers.get(c.participant_id or 0) if c.signed else None, c.created_at)
                for c in cards
                if c.kind == key
            ],
        )
        for key, label in kinds
    ]
    others = [
        Card(c.text, signers.get(c.participant_id or 0) if c.signed else None, c.created_at)
        for c in cards
        if c.kind not in known
    ]
    if others:
        groups.append(FeedbackGroup("", "", others))
    return groups


def feedback_counts(cycle: Cycle, project: CycleProject) -> list[tuple[str, str, int]]:
    """``(kind key, label, count)`` of the visible cards, for every kind of the cycle."""
    counts = Counter(c.kind for c in visible_cards(project))
    return [
        (str(k.get("key", "")), str(k.get("label", "")), counts.get(str(k.get("key", "")), 0))
        for k in cycle.feedback_kinds or []
    ]


def project_page(project: CycleProject) -> ProjectPage:
    """The whole of a project as its page shows it (read-only)."""
    cycle = db.session.get(Cycle, project.cycle_id)
    if cycle is None:
        raise NotFound()
    titles = _session_titles(cycle)
    entries = list(
        db.session.scalars(
            select(LogbookEntry)
            .where(LogbookEntry.project_id == project.id)
            .order_by(LogbookEntry.created_at, LogbookEntry.id)
        )
    )
    saved = {e.text: e for e in entries if e.kind == SECTION_SAVED}
    themed = theme_session(cycle)
    current_key = (
        theme_section(cycle.intention_template or [], themed.cycle_theme) if themed else None
    )
    intention = project.intention or {}
    sections = [
        Section(
            key=str(s.get("key", "")),
            label=str(s.get("label", "")),
            prompt=str(s.get("prompt", "")),
            text=str(intention.get(str(s.get("key", "")), "")),
            saved_at=saved[s["key"]].created_at if s.get("key") in saved else None,
            saved_in=titles.get(saved[s["key"]].workshop_id or 0, "")
            if s.get("key") in saved
            else "",
            current=s.get("key") == current_key,
        )
        for s in cycle.intention_template or []
    ]
    lines = [
        LogLine(e, titles.get(e.workshop_id or 0, "")) for e in entries if e.kind != SECTION_SAVED
    ]
    enrolment = db.session.get(Enrolment, project.enrolment_id) if project.enrolment_id else None
    return ProjectPage(
        cycle=cycle,
        project=project,
        holder=enrolment.display_name if enrolment and enrolment.erased_at is None else "",
        theme_session=themed,
        current_session=current_session(cycle),
        sections=sections,
        logbook=lines,
        next_steps=[line for line in lines if line.entry.kind == LogbookKind.NEXT_STEP],
        feedback=_feedback(cycle, project),
    )


@dataclass(frozen=True)
class ProjectRow:
    """One line of the facilitators' projects page."""

    project: CycleProject
    holder: str
    filled: int
    sections: int
    feedback: list[tuple[str, str, int]]


def overview(cycle: Cycle) -> list[ProjectRow]:
    """The cycle's projects in pitch order, with how full each note d'intention is and
    its feedback counts per kind."""
    keys = [str(s.get("key", "")) for s in cycle.intention_template or []]
    names = {
        e.id: e.display_name
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.cycle_id == cycle.id, Enrolment.erased_at.is_(None))
        )
    }
    rows = []
    for project in projects_of(cycle):
        intention = project.intention or {}
        rows.append(
            ProjectRow(
                project=project,
                holder=names.get(project.enrolment_id or 0, ""),
                filled=sum(1 for key in keys if str(intention.get(key, "")).strip()),
                sections=len(keys),
                feedback=feedback_counts(cycle, project),
            )
        )
    return rows
