"""« Mon projet » fixtures: two cycles (A and B) of two facilitators, each with sessions
and enrolled people, built through the cycles' services in short app contexts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.cycles.conftest import CycleRef, enrol, make_cycle
from tests.factories import make_participant, next_seq
from workshop.extensions import db
from workshop.models import Cycle, CycleProject, Enrolment, FeedbackCard, Workshop
from workshop.schemas.cycle_projects import ProjectForm
from workshop.services import cycle_projects, cycles


@dataclass(frozen=True)
class World:
    """A cycle and the secrets of its people's personal links."""

    cycle: CycleRef
    tokens: dict[str, str]

    @property
    def id(self) -> int:
        return self.cycle.id


def cycle_of(world: World) -> Cycle:
    cycle = db.session.get(Cycle, world.id)
    assert cycle is not None
    return cycle


def person(token: str) -> Enrolment:
    return cycles.enrolment_by_token(token)


def new_project(token: str, title: str = "Épicerie mobile", **form: Any) -> CycleProject:
    return cycle_projects.create_project(
        person(token),
        ProjectForm(
            title=title,
            pitch=str(form.pop("pitch", "Une épicerie qui va de village en village.")),
            show_name=bool(form.pop("show_name", True)),
            share_feedback=bool(form.pop("share_feedback", False)),
        ),
    )


def give_card(
    project_id: int, workshop_id: int, kind: str, text: str, **extra: Any
) -> FeedbackCard:
    """A feedback card as the pitch step writes it (status "visible" unless told)."""
    workshop = db.session.get(Workshop, workshop_id)
    assert workshop is not None
    giver = extra.pop("giver", None) or make_participant(workshop, display_name="Léa")
    card = FeedbackCard(
        workshop_id=workshop_id,
        project_id=project_id,
        participant_id=giver.id,
        client_id=f"card-{next_seq():08d}",
        kind=kind,
        text=text,
        signed=bool(extra.pop("signed", False)),
        status=str(extra.pop("status", "visible")),
    )
    assert not extra
    db.session.add(card)
    db.session.commit()
    return card


@pytest.fixture
def world(app: Flask) -> Callable[..., World]:
    """``world(opened=..., themes=...)``: a cycle of two sessions (opened by default:
    the first one runs now) with Awa and Basile enrolled."""

    def make(*, opened: bool = True, sessions: int = 2, names: tuple[str, ...] = ()) -> World:
        with app.app_context():
            ref = make_cycle(sessions, opened=opened)
            tokens = {name: enrol(ref.id, name)[1] for name in names or ("Awa", "Basile")}
        return World(ref, tokens)

    return make
