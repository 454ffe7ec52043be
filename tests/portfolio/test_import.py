"""Importing exports into a portfolio: lineage, stages, idempotence, updates, refusals."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.portfolio.conftest import (
    build_document,
    challenge,
    idea,
    qualification,
    sign,
)
from workshop.errors import (
    ImportInvalid,
    ImportNotOurs,
    ImportOutdated,
    ImportTampered,
    ImportTruncated,
    ImportUnknownVersion,
    WorkshopError,
)
from workshop.extensions import db
from workshop.models import (
    Fabrique,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioMergeProposal,
    PortfolioSession,
)
from workshop.schemas import parse_stage_change
from workshop.services import portfolio
from workshop.services.portfolio import importing

TABLES = (PortfolioSession, PortfolioChallenge, PortfolioIdea, PortfolioMergeProposal)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every portfolio row, column by column, to compare before and after."""
    return {
        model.__tablename__: [
            {c.name: getattr(row, c.key) for c in model.__table__.columns}
            for row in db.session.scalars(select(model).order_by(model.id))
        ]
        for model in TABLES
    }


def fabrique(app: Flask, ref: Any) -> Fabrique:
    found = db.session.get(Fabrique, ref.id)
    assert found is not None
    return found


def session_document(**overrides: Any) -> dict[str, Any]:
    """A session with two défis (one qualified), four ideas, one of them hidden."""
    return build_document(
        challenges=[
            challenge(
                1,
                "Comment pourrions-nous vendre en circuit court ?",
                qualification=qualification("opportunity_study", territory="Annonay"),
                volunteers=[
                    {
                        "kind": "hold",
                        "consent_contact": True,
                        "contact": {"name": "Léa", "email": "lea@example.org", "phone": None},
                    }
                ],
            ),
            challenge(2, "Comment pourrions-nous cuisiner ensemble ?"),
        ],
        ideas=[
            idea(1, "Épicerie mobile", 1, body="Un camion qui passe dans les villages"),
            idea(
                2,
                "Marché de producteurs",
                1,
                qualification=qualification("holder_search", territory="Tournon"),
            ),
            idea(3, "Cuisine partagée", 2, author=None),
            idea(4, "Idée masquée", 2, state="hidden"),
            idea(5, "Sans défi", None),
        ],
        **overrides,
    )


