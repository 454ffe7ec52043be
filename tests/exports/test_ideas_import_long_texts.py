"""Importing ideas as they really come (issue #13): texts longer than a title, split into
a title and a description or kept whole, and the file's other columns kept with each
idea, through the real upload form, with a real collection (NYC participatory budgeting
ballot projects: a title and a description in one text, a category and a source)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator
from tests.exports.conftest import Session
from tests.exports.test_export_views import idea_count, upload
from workshop.exports.ideas_import import (
    MAX_DETAIL_CHARS,
    SPLIT,
    WHOLE,
    WHOLE_TITLE_CHARS,
    client_id_for,
    parse_ideas_csv,
)
from workshop.extensions import db
from workshop.models import Idea
from workshop.schemas import TITLE_MAX, Role, serialize_idea

SAMPLE = Path(__file__).parent.parent / "data" / "ideas" / "nyc_pb_sample.csv"


@pytest.fixture
def owner(client: FlaskClient, session: Session) -> FlaskClient:
    as_facilitator(client, session.owner_email)
    return client


def sample() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def imported(app: Flask, workshop_id: int) -> dict[str, Idea]:
    """The workshop's imported ideas by their file id (client ids are derived from it)."""
    by_client = {client_id_for(row["id"]): row["id"] for row in sample()}
    with app.app_context():
        ideas = db.session.scalars(select(Idea).where(Idea.workshop_id == workshop_id)).all()
        for idea in ideas:
            db.session.expunge(idea)
    return {by_client[i.client_id]: i for i in ideas if i.client_id in by_client}


def response_errors(html: str) -> list[str]:
    """The line errors listed under the import form."""
    listed = html.split('id="import-line-errors"', 1)[1].split("</ul>", 1)[0]
    return [item.split("</li>", 1)[0].strip() for item in listed.split("<li>")[1:]]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_split_mode_makes_titles_of_first_sentences_and_keeps_the_text(
    app: Flask, owner: FlaskClient, session: Session
) -> None:
    rows = sample()
    assert sum(len(r["text"]) > TITLE_MAX for r in rows) > 50  # the point of the file
    response = upload(owner, session.id, SAMPLE.read_bytes(), long_texts=SPLIT)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{len(rows)} idées importées, 0 étaient déjà là." in page
    ideas = imported(app, session.id)
    assert len(ideas) == len(rows)
    for row in rows:
        idea, text = ideas[row["id"]], flat(row["text"])
        assert 0 < len(idea.title) <= TITLE_MAX
        assert idea.details == {"category": row["category"], "source": row["source"]}
        if ". " in text and idea.description:  # "Title. Description": split
            words = idea.title.removesuffix("…")
            assert text.startswith(words) and flat(idea.description) == text
            assert idea.title.endswith("…") or text[len(words)] in ".?!"
        else:  # one sentence that fits: the title, as before
            assert idea.title == text.removesuffix(".") or idea.title == text
    split = [row for row in rows if ideas[row["id"]].description]
    assert len(split) > 80  # most of these texts are a title and a description
    real = ideas["nyc_pb_2015_cd26_r3"]
    assert real.title == "Real Time Passenger Information"
    assert real.description.startswith("Real Time Passenger Information. Bus time countdown")
    # Importing the same file again adds nothing, in either mode.
    again = upload(owner, session.id, SAMPLE.read_bytes(), long_texts=WHOLE)
    assert again.status_code == 302
    assert idea_count(app, session.id) == 5 + len(rows)


def test_whole_mode_titles_with_first_words(
    app: Flask, owner: FlaskClient, session: Session
) -> None:
    response = upload(owner, session.id, SAMPLE.read_bytes(), long_texts=WHOLE)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    ideas = imported(app, session.id)
    for row in sample():
        idea, text = ideas[row["id"]], flat(row["text"])
        if len(text) <= TITLE_MAX:  # a text that fits stays the title
            assert (idea.title, idea.description) == (text, "")
            continue
        assert len(idea.title) <= WHOLE_TITLE_CHARS and idea.title.endswith("…")
        words = idea.title.removesuffix("…")
        assert text.startswith(words) and text[len(words)] in " .,;:!?-", (words, text)
        assert flat(idea.description) == text


