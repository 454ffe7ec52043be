"""views.main: health check, first set-up, sign-in and sign-out, language choice."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import as_facilitator
from tests.factories import PASSWORD, make_facilitator
from workshop.extensions import db
from workshop.models import Facilitator
from workshop.services import accounts


def facilitator_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Facilitator))


@pytest.fixture
def anne(app: Flask) -> str:
    with app.app_context():
        return make_facilitator(email="anne@example.org").email


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_an_unavailable_database(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("database gone")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def setup_url(app: Flask) -> str:
    """The set-up link ``run.py`` prints, with its token."""
    with app.app_context():
        return f"/setup?token={accounts.setup_token()}"


def test_first_visit_goes_to_set_up(app: Flask, client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/setup")
    assert client.get(setup_url(app)).status_code == 200


def test_set_up_creates_the_first_account_once(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        setup_url(app), data={"email": "Anne@Example.org", "name": "Anne", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.location.endswith("/f/")
    assert client.get("/f/").status_code == 200  # signed in straight away
    assert facilitator_count(app) == 1

    again = app.test_client()
    for response in (
        again.get(setup_url(app)),
        again.post(
            setup_url(app), data={"email": "eve@example.org", "name": "Eve", "password": PASSWORD}
        ),
    ):
        assert response.status_code == 302 and response.location.endswith("/login")
    assert facilitator_count(app) == 1
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "anne@example.org", "password": "short"},
        {"email": "anne@example.org"},
        {},
    ],
)
def test_set_up_with_bad_input(app: Flask, client: FlaskClient, form: dict[str, str]) -> None:
    response = client.post(setup_url(app), data=form)
    assert response.status_code == 400
    assert facilitator_count(app) == 0


def test_login_and_logout(client: FlaskClient, anne: str) -> None:
    response = client.post("/login", data={"email": "ANNE@example.org ", "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/f/")
    assert client.get("/f/").status_code == 200
    assert client.get("/logout").status_code == 405  # signing out changes state: POST only
    response = client.post("/logout")
    assert response.status_code == 302
    response = client.get("/f/")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"email": "anne@example.org", "password": "wrong password!"}, 401),
        ({"email": "nobody@example.org", "password": PASSWORD}, 401),
        ({"email": "anne", "password": PASSWORD}, 400),
        ({}, 400),
    ],
)
def test_login_refusals(client: FlaskClient, anne: str, form: dict[str, str], status: int) -> None:
    assert client.post("/login", data=form).status_code == status
    assert client.get("/f/").status_code == 302


def test_login_goes_back_where_it_was_asked_from(client: FlaskClient, anne: str) -> None:
    response = client.get("/f/workshops/new")
    assert response.status_code == 302
    response = client.post(response.location, data={"email": anne, "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/f/workshops/new"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "http:/evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        " //evil.example",
        "evil.example",
    ],
)
def test_login_never_redirects_off_site(client: FlaskClient, anne: str, target: str) -> None:
    response = client.post(
        "/login", query_string={"next": target}, data={"email": anne, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.location == "/f/"


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://e.example"])
def test_language_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302 and response.location == "/"


def test_language_switch_remembers_the_choice(client: FlaskClient) -> None:
    response = client.get("/lang/en", query_string={"next": "/healthz"})
    assert response.status_code == 302 and response.location == "/healthz"
    assert client.get_cookie("semis_lang").value == "en"
    client.get("/lang/klingon")
    assert client.get_cookie("semis_lang").value == "en"


def test_unknown_pages(client: FlaskClient) -> None:
    assert client.get("/nowhere").status_code == 404
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_signed_in_facilitator_can_still_sign_in_again(client: FlaskClient, anne: str) -> None:
    as_facilitator(client, anne)
    as_facilitator(client, anne)
    assert client.get("/f/").status_code == 200
