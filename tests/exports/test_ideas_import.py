"""Importing a CSV of ideas collected before a session: checks, idempotence, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.exports.conftest import BIDI, FORMULA, HTML
from tests.factories import facts_since, make_idea, make_workshop
from workshop.errors import Forbidden, ValidationError, WorkshopClosed
from workshop.exports.ideas_import import (
    MAX_ROWS,
    IdeasFileError,
    client_id_for,
    parse_ideas_csv,
    read_ideas,
)
from workshop.extensions import db
from workshop.models import Idea, Workshop
from workshop.services import idea_import
from workshop.services.accounts import get_by_email

GOOD = (
    "id;text;description;need\r\n"
    "A1;Une ressourcerie;Récupérer et revendre;Moins de déchets\r\n"
    'A2;"' + FORMULA.replace('"', '""') + '";' + HTML + ";\r\n"
    "A3;" + BIDI + ";;\r\n"
)


def parse(text: str | bytes) -> list[Any]:
    return parse_ideas_csv(text.encode("utf-8") if isinstance(text, str) else text)


def refused(app: Flask, data: str | bytes) -> ValidationError:
    with app.test_request_context(), pytest.raises(ValidationError) as caught:
        parse(data)
    return caught.value


def test_reads_the_columns_with_any_delimiter_and_a_bom(app: Flask) -> None:
    with app.test_request_context():
        rows = parse("\ufeff" + GOOD)
        assert [(r.line, r.row_id, r.idea.title) for r in rows] == [
            (2, "A1", "Une ressourcerie"),
            (3, "A2", FORMULA),
            (4, "A3", BIDI),
        ]
        assert (rows[0].idea.description, rows[0].idea.need) == (
            "Récupérer et revendre",
            "Moins de déchets",
        )
        assert rows[1].idea.description == HTML
        comma = parse('ID,Text\n7,"Un café, associatif"\n\n8,"Sur deux\nlignes"\n')
        assert [(r.line, r.row_id, r.idea.title) for r in comma] == [
            (2, "7", "Un café, associatif"),
            (4, "8", "Sur deux lignes"),
        ]
        # The ideas.csv of an export reads back: title and body columns.
        exported = parse("id,reference,title,body\n1,x/idea/1,Titre,Corps\n")
        assert (exported[0].idea.title, exported[0].idea.description) == ("Titre", "Corps")
        assert rows[0].idea.client_id == client_id_for("A1")
        assert client_id_for("A1") != client_id_for("A2")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"id;text\n1;caf\xe9\n", "encoding"),
        (b"   \n", "empty"),
        ("id;intitule\n1;x\n", "missing_column"),
        ("identifiant;text\n1;x\n", "missing_column"),
        ("id;text\n", "no_rows"),
        ('id,text\n1,"unclosed\n', "not_csv"),
    ],
)
def test_bad_files_are_refused_with_a_reason(app: Flask, data: Any, reason: str) -> None:
    error = refused(app, data)
    assert error.details["reason"] == reason
    assert error.code == "invalid_input"


def test_the_error_is_translated(app: Flask) -> None:
    error = refused(app, "id;intitule\n1;x\n")
    assert "colonne « text »" in str(error.message)
    error = refused(app, b"id;text\n1;caf\xe9\n")
    assert "UTF-8" in str(error.message) and "octet" in str(error.message)


def test_every_faulty_line_is_reported_at_once(app: Flask) -> None:
    text = (
        "id;text;description\n"
        "1;Bonne idée;\n"
        "2;   ;\n"
        f"3;{'x' * 2001};\n"
        f"4;Trop long;{'y' * 2001}\n"
        "1;Doublon;\n"
        ";Sans id;\n"
    )
    error = refused(app, text)
    assert error.details["reason"] == "lines" and error.details["count"] == 5
    found = [(e["line"], e["column"], e["reason"]) for e in error.details["errors"]]
    assert found == [
        (3, "text", "required"),
        (4, "text", "too_long"),
        (5, "description", "too_long"),
        (6, "id", "duplicate_id"),
        (7, "id", "required"),
    ]
    assert "Ligne 3" in error.details["errors"][0]["message"]
    assert "nothing was imported" not in str(error.message)  # translated
    assert "rien n'a été importé" in str(error.message)


def test_the_grouping_command_reads_the_lines_the_import_reads(app: Flask) -> None:
    text = 'ID;Title;body\n\n7;"Un café; associatif";x\n8;"Sur deux\nlignes";\n\n9;Un jardin;\n'
    with app.test_request_context():
        imported = [(row.line, row.row_id) for row in parse(text)]
    assert imported == [(3, "7"), (4, "8"), (7, "9")]
    read = read_ideas(text.encode("utf-8"), "ideas.csv")
    assert [(row.id, row.text) for row in read] == [
        ("7", "Un café; associatif"),
        ("8", "Sur deux\nlignes"),
        ("9", "Un jardin"),
    ]
    # For whoever runs the server: plain English naming the file, whatever the locale.
    with app.test_request_context(), pytest.raises(IdeasFileError) as caught:
        read_ideas(b"id;intitule\n1;x\n", "ideas.csv")
    assert str(caught.value) == (
        "ideas.csv needs a header row with 'id' and 'text' columns (found: 'id', 'intitule')"
    )


def test_too_many_rows_are_refused(app: Flask) -> None:
    text = "id,text\n" + "".join(f"{i},Idée {i}\n" for i in range(MAX_ROWS + 1))
    assert refused(app, text).details["reason"] == "too_many_rows"


def _count(workshop_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(Idea).where(Idea.workshop_id == workshop_id)
        )
        or 0
    )


def test_import_creates_visible_unclassified_ideas_once(app: Flask) -> None:
    with app.test_request_context():
        workshop = make_workshop(status="draft")
        seq = workshop.seq
        result = idea_import.import_ideas(workshop.id, workshop.owner, parse(GOOD))
        assert (result.created, result.unchanged) == (3, 0)
        ideas = db.session.scalars(
            select(Idea).where(Idea.workshop_id == workshop.id).order_by(Idea.position)
        ).all()
        assert [(i.title, i.status, i.challenge_id, i.participant_id) for i in ideas] == [
            ("Une ressourcerie", "visible", None, None),
            (FORMULA, "visible", None, None),
            (BIDI, "visible", None, None),
        ]
        assert [name for name, _data in facts_since(workshop.id, seq)] == ["idea_posted"] * 3
        # The same file again (even with one more line) adds only what is new.
        again = idea_import.import_ideas(
            workshop.id, workshop.owner, parse(GOOD + "A4;Un tiers-lieu;;\r\n")
        )
        assert (again.created, again.unchanged) == (1, 3)
        assert _count(workshop.id) == 4
        third = idea_import.import_ideas(workshop.id, workshop.owner, parse(GOOD))
        assert (third.created, third.unchanged) == (0, 3)
        assert _count(workshop.id) == 4


def test_an_id_used_by_a_phone_refuses_the_whole_file(app: Flask) -> None:
    with app.test_request_context():
        workshop = make_workshop()
        make_idea(workshop, client_id=client_id_for("A2"))
        with pytest.raises(ValidationError) as caught:
            idea_import.import_ideas(workshop.id, workshop.owner, parse(GOOD))
        assert caught.value.details["errors"][0]["line"] == 3
        db.session.rollback()
        assert _count(workshop.id) == 1


def test_only_its_facilitators_import_and_not_once_closed(app: Flask) -> None:
    with app.test_request_context():
        workshop = make_workshop()
        other = make_workshop().owner
        rows = parse(GOOD)
        with pytest.raises(Forbidden):
            idea_import.import_ideas(workshop.id, other, rows)
        db.session.rollback()
        closed = make_workshop(status="closed")
        with pytest.raises(WorkshopClosed):
            idea_import.import_ideas(closed.id, closed.owner, rows)
        db.session.rollback()
        assert _count(workshop.id) == _count(closed.id) == 0
        owner = get_by_email(workshop.owner.email)
        assert owner is not None
        assert db.session.get(Workshop, workshop.id) is not None
