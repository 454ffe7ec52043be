"""Ideas: posting, editing and withdrawing one's own; moderation by facilitators."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from ..errors import (
    Conflict,
    DuplicateClientId,
    Forbidden,
    NotAuthor,
    NotFound,
    RateLimited,
    ValidationError,
    WorkshopError,
    WrongPhase,
    WrongWorkshop,
)
from ..extensions import db
from ..models import Facilitator, Idea, IdeaStatus, Participant, Phase, Workshop, utcnow
from ..phases import CAPABILITIES, PhaseKind
from ..realtime import Facts
from ..schemas import IdeaEdit, NewIdea, Role, serialize_idea
from ..wire import IdeaChanged, IdeaWithdrawn
from . import event_log, lookup, votes
from .guards import (
    require_capability,
    require_facilitator,
    require_not_closed,
    require_open,
    require_open_status,
)


def _views(idea: Idea, workshop: Workshop) -> tuple[IdeaChanged, IdeaChanged]:
    """The facilitators' and the public payload of a fact about ``idea``."""
    return (
        {"idea": serialize_idea(idea, Role.FACILITATOR, anonymous=workshop.anonymous)},
        {"idea": serialize_idea(idea, Role.PARTICIPANT, anonymous=workshop.anonymous)},
    )


def _participant_in(workshop: Workshop, participant_id: int) -> Participant:
    return lookup.participant(workshop, participant_id)


def _idea_in(workshop: Workshop, idea_id: int) -> Idea:
    return lookup.live_idea(workshop, idea_id)


_WORKSHOPS = Workshop.__table__
_IDEAS = Idea.__table__
_PHASES = Phase.__table__
# The post's lock: the workshop's write lock and the fact's ``seq`` in one statement
# (event_log's idiom), with what the checks and the fact need of the workshop.
_POST_LOCK = (
    update(_WORKSHOPS)
    .where(_WORKSHOPS.c.id == bindparam("b_workshop"))
    .values(seq=_WORKSHOPS.c.seq + 1)
    .returning(
        _WORKSHOPS.c.seq,
        _WORKSHOPS.c.status,
        _WORKSHOPS.c.current_phase_id,
        _WORKSHOPS.c.moderation,
        _WORKSHOPS.c.anonymous,
    )
)
_SAME_CLIENT_ID = (_IDEAS.c.workshop_id == bindparam("b_workshop")) & (
    _IDEAS.c.client_id == bindparam("b_client_id")
)
# Everything else the post checks, read in one statement with the author: a retry's
# idea, the current step, the author's ideas of the last minute, the idea's position.
_POST_READ = select(
    Participant,
    select(_IDEAS.c.id).where(_SAME_CLIENT_ID).scalar_subquery().label("retried"),
    select(_IDEAS.c.participant_id).where(_SAME_CLIENT_ID).scalar_subquery().label("retrier"),
    select(_PHASES.c.kind)
    .where(_PHASES.c.id == bindparam("b_phase"))
    .scalar_subquery()
    .label("phase_kind"),
    select(func.count())
    .select_from(_IDEAS)
    .where(
        _IDEAS.c.participant_id == bindparam("b_participant"),
        _IDEAS.c.created_at > bindparam("b_since"),
    )
    .scalar_subquery()
    .label("recent"),
    select(func.count())
    .select_from(_IDEAS)
    .where(_IDEAS.c.workshop_id == bindparam("b_workshop"))
    .scalar_subquery()
    .label("position"),
).where(Participant.id == bindparam("b_participant"))


