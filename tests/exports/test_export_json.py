"""The JSON export: shape (validated by the published schema), content, privacy, integrity."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from flask import Flask
from sqlalchemy import select, update

from tests.exports.conftest import (
    BIDI,
    CONTACT_EMAIL,
    FORMULA,
    HIDDEN_EMAIL,
    HTML,
    LONG,
    MULTILINE,
    Session,
)
from tests.factories import make_idea, make_workshop
from workshop import exports
from workshop.errors import ValidationError
from workshop.exports.validation import SCHEMA_PATH
from workshop.extensions import db
from workshop.models import Participant, Vote, Workshop
from workshop.schemas import NewFabrique
from workshop.services import merging


def export(app: Flask, workshop_id: int) -> dict[str, Any]:
    with app.app_context():
        document = exports.build_json(db.session.get(Workshop, workshop_id))
    # Every export a test makes is checked against the published schema, independently
    # of the application's own validate().
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    with app.app_context():
        exports.validate(document)
    return document


def test_the_published_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://semis.example/schemas/export/1.json"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_a_whole_session_exports_everything_with_its_identity(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    assert doc["format"] == "semis.workshop-export" and doc["version"] == "1.3"
    assert doc["cycle"] is None  # a workshop outside a cycle
    assert doc["workshop"]["uid"] == session.uid
    assert doc["workshop"]["code"] == session.code
    assert doc["workshop"]["participants_count"] == 4
    assert doc["workshop"]["url"].endswith(f"/j/{session.code}")
    assert [p["kind"] for p in doc["phases"]][:4] == ["welcome", "ideas", "grouping", "vote"]
    food, mobility = session.challenge_ids
    by_id = {c["id"]: c for c in doc["challenges"]}
    assert by_id[food]["reference"] == f"{session.uid}/challenge/{food}"
    assert by_id[food]["ideas_count"] == 3 and by_id[mobility]["ideas_count"] == 1
    # Défis ranked by the dots of their ideas (no vote on défis in this session).
    assert (by_id[food]["votes"], by_id[food]["rank"]) == (4, 1)
    assert (by_id[mobility]["votes"], by_id[mobility]["rank"]) == (1, 2)
    empty = next(c for c in doc["challenges"] if c["id"] not in session.challenge_ids)
    assert (empty["votes"], empty["rank"], empty["ideas_count"]) == (0, None, 0)
    ideas = {i["id"]: i for i in doc["ideas"]}
    assert [ideas[i]["votes"] for i in session.idea_ids] == [3, 1, 0, 1, 0]
    assert ideas[session.idea_ids[0]]["reference"] == f"{session.uid}/idea/{session.idea_ids[0]}"
    assert ideas[session.idea_ids[4]]["challenge_id"] is None
    assert ideas[session.idea_ids[0]]["author"] == {"name": "Camille"}
    sheet = by_id[food]["qualification"]
    assert sheet["stage"] == "holder_search" and sheet["insee_code"] == "73006"
    assert sheet["need"] == {"who": HTML, "where": "Bourg", "evidence": FORMULA}
    assert ideas[session.idea_ids[4]]["qualification"]["stage"] == "to_study"
    assert doc["votes"] == sorted(doc["votes"], key=lambda v: (v["phase_id"], v["item_id"]))
    first = next(v for v in doc["votes"] if v["item_id"] == session.idea_ids[0])
    assert first == {
        "phase_id": session.vote_phase_id,
        "target": "idea",
        "item_id": session.idea_ids[0],
        "votes": 3,
        "voters": 3,
    }
    (ranking,) = doc["rankings"]
    assert ranking["frozen_at"] is not None
    assert [(i["rank"], i["votes"]) for i in ranking["items"]] == [(1, 3), (2, 1), (2, 1)]


def test_hostile_text_survives_intact(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    ideas = {i["id"]: i for i in doc["ideas"]}
    hostile = ideas[session.hostile_idea_id]
    assert (hostile["title"], hostile["body"], hostile["need"]) == (FORMULA, LONG, MULTILINE)
    assert len(hostile["body"]) == 2000
    assert ideas[session.idea_ids[1]]["title"] == HTML
    assert ideas[session.idea_ids[1]]["body"] == BIDI
    assert ideas[session.idea_ids[1]]["author"] == {"name": "<b>Zoé</b>"}
    assert doc["workshop"]["title"] == f"Atelier {FORMULA}"


def test_no_token_and_contacts_only_with_consent(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    text = json.dumps(doc, ensure_ascii=False)
    with app.app_context():
        hashes = db.session.scalars(
            select(Participant.token_hash).where(Participant.workshop_id == session.id)
        ).all()
    for secret in (*session.tokens, *hashes):
        assert secret not in text
    assert "token" not in text and "participant_id" not in text
    assert HIDDEN_EMAIL not in text
    food = next(c for c in doc["challenges"] if c["id"] == session.challenge_ids[0])
    assert food["volunteers"] == [
        {
            "kind": "hold",
            "consent_contact": True,
            "contact": {"name": "Camille <i>D.</i>", "email": CONTACT_EMAIL, "phone": None},
        },
        {"kind": "contribute", "consent_contact": False, "contact": None},
    ]


def test_authors_are_left_out_when_the_workshop_hides_them(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(anonymous=True)
        make_idea(workshop)
        workshop_id = workshop.id
    doc = export(app, workshop_id)
    assert [i["author"] for i in doc["ideas"]] == [None]


def test_frozen_results_are_the_frozen_ranking(app: Flask, session: Session) -> None:
    with app.app_context():
        # What the vote said when it was frozen is the result, whatever happens to the
        # rows afterwards.
        db.session.execute(
            update(Vote)
            .where(Vote.phase_id == session.vote_phase_id, Vote.idea_id == session.idea_ids[1])
            .values(count=7)
        )
        db.session.commit()
    doc = export(app, session.id)
    ideas = {i["id"]: i for i in doc["ideas"]}
    assert ideas[session.idea_ids[1]]["votes"] == 1
    assert ideas[session.idea_ids[0]]["votes"] == 3


def test_an_open_vote_exports_its_live_tallies(app: Flask) -> None:
    from tests.factories import cast, make_participant, make_vote_workshop

    with app.app_context():
        workshop, ideas = make_vote_workshop(ideas=2)
        cast(workshop, make_participant(workshop), ideas[1])
        workshop_id, second = workshop.id, ideas[1].id
    doc = export(app, workshop_id)
    assert doc["rankings"][0]["frozen_at"] is None
    assert {i["id"]: i["votes"] for i in doc["ideas"]}[second] == 1


def test_an_empty_draft_workshop_exports(app: Flask) -> None:
    with app.app_context():
        workshop_id = make_workshop(status="draft").id
    doc = export(app, workshop_id)
    assert (doc["ideas"], doc["challenges"], doc["votes"], doc["rankings"]) == ([], [], [], [])
    assert doc["workshop"]["status"] == "draft"


def test_the_digest_covers_the_canonical_document(app: Flask, session: Session) -> None:
    doc = export(app, session.id)
    assert doc["integrity"]["algorithm"] == "sha256"
    assert doc["integrity"]["digest"] == exports.digest(doc)
    reread = json.loads(json.dumps(doc, indent=3))
    assert exports.digest(reread) == doc["integrity"]["digest"]


def _refused(app: Flask, document: Any) -> ValidationError:
    with app.app_context(), pytest.raises(ValidationError) as caught:
        exports.validate(document)
    return caught.value


def test_tampered_truncated_foreign_or_future_files_are_refused(
    app: Flask, session: Session
) -> None:
    doc = export(app, session.id)
    tampered = copy.deepcopy(doc)
    tampered["ideas"][0]["votes"] = 99
    assert _refused(app, tampered).details["path"] == "/integrity/digest"
    truncated = copy.deepcopy(doc)
    del truncated["ideas"][0]["title"]
    error = _refused(app, truncated)
    assert error.details["reason"] == "schema" and error.details["path"] == "/ideas/0"
    assert "title" in str(error.message)
    wrong_type = copy.deepcopy(doc)
    wrong_type["challenges"][0]["rank"] = "first"
    assert _refused(app, wrong_type).details["path"] == "/challenges/0/rank"
    assert _refused(app, {"hello": "world"}).details["reason"] == "format"
    assert _refused(app, [1, 2]).details["reason"] == "format"
    future = copy.deepcopy(doc)
    future["version"] = "2.0"
    assert _refused(app, future).details["reason"] == "version"
    leaked = copy.deepcopy(doc)
    leaked["challenges"][0]["volunteers"][1]["contact"] = {
        "name": None,
        "email": HIDDEN_EMAIL,
        "phone": None,
    }
    assert _refused(app, leaked).details["reason"] == "schema"


def test_a_made_export_is_checked_by_the_import_rules(app: Flask, session: Session) -> None:
    """One validator: what an import refuses beyond the schema, validate() refuses too."""
    doc = export(app, session.id)
    dangling = copy.deepcopy(doc)
    dangling["ideas"][0]["challenge_id"] = 10**6
    dangling["integrity"]["digest"] = exports.digest(dangling)
    error = _refused(app, dangling)
    assert (error.details["reason"], error.details["path"]) == ("schema", "/ideas/0/challenge_id")


def test_a_vote_on_challenges_ranks_the_challenges(app: Flask) -> None:
    from tests.factories import (
        configure_vote,
        enter_grouping,
        enter_vote,
        make_challenge,
        make_participant,
        place,
    )
    from workshop.schemas import VoteTarget
    from workshop.services import votes

    with app.app_context():
        workshop = make_workshop()
        ideas = [make_idea(workshop) for _ in range(2)]
        enter_grouping(workshop)
        first, second = make_challenge(workshop), make_challenge(workshop)
        place(workshop, ideas[0], first)
        phase = enter_vote(workshop)
        configure_vote(workshop, target="challenges", votes_per_participant=3, max_per_item=3)
        for count, challenge in ((1, first), (2, second), (1, second)):
            voter = make_participant(workshop)
            votes.cast_vote(
                workshop.id, voter.id, VoteTarget(challenge.id, count, kind="challenges")
            )
        votes.freeze_results(workshop.id, workshop.owner, phase.id)
        workshop_id, ids = workshop.id, (first.id, second.id)
    doc = export(app, workshop_id)
    challenges = {c["id"]: c for c in doc["challenges"]}
    assert [(challenges[i]["votes"], challenges[i]["rank"]) for i in ids] == [(1, 2), (3, 1)]
    assert {(v["target"], v["item_id"], v["votes"], v["voters"]) for v in doc["votes"]} == {
        ("challenge", ids[0], 1, 1),
        ("challenge", ids[1], 3, 2),
    }
    assert [i["votes"] for i in doc["ideas"]] == [0, 0]
    (ranking,) = doc["rankings"]
    assert [(i["target"], i["item_id"], i["rank"]) for i in ranking["items"]] == [
        ("challenge", ids[1], 1),
        ("challenge", ids[0], 2),
    ]


def test_merged_hidden_and_withdrawn_ideas_keep_their_state(app: Flask) -> None:
    from tests.factories import make_grouping_workshop
    from workshop.schemas import IdeaMerge
    from workshop.services import ideas

    with app.app_context():
        workshop, posted = make_grouping_workshop(ideas=4)
        merging.merge_ideas(workshop.id, workshop.owner, IdeaMerge(posted[1].id, posted[0].id))
        ideas.hide_idea(workshop.id, workshop.owner, posted[2].id)
        assert posted[3].participant_id is not None
        ideas.withdraw_idea(workshop.id, posted[3].participant_id, posted[3].id)
        workshop_id, ids = workshop.id, [idea.id for idea in posted]
    doc = export(app, workshop_id)
    states = {i["id"]: (i["state"], i["merged_into_id"]) for i in doc["ideas"]}
    assert [states[i] for i in ids] == [
        ("visible", None),
        ("merged", ids[0]),
        ("hidden", None),
        ("withdrawn", None),
    ]


def test_the_portfolio_imports_the_export_twice_and_keeps_hostile_text(
    app: Flask, session: Session
) -> None:
    """The contract with the portfolio (issue #6): it imports what the exporter wrote,
    and importing the same file again changes nothing."""
    from workshop.models import PortfolioIdea
    from workshop.services import fabriques, portfolio

    doc = export(app, session.id)
    data = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
    with app.app_context():
        fabrique = fabriques.create_fabrique(NewFabrique(slug="exports", name="F"))
        first = portfolio.import_export(fabrique, data)
        assert (first.status, first.ideas, first.challenges) == ("created", 5, 3)
        assert portfolio.import_export(fabrique, data).status == "unchanged"
        titles = db.session.scalars(
            select(PortfolioIdea.title).where(PortfolioIdea.fabrique_id == fabrique.id)
        ).all()
        assert FORMULA in titles and HTML in titles
