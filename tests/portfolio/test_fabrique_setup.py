"""A Fabrique created and its members managed from the browser (views/fabrique.py)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator
from tests.factories import make_facilitator
from workshop.extensions import db
from workshop.models import Fabrique
from workshop.schemas.portfolio import parse_fabrique_form, suggest_slug
from workshop.services import fabriques


def member_emails(app: Flask, slug: str) -> list[str]:
    with app.app_context():
        return sorted(f.email for f in fabriques.members_of(fabriques.get_by_slug(slug)))


def facilitator(app: Flask, email: str) -> str:
    with app.app_context():
        return make_facilitator(email=email).email


@pytest.fixture
def anne(app: Flask, client: FlaskClient) -> FlaskClient:
    as_facilitator(client, facilitator(app, "anne@example.org"))
    return client


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Fabrique d'initiatives Ardèche", "fabrique-d-initiatives-ardeche"),
        ("  Œuvres — Côte-d'Or  ", "uvres-cote-d-or"),
        ("Fabrique 42", "fabrique-42"),
        ("東京", ""),
        ("a" * 80, "a" * 60),
        ("a" * 59 + " b", "a" * 59),
    ],
)
def test_suggested_slugs(name: str, slug: str) -> None:
    assert suggest_slug(name) == slug


def test_create_a_fabrique_and_become_its_first_member(app: Flask, anne: FlaskClient) -> None:
    page = anne.get("/fabriques/").get_data(as_text=True)
    assert 'id="create-fabrique"' in page
    assert anne.get("/fabriques/new").status_code == 200
    response = anne.post("/fabriques/new", data={"name": "Fabrique Ardèche", "slug": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/fabriques/fabrique-ardeche/members")
    assert member_emails(app, "fabrique-ardeche") == ["anne@example.org"]
    page = anne.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fabrique « Fabrique Ardèche » créée." in page
    assert "Quitter la Fabrique" in page
    assert anne.get("/fabriques/").headers["Location"].endswith("/fabriques/fabrique-ardeche/")


def test_a_chosen_short_name(app: Flask, anne: FlaskClient) -> None:
    response = anne.post("/fabriques/new", data={"name": "Fabrique", "slug": "Fab-07"})
    assert response.headers["Location"].endswith("/fabriques/fab-07/members")


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "slug": "x"}, "Ce champ est obligatoire."),
        ({"name": "東京", "slug": ""}, "Choisissez un nom court pour son adresse"),
        ({"name": "Fab", "slug": "pas bon !"}, "Utilisez seulement des minuscules"),
        ({"name": "Fab", "slug": "a" * 61}, "trop long"),
    ],
)
def test_a_refused_fabrique_says_why(
    app: Flask, anne: FlaskClient, form: dict[str, str], message: str
) -> None:
    response = anne.post("/fabriques/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.scalar(select(Fabrique)) is None


def test_a_taken_short_name_is_refused_and_shown_to_change(app: Flask, anne: FlaskClient) -> None:
    with app.app_context():
        fabriques.create_fabrique(parse_fabrique_form({"name": "Fabrique Ardèche"}))
    response = anne.post("/fabriques/new", data={"name": "Fabrique Ardèche"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Une Fabrique porte déjà ce nom court." in page
    assert 'value="fabrique-ardeche"' in page  # the suggestion, to be changed
    assert member_emails(app, "fabrique-ardeche") == []


def test_add_and_remove_members(app: Flask, anne: FlaskClient) -> None:
    anne.post("/fabriques/new", data={"name": "Fab"})
    bob = facilitator(app, "bob@example.org")
    response = anne.post("/fabriques/fab/members", data={"email": " Bob@Example.org "})
    assert response.status_code == 302
    assert member_emails(app, "fab") == ["anne@example.org", bob]
    page = anne.get("/fabriques/fab/members").get_data(as_text=True)
    assert "bob@example.org est maintenant membre." in page
    again = anne.post("/fabriques/fab/members", data={"email": bob})
    assert "était déjà membre" in anne.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        bob_id = fabriques.members_of(fabriques.get_by_slug("fab"))[1].id
    response = anne.post(f"/fabriques/fab/members/{bob_id}/remove")
    assert response.status_code == 302
    assert member_emails(app, "fab") == ["anne@example.org"]
    page = anne.get(response.headers["Location"]).get_data(as_text=True)
    assert "bob@example.org n’est plus membre." in page


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "Aucun compte d’animateur·rice n’utilise cette adresse"),
        ("not an email", "Cette adresse e-mail n&#39;est pas valide."),
        ("", "Ce champ est obligatoire."),
    ],
)
def test_only_existing_accounts_can_be_added(
    app: Flask, anne: FlaskClient, email: str, message: str
) -> None:
    anne.post("/fabriques/new", data={"name": "Fab"})
    response = anne.post("/fabriques/fab/members", data={"email": email})
    assert response.status_code in (400, 404)
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert member_emails(app, "fab") == ["anne@example.org"]


def test_the_last_member_cannot_be_removed_but_others_can_leave(
    app: Flask, client: FlaskClient, anne: FlaskClient
) -> None:
    anne.post("/fabriques/new", data={"name": "Fab"})
    with app.app_context():
        anne_id = fabriques.members_of(fabriques.get_by_slug("fab"))[0].id
    response = anne.post(f"/fabriques/fab/members/{anne_id}/remove")
    assert response.status_code == 400
    assert "Une Fabrique garde au moins un·e membre" in response.get_data(as_text=True)
    assert member_emails(app, "fab") == ["anne@example.org"]
    # With a second member, Anne may leave: she no longer sees the Fabrique.
    anne.post("/fabriques/fab/members", data={"email": facilitator(app, "bob@example.org")})
    response = anne.post(f"/fabriques/fab/members/{anne_id}/remove")
    assert response.headers["Location"].endswith("/fabriques/")
    assert member_emails(app, "fab") == ["bob@example.org"]
    assert anne.get("/fabriques/fab/members").status_code == 403


def test_removing_someone_who_is_not_a_member(app: Flask, anne: FlaskClient) -> None:
    anne.post("/fabriques/new", data={"name": "Fab"})
    with app.app_context():
        outsider_id = make_facilitator(email="out@example.org").id
    for target in (outsider_id, 10**9):
        assert anne.post(f"/fabriques/fab/members/{target}/remove").status_code == 404


def test_only_members_manage_members(app: Flask, client: FlaskClient, new_fabrique: Any) -> None:
    ref = new_fabrique()
    assert client.get(f"/fabriques/{ref.slug}/members").status_code == 302  # sign in first
    as_facilitator(client, facilitator(app, "out@example.org"))
    assert client.get(f"/fabriques/{ref.slug}/members").status_code == 403
    response = client.post(f"/fabriques/{ref.slug}/members", data={"email": "out@example.org"})
    assert response.status_code == 403
    assert member_emails(app, ref.slug) == [ref.member_email]