def post_idea(workshop_id: int, participant_id: int, new: NewIdea) -> tuple[Idea, bool]:
    """Post an idea; returns it and whether it was created now.

    A participant of the workshop, in a phase where posting is allowed, within the
    per-minute rate. A retry with the same ``client_id`` returns the idea already
    stored and changes nothing. With moderation on the idea waits for approval.
    Raises :class:`WrongPhase`, :class:`WorkshopClosed`, :class:`RateLimited`,
    :class:`DuplicateClientId`. Emits ``idea_posted`` (a pending idea reaches the
    public rooms as its id and status only).

    Every phone's idea goes through here, so it runs four statements before the
    commit (issue #17: the ORM path took ten): the lock that also takes the fact's
    ``seq``, one read of the author and of every figure the checks need, the idea's
    insert, the fact's insert. A refused post or a retry rolls the ``seq`` back.
    """
    session = db.session
    locked = session.connection().execute(_POST_LOCK, {"b_workshop": workshop_id}).one_or_none()
    if locked is None:
        raise NotFound()
    seq, status, phase_id, moderation, anonymous = locked
    try:
        read = session.execute(
            _POST_READ,
            {
                "b_workshop": workshop_id,
                "b_participant": participant_id,
                "b_client_id": new.client_id,
                "b_phase": phase_id,
                "b_since": utcnow() - dt.timedelta(minutes=1),
            },
        ).one_or_none()
        if read is None:
            raise NotFound()
        participant = read.Participant
        if participant.workshop_id != workshop_id:
            raise WrongWorkshop()
        if participant.erased_at is not None:
            raise NotFound()
        if read.retried is not None:
            if read.retrier != participant.id:
                raise DuplicateClientId()
            session.rollback()  # nothing to record: give the seq back
            existing = session.get(Idea, read.retried)
            assert existing is not None  # noqa: S101 - read under the lock just now
            return existing, False
        require_open_status(status)
        kind = read.phase_kind if phase_id is not None else None
        if kind is None or not CAPABILITIES[PhaseKind(kind)].post_ideas:
            raise WrongPhase(_("Ideas cannot be posted in this step of the workshop."))
        if read.recent >= current_app.config["IDEA_RATE_PER_MINUTE"]:
            raise RateLimited(
                _("You have posted many ideas in a short time. Wait a minute before posting again.")
            )
    except WorkshopError:
        session.rollback()
        raise
    idea = Idea(
        workshop_id=workshop_id,
        participant_id=participant.id,
        author=participant,
        client_id=new.client_id,
        title=new.title,
        description=new.description,
        need=new.need,
        status=IdeaStatus.PENDING if moderation else IdeaStatus.VISIBLE,
        # At the end of the unclassified ideas (positions are renumbered when moved).
        position=read.position,
        version=1,
    )
    session.add(idea)
    session.flush()
    views = (
        {"idea": serialize_idea(idea, Role.FACILITATOR, anonymous=anonymous)},
        {"idea": serialize_idea(idea, Role.PARTICIPANT, anonymous=anonymous)},
    )
    event_log.record_at(workshop_id, seq, Facts.IDEA_POSTED, *views)
    session.commit()
    return idea, True


def _own_idea(workshop: Workshop, participant_id: int, idea_id: int) -> Idea:
    participant = _participant_in(workshop, participant_id)
    idea = _idea_in(workshop, idea_id)
    if idea.participant_id != participant.id:
        raise NotAuthor()
    if idea.status == IdeaStatus.HIDDEN:
        raise Forbidden(_("This idea was hidden by the facilitators."))
    return idea


def edit_idea(workshop_id: int, participant_id: int, edit: IdeaEdit) -> Idea:
    """Change one's own idea, in a phase that allows editing.

    ``edit.version``, when given, must be the idea's current version
    (:class:`Conflict` otherwise). Raises :class:`NotAuthor`, :class:`WrongPhase`.
    Emits ``idea_updated``.
    """
    workshop = event_log.lock_workshop(workshop_id)
    idea = _own_idea(workshop, participant_id, edit.idea_id)
    require_open(workshop)
    require_capability(
        workshop, "edit_ideas", _("Ideas cannot be changed in this step of the workshop.")
    )
    if edit.version is not None and edit.version != idea.version:
        raise Conflict()
    if (idea.title, idea.description, idea.need) == (edit.title, edit.description, edit.need):
        return idea
    idea.title, idea.description, idea.need = edit.title, edit.description, edit.need
    idea.version += 1
    db.session.flush()
    event_log.record(workshop, Facts.IDEA_UPDATED, *_views(idea, workshop))
    db.session.commit()
    return idea


