"""A member's work on a project: stage, sheet, holders, notes; merges; isolation."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.portfolio.conftest import build_document, challenge, idea, qualification
from tests.projects.helpers import fabrique_of, member_of, project_of_idea, project_titled
from workshop.errors import AbandonReasonRequired, Conflict, NotFound
from workshop.extensions import db
from workshop.models import PortfolioIdea
from workshop.schemas.projects import (
    parse_holder,
    parse_project_sheet,
    parse_project_stage,
)
from workshop.services import portfolio
from workshop.services.portfolio import project_work as projects_work
from workshop.services.portfolio import projects

DOCUMENT = build_document(
    title="Printemps",
    territory="Annonay",
    challenges=[
        challenge(1, "Comment pourrions-nous mieux manger ?", qualification=qualification())
    ],
    ideas=[idea(1, "Épicerie mobile", 1), idea(2, "Atelier vélo", None)],
)


def _sheet(version: int, **fields: str) -> dict[str, Any]:
    return {"version": str(version), "need_who": "Familles", "territory": "Privas", **fields}


def test_stage_changes_check_the_version_and_need_a_reason_to_abandon(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    with app.app_context():
        fabrique, me = fabrique_of(ref), member_of(ref)
        portfolio.import_export(fabrique, DOCUMENT)
        bike = project_titled("Atelier vélo")
        with pytest.raises(AbandonReasonRequired):
            parse_project_stage({"stage": "abandoned", "version": "1"})
        portfolio.change_project_stage(
            fabrique,
            bike.id,
            parse_project_stage(
                {"stage": "abandoned", "abandon_reason": "Déjà fait", "version": 1}
            ),
            me,
        )
        with pytest.raises(Conflict):
            portfolio.change_project_stage(
                fabrique, bike.id, parse_project_stage({"stage": "launched", "version": 1}), me
            )
        db.session.expire_all()
        bike = project_titled("Atelier vélo")
        assert (bike.stage, bike.abandon_reason, bike.version) == ("abandoned", "Déjà fait", 2)
        latest = projects.history(bike)[0]
        assert (latest.kind, latest.by_id) == ("stage_changed", me.id)
        assert latest.data["from"] == "to_study" and latest.data["to"] == "abandoned"
        # Its idea says the same.
        assert project_of_idea("Atelier vélo").id == bike.id
        item = db.session.query(PortfolioIdea).filter_by(title="Atelier vélo").one()
        assert (item.stage, item.stage_source) == ("abandoned", "fabrique")


def test_the_sheet_is_saved_with_its_history_and_a_stale_save_is_refused(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    with app.app_context():
        fabrique, me = fabrique_of(ref), member_of(ref)
        portfolio.import_export(fabrique, DOCUMENT)
        defi = project_titled("Comment pourrions-nous mieux manger ?")
        assert defi.sheet is not None and defi.sheet["solution"] == "Une épicerie mobile"
        saved = portfolio.save_sheet(
            fabrique,
            defi.id,
            parse_project_sheet(
                {
                    **{k: v for k, v in defi.sheet.items() if v is not None},
                    "version": "1",
                    "solution": "Un camion",
                    "territory": "Privas",
                    "insee_code": "07186",
                }
            ),
            me,
        )
        assert (saved.version, saved.follow_source, saved.territory) == (2, "fabrique", "Privas")
        assert saved.sheet is not None and saved.sheet["insee_code"] == "07186"
        entry = projects.history(saved)[0]
        assert entry.kind == "sheet_saved"
        assert entry.data["changes"]["solution"] == {
            "from": "Une épicerie mobile",
            "to": "Un camion",
        }
        assert entry.data["changes"]["territory"]["to"] == "Privas"
        with pytest.raises(Conflict) as caught:
            portfolio.save_sheet(fabrique, defi.id, parse_project_sheet(_sheet(1)), me)
        assert caught.value.message is projects_work.SHEET_CONFLICT
        db.session.expire_all()
        assert project_titled("Comment pourrions-nous mieux manger ?").sheet == saved.sheet


def test_holders_and_notes_are_in_the_history_without_contact_details(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    with app.app_context():
        fabrique, me = fabrique_of(ref), member_of(ref)
        portfolio.import_export(fabrique, DOCUMENT)
        bike = project_titled("Atelier vélo")
        portfolio.add_project_holder(
            fabrique,
            bike.id,
            parse_holder(
                {
                    "kind": "structure",
                    "name": "Association Roue Libre",
                    "contact_email": "Contact@RoueLibre.org",
                    "contact_phone": "04 75 00 00 00",
                    "note": "Rencontrée en mars",
                }
            ),
            me,
        )
        portfolio.add_note(fabrique, bike.id, "Appeler la mairie", me)
        db.session.expire_all()
        bike = project_titled("Atelier vélo")
        [holder] = bike.holders
        assert (holder.kind, holder.contact_email) == ("structure", "contact@rouelibre.org")
        note, added = projects.history(bike)[:2]
        assert (note.kind, note.data["text"]) == ("note", "Appeler la mairie")
        assert added.kind == "holder_added" and "rouelibre" not in str(added.data)
        assert bike.version == 2  # the holder counted, the note did not
        assert "rouelibre" not in str(portfolio.serialize_project(bike))
        portfolio.remove_project_holder(fabrique, bike.id, holder.id, me)
        db.session.expire_all()
        bike = project_titled("Atelier vélo")
        assert bike.holders == [] and projects.history(bike)[0].kind == "holder_removed"


def test_another_fabriques_project_is_not_found(app: Flask, new_fabrique: Any) -> None:
    mine, theirs = new_fabrique(), new_fabrique()
    with app.app_context():
        portfolio.import_export(fabrique_of(theirs), DOCUMENT)
        their_project = project_titled("Atelier vélo")
        fabrique, me = fabrique_of(mine), member_of(mine)
        calls = [
            lambda: portfolio.project_detail(fabrique, their_project.id),
            lambda: portfolio.add_note(fabrique, their_project.id, "x", me),
            lambda: portfolio.change_project_stage(
                fabrique,
                their_project.id,
                parse_project_stage({"stage": "launched", "version": 1}),
                me,
            ),
            lambda: portfolio.save_sheet(
                fabrique, their_project.id, parse_project_sheet(_sheet(1)), me
            ),
            lambda: portfolio.add_project_holder(
                fabrique, their_project.id, parse_holder({"name": "X"}), me
            ),
        ]
        for call in calls:
            with pytest.raises(NotFound):
                call()
        db.session.expire_all()
        assert projects.history(project_titled("Atelier vélo"))[0].kind == "created"


AUTUMN = build_document(
    title="Automne",
    territory="Tournon",
    challenges=[challenge(1, "Comment réparer ensemble ?")],
    ideas=[
        idea(1, "Une épicerie mobile pour les villages", None),
        idea(2, "Atelier vélo", 1),
        idea(3, "Repair café", 1),
    ],
)


def test_accepting_a_merge_merges_the_projects_and_keeps_the_lineage(
    app: Flask, new_fabrique: Any
) -> None:
    ref = new_fabrique()
    with app.app_context():
        fabrique, me = fabrique_of(ref), member_of(ref)
        portfolio.import_export(fabrique, DOCUMENT)
        portfolio.import_export(fabrique, AUTUMN)
        proposals = {p.idea.title: p for p in portfolio.open_proposals(fabrique)}
        before = portfolio.funnel(fabrique).total
        # An idea's own project merges into the défi project of its look-alike.
        portfolio.accept_merge(fabrique, proposals["Une épicerie mobile pour les villages"].id, me)
        db.session.expire_all()
        merged = project_titled("Une épicerie mobile pour les villages")
        kept = project_titled("Comment pourrions-nous mieux manger ?")
        assert merged.merged_into_id == kept.id
        assert projects.history(merged)[0].kind == projects.history(kept)[0].kind == "merged"
        assert projects.history(kept)[0].data["from"] == merged.id
        detail = portfolio.project_detail(fabrique, kept.id)
        lineage = {(line.idea.title, line.session.title) for line in detail.ideas}
        assert ("Une épicerie mobile pour les villages", "Automne") in lineage
        assert ("Épicerie mobile", "Printemps") in lineage
        assert portfolio.funnel(fabrique).total == before - 1

        # A défi with other ideas is not merged for one duplicate: both say so.
        portfolio.accept_merge(fabrique, proposals["Atelier vélo"].id, me)
        db.session.expire_all()
        repair = project_titled("Comment réparer ensemble ?")
        assert repair.merged_into_id is None
        assert projects.history(repair)[0].kind == "duplicate_linked"
        assert projects.history(project_titled("Atelier vélo"))[0].kind == "duplicate_linked"
