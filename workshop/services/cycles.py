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
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import NotFound, ValidationError, WorkshopClosed, WorkshopNotOpen
from ..extensions import db
from ..models import (
    Cycle,
    CyclePreset,
    Enrolment,
    Facilitator,
    Idea,
    IdeaStatus,
    OutboxMail,
    Participant,
    Phase,
    QuestionnaireAnswer,
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
from ..schemas import CODE_ALPHABET, CODE_LENGTH, INT_MAX, TITLE_MAX
from ..schemas.cycles import (
    IDEATEUR_SESSIONS,
    SCALE,
    CycleSettings,
    Moment,
    NewCycle,
    NewEnrolment,
    QuestionKind,
    SessionForm,
    default_criteria,
    default_feedback_kinds,
    default_intention_template,
)
from . import accounts, event_log, mail, workshops
from .participants import add_participant, hash_token

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
            intention_template=default_intention_template(new.preset),
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


def enrol(
    cycle_id: int, new: NewEnrolment, answers: dict[str, Any] | None = None
) -> tuple[Enrolment, str]:
    """Enrol a person in the cycle; returns the enrolment and the secret of their
    personal link (shown once: only its SHA-256 is kept).

    Called by the person themselves (the public enrolment page) or by a facilitator
    (the adapter checked their right), with their ``answers`` to the start
    questionnaire if they gave any (parsed against its questions), in the same
    transaction. Raises :class:`NotFound`, and :class:`WorkshopClosed` once the cycle
    is closed. Records no fact."""
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
    if answers:
        db.session.flush()
        db.session.add(
            QuestionnaireAnswer(
                cycle_id=cycle.id, enrolment_id=enrolment.id, moment=Moment.START, answers=answers
            )
        )
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
        participant = add_participant(
            workshop,
            display_name=person.display_name,
            profile=person.profile,
            token_hash=hash_token(token),
            enrolment_id=person.id,
        )
    else:
        participant.token_hash = hash_token(token)
    person.last_seen_at = utcnow()
    db.session.commit()
    return participant, token


# ---------------------------------------------------------- the cycle's settings


def update_settings(cycle_id: int, facilitator: Facilitator, settings: CycleSettings) -> Cycle:
    """Change the cycle's title, description, territory, whether feedback is signed, and
    its personal-data rules (organiser, contact, retention), which its sessions take
    too: the notice is stated once, for the whole cycle. Records no fact (no client
    shows these live). Raises :class:`NotFound`."""
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    cycle.title = settings.title
    cycle.description = settings.description
    cycle.territory = settings.territory
    cycle.feedback_signed = settings.feedback_signed
    cycle.organiser = settings.organiser
    cycle.organiser_contact = settings.organiser_contact
    cycle.retention_days = settings.retention_days
    for workshop in sessions_of(cycle):
        workshop.organiser = cycle.organiser
        workshop.organiser_contact = cycle.organiser_contact
        workshop.retention_days = cycle.retention_days
    db.session.commit()
    return cycle


def set_intention_template(
    cycle_id: int, facilitator: Facilitator, sections: list[dict[str, str]]
) -> Cycle:
    """Replace the note d'intention's sections (parsed by
    :func:`~workshop.schemas.cycles.parse_intention_template`: kept sections keep their
    keys, so what holders wrote stays with them)."""
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    cycle.intention_template = sections
    db.session.commit()
    return cycle


def set_feedback_kinds(
    cycle_id: int, facilitator: Facilitator, kinds: list[dict[str, str]]
) -> Cycle:
    """Replace the feedback kinds (renamed, added, removed; keys kept)."""
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    cycle.feedback_kinds = kinds
    db.session.commit()
    return cycle


def set_criteria(cycle_id: int, facilitator: Facilitator, criteria: list[dict[str, str]]) -> Cycle:
    """Replace the jury's grid (keys kept: grades refer to them)."""
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    cycle.criteria = criteria
    db.session.commit()
    return cycle


def set_questions(
    cycle_id: int, facilitator: Facilitator, moment: str, questions: list[dict[str, Any]]
) -> Cycle:
    """Replace the questionnaire of ``moment`` ("start" or "end"); an empty one is not
    asked. Answers already given keep the keys of the questions kept."""
    if moment not in (Moment.START, Moment.END):
        raise NotFound()
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    cycle.questionnaires = {**(cycle.questionnaires or {}), moment: questions}
    db.session.commit()
    return cycle


def set_closed(cycle_id: int, facilitator: Facilitator, closed: bool) -> Cycle:
    """Close the cycle (nobody enrols any more; its retention starts) or reopen it."""
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    if closed and cycle.closed_at is None:
        cycle.closed_at = utcnow()
    elif not closed:
        cycle.closed_at = None
    db.session.commit()
    return cycle


def update_session(
    cycle_id: int, facilitator: Facilitator, workshop_id: int, form: SessionForm
) -> Workshop:
    """Change a session's title, date, place and theme. Emits ``workshop_updated``.
    A workshop of another cycle is :class:`NotFound`."""
    require_cycle_facilitator(cycle_id, facilitator)
    lock_cycle(cycle_id)
    if not 0 < workshop_id <= INT_MAX:
        raise NotFound()
    workshop = event_log.lock_workshop(workshop_id)
    if workshop.cycle_id != cycle_id:
        raise NotFound()
    workshop.title = form.title
    workshop.date = form.date
    workshop.territory = form.territory
    workshop.cycle_theme = form.theme
    workshop.question = form.theme
    workshops.record_workshop_updated(workshop)
    db.session.commit()
    return workshop


def add_co_facilitator(cycle_id: int, facilitator: Facilitator, email: str) -> Facilitator:
    """Add the account of ``email`` to the cycle's team, and to each of its sessions'.
    An address without an account is refused (:class:`ValidationError`): invite them
    to Semis first (the team page of a workshop)."""
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    added = accounts.get_by_email(email)
    if added is None:
        raise ValidationError(
            _("No account has this address. Invite this person to Semis first."),
            field="email",
            reason="unknown",
        )
    if all(f.id != added.id for f in cycle.facilitators):
        cycle.facilitators.append(added)
    for workshop in sessions_of(cycle):
        if all(f.id != added.id for f in workshop.facilitators):
            workshop.facilitators.append(added)
    db.session.commit()
    return added


def remove_co_facilitator(cycle_id: int, facilitator: Facilitator, removed_id: int) -> None:
    """Take a co-facilitator off the cycle's team (the owner stays; the sessions' teams
    are left as they are: each is changed on its own team page)."""
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    if removed_id == cycle.owner_id:
        raise ValidationError(
            _("The cycle's owner stays in its team."), field="facilitator", reason="owner"
        )
    cycle.facilitators = [f for f in cycle.facilitators if f.id != removed_id]
    db.session.commit()


# ------------------------------------------------------------ personal links


def enrolment_in(cycle: Cycle, enrolment_id: int) -> Enrolment:
    """An enrolment of ``cycle`` (not erased); :class:`NotFound` otherwise."""
    enrolment = db.session.get(Enrolment, enrolment_id) if 0 < enrolment_id <= INT_MAX else None
    if enrolment is None or enrolment.cycle_id != cycle.id or enrolment.erased_at is not None:
        raise NotFound()
    return enrolment


def reissue_link(
    cycle_id: int, facilitator: Facilitator, enrolment_id: int
) -> tuple[Enrolment, str]:
    """Give an enrolled person a new personal link (a lost phone, a link seen by others):
    the old one stops working at once. Returns the new secret (shown once)."""
    require_cycle_facilitator(cycle_id, facilitator)
    cycle = lock_cycle(cycle_id)
    enrolment = enrolment_in(cycle, enrolment_id)
    token, enrolment.token_hash = new_link()
    db.session.commit()
    return enrolment, token


def send_link(token: str, link: str) -> bool:
    """« M'envoyer le lien »: queue an email with the personal ``link`` (whose secret
    is ``token``) to the address the person gave; ``False`` when they gave none.
    At most one such mail per link per day (asking again the same day changes
    nothing). The outbox keeps the mail until it is sent and ``MAIL_KEEP_DAYS`` after;
    an erasure deletes it."""
    enrolment = enrolment_by_token(token)
    if not enrolment.email:
        return False
    cycle = lock_cycle(enrolment.cycle_id)
    key = (
        f"{link_mail_prefix(enrolment.id)}{enrolment.token_hash[:16]}:{utcnow().date().isoformat()}"
    )
    if db.session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == key)) is not None:
        db.session.rollback()
        return True
    mail.queue(
        dedupe_key=key,
        to=enrolment.email,
        subject=_("Your personal link for « %(cycle)s »", cycle=cycle.title),
        body=_(
            "Hello %(name)s,\n\n"
            "Here is your personal link for « %(cycle)s ». Keep it: it brings you back "
            "to your sessions and your project, on any phone or computer.\n\n"
            "%(link)s\n\n"
            "Do not share it: whoever has it can act in your name in the cycle.\n",
            name=enrolment.display_name,
            cycle=cycle.title,
            link=link,
        ),
    )
    db.session.commit()
    return True