def test_extra_columns_are_kept_shown_and_exported(
    app: Flask, owner: FlaskClient, session: Session
) -> None:
    data = (
        "id;text;Source;Commune;Date;Profil de l'auteur;;Commentaire\n"
        "A1;Une navette entre les hameaux le samedi;Boîte à idées;Aillon-le-Jeune;"
        "2019-11-02;élu;x;\n"
        "A2;Un atelier vélo;Site web;;;;;\n"
    )
    response = upload(owner, session.id, data.encode())
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        ideas = {
            i.client_id: i
            for i in db.session.scalars(select(Idea).where(Idea.workshop_id == session.id))
        }
        first, second = ideas[client_id_for("A1")], ideas[client_id_for("A2")]
        assert first.details == {
            "Source": "Boîte à idées",
            "Commune": "Aillon-le-Jeune",
            "Date": "2019-11-02",
            "Profil de l'auteur": "élu",
            "colonne 7": "x",  # an unnamed column is named by its place
        }
        assert second.details == {"Source": "Site web"}  # empty cells are left out
        # Facilitators see them on the idea; phones never do.
        facilitator = serialize_idea(first, Role.FACILITATOR, anonymous=False)
        assert facilitator.get("details") == first.details
        assert "details" not in serialize_idea(first, Role.PARTICIPANT, anonymous=False)
    exported = json.loads(owner.get(f"/f/w/{session.id}/export/json").get_data())
    by_title = {i["title"]: i for i in exported["ideas"]}
    assert by_title["Une navette entre les hameaux le samedi"]["details"]["Commune"] == (
        "Aillon-le-Jeune"
    )
    assert by_title["Un atelier vélo"]["details"] == {"Source": "Site web"}
    table = owner.get(f"/f/w/{session.id}/tables/ideas.csv?dialect=open").get_data(as_text=True)
    rows = {r["title"]: r for r in csv.DictReader(io.StringIO(table))}
    assert json.loads(rows["Un atelier vélo"]["details"]) == {"Source": "Site web"}


def test_bad_lines_and_choices_are_refused_with_nothing_written(
    app: Flask, owner: FlaskClient, session: Session
) -> None:
    before = idea_count(app, session.id)
    data = (
        "id;text;source\n"
        "B1;Une bonne idée;ok\n"
        f"B2;{'Trop long pour une description. ' * 70};ok\n"
        f"B3;Une autre idée;{'s' * (MAX_DETAIL_CHARS + 1)}\n"
    )
    response = upload(owner, session.id, data.encode())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = response_errors(html)
    assert [(e[:16], "2000 caractères" in e) for e in errors] == [("Ligne 3, colonne", True)] + [
        ("Ligne 4, colonne", False)
    ]
    assert "text" in errors[0] and "source" in errors[1] and str(MAX_DETAIL_CHARS) in errors[1]
    assert "rien n&#39;a été importé" in html
    wrong = upload(owner, session.id, b"id;text\nC1;Une idee\n", long_texts="shorten")
    assert wrong.status_code == 400
    assert "Choisissez comment importer les textes" in wrong.get_data(as_text=True)
    assert idea_count(app, session.id) == before


def test_the_form_offers_both_modes_and_keeps_the_choice(
    owner: FlaskClient, session: Session
) -> None:
    page = owner.get(f"/f/w/{session.id}/exports").get_data(as_text=True)
    assert 'name="long_texts" value="split" checked' in page
    assert 'name="long_texts" value="whole">' in page
    refused = upload(owner, session.id, b"id;text\n1;\n", long_texts=WHOLE).get_data(as_text=True)
    assert 'name="long_texts" value="whole" checked' in refused


def test_the_export_csv_of_ideas_imports_again_with_its_details(app: Flask) -> None:
    """An export's ideas.csv (details as a JSON object) gives its details back, not a
    « details » column holding JSON text."""
    data = 'id,title,body,details\n1,Une idée,,"{""commune"": ""Lescheraines""}"\n'
    with app.test_request_context():
        (row,) = parse_ideas_csv(data.encode())
    assert row.details == {"commune": "Lescheraines"}
