"""Volunteers: a participant offers to hold, contribute to or follow a défi or an idea.

Three offers per target and participant at most, one of each kind: « je pourrais
porter ce projet » (``hold``), « je veux contribuer » (``contribute``), « tenez-moi
informé·e » (``follow``). Being contacted is a separate, explicit consent: the contact
details the participant chooses to give are stored only while it holds, erased as
soon as it is withdrawn, and deleted with the offer. The idea itself may stay
anonymous: an offer never reveals who wrote the idea.

Who sees what: facilitators see every offer live, and the contact details of those
who consented on the contacts page and in the exports (never in facts, which the
event log keeps and replays); a participant sees their own offers with their details
(in ``me``); everybody else, screens included, only counts per target. Contact details
that go away (consent withdrawn, offer withdrawn, data erased) also leave the copies
of this workshop imported into a Fabrique's portfolio on this server.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Idea,
    IdeaStatus,
    Participant,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    Volunteer,
    VolunteerKind,
    Workshop,
    utcnow,
)
from ..realtime import Facts
from ..schemas import (
    Role,
    TargetRef,
    VolunteerOffer,
    VolunteerRef,
    serialize_volunteer,
    target_of,
)
from ..wire import VolunteerCounts, VolunteersChanged, VolunteerView
from . import event_log, lookup
from .guards import require_open
from .qualification import resolve_target


def _target_filter(target: TargetRef) -> Any:
    if target.kind == "challenge":
        return Volunteer.challenge_id == target.id
    return Volunteer.idea_id == target.id


def _own_offer(participant_id: int, target: TargetRef, kind: str) -> Volunteer | None:
    return db.session.scalar(
        select(Volunteer).where(
            Volunteer.participant_id == participant_id,
            _target_filter(target),
            Volunteer.kind == kind,
        )
    )


def _counts(workshop: Workshop, target: TargetRef) -> dict[str, int]:
    rows = db.session.execute(
        select(Volunteer.kind, func.count())
        .where(Volunteer.workshop_id == workshop.id, _target_filter(target))
        .group_by(Volunteer.kind)
    )
    counts = {kind.value: 0 for kind in VolunteerKind}
    counts.update({kind: n for kind, n in rows})
    return counts


def record_change(workshop: Workshop, target: TargetRef) -> None:
    """Record ``volunteers_changed`` for ``target``: counts for everybody, and the
    offers themselves for facilitators only."""
    db.session.flush()
    public: VolunteersChanged = {
        "target": target.kind,
        "target_id": target.id,
        "counts": _counts(workshop, target),
    }
    offers = db.session.scalars(
        select(Volunteer)
        .options(selectinload(Volunteer.participant))
        .where(Volunteer.workshop_id == workshop.id, _target_filter(target))
        .order_by(Volunteer.id)
    )
    private: VolunteersChanged = {**public, "volunteers": [serialize_volunteer(v) for v in offers]}
    event_log.record(workshop, Facts.VOLUNTEERS_CHANGED, private, public)


def _participant_workshop(workshop_id: int, participant_id: int) -> tuple[Workshop, Participant]:
    workshop = event_log.lock_workshop(workshop_id)
    participant = lookup.participant(workshop, participant_id)
    return workshop, participant


def offer_help(workshop_id: int, participant_id: int, offer: VolunteerOffer) -> Volunteer:
    """A participant makes an offer, or changes its consent and contact details.

    Any phase of an open workshop; the target is a défi or a visible idea. Giving
    the offer again without consent erases the contact details kept so far. Raises
    ``workshop_not_open``, ``workshop_closed``, ``not_found``, ``wrong_workshop`` and
    ``target_unavailable``. Emits ``volunteers_changed`` when something changed.
    """
    workshop, participant = _participant_workshop(workshop_id, participant_id)
    require_open(workshop)
    resolve_target(workshop, offer.target)
    volunteer = _own_offer(participant.id, offer.target, offer.kind)
    created = volunteer is None
    if volunteer is None:
        volunteer = Volunteer(
            workshop_id=workshop.id,
            participant=participant,
            challenge_id=offer.target.id if offer.target.kind == "challenge" else None,
            idea_id=offer.target.id if offer.target.kind == "idea" else None,
            kind=offer.kind,
        )
        db.session.add(volunteer)
    # No contact details without consent, whoever calls: what is not consented to is
    # never stored, and withdrawing consent erases what was kept.
    contact = (
        (offer.contact_name, offer.contact_email, offer.contact_phone)
        if offer.consent_contact
        else (None, None, None)
    )
    before = (
        volunteer.consent_contact,
        volunteer.contact_name,
        volunteer.contact_email,
        volunteer.contact_phone,
    )
    if (offer.consent_contact, *contact) == before and not created:
        return volunteer
    if not created and volunteer.consent_contact and before[1:] != tuple(contact):
        scrub_portfolio_contacts(workshop, [volunteer])  # the details given before go
    if offer.consent_contact and not volunteer.consent_contact:
        volunteer.consented_at = utcnow()
    elif not offer.consent_contact:
        volunteer.consented_at = None
    volunteer.consent_contact = offer.consent_contact
    volunteer.contact_name, volunteer.contact_email, volunteer.contact_phone = contact
    record_change(workshop, offer.target)
    db.session.commit()
    return volunteer


def withdraw_help(workshop_id: int, participant_id: int, ref: VolunteerRef) -> bool:
    """A participant withdraws an offer: it is deleted, contact details included.

    Allowed at any time, even once the workshop is closed, and for a target that is
    no longer public. Returns ``False`` (and records nothing) when there was no such
    offer, so a retried withdrawal is harmless. Emits ``volunteers_changed``.
    """
    workshop, participant = _participant_workshop(workshop_id, participant_id)
    volunteer = _own_offer(participant.id, ref.target, ref.kind)
    if volunteer is None or volunteer.workshop_id != workshop.id:
        return False
    scrub_portfolio_contacts(workshop, [volunteer])
    db.session.delete(volunteer)
    record_change(workshop, ref.target)
    db.session.commit()
    return True


def for_workshop(workshop: Workshop) -> list[Volunteer]:
    """Every offer of ``workshop``, in order (for exports)."""
    return list(
        db.session.scalars(
            select(Volunteer)
            .options(selectinload(Volunteer.participant))
            .where(Volunteer.workshop_id == workshop.id)
            .order_by(Volunteer.id)
        )
    )


def mine(participant_id: int) -> list[VolunteerView]:
    """A participant's own offers, with the contact details they gave."""
    offers = db.session.scalars(
        select(Volunteer).where(Volunteer.participant_id == participant_id).order_by(Volunteer.id)
    )
    return [serialize_volunteer(v, with_name=False, with_contact=True) for v in offers]


