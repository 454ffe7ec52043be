"""Issue #15's loss: the Fabrique's work on an idea must survive a newer export that
no longer holds the idea (hidden, withdrawn, merged during the session)."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.portfolio.conftest import build_document, challenge, idea, sign
from workshop.extensions import db
from workshop.models import Fabrique, PortfolioIdea, Project
from workshop.schemas import parse_stage_change
from workshop.services import portfolio
from workshop.services.portfolio import projects


def test_an_idea_launched_in_the_portfolio_survives_being_hidden_in_the_workshop(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    document = build_document(
        challenges=[challenge(1, "Comment pourrions-nous mieux manger ?")],
        ideas=[idea(1, "Épicerie mobile", None), idea(2, "Marché", 1)],
    )
    with app.app_context():
        fabrique = db.session.get(Fabrique, ref.id)
        assert fabrique is not None
        portfolio.import_export(fabrique, document)
        launched = db.session.scalar(
            select(PortfolioIdea).where(PortfolioIdea.title == "Épicerie mobile")
        )
        assert launched is not None
        portfolio.change_stage(
            fabrique,
            parse_stage_change(
                {"idea_id": launched.id, "stage": "launched", "version": launched.version}
            ),
        )
        launched_id = launched.id

        # The workshop hides the idea; a newer export of it is imported.
        newer = copy.deepcopy(document)
        del newer["integrity"]
        newer["exported_at"] = "2026-11-25T08:00:00Z"
        newer["ideas"][0]["state"] = "hidden"
        portfolio.import_export(fabrique, sign(newer))

        db.session.expire_all()
        kept = db.session.get(PortfolioIdea, launched_id)
        assert kept is not None, "the idea the Fabrique launched was deleted"
        assert kept.stage == "launched"
        assert kept.absent_since is not None
        # The other idea is still exported: not marked.
        other = db.session.scalar(select(PortfolioIdea).where(PortfolioIdea.title == "Marché"))
        assert other is not None and other.absent_since is None
        # Its project keeps the stage, is marked absent and says so in its history.
        project = db.session.get(Project, kept.project_id)
        assert project is not None
        assert (project.stage, project.follow_source) == ("launched", "fabrique")
        assert project.absent_since is not None
        kinds = [e.kind for e in projects.history(project)]
        assert kinds[0] == "absent" and "stage_changed" in kinds and kinds[-1] == "created"


def test_an_idea_its_author_withdrew_keeps_the_work_but_not_the_text(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    document = build_document(ideas=[idea(1, "Atelier vélo", None, body="Texte de Camille")])
    with app.app_context():
        fabrique = db.session.get(Fabrique, ref.id)
        assert fabrique is not None
        portfolio.import_export(fabrique, document)
        item = db.session.scalar(select(PortfolioIdea))
        assert item is not None and item.project_id is not None
        projects.set_stage(fabrique, item.project_id, "opportunity_study")
        db.session.commit()
        project_id = item.project_id

        newer = copy.deepcopy(document)
        del newer["integrity"]
        newer["exported_at"] = "2026-11-25T08:00:00Z"
        newer["ideas"][0].update(state="withdrawn", title="", body="", author=None)
        portfolio.import_export(fabrique, sign(newer))
        db.session.expire_all()

        kept = db.session.get(PortfolioIdea, item.id)
        project = db.session.get(Project, project_id)
        assert kept is not None and project is not None
        assert (kept.title, kept.body, kept.author_name) == ("", "", None)
        assert kept.absent_since is not None
        assert (project.title, project.summary, project.stage) == ("", "", "opportunity_study")
        history = projects.history(project)
        assert {e.kind for e in history[:2]} == {"withdrawn", "absent"}
        assert "Atelier vélo" not in str([e.data for e in history])
        assert "Texte de Camille" not in str([e.data for e in history])
