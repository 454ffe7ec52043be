"""Jury fixtures: cycles made as rows (a facilitator, a grid, projects with their note
d'intention), in short application contexts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.factories import make_facilitator, next_seq
from workshop.extensions import db
from workshop.models import Cycle, CycleProject, Enrolment, Facilitator

GRID = [
    {"key": "besoin", "label": "Besoin", "description": "Un vrai besoin ?"},
    {"key": "faisabilite", "label": "Faisabilité", "description": ""},
]
TEMPLATE = [
    {"key": "besoin-public", "label": "Besoin et public", "prompt": ""},
    {"key": "modele", "label": "Modèle économique", "prompt": ""},
]


@dataclass
class CycleRef:
    id: int
    owner_id: int
    owner_email: str
    projects: list[int]
    enrolments: list[int]


def add_project(cycle_id: int, title: str, **extra: Any) -> int:
    """A holder's project row of the cycle, in the current context."""
    project = CycleProject(
        cycle_id=cycle_id,
        title=title,
        pitch=extra.pop("pitch", f"Le pitch de {title}"),
        intention=extra.pop("intention", {"besoin-public": f"Le besoin de {title}"}),
        **extra,
    )
    db.session.add(project)
    db.session.commit()
    return project.id


def make_cycle(owner: Facilitator | None = None, *titles: str, **extra: Any) -> CycleRef:
    """A cycle owned by ``owner`` (a new facilitator else) with the test grid and one
    project per title, each with an enrolled holder; in the current context."""
    owner = owner or make_facilitator()
    cycle = Cycle(
        title=extra.pop("title", f"Lance-toi {next_seq()}"),
        owner_id=owner.id,
        criteria=extra.pop("criteria", [dict(c) for c in GRID]),
        intention_template=[dict(t) for t in TEMPLATE],
        questionnaires={"start": [], "end": []},
        **extra,
    )
    db.session.add(cycle)
    db.session.commit()
    projects, enrolments = [], []
    for n, title in enumerate(titles or ("Épicerie mobile", "Garage solidaire")):
        enrolment = Enrolment(
            cycle_id=cycle.id, display_name=f"Porteuse {n + 1}", token_hash=f"{next_seq():064d}"
        )
        db.session.add(enrolment)
        db.session.commit()
        enrolments.append(enrolment.id)
        projects.append(
            add_project(cycle.id, title, enrolment_id=enrolment.id, position=n, show_name=n == 0)
        )
    return CycleRef(cycle.id, owner.id, owner.email, projects, enrolments)


@pytest.fixture
def new_cycle(app: Flask) -> Callable[..., CycleRef]:
    """``new_cycle(*titles, owner_id=None, **columns)``: a cycle with projects."""

    def make(*titles: str, owner_id: int | None = None, **extra: Any) -> CycleRef:
        with app.app_context():
            owner = db.session.get(Facilitator, owner_id) if owner_id else None
            return make_cycle(owner, *titles, **extra)

    return make
