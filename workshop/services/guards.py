"""The checks every service starts with: who may act, and whether the workshop runs.

The lowest level of the services: it reads the models and raises, never writes, and
imports no other service. A service that changes a workshop takes its lock
(:func:`.event_log.lock_workshop`) first, then calls these on what the lock loaded.
"""

from __future__ import annotations

from typing import Literal

from ..errors import Forbidden, JoiningClosed, WorkshopClosed, WorkshopNotOpen, WrongPhase
from ..models import Facilitator, Workshop, WorkshopStatus
from ..phases import capabilities

#: What a step may allow: the fields of :class:`~workshop.phases.Capabilities`.
Capability = Literal[
    "post_ideas", "edit_ideas", "vote", "place_own_ideas", "group_ideas", "qualify", "table_work"
]


def require_facilitator(workshop: Workshop, facilitator: Facilitator | None) -> None:
    """Raise :class:`Forbidden` unless ``facilitator`` co-runs ``workshop``."""
    if facilitator is None or facilitator.id not in {f.id for f in workshop.facilitators}:
        raise Forbidden()


def require_not_closed(workshop: Workshop) -> None:
    """Raise :class:`WorkshopClosed` once the workshop is closed (read-only)."""
    if workshop.status == WorkshopStatus.CLOSED:
        raise WorkshopClosed()


def require_open(workshop: Workshop) -> None:
    """Raise unless the workshop runs: :class:`WorkshopNotOpen` while it is a draft,
    :class:`WorkshopClosed` once closed."""
    require_open_status(workshop.status)


def require_open_status(status: str) -> None:
    """:func:`require_open` for a hot path that read the status column alone."""
    if status == WorkshopStatus.DRAFT:
        raise WorkshopNotOpen()
    if status == WorkshopStatus.CLOSED:
        raise WorkshopClosed()


def check_joinable(workshop: Workshop) -> None:
    """Raise unless new participants may join ``workshop`` now."""
    require_open(workshop)
    if not workshop.joining_open:
        raise JoiningClosed()


def allows(workshop: Workshop, capability: Capability) -> bool:
    """Whether the current step of ``workshop`` allows ``capability`` (a field of
    :class:`~workshop.phases.Capabilities`); no step (a draft) allows nothing."""
    return bool(getattr(capabilities(workshop.current_phase), capability))


def require_capability(workshop: Workshop, capability: Capability, message: str) -> None:
    """Raise :class:`WrongPhase` with ``message`` unless the current step allows
    ``capability``."""
    if not allows(workshop, capability):
        raise WrongPhase(message)
