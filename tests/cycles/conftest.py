"""Cycle fixtures: a facilitator's cycle with sessions, and helpers that drive the
services in short application contexts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.factories import make_facilitator, next_seq
from workshop.extensions import db
from workshop.models import Cycle, Enrolment, Facilitator, Workshop
from workshop.schemas.cycles import NewCycle, NewEnrolment, SessionForm
from workshop.services import agenda, cycles

START = dt.date(2027, 3, 1)


@dataclass(frozen=True)
class CycleRef:
    """What a test keeps of a cycle once its app context is gone."""

    id: int
    uid: str
    owner_email: str
    sessions: tuple[int, ...]


def owner_of(cycle_id: int) -> Facilitator:
    cycle = db.session.get(Cycle, cycle_id)
    assert cycle is not None and cycle.owner is not None
    return cycle.owner


def make_cycle(
    sessions: int = 2, *, owner: Facilitator | None = None, opened: bool = True, **new: object
) -> CycleRef:
    """A custom cycle with ``sessions`` sessions a week apart (opened unless told), in
    the current app context."""
    owner = owner or make_facilitator()
    cycle = cycles.create_cycle(
        NewCycle(title=str(new.pop("title", f"Cycle {next_seq()}")), **new),  # type: ignore[arg-type]
        owner,
    )
    ids = []
    for i in range(sessions):
        workshop = cycles.add_session(
            cycle.id,
            owner,
            SessionForm(
                title=f"Séance {i + 1}",
                date=START + dt.timedelta(weeks=i),
                territory="Annonay",
                theme=f"Thème {i + 1}",
            ),
        )
        if opened:
            agenda.open_workshop(workshop.id, owner)
        ids.append(workshop.id)
    return CycleRef(cycle.id, cycle.uid, owner.email, tuple(ids))


def enrol(cycle_id: int, name: str = "Awa", **extra: object) -> tuple[Enrolment, str]:
    return cycles.enrol(cycle_id, NewEnrolment(display_name=name, **extra))  # type: ignore[arg-type]


def session(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    assert workshop is not None
    return workshop