def reword_idea(workshop_id: int, facilitator: Facilitator, edit: IdeaEdit) -> Idea:
    """A facilitator rewords an idea that has no author to do it: one imported from a
    file of ideas collected before the session, or one kept when its author's data was
    erased.

    An author's words stay theirs: an idea posted from a phone is changed by its author
    only (:class:`Forbidden` here). In any step, while the workshop is not closed.
    ``edit.version`` is required and must be the idea's current version
    (:class:`Conflict` otherwise: two facilitators rewording at once). Emits
    ``idea_updated``, as :func:`edit_idea` does.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_not_closed(workshop)
    idea = _idea_in(workshop, edit.idea_id)
    if idea.participant_id is not None:
        raise Forbidden(
            _(
                "Only its author can change this idea. Facilitators reword the ideas "
                "that have no author, such as imported ones."
            )
        )
    if edit.version is None:
        raise ValidationError(_("This field is required."), field="version", reason="required")
    if edit.version != idea.version:
        raise Conflict()
    if (idea.title, idea.description, idea.need) == (edit.title, edit.description, edit.need):
        return idea
    idea.title, idea.description, idea.need = edit.title, edit.description, edit.need
    idea.version += 1
    db.session.flush()
    event_log.record(workshop, Facts.IDEA_UPDATED, *_views(idea, workshop))
    db.session.commit()
    return idea


def withdraw_idea(workshop_id: int, participant_id: int, idea_id: int) -> Idea:
    """Withdraw one's own idea, at any time while the workshop runs.

    Idempotent: withdrawing it again answers the same and records nothing. Raises
    :class:`NotAuthor`. Emits ``idea_withdrawn`` (:func:`discard_idea`).
    """
    workshop = event_log.lock_workshop(workshop_id)
    already = db.session.get(Idea, idea_id)
    if (
        already is not None
        and already.status == IdeaStatus.WITHDRAWN
        and already.workshop_id == workshop.id
        and already.participant_id == participant_id
    ):
        return already  # a retried withdrawal: done already, nothing to record
    idea = _own_idea(workshop, participant_id, idea_id)
    require_open(workshop)
    discard_idea(workshop, idea)
    db.session.commit()
    return idea


def discard_idea(workshop: Workshop, idea: Idea) -> None:
    """Withdraw ``idea`` for good: its text goes (a withdrawn idea keeps none), the
    facts that showed it are redacted, its dots in open votes are given back. Records
    ``idea_withdrawn``. The caller holds the lock and commits."""
    event_log.redact(workshop)
    idea.status = IdeaStatus.WITHDRAWN
    idea.title, idea.description, idea.need = "", "", ""
    db.session.flush()
    withdrawn: IdeaWithdrawn = {"idea_id": idea.id}
    event_log.record(workshop, Facts.IDEA_WITHDRAWN, withdrawn)
    votes.return_votes(workshop, idea)


def _moderate(
    workshop_id: int,
    facilitator: Facilitator,
    idea_id: int,
    allowed_from: set[IdeaStatus],
    to: IdeaStatus,
    fact: str,
) -> Idea:
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    idea = _idea_in(workshop, idea_id)
    if idea.status == to:
        return idea
    if idea.status not in allowed_from:
        raise Conflict(_("This idea is not in a state that allows this."))
    if to == IdeaStatus.HIDDEN and idea.status == IdeaStatus.VISIBLE:
        event_log.redact(workshop)  # its text must not come back in a replay
    idea.status = to
    db.session.flush()
    event_log.record(workshop, fact, *_views(idea, workshop))
    if to != IdeaStatus.VISIBLE:
        votes.return_votes(workshop, idea)
    db.session.commit()
    return idea


def hide_idea(workshop_id: int, facilitator: Facilitator, idea_id: int) -> Idea:
    """Hide an idea (visible or waiting) from participants and screens. Facilitators only.

    Emits ``idea_hidden``.
    """
    return _moderate(
        workshop_id,
        facilitator,
        idea_id,
        {IdeaStatus.VISIBLE, IdeaStatus.PENDING},
        IdeaStatus.HIDDEN,
        Facts.IDEA_HIDDEN,
    )


def restore_idea(workshop_id: int, facilitator: Facilitator, idea_id: int) -> Idea:
    """Show a hidden idea again. Facilitators only. Emits ``idea_restored``."""
    return _moderate(
        workshop_id,
        facilitator,
        idea_id,
        {IdeaStatus.HIDDEN},
        IdeaStatus.VISIBLE,
        Facts.IDEA_RESTORED,
    )


def approve_idea(workshop_id: int, facilitator: Facilitator, idea_id: int) -> Idea:
    """Show an idea that was waiting for approval. Facilitators only. Emits ``idea_approved``."""
    return _moderate(
        workshop_id,
        facilitator,
        idea_id,
        {IdeaStatus.PENDING},
        IdeaStatus.VISIBLE,
        Facts.IDEA_APPROVED,
    )