def test_import_keeps_lineage_stage_and_territory(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    document = session_document()
    with app.app_context():
        result = portfolio.import_export(fabrique(app, ref), document)
        assert (result.status, result.challenges, result.ideas) == ("created", 2, 4)
        held = db.session.get(PortfolioSession, result.session_id)
        assert held is not None and held.workshop_uid == document["workshop"]["uid"]
        rows = {
            i.title: i
            for i in db.session.scalars(
                select(PortfolioIdea).where(PortfolioIdea.session_id == held.id)
            )
        }
        challenges = {c.id: c.title for c in db.session.scalars(select(PortfolioChallenge))}
        assert "Idée masquée" not in rows  # hidden by moderation: not imported
        mobile, market, kitchen, loose = (
            rows["Épicerie mobile"],
            rows["Marché de producteurs"],
            rows["Cuisine partagée"],
            rows["Sans défi"],
        )
        assert challenges[mobile.challenge_id] == "Comment pourrions-nous vendre en circuit court ?"
        assert (mobile.stage, mobile.stage_source, mobile.territory) == (
            "opportunity_study",
            "challenge",
            "Annonay",
        )
        assert (market.stage, market.stage_source, market.territory) == (
            "holder_search",
            "idea",
            "Tournon",
        )
        assert (kitchen.stage, kitchen.stage_source, kitchen.territory) == (
            "to_study",
            "default",
            "Privas",
        )
        assert kitchen.author_name is None and mobile.author_name == "Camille"
        assert loose.challenge_id is None
        assert mobile.reference == f"{held.workshop_uid}/idea/1"
        qualified = db.session.scalar(
            select(PortfolioChallenge).where(PortfolioChallenge.reference.endswith("/challenge/1"))
        )
        assert qualified is not None
        assert qualified.volunteers[0]["contact"]["email"] == "lea@example.org"


def test_importing_the_same_export_twice_changes_nothing(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    raw = json.dumps(session_document(), ensure_ascii=False).encode()
    with app.app_context():
        first = portfolio.import_export(fabrique(app, ref), raw)
        before = snapshot()
        again = portfolio.import_export(fabrique(app, ref), raw)
        assert again.status == "unchanged" and again.session_id == first.session_id
        assert snapshot() == before


def test_a_newer_export_updates_the_session_in_place(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    document = session_document()
    with app.app_context():
        first = portfolio.import_export(fabrique(app, ref), document)
        kept = db.session.scalar(
            select(PortfolioIdea).where(PortfolioIdea.title == "Cuisine partagée")
        )
        market = db.session.scalar(
            select(PortfolioIdea).where(PortfolioIdea.title == "Marché de producteurs")
        )
        assert kept is not None and market is not None
        # A member moves one idea; the next export must not undo that.
        portfolio.change_stage(
            fabrique(app, ref),
            parse_stage_change({"idea_id": kept.id, "stage": "launching", "version": kept.version}),
        )
        kept_id, market_id = kept.id, market.id

        newer = copy.deepcopy(document)
        del newer["integrity"]
        newer["exported_at"] = "2026-11-22T08:00:00Z"
        newer["workshop"]["title"] = "Manger local (bilan)"
        newer["ideas"] = [i for i in newer["ideas"] if i["id"] != 1]  # idea 1 gone
        newer["ideas"].append(idea(6, "Jardin partagé", 2))
        newer["ideas"][-1]["reference"] = f"{document['workshop']['uid']}/idea/6"
        for item in newer["ideas"]:
            if item["id"] in (2, 3):
                item["qualification"] = qualification("launched", territory="Lyon")
        result = portfolio.import_export(fabrique(app, ref), sign(newer))

        assert (result.status, result.session_id) == ("updated", first.session_id)
        assert (result.added, result.removed, result.ideas) == (1, 1, 4)
        titles = set(
            db.session.scalars(
                select(PortfolioIdea.title).where(PortfolioIdea.absent_since.is_(None))
            )
        )
        # Idea 1 is no longer exported: kept, marked absent, never deleted.
        gone = db.session.scalar(
            select(PortfolioIdea).where(PortfolioIdea.title == "Épicerie mobile")
        )
        assert gone is not None and gone.absent_since is not None
        assert titles == {
            "Marché de producteurs",
            "Cuisine partagée",
            "Sans défi",
            "Jardin partagé",
        }
        again_kept = db.session.get(PortfolioIdea, kept_id)
        again_market = db.session.get(PortfolioIdea, market_id)
        assert again_kept is not None and again_market is not None
        assert (again_kept.stage, again_kept.stage_source) == ("launching", "fabrique")
        assert again_kept.territory == "Lyon"
        assert (again_market.stage, again_market.stage_source) == ("launched", "idea")
        held = db.session.get(PortfolioSession, first.session_id)
        assert held is not None and held.title == "Manger local (bilan)"


def test_an_older_export_is_refused_and_changes_nothing(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    document = session_document(exported_at="2026-11-22T08:00:00Z")
    older = copy.deepcopy(document)
    del older["integrity"]
    older["exported_at"] = "2026-11-21T08:00:00Z"
    older["workshop"]["title"] = "Ancien titre"
    with app.app_context():
        portfolio.import_export(fabrique(app, ref), document)
        before = snapshot()
        with pytest.raises(ImportOutdated) as caught:
            portfolio.import_export(fabrique(app, ref), sign(older))
        assert caught.value.details["path"] == "/exported_at"
        assert snapshot() == before


def test_each_fabrique_keeps_its_own_copy(app: Flask, new_fabrique: Any) -> None:
    one, two = new_fabrique(), new_fabrique()
    document = session_document()
    with app.app_context():
        a = portfolio.import_export(fabrique(app, one), document)
        b = portfolio.import_export(fabrique(app, two), document)
        assert a.status == b.status == "created" and a.session_id != b.session_id
        assert len(portfolio.find_ideas(fabrique(app, one), portfolio.IdeaFilter())) == 4


def _truncated() -> bytes:
    raw = json.dumps(session_document()).encode()
    return raw[: len(raw) // 2]


def _tampered() -> dict[str, Any]:
    document = session_document()
    document["ideas"][0]["title"] = "Titre modifié à la main"
    return document


def _wrong_version() -> dict[str, Any]:
    document = session_document()
    del document["integrity"]
    document["version"] = "2.0"
    return sign(document)


def _schema_violation() -> dict[str, Any]:
    document = session_document()
    del document["integrity"]
    document["ideas"][2]["title"] = "x" * 141
    return sign(document)


def _missing_field() -> dict[str, Any]:
    document = session_document()
    del document["integrity"]
    del document["challenges"][1]["votes"]
    return sign(document)


def _foreign_reference() -> dict[str, Any]:
    document = session_document()
    del document["integrity"]
    document["ideas"][1]["reference"] = "0" * 32 + "/idea/2"
    return sign(document)


def _dangling_challenge() -> dict[str, Any]:
    document = session_document()
    del document["integrity"]
    document["ideas"][0]["challenge_id"] = 99
    return sign(document)


def _nul_character() -> dict[str, Any]:
    document = session_document()
    del document["integrity"]
    document["ideas"][0]["body"] = "avant\x00après"
    return sign(document)


@pytest.mark.parametrize(
    ("make", "error", "path"),
    [
        (lambda: b"id;title\n1;Une idee\n", ImportNotOurs, "/"),
        (lambda: b"\xff\xfe\x00binary", ImportNotOurs, "/"),
        (lambda: b"[1, 2, 3]", ImportNotOurs, "/"),
        (lambda: {"format": "decidim.proposals", "version": "1.0"}, ImportNotOurs, "/format"),
        (lambda: b"", ImportNotOurs, "/"),
        (_truncated, ImportTruncated, "/"),
        (_wrong_version, ImportUnknownVersion, "/version"),
        (_tampered, ImportTampered, "/integrity/digest"),
        (_schema_violation, ImportInvalid, "/ideas/2/title"),
        (_missing_field, ImportInvalid, "/challenges/1"),
        (_foreign_reference, ImportInvalid, "/ideas/1/reference"),
        (_dangling_challenge, ImportInvalid, "/ideas/0/challenge_id"),
        (_nul_character, ImportInvalid, "/ideas/0/body"),
    ],
)
def test_bad_files_are_refused_with_the_problem_and_its_path(
    app: Flask, new_fabrique: Any, make: Any, error: type[WorkshopError], path: str
) -> None:
    ref = new_fabrique()
    with app.app_context():
        portfolio.import_export(fabrique(app, ref), session_document())
        before = snapshot()
        with pytest.raises(error) as caught:
            portfolio.import_export(fabrique(app, ref), make())
        assert caught.value.details["path"] == path
        if path != "/":  # a whole-file problem has no place to name
            assert path in str(caught.value.message)
        assert snapshot() == before


def test_a_schema_error_names_the_schema_rule(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    with app.app_context():
        with pytest.raises(ImportInvalid) as caught:
            portfolio.import_export(fabrique(app, ref), _schema_violation())
        assert caught.value.details["schema_path"].endswith("/maxLength")
        assert "140" in str(caught.value.message)


def test_a_failure_half_way_leaves_nothing_behind(
    app: Flask, new_fabrique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = new_fabrique()
    with app.app_context():
        portfolio.import_export(fabrique(app, ref), session_document(title="Première"))
        before = snapshot()

        def explode(*args: Any) -> None:
            raise RuntimeError("disk full")

        # The last step of the import's transaction, once every row is written.
        monkeypatch.setattr(importing, "sync_session", explode)
        with pytest.raises(RuntimeError):
            portfolio.import_export(fabrique(app, ref), session_document(title="Seconde"))
        assert snapshot() == before


def test_merges_are_proposed_after_the_import_is_committed(
    app: Flask, new_fabrique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison runs once the import's rows are committed, in its own short
    transaction: a failure there loses nothing of the import."""
    ref = new_fabrique()
    with app.app_context():
        portfolio.import_export(fabrique(app, ref), session_document(title="Première"))
        seen: list[int] = []

        def explode(fabrique_id: int, session_id: int, *args: Any) -> int:
            db.session.rollback()
            seen.append(db.session.get(PortfolioSession, session_id) is not None)
            raise RuntimeError("disk full")

        monkeypatch.setattr(importing, "propose_merges", explode)
        with pytest.raises(RuntimeError):
            portfolio.import_export(fabrique(app, ref), session_document(title="Seconde"))
        assert seen == [True]  # committed before the comparison began


HOSTILE = {
    "title": '=HYPERLINK("http://evil","clic") <script>alert(1)</script>',
    "body": "\u202eevil\u202c +cmd|' /C calc'!A0 " + "é" * 1900,
    "need": "@SUM(1+1)\t<img src=x onerror=alert(1)>",
}


def test_hostile_text_survives_intact(app: Flask, new_fabrique: Any) -> None:
    ref = new_fabrique()
    document = build_document(
        title="<b>Atelier</b> \u202e",
        ideas=[
            idea(
                1,
                HOSTILE["title"],
                body=HOSTILE["body"],
                need=HOSTILE["need"],
                author={"name": "-2+3"},
            )
        ],
    )
    assert len(HOSTILE["body"]) > 1900
    with app.app_context():
        portfolio.import_export(
            fabrique(app, ref), json.dumps(document, ensure_ascii=False).encode()
        )
        stored = db.session.scalar(select(PortfolioIdea))
        assert stored is not None
        assert (stored.title, stored.body, stored.need, stored.author_name) == (
            HOSTILE["title"],
            HOSTILE["body"],
            HOSTILE["need"],
            "-2+3",
        )
        held = db.session.scalar(select(PortfolioSession))
        assert held is not None and held.title == "<b>Atelier</b> \u202e"
