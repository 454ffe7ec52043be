"""A session of a cycle with a pitch step, its holders and their projects, built
directly on the models where the cycle's own services are not under test."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tests.factories import make_facilitator, make_participant, make_workshop, ref
from workshop.extensions import db
from workshop.models import Cycle, CycleProject, Enrolment, Participant, Phase, Workshop
from workshop.phases import PhaseKind
from workshop.schemas import PhaseTarget
from workshop.services import agenda


@dataclass(frozen=True)
class Cohort:
    """Ids of a session of a cycle: three projects in the cycle's order (the first two
    held by Hélène and Karim), and a project of another cycle."""

    workshop_id: int
    cycle_id: int
    pitch_phase_id: int
    projects: tuple[int, ...]
    enrolments: dict[str, int]
    foreign_project: int


def make_cycle(owner: Any, **overrides: Any) -> Cycle:
    cycle = Cycle(title=overrides.pop("title", "Lance-toi !"), owner_id=owner.id, **overrides)
    db.session.add(cycle)
    db.session.flush()
    return cycle


def enrol(cycle: Cycle, name: str) -> Enrolment:
    enrolment = Enrolment(cycle_id=cycle.id, display_name=name, token_hash=secrets.token_hex(32))
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def add_project(cycle: Cycle, title: str, position: int, **overrides: Any) -> CycleProject:
    project = CycleProject(cycle_id=cycle.id, title=title, position=position, **overrides)
    db.session.add(project)
    db.session.flush()
    return project


def make_cohort(
    *, signed: bool = False, kinds: list[dict[str, str]] | None = None, pitch_step: bool = True
) -> tuple[Workshop, Cohort]:
    """An open session (in its first step) of a cycle, with a pitch step at the end of
    its agenda; projects at positions 2, 0, 1 (so their order is not their ids')."""
    owner = make_facilitator()
    workshop = make_workshop(owner=owner, phase=None, format="lance_toi")
    cycle = make_cycle(owner, feedback_signed=signed, feedback_kinds=kinds or [])
    helene, karim = enrol(cycle, "Hélène"), enrol(cycle, "Karim")
    third = add_project(cycle, "Une recyclerie", 2, pitch="Réparer plutôt que jeter.")
    first = add_project(
        cycle, "Le café des Bauges", 0, pitch="Un café associatif.", enrolment_id=helene.id
    )
    second = add_project(
        cycle,
        "Une ferme pédagogique",
        1,
        pitch="Des ateliers.",
        enrolment_id=karim.id,
        show_name=False,
    )
    other = make_cycle(owner, title="Idéateur")
    foreign = add_project(other, "Ailleurs", 0)
    workshop.cycle_id = cycle.id
    phase = Phase(
        workshop_id=workshop.id,
        position=len(workshop.phases),
        kind=PhaseKind.PITCH if pitch_step else PhaseKind.RESULTS,
        title="Temps de codéveloppement",
        duration_s=1800,
        settings={},
    )
    db.session.add(phase)
    db.session.commit()
    db.session.refresh(workshop)
    return workshop, Cohort(
        workshop_id=workshop.id,
        cycle_id=cycle.id,
        pitch_phase_id=phase.id,
        projects=(first.id, second.id, third.id),
        enrolments={"Hélène": helene.id, "Karim": karim.id},
        foreign_project=foreign.id,
    )


def go_pitch(workshop: Workshop, cohort: Cohort) -> None:
    agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=cohort.pitch_phase_id))


def holder(workshop: Workshop, cohort: Cohort, name: str) -> Participant:
    """The enrolled person ``name`` as a participant of the session."""
    participant = make_participant(workshop, display_name=name)
    participant.enrolment_id = cohort.enrolments[name]
    db.session.commit()
    return participant


def link(workshop_id: int, display_name: str, enrolment_id: int) -> None:
    """Make the participant ``display_name`` (joined over HTTP) the enrolled person."""
    participant = db.session.scalars(
        select(Participant).where(
            Participant.workshop_id == workshop_id, Participant.display_name == display_name
        )
    ).one()
    participant.enrolment_id = enrolment_id
    db.session.commit()


__all__ = ["Cohort", "add_project", "enrol", "go_pitch", "holder", "link", "make_cohort", "ref"]
