"""Call-for-holders fixtures: a Fabrique with a member (tests/portfolio's), and projects
written directly as an import would leave them (a session, its défi with volunteers, the
défi's ideas), so the call is tested on exactly the rows it reads."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.portfolio.conftest import FabriqueRef, new_fabrique
from workshop.extensions import db
from workshop.models import (
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    Project,
    utcnow,
)

__all__ = ["FabriqueRef", "new_fabrique"]

_ids = itertools.count(1)

NEED_WHO = "Les personnes âgées sans voiture"
NEED_WHERE = "Aillon-le-Jeune"


def hold(
    name: str | None, email: str | None = None, phone: str | None = None, *, consent: bool = True
) -> dict[str, Any]:
    """A « je pourrais porter ce projet » offer as the export writes it."""
    if not consent:
        return {"kind": "hold", "consent_contact": False, "contact": None}
    return {
        "kind": "hold",
        "consent_contact": True,
        "contact": {"name": name, "email": email, "phone": phone},
    }


@dataclass
class ProjectRef:
    id: int
    fabrique_id: int
    challenge_id: int | None
    idea_ids: list[int]


@pytest.fixture
def new_project(app: Flask) -> Callable[..., ProjectRef]:
    """A project of a Fabrique made of a session's défi and its ideas."""

    def make(
        fabrique: FabriqueRef,
        *,
        title: str = "Une épicerie mobile",
        stage: str = "holder_search",
        in_call: bool = False,
        call_text: str = "",
        challenge_volunteers: list[dict[str, Any]] | None = None,
        idea_volunteers: list[list[dict[str, Any]]] | None = None,
        author: str = "Camille Secret",
        **extra: Any,
    ) -> ProjectRef:
        n = next(_ids)
        with app.app_context():
            session = PortfolioSession(
                fabrique_id=fabrique.id,
                workshop_uid=f"{n:032x}",
                title="Soirée manger local",
                territory="Cœur des Bauges",
                date=dt.date(2026, 11, 20),
                schema_version="1.2",
                exported_at=utcnow(),
                digest="0" * 64,
            )
            db.session.add(session)
            db.session.flush()
            challenge = PortfolioChallenge(
                session_id=session.id,
                reference=f"{session.workshop_uid}/challenge/1",
                title=title,
                body="Comment pourrions-nous faire ses courses sans voiture ?",
                votes=7,
                volunteers=challenge_volunteers or [],
            )
            db.session.add(challenge)
            db.session.flush()
            project = Project(
                fabrique_id=fabrique.id,
                kind="challenge",
                title=title,
                summary="Un camion épicerie chaque semaine",
                territory="Aillon-le-Jeune",
                session_id=session.id,
                challenge_id=challenge.id,
                stage=stage,
                in_call=in_call,
                call_text=call_text,
                sheet={"need_who": NEED_WHO, "need_where": NEED_WHERE, "territory": ""},
                **extra,
            )
            db.session.add(project)
            db.session.flush()
            ideas = []
            for index, volunteers in enumerate(idea_volunteers or [[], []]):
                idea = PortfolioIdea(
                    fabrique_id=fabrique.id,
                    session_id=session.id,
                    challenge_id=challenge.id,
                    reference=f"{session.workshop_uid}/idea/{index + 1}",
                    title=f"Idée {index + 1}",
                    author_name=author,
                    votes=3,
                    volunteers=volunteers,
                    project_id=project.id,
                )
                db.session.add(idea)
                ideas.append(idea)
            db.session.commit()
            return ProjectRef(project.id, fabrique.id, challenge.id, [i.id for i in ideas])

    return make
