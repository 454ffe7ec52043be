"""Workshops: creation from a preset, agenda, settings, status, and the snapshot."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..errors import (
    Forbidden,
    JoiningClosed,
    NotFound,
    UnknownCode,
    ValidationError,
    WorkshopClosed,
    WorkshopNotOpen,
)
from ..extensions import db
from ..models import (
    Facilitator,
    Idea,
    IdeaStatus,
    Participant,
    Phase,
    Workshop,
    WorkshopStatus,
)
from ..phases import KIND_LABELS, PRESETS, Format, PhaseKind, run_exit_hooks
from ..realtime import Facts
from ..schemas import (
    CODE_ALPHABET,
    CODE_LENGTH,
    INT_MAX,
    AgendaItem,
    NewWorkshop,
    Role,
    SettingsChange,
    normalize_code,
    serialize_idea,
    serialize_participant,
    serialize_phase,
    serialize_timer,
    serialize_workshop,
)
from ..visibility import ideas_seen_by
from . import event_log


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_workshop(new: NewWorkshop, owner: Facilitator) -> Workshop:
    """Create a draft workshop whose agenda is filled from its format's preset.

    Any facilitator may call it; the owner becomes its first facilitator.
    """
    for _attempt in range(10):
        workshop = Workshop(
            code=_new_code(),
            screen_key=secrets.token_urlsafe(16),
            title=new.title,
            question=new.question,
            territory=new.territory,
            date=new.date,
            format=new.format,
            owner=owner,
            facilitators=[owner],
        )
        workshop.phases = [
            Phase(
                position=i,
                kind=kind,
                title=str(KIND_LABELS[kind]),
                duration_s=minutes * 60,
                settings={},
            )
            for i, (kind, minutes) in enumerate(PRESETS[Format(new.format)])
        ]
        db.session.add(workshop)
        try:
            db.session.commit()
        except IntegrityError:  # join code already taken: draw another
            db.session.rollback()
            continue
        return workshop
    raise RuntimeError("could not draw a free join code")  # pragma: no cover


def get_workshop(workshop_id: int) -> Workshop:
    # An id outside the database's integer range (a URL can say anything) is no workshop.
    workshop = db.session.get(Workshop, workshop_id) if 0 < workshop_id <= INT_MAX else None
    if workshop is None:
        raise NotFound()
    return workshop


def find_by_code(code: str) -> Workshop:
    """The workshop with join code ``code`` (as typed); raises :class:`UnknownCode`."""
    normalized = normalize_code(code)
    workshop = normalized and db.session.scalar(select(Workshop).where(Workshop.code == normalized))
    if not workshop:
        raise UnknownCode()
    return workshop


def check_joinable(workshop: Workshop) -> None:
    """Raise unless new participants may join ``workshop`` now."""
    if workshop.status == WorkshopStatus.DRAFT:
        raise WorkshopNotOpen()
    if workshop.status == WorkshopStatus.CLOSED:
        raise WorkshopClosed()
    if not workshop.joining_open:
        raise JoiningClosed()


def require_facilitator(workshop: Workshop, facilitator: Facilitator | None) -> None:
    """Raise :class:`Forbidden` unless ``facilitator`` co-runs ``workshop``."""
    if facilitator is None or facilitator.id not in {f.id for f in workshop.facilitators}:
        raise Forbidden()


def workshops_of(facilitator: Facilitator) -> list[Workshop]:
    return sorted(facilitator.workshops, key=lambda w: w.created_at, reverse=True)


def _workshop_fact(workshop: Workshop) -> None:
    data = {"workshop": serialize_workshop(workshop)}
    event_log.record(workshop, Facts.WORKSHOP_UPDATED, data)


def open_workshop(workshop_id: int, facilitator: Facilitator) -> Workshop:
    """Open a draft or closed workshop: people can join, the agenda starts.

    Facilitators only. Emits ``workshop_updated`` (and ``phase_changed`` the first time).
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    if workshop.status == WorkshopStatus.OPEN:
        return workshop
    workshop.status = WorkshopStatus.OPEN
    workshop.joining_open = True
    _workshop_fact(workshop)
    if workshop.current_phase_id is None and workshop.phases:
        from .agenda import enter_phase  # agenda builds on this module

        enter_phase(workshop, workshop.phases[0])
    db.session.commit()
    return workshop


