"""The vote step: its settings, revealing hidden tallies, freezing the results (by
hand, or on leaving the step: :func:`freeze_on_exit`) and reopening a vote."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import (
    NotFound,
    ValidationError,
    VoteClosed,
    WrongPhase,
    WrongWorkshop,
)
from ...extensions import db
from ...models import (
    Facilitator,
    Idea,
    IdeaStatus,
    Phase,
    Vote,
    Workshop,
    WorkshopStatus,
    utcnow,
)
from ...phases import PhaseKind, vote_settings
from ...realtime import Facts
from ...schemas import VoteSettingsChange, serialize_phase
from ...wire import ResultsFrozen, VoteConfigured, VoteReopened, VotesRevealed
from .. import event_log
from ..guards import require_facilitator
from . import grades
from .counting import ranking, return_votes, tallies_public, totals, vote_state


def _vote_phase(workshop: Workshop, phase_id: int | None) -> Phase:
    """The vote phase ``phase_id`` of ``workshop``, or its current phase when ``None``."""
    phase = workshop.current_phase if phase_id is None else db.session.get(Phase, phase_id)
    if phase is None:
        raise NotFound()
    if phase.workshop_id != workshop.id:
        raise WrongWorkshop()
    if phase.kind != PhaseKind.VOTE:
        raise WrongPhase(_("This step is not a vote."))
    return phase


def configure_vote(workshop_id: int, facilitator: Facilitator, change: VoteSettingsChange) -> Phase:
    """Set a vote phase's budget, cap, target, own-idea rule and hidden mode.

    Facilitators only, until the results are frozen. Votes already cast stay; a lower
    budget only stops new ones. Emits ``vote_configured`` (and, when tallies become
    public, ``votes_revealed`` with them).
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, change.phase_id)
    if phase.frozen_at is not None:
        raise VoteClosed()
    settings = vote_settings(phase) | change.changes()
    if settings["max_per_item"] > settings["votes_per_participant"]:
        raise ValidationError(
            _("An item cannot receive more votes than a participant has."),
            field="max_per_item",
            reason="range",
            max=settings["votes_per_participant"],
        )
    if settings == vote_settings(phase):
        return phase  # nothing changes: nothing to announce
    for fixed in ("target", "method"):  # the ballots cast would mean something else
        if settings[fixed] != vote_settings(phase)[fixed] and (
            totals(phase)["votes_cast"] or grades.has_grades(phase)
        ):
            raise ValidationError(
                _("Votes are cast already: what is voted on cannot change any more."),
                field=fixed,
                reason="votes_cast",
            )
    was_public = tallies_public(phase)
    phase.settings = {**(phase.settings or {}), **settings}
    db.session.flush()
    configured: VoteConfigured = {"phase": serialize_phase(phase)}
    event_log.record(workshop, Facts.VOTE_CONFIGURED, configured)
    if tallies_public(phase) and not was_public:
        _record_reveal(workshop, phase)
    db.session.commit()
    return phase


def _record_reveal(workshop: Workshop, phase: Phase) -> None:
    revealed: VotesRevealed = {
        "phase": serialize_phase(phase),
        "votes": vote_state(phase, public=False),
    }
    event_log.record(workshop, Facts.VOTES_REVEALED, {**revealed, **_grades_of(phase)})


def _grades_of(phase: Phase) -> dict[str, grades.GradeState]:
    """A majority vote's results for ``votes_revealed`` and ``results_frozen``."""
    return {"grades": grades.grade_state(phase, public=False)} if grades.is_majority(phase) else {}


def reveal_votes(workshop_id: int, facilitator: Facilitator, phase_id: int | None = None) -> Phase:
    """Show the tallies of a hidden vote to everybody. Facilitators only.

    Emits ``votes_revealed`` with the tallies.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, phase_id)
    if phase.revealed_at is None:
        was_public = tallies_public(phase)
        phase.revealed_at = utcnow()
        db.session.flush()
        if not was_public:  # a live or frozen vote's tallies are public already
            _record_reveal(workshop, phase)
        db.session.commit()
    return phase


def _freeze(workshop: Workshop, phase: Phase) -> None:
    phase.frozen_at = utcnow()
    phase.frozen_ranking = grades.ranking(phase) if grades.is_majority(phase) else ranking(phase)
    db.session.flush()
    frozen: ResultsFrozen = {
        "phase": serialize_phase(phase),
        "votes": vote_state(phase, public=False),
    }
    event_log.record(workshop, Facts.RESULTS_FROZEN, {**frozen, **_grades_of(phase)})


def freeze_results(
    workshop_id: int, facilitator: Facilitator, phase_id: int | None = None
) -> Phase:
    """End a vote: no more votes; the ranking is kept as the result exports use.

    Facilitators only. Leaving a vote phase freezes it too. Emits ``results_frozen``
    with the ranking and the tallies, for everybody.
    """
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, phase_id)
    if phase.frozen_at is None:
        _freeze(workshop, phase)
        db.session.commit()
    return phase


def reopen_vote(workshop_id: int, facilitator: Facilitator, phase_id: int | None = None) -> Phase:
    """Undo a freeze, e.g. after coming back to a vote step left too early. Facilitators
    only, on the current step of an open workshop (a vote reopened elsewhere could not be
    frozen again by leaving it). Emits ``vote_reopened``."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    phase = _vote_phase(workshop, phase_id)
    if workshop.status != WorkshopStatus.OPEN or phase.id != workshop.current_phase_id:
        raise WrongPhase(_("Go back to this vote step to reopen its vote."))
    if phase.frozen_at is not None:
        phase.frozen_at = None
        phase.frozen_ranking = None
        db.session.flush()
        reopened: VoteReopened = {"phase": serialize_phase(phase)}
        event_log.record(workshop, Facts.VOTE_REOPENED, reopened)
        # Ideas hidden or withdrawn while the vote was frozen kept their dots; an open
        # vote gives them back, or they would be lost to participants who cannot see them.
        gone = db.session.scalars(
            select(Idea)
            .join(Vote, Vote.idea_id == Idea.id)
            .where(Vote.phase_id == phase.id, Idea.status != IdeaStatus.VISIBLE)
            .distinct()
        ).all()
        for idea in gone:
            return_votes(workshop, idea)
        db.session.commit()
    return phase


def freeze_on_exit(workshop: Workshop, phase: Phase) -> None:
    """Leaving a vote step ends its vote: the ranking exports use is the one seen then."""
    if phase.frozen_at is None:
        _freeze(workshop, phase)
