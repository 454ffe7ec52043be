"""Cycles: programmes of sessions for one cohort, enrolment, one identity across them.

A cycle groups workshops (its sessions, ``Workshop.cycle_id``), each a real Semis
workshop with its own date, place, theme and agenda. People enrol once
(:func:`enrol`): they get a personal link (``/c/<token>``; only the SHA-256 of its
secret is kept) that is also their recovery link: opened on a new phone, it brings the
same person back. In each session they are one :class:`Participant` (``enrolment_id``),
made the first time they come (:func:`participant_for`).

Who may see and change a cycle (:func:`require_cycle_facilitator`): its owner, its
co-facilitators, and the facilitators of one of its sessions; anyone else is told it
does not exist. Writes to a cycle take its lock (:func:`lock_cycle`) first; a write that
also touches a session takes the cycle's lock, then the session's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import NotFound, WorkshopClosed, WorkshopNotOpen
from ..extensions import db
from ..models import (
    Cycle,
    CyclePreset,
    Enrolment,
    Facilitator,
    Participant,
    Phase,
    Workshop,
    WorkshopStatus,
    cycle_facilitators,
    utcnow,
    workshop_facilitators,
)
from ..phases import (
    CYCLE_CODEV_AGENDA,
    CYCLE_PITCH_DAY_AGENDA,
    CYCLE_WEEKLY_AGENDA,
    IDEATEUR_THEMES,
    JURY_THEME,
    KIND_LABELS,
    LANCE_TOI_THEMES,
    PITCH_DAY_THEME,
    PRESETS,
    Format,
    PhaseKind,
)
from ..realtime import Facts
from ..schemas import CODE_ALPHABET, CODE_LENGTH, INT_MAX, TITLE_MAX, serialize_participant
from ..schemas.cycles import (
    IDEATEUR_SESSIONS,
    NewCycle,
    NewEnrolment,
    SessionForm,
    default_criteria,
    default_feedback_kinds,
    default_intention_template,
)
from ..wire import ParticipantJoined
from . import event_log
from .participants import hash_token

#: Bytes of randomness of a personal link's secret (32 URL-safe characters).
LINK_BYTES = 24
#: The longest secret a link may carry; anything longer is no link of ours.
LINK_MAX = 128


def link_hash(token: str) -> str:
    """The SHA-256 of a personal link's secret: all the database keeps of it."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_link() -> tuple[str, str]:
    """A fresh personal link's secret and its hash."""
    token = secrets.token_urlsafe(LINK_BYTES)
    return token, link_hash(token)


# ------------------------------------------------------------------- reading


