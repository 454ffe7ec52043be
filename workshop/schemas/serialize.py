"""Role-aware serialisation: what each role sees of the models.

The public view (participants and screens) never carries what only facilitators may see.
Each function returns the view of :mod:`workshop.wire` it names.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast, overload

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
from ..wire import (
    ChallengeView,
    IdeaStub,
    IdeaView,
    ParticipantView,
    PhaseView,
    QualificationView,
    RankingRow,
    TimerView,
    VolunteerView,
    VoteSettings,
    WorkshopView,
)
from .follow_up import target_of


@overload
def iso(value: dt.datetime | dt.date) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: dt.datetime | dt.date | None) -> str | None: ...
def iso(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def epoch_ms(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def serialize_workshop(workshop: Workshop) -> WorkshopView:
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


def serialize_phase(phase: Phase) -> PhaseView:
    """A phase of the agenda; a vote phase also carries its settings and its state."""
    caps = capabilities(phase)
    data: PhaseView = {
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
            # Untyped dicts until phases.vote_settings returns VoteSettings and
            # Phase.frozen_ranking holds list[RankingRow]: then the casts go.
            "settings": cast(VoteSettings, vote_settings(phase)),
            "revealed": phase.revealed_at is not None or phase.frozen_at is not None,
            "frozen": phase.frozen_at is not None,
            "ranking": cast(list[RankingRow] | None, phase.frozen_ranking),
        }
    return data


def serialize_timer(workshop: Workshop) -> TimerView:
    """The timer as clients render it: they count down locally from ``ends_at``."""
    state: Literal["running", "paused", "stopped"]
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
) -> IdeaView | IdeaStub:
    """An idea as ``role`` may see it: an :class:`~.wire.IdeaView`, or an
    :class:`~.wire.IdeaStub` of an idea the viewer does not see in full.

    Participants and screens get the author's pseudonym only when the workshop shows
    authors. Of an idea the viewer does not see in full (:mod:`workshop.visibility`)
    they get nothing but its id and status.
    """
    if not sees_idea(idea, role, viewer_id):
        hidden: IdeaStub = {"id": idea.id, "status": idea.status}
        if idea.merged_into_id is not None:
            hidden["merged_into_id"] = idea.merged_into_id
        return hidden
    author = idea.author
    data: IdeaView = {
        "id": idea.id,
        "title": idea.title,
        "description": idea.description,
        "need": idea.need,
        "status": idea.status,
        "created_at": iso(idea.created_at),
        "author": None
        if (anonymous and role is not Role.FACILITATOR) or author is None
        else author.display_name,
        # Every full view carries the version, so an edit can be checked against it.
        "version": idea.version,
        "challenge_id": idea.challenge_id,
        "position": idea.position,
        "merged_into_id": idea.merged_into_id,
    }
    if role is Role.FACILITATOR:
        data["participant_id"] = idea.participant_id
        data["author_profile"] = author.profile if author else None
        data["client_id"] = idea.client_id
        if idea.details:
            data["details"] = idea.details
    return data


def serialize_challenge(challenge: Challenge) -> ChallengeView:
    return {
        "id": challenge.id,
        "title": challenge.title,
        "description": challenge.description,
        "position": challenge.position,
        "version": challenge.version,
    }


def serialize_participant(participant: Participant) -> ParticipantView:
    """Facilitators only: a participant's pseudonym and profile (never the token)."""
    return {
        "id": participant.id,
        "display_name": participant.display_name,
        "profile": participant.profile,
        "created_at": iso(participant.created_at),
    }


def serialize_qualification(sheet: Qualification) -> QualificationView:
    """A qualification sheet; the same for every role (it holds no personal data).

    After the first five keys, the fields of ``QUALIFICATION_FIELDS``, in that order."""
    target = target_of(sheet)
    view: QualificationView = {
        "id": sheet.id,
        "target": target.kind,
        "target_id": target.id,
        "version": sheet.version,
        "updated_at": iso(sheet.updated_at),
        "need_who": sheet.need_who,
        "need_where": sheet.need_where,
        "need_evidence": sheet.need_evidence,
        "target_public": sheet.target_public,
        "solution": sheet.solution,
        "existing_offer": sheet.existing_offer,
        "partners": sheet.partners,
        "economic_potential": sheet.economic_potential,
        "potential_holders": sheet.potential_holders,
        "next_step": sheet.next_step,
        "abandon_reason": sheet.abandon_reason,
        "territory": sheet.territory,
        "insee_code": sheet.insee_code,
        "maturity": sheet.maturity,
        "stage": sheet.stage,
    }
    return view


def serialize_volunteer(
    volunteer: Volunteer, *, with_name: bool = True, with_contact: bool = False
) -> VolunteerView:
    """One offer, for facilitators or for the participant who made it (never for the
    room). The contact details only for its author (``with_contact``) and only while
    consent is given: facts and snapshots never carry them (they are stored in the
    event log and replayed); facilitators read them on the contacts page and in the
    exports."""
    target = target_of(volunteer)
    data: VolunteerView = {
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
        if volunteer.consent_contact and with_contact
        else None,
        "created_at": iso(volunteer.created_at),
    }
    if with_name:
        data["participant_id"] = volunteer.participant_id
        data["display_name"] = volunteer.participant.display_name
    return data
