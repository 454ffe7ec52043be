"""The exports of a vote step by majority judgment: the JSON ranking carries each item's
majority grade and grades' distribution (live, then frozen), the document still
validates against the published schema, a dot vote's ranking is unchanged; the CSV
files and the workbook have the same results in their grades table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
from flask import Flask
from openpyxl import load_workbook

from tests.factories import cast, make_participant, make_vote_workshop
from workshop import exports, majority
from workshop.exports.csv_files import table_csv
from workshop.exports.report import render_report
from workshop.exports.xlsx import workbook
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


def test_the_csv_files_and_the_workbook_have_a_majority_votes_table(app: Flask) -> None:
    """The grades table: one row per graded item, its majority grade and each grade's
    count (open CSV: numbers under stable names; Excel flavour and workbook: words);
    the dots' table stays empty, the schema published in docs/ describes the file."""
    with app.app_context():
        workshop, ideas = make_vote_workshop(ideas=3, vote={"method": "majority"})
        a, b, c = (idea.id for idea in ideas)
        people = [make_participant(workshop) for _ in range(3)]
        for item_id, values in {a: [1, 2, 6], b: [4, 4, 3], c: [None, 5, None]}.items():
            for person, value in zip(people, values, strict=True):
                if value is not None:
                    grades.grade_item(workshop.id, person.id, GradeChoice(item_id, "ideas", value))
        votes.freeze_results(workshop.id, workshop.owner)
        document = exported(workshop.id)
    titles = {idea.id: idea.title for idea in ideas}

    open_rows = list(csv.DictReader(io.StringIO(table_csv(document, "grades", "open").decode())))
    schema = json.loads((SCHEMA.parent / "tableschema" / "grades.json").read_text())
    assert list(open_rows[0]) == [field["name"] for field in schema["fields"]]
    by_item = {int(row["item_id"]): row for row in open_rows}
    assert list(by_item) == [b, a, c]  # ranked: bien, passable, à rejeter
    assert [by_item[i]["rank"] for i in (b, a, c)] == ["1", "2", "3"]
    assert by_item[b]["majority_grade"] == "4" and by_item[b]["item_title"] == titles[b]
    assert by_item[b]["grades_good"] == "2" and by_item[b]["grades_fairly_good"] == "1"
    # The idea graded by one person out of three: twice « to reject » for the others.
    assert by_item[c]["majority_grade"] == "0" and by_item[c]["grades_to_reject"] == "2"
    assert {row["voters"] for row in open_rows} == {"3"}
    assert all(row["frozen_at"].endswith("Z") for row in open_rows)
    assert table_csv(document, "votes", "open").decode().count("\r\n") == 1  # header only

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        excel = table_csv(document, "grades", "excel").decode("utf-8-sig")
        book = load_workbook(io.BytesIO(workbook(document)), read_only=True)
    header, *records = list(csv.reader(io.StringIO(excel), delimiter=";"))
    assert "Mention majoritaire" in header and "à rejeter" in header and "excellent" in header
    first = dict(zip(header, records[0], strict=True))
    assert first["Mention majoritaire"] == "bien" and first["bien"] == "2"
    sheet = book["Jugement majoritaire"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(header)
    assert [row[header.index("Mention majoritaire")] for row in rows[1:]] == [
        "bien",
        "passable",
        "à rejeter",
    ]
