"""The funnel counts projects: ATIS's « 110 ideas → 54 opportunity studies → 10
launched » reads straight off it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from tests.portfolio.conftest import build_document, idea
from tests.projects.helpers import fabrique_of
from workshop.extensions import db
from workshop.models import Project
from workshop.schemas.projects import ProjectFilter
from workshop.services import portfolio
from workshop.services.portfolio import projects


def test_atis_110_ideas_54_opportunity_studies_10_launched(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    spring = build_document(
        title="Printemps",
        ideas=[idea(n, f"Idée de printemps n°{n} : {n * 7919 % 1000}") for n in range(1, 61)],
    )
    autumn = build_document(
        title="Automne",
        territory="Tournon",
        exported_at="2026-11-30T18:00:00Z",
        ideas=[idea(n, f"Proposition d'automne {n * 104729 % 997} bis") for n in range(1, 51)],
    )
    with app.app_context():
        fabrique = fabrique_of(ref)
        portfolio.import_export(fabrique, spring)
        portfolio.import_export(fabrique, autumn)
        ids = list(db.session.scalars(db.select(Project.id).order_by(Project.id)))
        assert len(ids) == 110
        plan = (
            ["opportunity_study"] * 24
            + ["holder_search"] * 10
            + ["launching"] * 4
            + ["launched"] * 10
            + ["abandoned"] * 6  # after their opportunity study
        )
        for project_id, stage in zip(ids, plan, strict=False):
            if stage == "abandoned":
                projects.set_stage(fabrique, project_id, "opportunity_study")
                projects.set_stage(fabrique, project_id, stage, reason="Faute de potentiel")
            else:
                projects.set_stage(fabrique, project_id, stage)
        db.session.commit()

        counted = portfolio.funnel(fabrique)
        assert (counted.ideas_total, counted.total) == (110, 110)
        assert counted.reached["opportunity_study"] == 54
        assert counted.by_stage["launched"] == counted.reached["launched"] == 10
        assert counted.by_stage["to_study"] == 56
        assert counted.by_kind == {"idea": 110}
        assert [row["period"] for row in counted.by_period] == ["2026"]
        # By territory, by session, by period.
        tournon = portfolio.funnel(fabrique, ProjectFilter(territory="Tournon"))
        assert tournon.total == 50
        assert portfolio.funnel(fabrique, ProjectFilter(start=dt.date(2027, 1, 1))).total == 0
        data = portfolio.serialize_funnel(counted, extended=True)
        assert data["reached"]["opportunity_study"] == 54 and data["unit"] == "projects"
        assert "reached" not in portfolio.serialize_funnel(counted)