def volunteer_state(workshop: Workshop, role: Role) -> list[VolunteerCounts]:
    """For a snapshot: one entry per target that has offers, as ``volunteers_changed``
    carries it for ``role``. Participants and screens get counts only, and nothing
    about ideas that are not visible."""
    offers = for_workshop(workshop)
    offered = {v.idea_id for v in offers if v.idea_id is not None}
    if role is not Role.FACILITATOR:
        # Of the ideas offered to carry only (not the 1,000 of an evening's import).
        visible = (
            set(
                db.session.scalars(
                    select(Idea.id).where(
                        Idea.workshop_id == workshop.id,
                        Idea.id.in_(offered),
                        Idea.status == IdeaStatus.VISIBLE,
                    )
                )
            )
            if offered
            else set()
        )
        offers = [v for v in offers if v.idea_id is None or v.idea_id in visible]
    entries: dict[tuple[str, int], VolunteerCounts] = {}
    for volunteer in offers:
        target = target_of(volunteer)
        entry = entries.setdefault(
            (target.kind, target.id),
            {
                "target": target.kind,
                "target_id": target.id,
                "counts": {kind.value: 0 for kind in VolunteerKind},
            },
        )
        entry["counts"][volunteer.kind] += 1
        if role is Role.FACILITATOR:
            entry.setdefault("volunteers", []).append(serialize_volunteer(volunteer))
    return list(entries.values())


def fold_offers(workshop: Workshop, absorbed: TargetRef, into: TargetRef) -> None:
    """Move the offers on a défi or an idea that disappears (a merge) to the one
    absorbing it: an offer of the same kind by the same participant is kept once, with
    consent if either gave it. Records ``volunteers_changed`` for ``into`` when offers
    moved. The caller holds the lock."""
    moved = False
    for offer in db.session.scalars(
        select(Volunteer).where(Volunteer.workshop_id == workshop.id, _target_filter(absorbed))
    ).all():
        moved = True
        twin = _own_offer(offer.participant_id, into, offer.kind)
        if twin is None:
            offer.challenge_id = into.id if into.kind == "challenge" else None
            offer.idea_id = into.id if into.kind == "idea" else None
            continue
        if offer.consent_contact and not twin.consent_contact:
            twin.consent_contact, twin.consented_at = True, offer.consented_at
            twin.contact_name = offer.contact_name
            twin.contact_email, twin.contact_phone = offer.contact_email, offer.contact_phone
        db.session.delete(offer)
    if moved:
        record_change(workshop, into)


def _contact_of(entry: Any) -> tuple[object, object, object] | None:
    contact = entry.get("contact") if isinstance(entry, dict) else None
    if not isinstance(contact, dict):
        return None
    return (contact.get("name"), contact.get("email"), contact.get("phone"))


def scrub_portfolio_contacts(workshop: Workshop, offers: list[Volunteer]) -> int:
    """Remove the contact details of ``offers`` from every copy of ``workshop`` imported
    into a Fabrique's portfolio on this server (the export carries them; the copy is
    matched by the workshop's ``uid`` and the details themselves). The offer stays
    there, without contact. Returns how many copies changed."""
    gone = {
        (v.contact_name or None, v.contact_email or None, v.contact_phone or None)
        for v in offers
        if v.consent_contact
    }
    if not gone:
        return 0
    sessions = select(PortfolioSession.id).where(PortfolioSession.workshop_uid == workshop.uid)
    changed = 0
    rows: list[PortfolioChallenge | PortfolioIdea] = [
        *db.session.scalars(
            select(PortfolioChallenge).where(PortfolioChallenge.session_id.in_(sessions))
        ),
        *db.session.scalars(select(PortfolioIdea).where(PortfolioIdea.session_id.in_(sessions))),
    ]
    for row in rows:
        entries = list(row.volunteers or [])
        kept = [
            {**entry, "consent_contact": False, "contact": None}
            if _contact_of(entry) in gone
            else entry
            for entry in entries
        ]
        if kept != entries:
            row.volunteers = kept  # a new list: the JSON column sees the change
            changed += 1
    return changed
