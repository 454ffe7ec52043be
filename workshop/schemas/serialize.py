"""Role-aware serialisation: what each role sees of the models.

The public view (participants and screens) never carries what only facilitators may see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..models import (
    Challenge,
    Idea,
    Participant,
    Phase,
    Qualification,
    Volunteer,
    Workshop,
)
from ..phases import PhaseKind, capabilities, vote_settings
from ..roles import Role
from ..visibility import sees_idea
from .follow_up import QUALIFICATION_FIELDS, target_of


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def epoch_ms(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def serialize_workshop(workshop: Workshop) -> dict[str, Any]:
    return {
        "id": workshop.id,
        "code": workshop.code,
        "title": workshop.title,
        "question": workshop.question,
        "territory": workshop.territory,
        "date": iso(workshop.date),
        "format": workshop.format,
        "status": workshop.status,
        "joining_open": workshop.joining_open,
        "anonymous": workshop.anonymous,
        "moderation": workshop.moderation,
        "participants_group": workshop.participants_group,
        "participants_qualify": workshop.participants_qualify,
        "current_phase_id": workshop.current_phase_id,
    }


def serialize_phase(phase: Phase) -> dict[str, Any]:
    """A phase of the agenda; a vote phase also carries its settings and its state."""
    caps = capabilities(phase)
    data: dict[str, Any] = {
        "id": phase.id,
        "position": phase.position,
        "kind": phase.kind,
        "title": phase.title,
        "duration_s": phase.duration_s,
        "can_post": caps.post_ideas,
        "can_edit": caps.edit_ideas,
        "can_vote": caps.vote,
    }
    if phase.kind == PhaseKind.VOTE:
        data["vote"] = {
            "settings": vote_settings(phase),
            "revealed": phase.revealed_at is not None or phase.frozen_at is not None,
            "frozen": phase.frozen_at is not None,
            "ranking": phase.frozen_ranking,
        }
    return data


def serialize_timer(workshop: Workshop) -> dict[str, Any]:
    """The timer as clients render it: they count down locally from ``ends_at``."""
    if workshop.timer_ends_at is not None:
        state = "running"
    elif workshop.timer_remaining_ms is not None:
        state = "paused"
    else:
        state = "stopped"
    return {
        "state": state,
        "duration_ms": workshop.timer_duration_ms,
        "ends_at": epoch_ms(workshop.timer_ends_at),
        "remaining_ms": workshop.timer_remaining_ms,
    }


def serialize_idea(
    idea: Idea, role: Role, *, anonymous: bool, viewer_id: int | None = None
) -> dict[str, Any]:
    """An idea as ``role`` may see it.

    Participants and screens get the author's pseudonym only when the workshop shows
    authors. Of an idea the viewer does not see in full (:mod:`workshop.visibility`)
    they get nothing but its id and status.
    """
    if not sees_idea(idea, role, viewer_id):
        hidden: dict[str, Any] = {"id": idea.id, "status": idea.status}
        if idea.merged_into_id is not None:
            hidden["merged_into_id"] = idea.merged_into_id
        return hidden
    author = idea.author
    data: dict[str, Any] = {
        "id": idea.id,
        "title": idea.title,
        "description": idea.description,
        "need": idea.need,
        "status": idea.status,
        "created_at": iso(idea.created_at),
        "author": None
        if (anonymous and role is not Role.FACILITATOR) or author is None
        else author.display_name,
    }
    # Every full view carries the version, so an edit can be checked against it.
    data["version"] = idea.version
    data["challenge_id"] = idea.challenge_id
    data["position"] = idea.position
    data["merged_into_id"] = idea.merged_into_id
    if role is Role.FACILITATOR:
        data["participant_id"] = idea.participant_id
        data["author_profile"] = author.profile if author else None
        data["client_id"] = idea.client_id
    return data


def serialize_challenge(challenge: Challenge) -> dict[str, Any]:
    return {
        "id": challenge.id,
        "title": challenge.title,
        "description": challenge.description,
        "position": challenge.position,
        "version": challenge.version,
    }


def serialize_participant(participant: Participant) -> dict[str, Any]:
    """Facilitators only: a participant's pseudonym and profile (never the token)."""
    return {
        "id": participant.id,
        "display_name": participant.display_name,
        "profile": participant.profile,
        "created_at": iso(participant.created_at),
    }


def serialize_qualification(sheet: Qualification) -> dict[str, Any]:
    """A qualification sheet; the same for every role (it holds no personal data)."""
    target = target_of(sheet)
    data: dict[str, Any] = {
        "id": sheet.id,
        "target": target.kind,
        "target_id": target.id,
        "version": sheet.version,
        "updated_at": iso(sheet.updated_at),
    }
    for field in QUALIFICATION_FIELDS:
        data[field] = getattr(sheet, field)
    return data


def serialize_volunteer(volunteer: Volunteer, *, with_name: bool = True) -> dict[str, Any]:
    """One offer, for facilitators or for the participant who made it (never for the
    room): the contact details only while consent is given."""
    target = target_of(volunteer)
    data: dict[str, Any] = {
        "id": volunteer.id,
        "target": target.kind,
        "target_id": target.id,
        "kind": volunteer.kind,
        "consent_contact": volunteer.consent_contact,
        "contact": {
            "name": volunteer.contact_name,
            "email": volunteer.contact_email,
            "phone": volunteer.contact_phone,
        }
        if volunteer.consent_contact
        else None,
        "created_at": iso(volunteer.created_at),
    }
    if with_name:
        data["participant_id"] = volunteer.participant_id
        data["display_name"] = volunteer.participant.display_name
    return data
