"""No input makes a page fail: random form data and paths never get a 5xx answer."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import as_facilitator
from tests.factories import WorkshopRef
from workshop.services import accounts

# The app is built once per test and reused by every example: no example needs a clean
# database, only an answer below 500.
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

words = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "citizen",
            "marathon",
            "ideas",
            "2026-03-21",
            "-1",
            "0",
            "1e9",
            "99999999999",
            "true",
            "<script>alert(1)</script>",
            "a@b.cd",
            "correct horse battery",
            "\u202e",
            "é" * 200,
            "x" * 5000,
        ]
    ),
)


def form(fields: list[str]) -> st.SearchStrategy[dict[str, str | list[str]]]:
    keys = st.one_of(st.sampled_from(fields), st.text(max_size=12))
    values = st.one_of(words, st.lists(words, max_size=4))
    return st.dictionaries(keys, values, max_size=len(fields) + 2)


@pytest.fixture
def app_config() -> dict[str, object]:
    # Guessing limits would answer 429 early and hide the handlers from the fuzzer.
    return {
        "JOIN_GUESS_LIMIT": "100000 per minute",
        "JOIN_CREATE_LIMIT": "100000 per minute",
        "LOGIN_ACCOUNT_LIMIT": "100000 per minute",
        "LOGIN_ADDRESS_LIMIT": "100000 per minute",
    }


@pytest.fixture
def workshop(new_workshop: Callable[..., WorkshopRef]) -> WorkshopRef:
    return new_workshop()


@FUZZ
@given(data=form(["email", "name", "password"]))
def test_setup_form(app: Flask, client: FlaskClient, data: dict[str, object]) -> None:
    with app.app_context():
        token = accounts.setup_token()
    assert client.post("/setup", query_string={"token": token}, data=data).status_code < 500


@FUZZ
@given(data=form(["email", "password"]), target=words)
def test_login_form(
    client: FlaskClient, workshop: WorkshopRef, data: dict[str, object], target: str
) -> None:
    response = client.post("/login", data=data, query_string={"next": target})
    assert response.status_code < 500


@FUZZ
@given(data=form(["display_name", "profile"]))
def test_join_form(app: Flask, workshop: WorkshopRef, data: dict[str, object]) -> None:
    phone = app.test_client()  # a fresh phone each time, or it would be sent to the board
    assert phone.post(f"/j/{workshop.code}", data=data).status_code < 500


@FUZZ
@given(data=form(["code"]))
def test_join_by_code_form(
    client: FlaskClient, workshop: WorkshopRef, data: dict[str, object]
) -> None:
    assert client.post("/join", data=data).status_code < 500


@FUZZ
@given(
    first=st.text(min_size=1, max_size=40),
    second=st.text(min_size=1, max_size=80),
    prefix=st.sampled_from(["/j/", "/w/", "/s/", "/lang/", "/f/w/"]),
)
def test_public_paths(
    client: FlaskClient, workshop: WorkshopRef, first: str, second: str, prefix: str
) -> None:
    path = prefix + quote(first, safe="")
    if prefix == "/s/":
        path += "/" + quote(second, safe="")
    assert client.get(path, query_string={"next": second}).status_code < 500


@FUZZ
@given(data=form(["title", "format", "question", "territory", "date"]))
def test_new_workshop_form(
    client: FlaskClient, workshop: WorkshopRef, data: dict[str, object]
) -> None:
    as_facilitator(client, workshop.owner_email)
    assert client.post("/f/workshops/new", data=data).status_code < 500


@FUZZ
@given(data=form(["id", "kind", "title", "minutes"]))
def test_agenda_form(client: FlaskClient, workshop: WorkshopRef, data: dict[str, object]) -> None:
    as_facilitator(client, workshop.owner_email)
    assert client.post(f"/f/w/{workshop.id}/agenda", data=data).status_code < 500