def close_workshop(workshop_id: int, facilitator: Facilitator) -> Workshop:
    """Close the workshop: read-only for everybody. Emits ``workshop_updated``, and
    ``timer_changed`` when a countdown was running or paused."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    if workshop.status != WorkshopStatus.CLOSED:
        if workshop.current_phase is not None:  # closing leaves the current step too
            run_exit_hooks(workshop, workshop.current_phase)
        workshop.status = WorkshopStatus.CLOSED
        _workshop_fact(workshop)
        if workshop.timer_ends_at is not None or workshop.timer_remaining_ms is not None:
            workshop.timer_ends_at = None
            workshop.timer_remaining_ms = None
            event_log.record(workshop, Facts.TIMER_CHANGED, {"timer": serialize_timer(workshop)})
        db.session.commit()
    return workshop


def set_joining(workshop_id: int, facilitator: Facilitator, is_open: bool) -> Workshop:
    """Let new participants join or not (those already in stay). Emits ``workshop_updated``."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    if workshop.joining_open != is_open:
        workshop.joining_open = is_open
        _workshop_fact(workshop)
        db.session.commit()
    return workshop


def update_settings(workshop_id: int, facilitator: Facilitator, change: SettingsChange) -> Workshop:
    """Change how ideas are shown: anonymous authors, moderation before display, and
    whether participants may place their own ideas in a défi.

    Turning moderation off approves the ideas that were waiting. Emits
    ``settings_changed`` (with the authors' pseudonyms when they become visible) and
    ``idea_approved`` for each idea released.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    changed = False
    if change.anonymous is not None and change.anonymous != workshop.anonymous:
        workshop.anonymous = change.anonymous
        changed = True
    if (
        change.participants_group is not None
        and change.participants_group != workshop.participants_group
    ):
        workshop.participants_group = change.participants_group
        changed = True
    if (
        change.participants_qualify is not None
        and change.participants_qualify != workshop.participants_qualify
    ):
        workshop.participants_qualify = change.participants_qualify
        changed = True
    released: list[Idea] = []
    if change.moderation is not None and change.moderation != workshop.moderation:
        workshop.moderation = change.moderation
        changed = True
        if not change.moderation:
            released = list(
                db.session.scalars(
                    select(Idea)
                    .where(Idea.workshop_id == workshop.id, Idea.status == IdeaStatus.PENDING)
                    .order_by(Idea.id)
                )
            )
    if not changed:
        return workshop
    settings = {
        "anonymous": workshop.anonymous,
        "moderation": workshop.moderation,
        "participants_group": workshop.participants_group,
        "participants_qualify": workshop.participants_qualify,
    }
    public: dict[str, object] = dict(settings)
    if not workshop.anonymous:
        public["authors"] = {
            str(idea_id): name
            for idea_id, name in db.session.execute(
                select(Idea.id, Participant.display_name)
                .join(Participant, Idea.participant_id == Participant.id)
                .where(Idea.workshop_id == workshop.id, Idea.status == IdeaStatus.VISIBLE)
            )
        }
    event_log.record(workshop, Facts.SETTINGS_CHANGED, {"settings": settings}, {"settings": public})
    for idea in released:
        idea.status = IdeaStatus.VISIBLE
        db.session.flush()
        event_log.record(
            workshop,
            Facts.IDEA_APPROVED,
            {"idea": serialize_idea(idea, Role.FACILITATOR, anonymous=False)},
            {"idea": serialize_idea(idea, Role.PARTICIPANT, anonymous=workshop.anonymous)},
        )
    db.session.commit()
    return workshop


def update_agenda(workshop_id: int, facilitator: Facilitator, items: list[AgendaItem]) -> Workshop:
    """Replace the agenda: keep, rename, reorder, add and remove phases.

    Phases are matched by ``id``; the current phase cannot be removed. Emits
    ``agenda_changed``.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    existing = {phase.id: phase for phase in workshop.phases}
    given_ids = [item.id for item in items if item.id is not None]
    kept_ids = set(given_ids)
    if len(kept_ids) != len(given_ids):  # one step listed twice would be stored once
        raise ValidationError(
            _("Each step can appear only once."), field="phases", reason="duplicate"
        )
    if unknown := kept_ids - existing.keys():
        raise ValidationError(
            _("This step is not part of the agenda."),
            field="phases",
            reason="unknown",
            ids=sorted(unknown),
        )
    if workshop.current_phase_id is not None and workshop.current_phase_id not in kept_ids:
        raise ValidationError(
            _("The current step cannot be removed."), field="phases", reason="current"
        )
    phases = []
    for position, item in enumerate(items):
        phase = existing[item.id] if item.id is not None else Phase(settings={})
        phase.position = position
        phase.kind = item.kind
        phase.title = item.title or str(KIND_LABELS[PhaseKind(item.kind)])
        phase.duration_s = item.duration_s
        phases.append(phase)
    workshop.phases = phases
    db.session.flush()
    event_log.record(
        workshop, Facts.AGENDA_CHANGED, {"phases": [serialize_phase(p) for p in workshop.phases]}
    )
    db.session.commit()
    return workshop


