"""The JSON export of a vote step by majority judgment: its ranking carries each item's
majority grade and grades' distribution (live, then frozen), the document still
validates against the published schema, and a dot vote's ranking is unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from flask import Flask

from tests.factories import cast, make_participant, make_vote_workshop
from workshop import exports, majority
from workshop.exports.report import render_report
from workshop.extensions import db
from workshop.models import Workshop
from workshop.schemas.votes import GradeChoice
from workshop.services import votes
from workshop.services.votes import grades

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "export.schema.json"


def exported(workshop_id: int) -> dict[str, Any]:
    document = exports.build_json(db.session.get(Workshop, workshop_id))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    exports.validate(document)
    return document


def test_a_majority_steps_ranking_is_exported_live_then_frozen(app: Flask) -> None:
    with app.app_context():
        workshop, ideas = make_vote_workshop(ideas=3, vote={"method": "majority"})
        a, b, c = (idea.id for idea in ideas)
        people = [make_participant(workshop) for _ in range(3)]
        given = {a: [1, 2, 6], b: [4, 4, 3], c: [None, 5, None]}
        for item_id, values in given.items():
            for person, value in zip(people, values, strict=True):
                if value is not None:
                    grades.grade_item(workshop.id, person.id, GradeChoice(item_id, "ideas", value))
        filled = {item: [v or 0 for v in values] for item, values in given.items()}
        expected = [
            {
                "rank": m.rank,
                "item_id": m.option,
                "target": "idea",
                "votes": 3,
                "majority_grade": m.majority,
                "grades": list(m.counts),
            }
            for m in majority.rank(filled)
        ]
        document = exported(workshop.id)
        [ranking] = document["rankings"]
        assert ranking == {
            "phase_id": ranking["phase_id"],
            "frozen_at": None,
            "method": "majority",
            "items": expected,
        }
        assert document["votes"] == []  # no dots
        assert [item["item_id"] for item in expected] == [b, a, c]
        votes.freeze_results(workshop.id, workshop.owner)
        [frozen] = exported(workshop.id)["rankings"]
        assert frozen["frozen_at"] is not None and frozen["items"] == expected


def test_a_dot_votes_ranking_has_no_method_and_no_grades(app: Flask) -> None:
    with app.app_context():
        workshop, ideas = make_vote_workshop(ideas=2)
        cast(workshop, make_participant(workshop), ideas[0])
        [ranking] = exported(workshop.id)["rankings"]
        assert "method" not in ranking
        assert set(ranking["items"][0]) == {"rank", "item_id", "target", "votes"}


def test_the_printable_report_lists_a_majority_votes_ranking_in_words(app: Flask) -> None:
    with app.app_context():
        workshop, ideas = make_vote_workshop(ideas=2, vote={"method": "majority"})
        voter = make_participant(workshop)
        grades.grade_item(workshop.id, voter.id, GradeChoice(ideas[1].id, "ideas", 5))
        votes.freeze_results(workshop.id, workshop.owner)
        document = exported(workshop.id)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        html = render_report(document)
    section = html[
        html.index('id="majority-') : html.index("</section>", html.index('id="majority-'))
    ]
    assert "Vote par jugement majoritaire" in section
    assert section.index(ideas[1].title) < section.index(ideas[0].title)
    assert "très bien : 1" in section
    assert "compte comme « à rejeter »" in section