def link_mail_prefix(enrolment_id: int) -> str:
    """The start of the outbox keys of an enrolment's link mails (an erasure deletes
    them: they carry the link)."""
    return f"cycle-link:{enrolment_id}:"


# ------------------------------------------------------------ questionnaires


def questions_of(cycle: Cycle, moment: str) -> list[dict[str, Any]]:
    """The questions of the cycle's questionnaire at ``moment`` (empty: not asked)."""
    found = (cycle.questionnaires or {}).get(moment)
    return list(found) if isinstance(found, list) else []


def answers_of(enrolment: Enrolment, moment: str) -> QuestionnaireAnswer | None:
    return db.session.scalar(
        select(QuestionnaireAnswer).where(
            QuestionnaireAnswer.enrolment_id == enrolment.id, QuestionnaireAnswer.moment == moment
        )
    )


def answer(enrolment: Enrolment, moment: str, answers: dict[str, Any]) -> QuestionnaireAnswer:
    """Record (or replace) the person's answers to the questionnaire of ``moment``
    (parsed by :func:`~workshop.schemas.cycles.parse_answers` against its questions).
    A questionnaire the cycle does not ask is :class:`NotFound`."""
    if moment not in (Moment.START, Moment.END):
        raise NotFound()
    cycle = lock_cycle(enrolment.cycle_id)
    person = db.session.get(Enrolment, enrolment.id, populate_existing=True)
    if person is None or person.erased_at is not None or not questions_of(cycle, moment):
        raise NotFound()
    found = answers_of(person, moment)
    if found is None:
        found = QuestionnaireAnswer(cycle_id=cycle.id, enrolment_id=person.id, moment=moment)
        db.session.add(found)
    found.answers = answers
    found.created_at = utcnow()
    db.session.commit()
    return found