def participant_view(participant: Participant) -> dict[str, Any]:
    """What a participant's own phone needs about them: identity, their ideas, their
    votes ``{phase_id: {idea_id: count}}`` and their volunteer offers (in every
    snapshot and every replay)."""
    from .volunteers import mine as my_offers  # volunteers builds on this module
    from .votes import my_votes  # votes builds on this module

    idea_ids = db.session.scalars(
        select(Idea.id)
        .where(Idea.participant_id == participant.id, Idea.status != IdeaStatus.WITHDRAWN)
        .order_by(Idea.id)
    )
    return {
        "id": participant.id,
        "display_name": participant.display_name,
        "profile": participant.profile,
        "idea_ids": list(idea_ids),
        "votes": {
            str(phase_id): {str(idea_id): n for idea_id, n in items.items()}
            for phase_id, items in my_votes(participant).items()
        },
        "volunteers": my_offers(participant),
    }


def build_state(
    workshop: Workshop, role: Role, participant: Participant | None = None
) -> dict[str, Any]:
    """The snapshot a client starts from, as ``role`` may see it, with its ``seq``.

    Read-only; call it after joining the room so no later event can be missed. The
    ``seq`` is read first, so the data is at least that fresh; facts are absolute
    values, so re-applying one the snapshot already reflects changes nothing.
    """
    db.session.refresh(workshop)
    viewer_id = participant.id if participant else None
    ideas_query = (
        select(Idea)
        .where(Idea.workshop_id == workshop.id, ideas_seen_by(role, viewer_id))
        .order_by(Idea.id)
        .options(selectinload(Idea.author))  # one query for the authors, not one each
    )
    state: dict[str, Any] = {
        "seq": workshop.seq,
        "role": str(role),
        "workshop": serialize_workshop(workshop),
        "phases": [serialize_phase(p) for p in workshop.phases],
        "timer": serialize_timer(workshop),
        "ideas": [
            serialize_idea(idea, role, anonymous=workshop.anonymous, viewer_id=viewer_id)
            for idea in db.session.scalars(ideas_query)
        ],
        "participant_count": db.session.scalar(
            select(func.count())
            .select_from(Participant)
            .where(Participant.workshop_id == workshop.id)
        ),
    }
    from .challenges import grouping_state  # challenges builds on this module
    from .votes import vote_state  # votes builds on this module

    state["grouping"] = grouping_state(workshop, role)
    from .qualification import qualification_state  # builds on this module
    from .volunteers import volunteer_state  # builds on this module

    state["qualifications"] = qualification_state(workshop, role)
    state["volunteers"] = volunteer_state(workshop, role)

    state["votes"] = {
        str(phase.id): vote_state(phase, public=role is not Role.FACILITATOR)
        for phase in workshop.phases
        if phase.kind == PhaseKind.VOTE
    }
    if role is Role.FACILITATOR:
        state["participants"] = [
            serialize_participant(p)
            for p in db.session.scalars(
                select(Participant)
                .where(Participant.workshop_id == workshop.id)
                .order_by(Participant.id)
            )
        ]
    if participant is not None:
        state["me"] = participant_view(participant)
    return state
