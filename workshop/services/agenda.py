"""Running a session: opening and closing it, moving through the steps of its agenda,
and the timer.

What leaving a step does is one explicit table, :data:`ON_EXIT` (leaving a vote
freezes its results). The server owns the timer's deadline; clients count down
locally from ``ends_at`` (epoch milliseconds) corrected by their clock offset to the
server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask_babel import gettext as _

from ..errors import ValidationError, WrongPhase
from ..extensions import db
from ..models import Facilitator, Phase, Workshop, WorkshopStatus, utcnow
from ..phases import PhaseKind
from ..realtime import Facts
from ..schemas import PhaseTarget, serialize_phase, serialize_timer, serialize_workshop
from ..wire import PhaseChanged, TimerChanged
from . import event_log, votes, workshops
from .guards import require_facilitator, require_open

#: What leaving a step of each kind does, inside the transaction that leaves it.
ON_EXIT: dict[PhaseKind, Callable[[Workshop, Phase], None]] = {
    PhaseKind.VOTE: votes.freeze_on_exit,
}


def run_exit_hooks(workshop: Workshop, phase: Phase) -> None:
    """Leave ``phase``: run what :data:`ON_EXIT` says for its kind (caller holds the lock)."""
    hook = ON_EXIT.get(PhaseKind(phase.kind))
    if hook is not None:
        hook(workshop, phase)


def _running(workshop_id: int, facilitator: Facilitator) -> Workshop:
    """Lock an open workshop for one of its facilitators."""
    workshop = event_log.lock_workshop(workshop_id)
    require_facilitator(workshop, facilitator)
    require_open(workshop)
    return workshop


def enter_phase(workshop: Workshop, phase: Phase) -> None:
    """Make ``phase`` current (caller holds the lock): run the exit hooks of the one
    left, reset the timer to the new phase's duration, record ``phase_changed``."""
    if workshop.current_phase is not None:
        run_exit_hooks(workshop, workshop.current_phase)
    workshop.current_phase = phase
    workshop.timer_duration_ms = phase.duration_s * 1000
    workshop.timer_ends_at = None
    workshop.timer_remaining_ms = None
    db.session.flush()
    changed: PhaseChanged = {
        "phase": serialize_phase(phase),
        "workshop": serialize_workshop(workshop),
        "timer": serialize_timer(workshop),
    }
    event_log.record(workshop, Facts.PHASE_CHANGED, changed)


def advance_phase(workshop_id: int, facilitator: Facilitator, target: PhaseTarget) -> Workshop:
    """Move to another phase of the agenda: the next, the previous, or any by id.

    Facilitators only, in an open workshop. Raises :class:`WrongPhase` past either end
    of the agenda. Emits ``phase_changed``.
    """
    workshop = _running(workshop_id, facilitator)
    phases = workshop.phases
    if target.phase_id is not None:
        phase = next((p for p in phases if p.id == target.phase_id), None)
        if phase is None:
            raise ValidationError(
                _("This step is not part of the agenda."), field="phase_id", reason="unknown"
            )
    else:
        current = next((i for i, p in enumerate(phases) if p.id == workshop.current_phase_id), -1)
        index = current + (1 if target.direction == "next" else -1)
        if not 0 <= index < len(phases):
            raise WrongPhase(_("There is no step in that direction."))
        phase = phases[index]
    if phase.id != workshop.current_phase_id:
        enter_phase(workshop, phase)
        db.session.commit()
    return workshop


def _timer_fact(workshop: Workshop) -> None:
    timer: TimerChanged = {"timer": serialize_timer(workshop)}
    event_log.record(workshop, Facts.TIMER_CHANGED, timer)


def start_timer(workshop_id: int, facilitator: Facilitator, seconds: int | None = None) -> Workshop:
    """Start (or resume) the countdown: ``seconds`` sets a new duration, otherwise a
    paused timer resumes and a stopped one starts from its duration. Emits ``timer_changed``.
    """
    workshop = _running(workshop_id, facilitator)
    if seconds is not None:
        workshop.timer_duration_ms = seconds * 1000
        remaining = seconds * 1000
    elif workshop.timer_remaining_ms is not None:
        remaining = workshop.timer_remaining_ms
    elif workshop.timer_ends_at is not None:
        return workshop  # already running
    else:
        remaining = workshop.timer_duration_ms
    if remaining <= 0:
        raise ValidationError(
            _("Give the timer a duration first."), field="seconds", reason="required"
        )
    workshop.timer_ends_at = utcnow() + dt.timedelta(milliseconds=remaining)
    workshop.timer_remaining_ms = None
    _timer_fact(workshop)
    db.session.commit()
    return workshop


def pause_timer(workshop_id: int, facilitator: Facilitator) -> Workshop:
    """Freeze a running countdown where it is. Emits ``timer_changed``."""
    workshop = _running(workshop_id, facilitator)
    if workshop.timer_ends_at is not None:
        left = workshop.timer_ends_at - utcnow()
        workshop.timer_remaining_ms = max(0, int(left.total_seconds() * 1000))
        workshop.timer_ends_at = None
        _timer_fact(workshop)
        db.session.commit()
    return workshop


def extend_timer(workshop_id: int, facilitator: Facilitator, seconds: int) -> Workshop:
    """Add ``seconds`` to the countdown, running, paused or stopped. Emits ``timer_changed``.

    An expired running timer restarts from now.
    """
    workshop = _running(workshop_id, facilitator)
    extra = dt.timedelta(seconds=seconds)
    now = utcnow()
    if workshop.timer_ends_at is not None:
        workshop.timer_ends_at = max(workshop.timer_ends_at, now) + extra
    elif workshop.timer_remaining_ms is not None:
        workshop.timer_remaining_ms += seconds * 1000
    else:
        workshop.timer_duration_ms += seconds * 1000
    _timer_fact(workshop)
    db.session.commit()
    return workshop


def reset_timer(workshop_id: int, facilitator: Facilitator) -> Workshop:
    """Stop the countdown and put it back to the current phase's duration."""
    workshop = _running(workshop_id, facilitator)
    phase = workshop.current_phase
    workshop.timer_duration_ms = phase.duration_s * 1000 if phase else 0
    workshop.timer_ends_at = None
    workshop.timer_remaining_ms = None
    _timer_fact(workshop)
    db.session.commit()
    return workshop


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
    workshops.record_workshop_updated(workshop)
    if workshop.current_phase_id is None and workshop.phases:
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
        workshop.closed_at = utcnow()
        workshops.record_workshop_updated(workshop)
        if workshop.timer_ends_at is not None or workshop.timer_remaining_ms is not None:
            workshop.timer_ends_at = None
            workshop.timer_remaining_ms = None
            _timer_fact(workshop)
        db.session.commit()
    return workshop