@dataclass
class QuestionResult:
    """What the facilitators see of one question: counts per answer (a scale's 1–5, a
    choice's choices), the mean of a scale, the texts without names."""

    question: dict[str, Any]
    answered: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)
    mean: float | None = None
    texts: list[str] = field(default_factory=list)


def questionnaire_results(cycle: Cycle, moment: str) -> tuple[int, list[QuestionResult]]:
    """How many people answered the questionnaire of ``moment``, and each question's
    aggregate. Texts are listed in a shuffled-free but nameless order (by answer id)."""
    rows = db.session.scalars(
        select(QuestionnaireAnswer)
        .where(QuestionnaireAnswer.cycle_id == cycle.id, QuestionnaireAnswer.moment == moment)
        .order_by(QuestionnaireAnswer.id)
    ).all()
    results = []
    for question in questions_of(cycle, moment):
        key, kind = str(question.get("key")), question.get("kind")
        given = [row.answers[key] for row in rows if key in (row.answers or {})]
        result = QuestionResult(question, answered=len(given))
        if kind == QuestionKind.SCALE:
            scores = [v for v in given if isinstance(v, int) and not isinstance(v, bool)]
            result.counts = [(str(v), scores.count(v)) for v in SCALE]
            result.mean = round(sum(scores) / len(scores), 1) if scores else None
        elif kind == QuestionKind.CHOICE:
            options = [str(o) for o in question.get("choices") or []]
            result.counts = [(option, given.count(option)) for option in options]
        else:
            result.texts = [str(v) for v in given]
        results.append(result)
    return len(rows), results


# ------------------------------------------------------------ the person's home


@dataclass
class SessionVisit:
    """A session as the enrolled person sees it on their home: whether it runs now,
    and the ideas they posted there."""

    workshop: Workshop
    participant: Participant | None
    ideas: list[Idea]

    @property
    def live(self) -> bool:
        return self.workshop.status == WorkshopStatus.OPEN

    @property
    def over(self) -> bool:
        return self.workshop.status == WorkshopStatus.CLOSED


def visits(enrolment: Enrolment) -> list[SessionVisit]:
    """The cycle's sessions for the person's home, each with their participant there
    (if they came) and their ideas still there (withdrawn and merged ones left out)."""
    cycle = get_cycle(enrolment.cycle_id)
    mine = {p.workshop_id: p for p in participants_of(enrolment) if p.erased_at is None}
    ideas_by_participant: dict[int, list[Idea]] = {}
    if mine:
        for idea in db.session.scalars(
            select(Idea)
            .where(
                Idea.participant_id.in_([p.id for p in mine.values()]),
                Idea.status.not_in([IdeaStatus.WITHDRAWN, IdeaStatus.MERGED]),
            )
            .order_by(Idea.id)
        ):
            if idea.participant_id is not None:
                ideas_by_participant.setdefault(idea.participant_id, []).append(idea)
    result = []
    for workshop in sessions_of(cycle):
        participant = mine.get(workshop.id)
        ideas = ideas_by_participant.get(participant.id, []) if participant else []
        result.append(SessionVisit(workshop, participant, ideas))
    return result


def touch(enrolment: Enrolment) -> None:
    """Note that the person opened their link (shown to the facilitators)."""
    db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id).values(last_seen_at=utcnow())
    )
    db.session.commit()


def recognise(token: str | None, workshop_id: int) -> tuple[Participant, str] | None:
    """:func:`participant_for` for a phone that opened a session's join page with its
    cycle's cookie: ``None`` (and nothing written) when the cookie's link is not an
    enrolment of that session's cycle, or the session does not let them in."""
    try:
        enrolment = enrolment_by_token(token)
        cycle = cycle_of(workshop_id)
        if cycle is None or enrolment.cycle_id != cycle.id:
            return None
        return participant_for(enrolment, workshop_id)
    except (NotFound, WorkshopNotOpen, WorkshopClosed):
        db.session.rollback()
        return None
