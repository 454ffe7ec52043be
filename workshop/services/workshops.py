"""Workshops: creation from a preset, agenda, settings, status, and the snapshot."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import (
    ValidationError,
)
from ..extensions import db
from ..models import (
    Facilitator,
    Idea,
    IdeaStatus,
    Participant,
    Phase,
    Workshop,
)
from ..phases import KIND_LABELS, PRESETS, Format, PhaseKind
from ..realtime import Facts
from ..schemas import (
    CODE_ALPHABET,
    CODE_LENGTH,
    AgendaItem,
    NewWorkshop,
    Role,
    SettingsChange,
    serialize_idea,
    serialize_phase,
    serialize_workshop,
)
from ..wire import AgendaChanged, IdeaApproved, SettingsChanged, WorkshopSettings, WorkshopUpdated
from . import event_log
from .guards import require_facilitator


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


def workshops_of(facilitator: Facilitator) -> list[Workshop]:
    return sorted(facilitator.workshops, key=lambda w: w.created_at, reverse=True)


def record_workshop_updated(workshop: Workshop) -> None:
    """Record ``workshop_updated`` with the workshop as everybody sees it."""
    data: WorkshopUpdated = {"workshop": serialize_workshop(workshop)}
    event_log.record(workshop, Facts.WORKSHOP_UPDATED, data)


def set_joining(workshop_id: int, facilitator: Facilitator, is_open: bool) -> Workshop:
    """Let new participants join or not (those already in stay). Emits ``workshop_updated``."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    if workshop.joining_open != is_open:
        workshop.joining_open = is_open
        record_workshop_updated(workshop)
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
        if change.anonymous:  # earlier facts named the authors
            event_log.redact(workshop)
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
    settings: WorkshopSettings = {
        "anonymous": workshop.anonymous,
        "moderation": workshop.moderation,
        "participants_group": workshop.participants_group,
        "participants_qualify": workshop.participants_qualify,
    }
    public: WorkshopSettings = {**settings}
    if not workshop.anonymous:
        public["authors"] = {
            str(idea_id): name
            for idea_id, name in db.session.execute(
                select(Idea.id, Participant.display_name)
                .join(Participant, Idea.participant_id == Participant.id)
                .where(Idea.workshop_id == workshop.id, Idea.status == IdeaStatus.VISIBLE)
            )
        }
    changes: SettingsChanged = {"settings": settings}
    public_changes: SettingsChanged = {"settings": public}
    event_log.record(workshop, Facts.SETTINGS_CHANGED, changes, public_changes)
    for idea in released:
        idea.status = IdeaStatus.VISIBLE
        db.session.flush()
        approved: IdeaApproved = {"idea": serialize_idea(idea, Role.FACILITATOR, anonymous=False)}
        public_approved: IdeaApproved = {
            "idea": serialize_idea(idea, Role.PARTICIPANT, anonymous=workshop.anonymous)
        }
        event_log.record(workshop, Facts.IDEA_APPROVED, approved, public_approved)
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
    agenda: AgendaChanged = {"phases": [serialize_phase(p) for p in workshop.phases]}
    event_log.record(workshop, Facts.AGENDA_CHANGED, agenda)
    db.session.commit()
    return workshop
