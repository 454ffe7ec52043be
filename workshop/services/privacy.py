"""Personal data: a participant's erasure, a workshop's deletion, the retention purge.

What is personal here (``docs/privacy.md``): participants' pseudonyms and profiles,
the link between an idea and its author, the contact details given with a volunteer
offer, and their copies in the event log and in the Fabrique portfolios imported on
this server. An erasure reaches every copy in the same transaction:

- the participant row stays, emptied (no pseudonym, no profile, a token nobody holds,
  ``erased_at`` set), so that their anonymous votes still count; every command of
  theirs is refused from then on;
- their offers go, contact details included, and so do the details in portfolio copies;
- their ideas stay without author, or go (withdrawn, text deleted), as the workshop's
  ``erasure_keeps_ideas`` setting says;
- the event log up to that point is deleted (:func:`.event_log.redact`): no replay can
  show their pseudonym again.

A closed workshop keeps its event log ``EVENT_LOG_DAYS`` days and its personal data
``retention_days`` days (default ``RETENTION_DAYS``); :func:`purge`, run by
``flask --app workshop purge`` from a cron job or a systemd timer, then deletes them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, func, select, text, update

from ..errors import NotFound
from ..extensions import db
from ..models import (
    Cycle,
    CycleProject,
    Enrolment,
    Event,
    Facilitator,
    FeedbackCard,
    Idea,
    IdeaStatus,
    Juror,
    OutboxMail,
    Participant,
    PortfolioIdea,
    PortfolioSession,
    QuestionnaireAnswer,
    Volunteer,
    Workshop,
    WorkshopStatus,
    utcnow,
)
from ..realtime import Facts
from ..schemas import PrivacySettings, Role, serialize_idea, target_of
from ..wire import IdeaChanged, ParticipantErased
from . import candidates, cycles, event_log, ideas, lookup, pitch, seating, team, volunteers
from .guards import require_facilitator
from .participants import hash_token


@dataclass
class Erasure:
    """What one erasure removed."""

    participant_id: int
    offers: int = 0
    ideas_kept: int = 0
    ideas_deleted: int = 0


def erase_participant(
    workshop_id: int, participant_id: int, facilitator: Facilitator | None = None
) -> Erasure:
    """Erase a participant's data: by themselves (``facilitator`` is ``None``; the
    adapter has checked the phone's identity) or by a facilitator of the workshop.

    Allowed whatever the workshop's status, closed included. Idempotent: erasing an
    erased participant changes nothing. Raises :class:`NotFound`, :class:`WrongWorkshop`
    and :class:`Forbidden`. Emits ``participant_erased``, ``volunteers_changed`` for
    each target they had offers on, and ``idea_updated`` (author gone) or
    ``idea_withdrawn`` (idea deleted) for each of their ideas.
    """
    workshop = event_log.lock_workshop(workshop_id)
    if facilitator is not None:
        require_facilitator(workshop, facilitator)
    participant = lookup.in_workshop(workshop, Participant, participant_id)
    erasure = Erasure(participant.id)
    if participant.erased_at is not None:
        return erasure
    event_log.redact(workshop)
    _erase(workshop, participant, erasure, keep_ideas=workshop.erasure_keeps_ideas, live=True)
    erased: ParticipantErased = {"participant_id": participant.id}
    event_log.record(workshop, Facts.PARTICIPANT_ERASED, erased, {})
    db.session.commit()
    return erasure


@dataclass
class EnrolmentErasure:
    """What one erasure of an enrolled person removed."""

    enrolment_id: int
    sessions: list[Erasure] = field(default_factory=list)
    projects: int = 0
    answers: int = 0
    mails: int = 0


def erase_enrolment(
    cycle_id: int, enrolment_id: int, facilitator: Facilitator | None = None
) -> EnrolmentErasure:
    """Erase an enrolled person's data across their cycle: by themselves (``facilitator``
    is ``None``; the adapter found the enrolment by their personal link) or by a
    facilitator of the cycle.

    In one transaction: each of their participants is erased as
    :func:`erase_participant` does (their ideas, and the feedback cards they gave, kept
    without their name or deleted as each session says; sessions of a cycle delete
    them by default), their projects are deleted with
    their note d'intention, logbook, feedback received and jury grades, their
    questionnaire answers and the link mails still in the outbox go, and the
    enrolment is emptied (no name, no email, a link nobody holds, ``erased_at`` set).
    Idempotent. Raises :class:`NotFound` (another cycle's enrolment, or a cycle the
    facilitator does not run). Emits, in each session they came to,
    ``participant_erased`` and what :func:`erase_participant` emits."""
    if facilitator is not None:
        cycles.require_cycle_facilitator(cycle_id, facilitator)
    cycle = cycles.lock_cycle(cycle_id)
    enrolment = db.session.get(Enrolment, enrolment_id) if 0 < enrolment_id <= 2**31 - 1 else None
    if enrolment is None or enrolment.cycle_id != cycle.id:
        raise NotFound()
    erasure = EnrolmentErasure(enrolment.id)
    if enrolment.erased_at is not None:
        return erasure
    _erase_enrolment(enrolment, erasure, live=True)
    db.session.commit()
    return erasure


def _erase_enrolment(enrolment: Enrolment, erasure: EnrolmentErasure, *, live: bool) -> None:
    """Erase ``enrolment`` and what is theirs; the caller holds the cycle's lock and
    commits. Sessions are locked in id order (no two erasures wait on each other)."""
    people = cycles.participants_of(enrolment)
    for person in sorted(people, key=lambda p: p.workshop_id):
        workshop = event_log.lock_workshop(person.workshop_id)
        if person.erased_at is not None:
            continue
        erased = Erasure(person.id)
        event_log.redact(workshop)
        _erase(workshop, person, erased, keep_ideas=workshop.erasure_keeps_ideas, live=live)
        if live:
            fact: ParticipantErased = {"participant_id": person.id}
            event_log.record(workshop, Facts.PARTICIPANT_ERASED, fact, {})
        erasure.sessions.append(erased)
    projects = list(
        db.session.scalars(select(CycleProject).where(CycleProject.enrolment_id == enrolment.id))
    )
    if projects:
        ids = [project.id for project in projects]
        # A project in a session's spotlight leaves it (a plain integer, not a key),
        # and the screens and phones of that session hear so.
        showing = pitch.sessions_showing(ids)
        db.session.execute(
            update(Workshop)
            .where(Workshop.spotlight_project_id.in_(ids))
            .values(spotlight_project_id=None)
        )
        # Its logbook, feedback cards and jury grades go with it (ON DELETE CASCADE).
        db.session.execute(delete(CycleProject).where(CycleProject.id.in_(ids)))
        if live:
            pitch.announce_spotlights(showing)
    erasure.projects = len(projects)
    result = db.session.execute(
        delete(QuestionnaireAnswer).where(QuestionnaireAnswer.enrolment_id == enrolment.id)
    )
    erasure.answers = int(getattr(result, "rowcount", 0) or 0)
    result = db.session.execute(
        delete(OutboxMail).where(
            OutboxMail.dedupe_key.startswith(cycles.link_mail_prefix(enrolment.id))
        )
    )
    erasure.mails = int(getattr(result, "rowcount", 0) or 0)
    enrolment.display_name = ""
    enrolment.profile = ""
    enrolment.email = None
    enrolment.token_hash = cycles.link_hash(secrets.token_urlsafe(32))  # nobody holds it
    enrolment.erased_at = utcnow()
    db.session.flush()


def _erase(
    workshop: Workshop, participant: Participant, erasure: Erasure, *, keep_ideas: bool, live: bool
) -> None:
    """Empty ``participant`` and remove what is theirs; ``live``: record the facts the
    room needs. The caller holds the lock, has redacted the log, and commits."""
    offers = list(
        db.session.scalars(
            select(Volunteer)
            .where(Volunteer.participant_id == participant.id)
            .order_by(Volunteer.id)
        )
    )
    volunteers.scrub_portfolio_contacts(workshop, offers)
    targets = {target_of(offer) for offer in offers}
    for offer in offers:
        db.session.delete(offer)
    erasure.offers = len(offers)
    db.session.flush()
    if live:
        for target in sorted(targets, key=lambda t: (t.kind, t.id)):
            volunteers.record_change(workshop, target)
    authored = list(
        db.session.scalars(
            select(Idea).where(Idea.participant_id == participant.id).order_by(Idea.id)
        )
    )
    for idea in authored:
        gone = idea.status == IdeaStatus.WITHDRAWN
        if not gone and not keep_ideas and idea.status != IdeaStatus.MERGED:
            ideas.discard_idea(workshop, idea)
            erasure.ideas_deleted += 1
        elif not gone:
            erasure.ideas_kept += 1
        idea.participant_id = None
        idea.author = None
        db.session.flush()
        if live and not gone and idea.status != IdeaStatus.WITHDRAWN:
            changed: tuple[IdeaChanged, IdeaChanged] = (
                {"idea": serialize_idea(idea, Role.FACILITATOR, anonymous=workshop.anonymous)},
                {"idea": serialize_idea(idea, Role.PARTICIPANT, anonymous=workshop.anonymous)},
            )
            event_log.record(workshop, Facts.IDEA_UPDATED, *changed)
    _scrub_portfolio_authors(workshop, authored, keep_ideas=keep_ideas)
    # The feedback cards they gave in a cycle's pitch step follow the rule for ideas:
    # kept without their name, or deleted.
    given = FeedbackCard.participant_id == participant.id
    if keep_ideas:
        db.session.execute(update(FeedbackCard).where(given).values(signed=False))
    else:
        db.session.execute(delete(FeedbackCard).where(given))
    seating.erase_participant(workshop, participant.id, keep_contributions=keep_ideas, live=live)
    participant.display_name = ""
    participant.profile = ""
    participant.token_hash = hash_token(secrets.token_urlsafe(32))  # nobody holds it
    participant.erased_at = utcnow()


def _scrub_portfolio_authors(workshop: Workshop, authored: list[Idea], *, keep_ideas: bool) -> None:
    """The portfolio copies of ``authored`` lose their author (and their text, when the
    ideas were deleted)."""
    if not authored:
        return
    references = [f"{workshop.uid}/idea/{idea.id}" for idea in authored]
    sessions = select(PortfolioSession.id).where(PortfolioSession.workshop_uid == workshop.uid)
    values: dict[str, object] = {"author_name": None}
    if not keep_ideas:
        values.update(title="", body="", need="", state=IdeaStatus.WITHDRAWN)
    db.session.execute(
        update(PortfolioIdea)
        .where(PortfolioIdea.session_id.in_(sessions), PortfolioIdea.reference.in_(references))
        .values(**values)
    )


def update_settings(
    workshop_id: int, facilitator: Facilitator, settings: PrivacySettings
) -> Workshop:
    """Set who is responsible for the data, who receives it, the retention and what
    an erasure does to ideas (shown in the notice at join). Facilitators only; allowed
    in every status. Records nothing: no client shows these live."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    workshop.organiser = settings.organiser
    workshop.organiser_contact = settings.organiser_contact
    workshop.recipient = settings.recipient
    workshop.retention_days = settings.retention_days
    workshop.erasure_keeps_ideas = settings.erasure_keeps_ideas
    db.session.commit()
    return workshop