def lock_cycle(cycle_id: int) -> Cycle:
    """Take the cycle's write lock (a row lock on PostgreSQL, the write lock on SQLite)
    and return it freshly loaded. Raises :class:`NotFound`."""
    if not 0 < cycle_id <= INT_MAX:
        raise NotFound()
    result = db.session.execute(
        update(Cycle).where(Cycle.id == cycle_id).values(updated_at=Cycle.updated_at)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
        raise NotFound()
    cycle = db.session.get(Cycle, cycle_id, populate_existing=True)
    assert cycle is not None  # noqa: S101 - the update just matched it
    return cycle


def get_cycle(cycle_id: int) -> Cycle:
    """The cycle ``cycle_id``; raises :class:`NotFound`."""
    cycle = db.session.get(Cycle, cycle_id) if 0 < cycle_id <= INT_MAX else None
    if cycle is None:
        raise NotFound()
    return cycle


def by_uid(uid: str) -> Cycle:
    """The cycle whose public id is ``uid`` (the enrolment page); :class:`NotFound`."""
    if not uid or len(uid) > 32:
        raise NotFound()
    cycle = db.session.scalar(select(Cycle).where(Cycle.uid == uid))
    if cycle is None:
        raise NotFound()
    return cycle


def is_cycle_facilitator(cycle: Cycle, facilitator: Facilitator | None) -> bool:
    """Whether ``facilitator`` may see and run ``cycle``: its owner, one of its
    co-facilitators, or a facilitator of one of its sessions."""
    if facilitator is None:
        return False
    if cycle.owner_id == facilitator.id or any(f.id == facilitator.id for f in cycle.facilitators):
        return True
    runs_a_session = db.session.scalar(
        select(workshop_facilitators.c.workshop_id)
        .join(Workshop, Workshop.id == workshop_facilitators.c.workshop_id)
        .where(
            Workshop.cycle_id == cycle.id,
            workshop_facilitators.c.facilitator_id == facilitator.id,
        )
        .limit(1)
    )
    return runs_a_session is not None


def require_cycle_facilitator(cycle_id: int, facilitator: Facilitator | None) -> Cycle:
    """The cycle ``cycle_id`` if ``facilitator`` may run it; otherwise :class:`NotFound`
    (a cycle someone else runs is never revealed)."""
    cycle = get_cycle(cycle_id)
    if not is_cycle_facilitator(cycle, facilitator):
        raise NotFound()
    return cycle


def cycles_of(facilitator: Facilitator) -> list[Cycle]:
    """The cycles ``facilitator`` runs (owner, co-facilitator, or in a session's team),
    the newest first."""
    in_team = select(cycle_facilitators.c.cycle_id).where(
        cycle_facilitators.c.facilitator_id == facilitator.id
    )
    in_session = (
        select(Workshop.cycle_id)
        .join(workshop_facilitators, workshop_facilitators.c.workshop_id == Workshop.id)
        .where(
            workshop_facilitators.c.facilitator_id == facilitator.id,
            Workshop.cycle_id.is_not(None),
        )
    )
    return list(
        db.session.scalars(
            select(Cycle)
            .where(
                or_(
                    Cycle.owner_id == facilitator.id,
                    Cycle.id.in_(in_team),
                    Cycle.id.in_(in_session),
                )
            )
            .order_by(Cycle.created_at.desc(), Cycle.id.desc())
        )
    )


def cycle_of(workshop_id: int) -> Cycle | None:
    """The cycle the workshop is a session of, if any (and if it still exists)."""
    cycle_id = db.session.scalar(select(Workshop.cycle_id).where(Workshop.id == workshop_id))
    return db.session.get(Cycle, cycle_id) if cycle_id is not None else None


def sessions_of(cycle: Cycle) -> list[Workshop]:
    """The cycle's sessions by date (undated ones last), then by id."""
    sessions = db.session.scalars(select(Workshop).where(Workshop.cycle_id == cycle.id)).all()
    return sorted(sessions, key=lambda w: (w.date is None, w.date or utcnow().date(), w.id))


def enrolments_of(cycle: Cycle) -> list[Enrolment]:
    """The people enrolled in the cycle (erased ones left out), in enrolment order."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cycle_id == cycle.id, Enrolment.erased_at.is_(None))
            .order_by(Enrolment.id)
        )
    )


def enrolment_by_token(token: str | None) -> Enrolment:
    """The enrolment whose personal link carries ``token``; :class:`NotFound` for an
    unknown or replaced link, or a person whose data was erased."""
    if not token or len(token) > LINK_MAX:
        raise NotFound()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.token_hash == link_hash(token)))
    if enrolment is None or enrolment.erased_at is not None:
        raise NotFound()
    return enrolment


def participants_of(enrolment: Enrolment) -> list[Participant]:
    """The enrolled person's participants, one per session they came to."""
    return list(
        db.session.scalars(
            select(Participant)
            .where(Participant.enrolment_id == enrolment.id)
            .order_by(Participant.workshop_id)
        )
    )


# ------------------------------------------------------------------- writing


def _draw_code(taken: set[str]) -> str:
    """A join code that no workshop has (nor one drawn in this transaction)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code in taken:  # pragma: no cover - one chance in 8.5e11
            continue
        if db.session.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
            taken.add(code)
            return code


def _agenda(steps: list[tuple[str, int, Any]]) -> list[Phase]:
    """Phases from ``(kind, minutes, title or None)``."""
    phases = []
    for position, (kind, minutes, title) in enumerate(steps):
        label = title if title is not None else KIND_LABELS.get(PhaseKind(kind), kind)
        phases.append(
            Phase(
                position=position,
                kind=str(kind),
                title=str(label)[:80],
                duration_s=minutes * 60,
                settings={},
            )
        )
    return phases


def default_session_agenda() -> list[tuple[str, int, Any]]:
    """The agenda a session added by hand starts from (the facilitator changes it in
    the session's console)."""
    return [(kind, minutes, None) for kind, minutes in PRESETS[Format.CUSTOM]]


def _session(
    cycle: Cycle,
    owner: Facilitator,
    form: SessionForm,
    *,
    taken: set[str],
    fmt: str = Format.CUSTOM,
    agenda: list[tuple[str, int, Any]] | None = None,
) -> Workshop:
    team = {f.id: f for f in [owner, *cycle.facilitators]}
    if cycle.owner is not None:
        team.setdefault(cycle.owner.id, cycle.owner)
    workshop = Workshop(
        code=_draw_code(taken),
        screen_key=secrets.token_urlsafe(16),
        title=form.title,
        question=form.theme,
        territory=form.territory,
        date=form.date,
        format=fmt,
        owner=owner,
        facilitators=list(team.values()),
        cycle_id=cycle.id,
        cycle_theme=form.theme,
        organiser=cycle.organiser,
        organiser_contact=cycle.organiser_contact,
        retention_days=cycle.retention_days,
        erasure_keeps_ideas=False,
    )
    workshop.phases = _agenda(agenda if agenda is not None else default_session_agenda())
    db.session.add(workshop)
    return workshop


def create_cycle(new: NewCycle, owner: Facilitator) -> Cycle:
    """Create a cycle, owned by ``owner`` (its first facilitator), with the default note
    d'intention template, feedback kinds and jury grid, and the sessions of its preset
    (:mod:`workshop.phases`: ``CYCLE_PRESETS``). Any facilitator may call it. Records no
    fact: no session is open yet."""
    for _attempt in range(10):
        cycle = Cycle(
            title=new.title,
            description=new.description,
            preset=new.preset,
            territory=new.territory,
            owner=owner,
            facilitators=[owner],
            intention_template=default_intention_template(),
            feedback_kinds=default_feedback_kinds(),
            feedback_signed=False,
            criteria=default_criteria(),
            questionnaires={"start": [], "end": []},
            organiser=new.organiser,
            organiser_contact=new.organiser_contact,
            retention_days=new.retention_days,
        )
        db.session.add(cycle)
        db.session.flush()
        taken: set[str] = set()
        for form, fmt, agenda in preset_sessions(new):
            _session(cycle, owner, form, taken=taken, fmt=fmt, agenda=agenda)
        try:
            db.session.commit()
        except IntegrityError:  # pragma: no cover - a join code taken meanwhile
            db.session.rollback()
            continue
        return cycle
    raise RuntimeError("could not draw free join codes")  # pragma: no cover


def preset_sessions(new: NewCycle) -> list[tuple[SessionForm, str, list[tuple[str, int, Any]]]]:
    """The sessions a preset creates: ``(form, format, agenda)`` each, one week apart
    from ``new.start_date``, in the cycle's territory:

    - « Lance-toi ! »: four workshops, one theme each (charte sociale, modèle économique,
      gouvernance participative, mesure d'impact): welcome, co-development time (a
      pitch step), results;
    - Idéateur: ``new.sessions`` weekly sessions (8 by default), the last one the pitch
      day before a jury;
    - jury: one session, the pitch day alone;
    - ``custom``: none (the facilitator adds them).
    """
    if new.preset == CyclePreset.CUSTOM or new.start_date is None:
        return []
    plan: list[tuple[Any, str, tuple[tuple[PhaseKind, int, Any], ...]]]
    if new.preset == CyclePreset.LANCE_TOI:
        plan = [(theme, Format.LANCE_TOI, CYCLE_CODEV_AGENDA) for theme in LANCE_TOI_THEMES]
    elif new.preset == CyclePreset.IDEATEUR:
        weeks = max(2, new.sessions or IDEATEUR_SESSIONS)
        plan = [
            (IDEATEUR_THEMES[i % len(IDEATEUR_THEMES)], Format.CUSTOM, CYCLE_WEEKLY_AGENDA)
            for i in range(weeks - 1)
        ]
        plan.append((PITCH_DAY_THEME, Format.CUSTOM, CYCLE_PITCH_DAY_AGENDA))
    else:
        plan = [(JURY_THEME, Format.CUSTOM, CYCLE_PITCH_DAY_AGENDA)]
    sessions = []
    for number, (theme, fmt, steps) in enumerate(plan, start=1):
        title = _("Session %(number)d: %(theme)s", number=number, theme=str(theme))
        form = SessionForm(
            title=title[:TITLE_MAX],
            date=new.start_date + dt.timedelta(weeks=number - 1),
            territory=new.territory,
            theme=str(theme),
        )
        sessions.append(
            (form, fmt, [(str(kind), minutes, label) for kind, minutes, label in steps])
        )
    return sessions


def add_session(cycle_id: int, facilitator: Facilitator, form: SessionForm) -> Workshop:
    """Add a session to the cycle: a new draft workshop (the default agenda, changed in
    its console), run by the cycle's facilitators. Raises :class:`NotFound`."""
    cycle = require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle.id)
    for _attempt in range(10):
        workshop = _session(cycle, facilitator, form, taken=set())
        try:
            db.session.commit()
        except IntegrityError:  # pragma: no cover - a join code taken meanwhile
            db.session.rollback()
            cycle = lock_cycle(cycle_id)
            continue
        return workshop
    raise RuntimeError("could not draw a free join code")  # pragma: no cover


def enrol(cycle_id: int, new: NewEnrolment) -> tuple[Enrolment, str]:
    """Enrol a person in the cycle; returns the enrolment and the secret of their
    personal link (shown once: only its SHA-256 is kept).

    Called by the person themselves (the public enrolment page) or by a facilitator
    (the adapter checked their right). Raises :class:`NotFound`, and
    :class:`WorkshopClosed` once the cycle is closed. Records no fact."""
    cycle = lock_cycle(cycle_id)
    if cycle.closed_at is not None:
        raise WorkshopClosed(_("This cycle is over: nobody can enrol any more."))
    token, digest = new_link()
    enrolment = Enrolment(
        cycle_id=cycle.id,
        display_name=new.display_name,
        profile=new.profile,
        email=new.email,
        token_hash=digest,
    )
    db.session.add(enrolment)
    db.session.commit()
    return enrolment, token


def participant_for(enrolment: Enrolment, workshop_id: int) -> tuple[Participant, str]:
    """The enrolled person's participant in a session of their cycle, and a fresh token
    for the phone's cookie (each call makes a new one: a new phone gets its cookie; a
    phone that had the old one is asked to open the link again).

    The participant is made the first time, with the enrolment's name and profile
    (``enrolment_id`` set): emits ``participant_joined`` then. A session not open yet
    raises :class:`WorkshopNotOpen`; a closed one lets back in only someone who came
    (:class:`WorkshopClosed` otherwise). A workshop of another cycle, or none, is
    :class:`NotFound`, as is an erased enrolment. Joining need not be open: the
    enrolled are expected."""
    if not 0 < workshop_id <= INT_MAX:
        raise NotFound()
    workshop = event_log.lock_workshop(workshop_id)
    person = db.session.get(Enrolment, enrolment.id, populate_existing=True)
    if person is None or person.erased_at is not None or workshop.cycle_id != person.cycle_id:
        raise NotFound()
    if workshop.status == WorkshopStatus.DRAFT:
        raise WorkshopNotOpen(_("This session has not started yet."))
    token = secrets.token_urlsafe(32)
    participant = db.session.scalar(
        select(Participant).where(
            Participant.workshop_id == workshop.id,
            Participant.enrolment_id == person.id,
            Participant.erased_at.is_(None),
        )
    )
    if participant is None:
        if workshop.status == WorkshopStatus.CLOSED:
            raise WorkshopClosed(_("This session is over."))
        participant = Participant(
            workshop_id=workshop.id,
            display_name=person.display_name,
            profile=person.profile,
            token_hash=hash_token(token),
            enrolment_id=person.id,
        )
        db.session.add(participant)
        db.session.flush()
        count = db.session.execute(
            select(func.count())
            .select_from(Participant)
            .where(Participant.workshop_id == workshop.id)
        ).scalar_one()
        joined: ParticipantJoined = {
            "participant": serialize_participant(participant),
            "participant_count": count,
        }
        public: ParticipantJoined = {"participant_count": count}
        event_log.record(workshop, Facts.PARTICIPANT_JOINED, joined, public)
    else:
        participant.token_hash = hash_token(token)
    person.last_seen_at = utcnow()
    db.session.commit()
    return participant, token
