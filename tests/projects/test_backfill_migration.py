"""f4a6c8e0b2d3: a portfolio imported before projects existed gets its projects."""

from __future__ import annotations

import datetime as dt

import flask_migrate
from flask import Flask
from sqlalchemy import select

from tests.factories import make_facilitator
from tests.test_migrations import _keep_logging, file_app, schema_diff
from workshop.extensions import db
from workshop.models import (
    Fabrique,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioSession,
    Project,
    ProjectEvent,
)

__all__ = ["_keep_logging", "file_app"]

NOW = dt.datetime(2026, 11, 21, 18, tzinfo=dt.UTC)


def _session(fabrique: Fabrique, uid: str, title: str) -> PortfolioSession:
    session = PortfolioSession(
        fabrique_id=fabrique.id,
        workshop_uid=uid,
        title=title,
        territory="Annonay",
        schema_version="1.0",
        exported_at=NOW,
        digest="0" * 64,
    )
    db.session.add(session)
    db.session.flush()
    return session


def _idea(session: PortfolioSession, n: int, title: str, **extra: object) -> PortfolioIdea:
    item = PortfolioIdea(
        fabrique_id=session.fabrique_id,
        session_id=session.id,
        reference=f"{session.workshop_uid}/idea/{n}",
        title=title,
        territory="Annonay",
        **extra,
    )
    db.session.add(item)
    db.session.flush()
    return item


def test_existing_portfolios_get_their_projects(file_app: Flask) -> None:
    with file_app.app_context():
        flask_migrate.upgrade(revision="e2f4a6c8d0b1")
        make_facilitator()
        fabrique = Fabrique(slug="ardeche", name="Ardèche")
        db.session.add(fabrique)
        db.session.flush()
        spring, autumn = (
            _session(fabrique, "a" * 32, "Printemps"),
            _session(fabrique, "b" * 32, "Automne"),
        )
        defi = PortfolioChallenge(
            session_id=spring.id,
            reference=f"{'a' * 32}/challenge/1",
            title="Comment mieux manger ?",
            qualification={
                "stage": "opportunity_study",
                "territory": "Privas",
                "solution": "Un camion",
            },
        )
        db.session.add(defi)
        db.session.flush()
        _idea(
            spring,
            1,
            "Épicerie mobile",
            challenge_id=defi.id,
            stage="launched",
            stage_source="fabrique",
        )
        _idea(spring, 2, "Marché", challenge_id=defi.id)
        kept = _idea(spring, 3, "Atelier vélo", stage="holder_search", stage_source="idea")
        _idea(autumn, 1, "Atelier de vélos", merged_into_id=kept.id)
        # Read before the commit expires them: a refresh would select the columns later
        # migrations add.
        defi_id, spring_id = defi.id, spring.id
        db.session.commit()
        db.session.remove()

        flask_migrate.upgrade()

        found = {p.title: p for p in db.session.scalars(select(Project))}
        assert set(found) == {"Comment mieux manger ?", "Atelier vélo", "Atelier de vélos"}
        food = found["Comment mieux manger ?"]
        assert (food.kind, food.challenge_id, food.session_id) == ("challenge", defi_id, spring_id)
        # The member's stage on one of its ideas is the project's.
        assert (food.stage, food.follow_source, food.territory) == (
            "launched",
            "fabrique",
            "Privas",
        )
        assert food.sheet is not None and food.sheet["solution"] == "Un camion"
        bike = found["Atelier vélo"]
        assert (bike.kind, bike.stage, bike.follow_source) == ("idea", "holder_search", "import")
        assert found["Atelier de vélos"].merged_into_id == bike.id
        ideas = {i.title: i.project_id for i in db.session.scalars(select(PortfolioIdea))}
        assert ideas["Épicerie mobile"] == ideas["Marché"] == food.id
        assert ideas["Atelier vélo"] == bike.id
        kinds = sorted(e.kind for e in db.session.scalars(select(ProjectEvent)))
        assert kinds == ["created", "created", "created", "merged", "merged"]
        db.session.remove()
        # Down and up again: nothing doubled.
        flask_migrate.downgrade(revision="e2f4a6c8d0b1")
        flask_migrate.upgrade()
        assert db.session.scalar(select(db.func.count(Project.id))) == 3
        db.session.remove()
    assert schema_diff(file_app) == []