def contacts(workshop: Workshop) -> list[Volunteer]:
    """The offers of ``workshop`` whose authors agreed to be contacted, with their
    details (the facilitators' contacts page; read-only)."""
    return [offer for offer in volunteers.for_workshop(workshop) if offer.consent_contact]


def delete_workshop(workshop_id: int, facilitator: Facilitator) -> str:
    """Delete a workshop and everything it holds (participants, ideas, votes, offers,
    event log). Facilitators of the workshop only; returns its title. Copies imported
    into a Fabrique's portfolio stay: they are the Fabrique's follow-up (erasures still
    reach them). Raises :class:`NotFound` and :class:`Forbidden`."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    title = workshop.title
    workshop.current_phase_id = None
    db.session.flush()
    db.session.delete(workshop)
    db.session.commit()
    return title


@dataclass
class PurgeItem:
    """What :func:`purge` did (or would do) to one closed workshop."""

    workshop_id: int
    title: str
    closed_at: dt.datetime
    events: int = 0
    participants: int = 0
    contacts: int = 0
    withdrawn_texts: int = 0
    actions: list[str] = field(default_factory=list)


def retention_days(workshop: Workshop) -> int:
    """How many days ``workshop`` keeps its personal data once closed."""
    if workshop.retention_days is not None:
        return workshop.retention_days
    return int(current_app.config["RETENTION_DAYS"])


def purge(*, now: dt.datetime | None = None, dry_run: bool = False) -> list[PurgeItem]:
    """Apply the retention rules to every closed workshop; returns what was (with
    ``dry_run``: would be) deleted, one item per workshop concerned.

    - ``EVENT_LOG_DAYS`` after closing, the event log goes (nothing replays in a closed
      workshop; it holds pseudonyms and texts);
    - ``retention_days`` after closing, every participant is erased (pseudonym, profile,
      link to their ideas, their offers with any contact details); ideas and votes
      stay, as the workshop's anonymous results;
    - withdrawn ideas keep no text, whenever they were withdrawn;
    - invitations to a team or an account go once their link has expired, or once
      withdrawn, with the address they were for (:func:`.team.purge_invitations`);
    - candidates to a Fabrique's call for holders go ``CANDIDATE_RETENTION_DAYS`` after
      their last change, with their contact details (:func:`.candidates.purge_expired`);
    - a cycle closed for longer than its retention (its ``retention_days``, else
      ``RETENTION_DAYS``) has every enrolled person erased as
      :func:`erase_enrolment` does (participants, projects, answers, link mails), and
      its jurors lose their names and addresses (their links stop working); its
      sessions are purged as workshops (item ``workshop_id`` 0, ``title`` the cycle's).
    """
    now = now or utcnow()
    log_days = int(current_app.config["EVENT_LOG_DAYS"])
    items: list[PurgeItem] = []
    closed = db.session.scalars(
        select(Workshop.id).where(Workshop.status == WorkshopStatus.CLOSED).order_by(Workshop.id)
    ).all()
    for workshop_id in closed:
        workshop = event_log.lock_workshop(workshop_id) if not dry_run else None
        workshop = workshop or lookup.get_workshop(workshop_id)
        item = _purge_one(workshop, now, log_days, dry_run=dry_run)
        if item.actions:
            items.append(item)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    items.extend(_purge_cycles(now, dry_run=dry_run))
    if team.purge_invitations(now=now, dry_run=dry_run) and not dry_run:
        db.session.commit()
    if not dry_run:
        candidates.purge_expired(now=now)
    return items


def _purge_one(workshop: Workshop, now: dt.datetime, log_days: int, *, dry_run: bool) -> PurgeItem:
    closed_at = workshop.closed_at or workshop.updated_at
    item = PurgeItem(workshop.id, workshop.title, closed_at)
    withdrawn = list(
        db.session.scalars(
            select(Idea).where(
                Idea.workshop_id == workshop.id,
                Idea.status == IdeaStatus.WITHDRAWN,
                (Idea.title != "") | (Idea.description != "") | (Idea.need != ""),
            )
        )
    )
    if withdrawn:
        item.withdrawn_texts = len(withdrawn)
        item.actions.append("withdrawn_texts")
        for idea in withdrawn:
            idea.title, idea.description, idea.need = "", "", ""
    events = db.session.scalar(
        select(func.count()).select_from(Event).where(Event.workshop_id == workshop.id)
    )
    if events and now >= closed_at + dt.timedelta(days=log_days):
        item.events = int(events)
        item.actions.append("event_log")
        if not dry_run:
            event_log.forget(workshop)
    if now >= closed_at + dt.timedelta(days=retention_days(workshop)):
        people = list(
            db.session.scalars(
                select(Participant).where(
                    Participant.workshop_id == workshop.id, Participant.erased_at.is_(None)
                )
            )
        )
        contacts = list(
            db.session.scalars(
                select(Volunteer).where(
                    Volunteer.workshop_id == workshop.id,
                    (Volunteer.consent_contact.is_(True))
                    | Volunteer.contact_email.is_not(None)
                    | Volunteer.contact_phone.is_not(None)
                    | Volunteer.contact_name.is_not(None),
                )
            )
        )
        if people or contacts:
            item.participants, item.contacts = len(people), len(contacts)
            item.actions.append("personal_data")
        if not dry_run:
            for offer in contacts:
                offer.consent_contact, offer.consented_at = False, None
                offer.contact_name = offer.contact_email = offer.contact_phone = None
            for person in people:
                _erase(workshop, person, Erasure(person.id), keep_ideas=True, live=False)
            if people:
                event_log.forget(workshop)
    return item


def reclaim_space() -> None:
    """After a purge, leave no copy of deleted data in the database files: on SQLite,
    ``secure_delete`` (set on every connection) has zeroed the freed space; the
    write-ahead log still holds old pages until a checkpoint, which this forces. On
    PostgreSQL, deleted rows are reclaimed by (auto)vacuum (docs/privacy.md)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()


def _purge_cycles(now: dt.datetime, *, dry_run: bool) -> list[PurgeItem]:
    """Erase the people of cycles closed for longer than their retention."""
    items: list[PurgeItem] = []
    default_days = int(current_app.config["RETENTION_DAYS"])
    closed = db.session.execute(
        select(Cycle.id, Cycle.closed_at, Cycle.retention_days)
        .where(Cycle.closed_at.is_not(None))
        .order_by(Cycle.id)
    ).all()
    for cycle_id, closed_at, days in closed:
        assert closed_at is not None  # noqa: S101 - selected so
        if now < closed_at + dt.timedelta(days=days if days is not None else default_days):
            continue
        cycle = cycles.get_cycle(cycle_id) if dry_run else cycles.lock_cycle(cycle_id)
        people = [
            e
            for e in db.session.scalars(
                select(Enrolment).where(
                    Enrolment.cycle_id == cycle.id, Enrolment.erased_at.is_(None)
                )
            )
        ]
        jurors = list(
            db.session.scalars(select(Juror).where(Juror.cycle_id == cycle.id, Juror.name != ""))
        )
        if not people and not jurors:
            db.session.rollback()
            continue
        item = PurgeItem(0, cycle.title, closed_at, participants=len(people))
        item.actions.append("cycle_personal_data")
        items.append(item)
        if dry_run:
            db.session.rollback()
            continue
        for person in people:
            _erase_enrolment(person, EnrolmentErasure(person.id), live=False)
        for juror in jurors:
            juror.name, juror.email, juror.role = "", None, ""
            juror.token_hash = cycles.link_hash(secrets.token_urlsafe(32))
            juror.revoked_at = juror.revoked_at or now
        db.session.commit()
    return items
