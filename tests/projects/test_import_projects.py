"""What an import makes of a session's défis and ideas: projects, with their history."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.portfolio.conftest import build_document, challenge, idea, qualification, sign
from workshop.extensions import db
from workshop.models import Fabrique, PortfolioChallenge, PortfolioIdea, Project
from workshop.services import portfolio
from workshop.services.portfolio import projects


def _fabrique(ref: Any) -> Fabrique:
    found = db.session.get(Fabrique, ref.id)
    assert found is not None
    return found


def _document() -> dict[str, Any]:
    return build_document(
        challenges=[
            challenge(
                1,
                "Comment pourrions-nous vendre en circuit court ?",
                body="Des producteurs loin des villages",
                qualification=qualification("opportunity_study", territory="Annonay"),
            ),
            challenge(2, "Comment pourrions-nous cuisiner ensemble ?"),
        ],
        ideas=[
            idea(1, "Épicerie mobile", 1),
            idea(2, "Marché", 1, qualification=qualification("launched")),
            idea(3, "Cuisine partagée", 2),
            idea(4, "Sans défi", None, body="Une idée seule"),
        ],
    )


def _newer(document: dict[str, Any], when: str = "2026-11-25T08:00:00Z") -> dict[str, Any]:
    newer = copy.deepcopy(document)
    del newer["integrity"]
    newer["exported_at"] = when
    return newer


def _by_title() -> dict[str, Project]:
    return {p.title: p for p in db.session.scalars(select(Project))}


def _project_of(title: str) -> Project:
    item = db.session.scalar(select(PortfolioIdea).where(PortfolioIdea.title == title))
    assert item is not None and item.project_id is not None
    project = db.session.get(Project, item.project_id)
    assert project is not None
    return project


def test_each_defi_and_each_idea_without_one_is_a_project(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    with app.app_context():
        portfolio.import_export(_fabrique(ref), _document())
        found = _by_title()
        assert set(found) == {
            "Comment pourrions-nous vendre en circuit court ?",
            "Comment pourrions-nous cuisiner ensemble ?",
            "Sans défi",
        }
        short = found["Comment pourrions-nous vendre en circuit court ?"]
        assert short.kind == "challenge" and short.challenge_id is not None
        assert (short.stage, short.territory, short.summary) == (
            "opportunity_study",
            "Annonay",
            "Des producteurs loin des villages",
        )
        assert short.sheet is not None and short.sheet["need_who"] == "Familles"
        assert _project_of("Épicerie mobile").id == short.id == _project_of("Marché").id
        alone = found["Sans défi"]
        assert (alone.kind, alone.challenge_id, alone.stage, alone.territory) == (
            "idea",
            None,
            "to_study",
            "Privas",
        )
        assert alone.summary == "Une idée seule" and alone.sheet is None
        for project in found.values():
            [created] = projects.history(project)
            assert (created.kind, created.by_label) == ("created", "import")


def test_a_newer_export_updates_projects_unless_a_member_changed_them(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    document = _document()
    with app.app_context():
        fabrique = _fabrique(ref)
        portfolio.import_export(fabrique, document)
        kitchen = _by_title()["Comment pourrions-nous cuisiner ensemble ?"]
        projects.set_stage(fabrique, kitchen.id, "holder_search")
        db.session.commit()

        newer = _newer(document)
        newer["challenges"][0]["title"] = "Comment vendre en circuit court ?"
        newer["challenges"][0]["qualification"] = qualification("launching", territory="Tournon")
        newer["challenges"][1]["qualification"] = qualification("abandoned")
        portfolio.import_export(fabrique, sign(newer))
        db.session.expire_all()

        found = _by_title()
        short = found["Comment vendre en circuit court ?"]
        assert (short.stage, short.territory, short.follow_source) == (
            "launching",
            "Tournon",
            "import",
        )
        latest = projects.history(short)[0]
        assert (latest.kind, latest.by_label) == ("imported", "import")
        changes = latest.data["changes"]
        assert changes["stage"] == {"from": "opportunity_study", "to": "launching"}
        assert changes["title"]["from"] == "Comment pourrions-nous vendre en circuit court ?"
        # The member's stage outlives the export's.
        kitchen = found["Comment pourrions-nous cuisiner ensemble ?"]
        assert (kitchen.stage, kitchen.follow_source) == ("holder_search", "fabrique")
        assert [e.kind for e in projects.history(kitchen)] == ["stage_changed", "created"]


def test_a_project_whose_rows_are_all_gone_is_absent_then_present_again(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    document = _document()
    with app.app_context():
        fabrique = _fabrique(ref)
        portfolio.import_export(fabrique, document)
        newer = _newer(document)
        newer["challenges"] = newer["challenges"][:1]  # défi 2 and its idea withdrawn
        newer["ideas"] = [i for i in newer["ideas"] if i["id"] not in (1, 3)]
        result = portfolio.import_export(fabrique, sign(newer))
        assert result.removed == 2
        db.session.expire_all()
        found = _by_title()
        kitchen = found["Comment pourrions-nous cuisiner ensemble ?"]
        short = found["Comment pourrions-nous vendre en circuit court ?"]
        assert kitchen.absent_since is not None and short.absent_since is None
        assert projects.history(kitchen)[0].kind == "absent"
        gone = db.session.scalar(
            select(PortfolioChallenge).where(PortfolioChallenge.reference.endswith("/challenge/2"))
        )
        assert gone is not None and gone.absent_since is not None
        mobile = db.session.scalar(
            select(PortfolioIdea).where(PortfolioIdea.title == "Épicerie mobile")
        )
        assert mobile is not None and mobile.absent_since is not None
        assert mobile.project_id == short.id

        again = _newer(document, "2026-11-26T08:00:00Z")
        portfolio.import_export(fabrique, sign(again))
        db.session.expire_all()
        kitchen = _by_title()["Comment pourrions-nous cuisiner ensemble ?"]
        assert kitchen.absent_since is None
        assert [e.kind for e in projects.history(kitchen)][:2] == ["present", "absent"]


def test_an_idea_joining_a_defi_merges_its_own_project_into_the_defi(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    document = _document()
    with app.app_context():
        fabrique = _fabrique(ref)
        portfolio.import_export(fabrique, document)
        alone = _by_title()["Sans défi"]
        newer = _newer(document)
        newer["ideas"][3]["challenge_id"] = 2
        portfolio.import_export(fabrique, sign(newer))
        db.session.expire_all()
        kitchen = _by_title()["Comment pourrions-nous cuisiner ensemble ?"]
        assert _project_of("Sans défi").id == kitchen.id
        alone = _by_title()["Sans défi"]
        assert alone.merged_into_id == kitchen.id
        assert projects.history(alone)[0].kind == "merged"
        assert projects.history(kitchen)[0].data["from"] == alone.id

        # Leaving the défi again: a project of its own once more.
        back = _newer(document, "2026-11-26T08:00:00Z")
        portfolio.import_export(fabrique, sign(back))
        db.session.expire_all()
        own = _project_of("Sans défi")
        assert own.kind == "idea" and own.id != kitchen.id and own.merged_into_id is None


def test_an_idea_a_member_followed_keeps_its_own_project_when_it_joins_a_defi(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    document = _document()
    with app.app_context():
        fabrique = _fabrique(ref)
        portfolio.import_export(fabrique, document)
        alone = _by_title()["Sans défi"]
        projects.set_stage(fabrique, alone.id, "opportunity_study")
        db.session.commit()
        newer = _newer(document)
        newer["ideas"][3]["challenge_id"] = 2
        portfolio.import_export(fabrique, sign(newer))
        db.session.expire_all()
        assert _project_of("Sans défi").id == alone.id
        kept = db.session.get(Project, alone.id)
        assert kept is not None and kept.merged_into_id is None
        assert kept.stage == "opportunity_study"
