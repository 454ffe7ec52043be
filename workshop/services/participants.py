"""Participants: joining a workshop without an account, and recognising a phone again.

A participant is identified by a random token kept in a cookie on their phone; the
server stores only its SHA-256, so a leaked database does not let anyone act as them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from sqlalchemy import func, select

from ..extensions import db
from ..models import Participant, Workshop
from ..realtime import Facts
from ..schemas import JoinRequest, serialize_participant
from ..wire import ParticipantJoined
from . import event_log
from .guards import check_joinable


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def join(
    workshop_id: int,
    request: JoinRequest,
    then: Callable[[Workshop, Participant], None] | None = None,
) -> tuple[Participant, str]:
    """Register a participant; returns it with the raw token to put in the cookie.

    Anyone may call it while the workshop is open and joining is allowed
    (raises :class:`WorkshopNotOpen`, :class:`WorkshopClosed`, :class:`JoiningClosed`).
    Emits ``participant_joined`` (facilitators get the pseudonym and profile,
    everybody else only the new count). ``then(workshop, participant)`` runs in the
    same transaction, under the same lock, before the commit (a table's QR code seats
    the newcomer there: one transaction, not two); what it raises undoes the join.
    """
    try:
        workshop = event_log.lock_workshop(workshop_id)
        check_joinable(workshop)
        token = secrets.token_urlsafe(32)
        participant = add_participant(
            workshop,
            display_name=request.display_name,
            profile=request.profile,
            token_hash=hash_token(token),
        )
        if then is not None:
            then(workshop, participant)
    except BaseException:
        # Refused (or ``then`` raised): the lock, the participant and its fact go, and
        # nothing is left for a later commit of the same request to write.
        db.session.rollback()
        raise
    db.session.commit()
    return participant, token


def count_in(workshop_id: int) -> int:
    """How many participants have joined ``workshop_id``: the count every client shows."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Participant)
            .where(Participant.workshop_id == workshop_id)
        )
        or 0
    )


def add_participant(
    workshop: Workshop,
    *,
    display_name: str,
    profile: str,
    token_hash: str,
    enrolment_id: int | None = None,
) -> Participant:
    """Add a participant to ``workshop`` (locked by the caller, who commits) and record
    ``participant_joined``: facilitators get the pseudonym and profile, everybody else
    only the new count. ``enrolment_id``: the cycle's enrolled person it stands for."""
    participant = Participant(
        workshop_id=workshop.id,
        display_name=display_name,
        profile=profile,
        token_hash=token_hash,
        enrolment_id=enrolment_id,
    )
    db.session.add(participant)
    db.session.flush()
    count = count_in(workshop.id)
    joined: ParticipantJoined = {
        "participant": serialize_participant(participant),
        "participant_count": count,
    }
    public: ParticipantJoined = {"participant_count": count}
    event_log.record(workshop, Facts.PARTICIPANT_JOINED, joined, public)
    return participant


def identify(workshop_id: int, token: str | None) -> Participant | None:
    """The participant of ``workshop_id`` holding ``token``, or ``None``."""
    if not token or len(token) > 128:
        return None
    participant = db.session.scalar(
        select(Participant).where(Participant.token_hash == hash_token(token))
    )
    if participant is None or participant.workshop_id != workshop_id:
        return None
    return participant
