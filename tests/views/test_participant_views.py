"""views.participant: joining by code or link, the identity cookie, code-guessing limits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import join_as, participant_token
from tests.factories import WorkshopRef
from workshop.extensions import db
from workshop.models import Participant
from workshop.services import lookup, workshops

JSON = {"Accept": "application/json"}
NewWorkshop = Callable[..., WorkshopRef]


def participants(app: Flask) -> list[Participant]:
    with app.app_context():
        rows = list(db.session.scalars(select(Participant)))
        db.session.expunge_all()
        return rows


def test_join_page(client: FlaskClient, new_workshop: NewWorkshop) -> None:
    workshop = new_workshop()
    assert client.get(f"/j/{workshop.code}").status_code == 200


@pytest.mark.parametrize("typed", ["{lower}", "{a}-{b}", "{a}%20{b}"])
def test_join_link_is_made_canonical(
    client: FlaskClient, new_workshop: NewWorkshop, typed: str
) -> None:
    workshop = new_workshop()
    code = workshop.code
    response = client.get("/j/" + typed.format(lower=code.lower(), a=code[:3], b=code[3:]))
    assert response.status_code == 302 and response.location == f"/j/{code}"


def test_joining_sets_an_httponly_cookie_and_goes_to_the_board(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    workshop = new_workshop()
    response = client.post(
        f"/j/{workshop.code}", data={"display_name": "  Nadia  ", "profile": "elected"}
    )
    assert response.status_code == 302 and response.location == f"/w/{workshop.code}"
    cookie = client.get_cookie(f"semis_p{workshop.id}")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.max_age == app.config["PARTICIPANT_COOKIE_DAYS"] * 86400
    [participant] = participants(app)
    assert (participant.display_name, participant.profile) == ("Nadia", "elected")
    assert participant.token_hash == hashlib.sha256(cookie.value.encode()).hexdigest()
    assert client.get(f"/w/{workshop.code}").status_code == 200


def test_a_phone_that_joined_goes_straight_to_the_board(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    workshop = new_workshop()
    join_as(client, workshop.code)
    for response in (
        client.get(f"/j/{workshop.code}"),
        client.post(f"/j/{workshop.code}", data={"display_name": "Again", "profile": "citizen"}),
    ):
        assert response.status_code == 302 and response.location == f"/w/{workshop.code}"
    assert len(participants(app)) == 1


def test_the_board_needs_to_have_joined(client: FlaskClient, new_workshop: NewWorkshop) -> None:
    workshop, other = new_workshop(), new_workshop()
    join_as(client, other.code)  # a cookie for another workshop does not count
    response = client.get(f"/w/{workshop.code}")
    assert response.status_code == 302 and response.location == f"/j/{workshop.code}"


def test_a_forged_cookie_is_ignored(client: FlaskClient, new_workshop: NewWorkshop) -> None:
    workshop = new_workshop()
    client.set_cookie(f"semis_p{workshop.id}", "forged-token")
    assert client.get(f"/w/{workshop.code}").status_code == 302


@pytest.mark.parametrize("path", ["/j/ZZZZZZ", "/j/nope", "/w/ZZZZZZ", "/w/<b>"])
def test_unknown_codes_are_404(client: FlaskClient, new_workshop: NewWorkshop, path: str) -> None:
    new_workshop()
    assert client.get(path).status_code == 404
    response = client.get(path, headers=JSON)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_code"


@pytest.mark.parametrize(
    "form",
    [
        {"profile": "citizen"},
        {"display_name": "   ", "profile": "citizen"},
        {"display_name": "x" * 41, "profile": "citizen"},
        {"display_name": "Théo", "profile": "king"},
        {"display_name": "Théo"},
    ],
)
def test_join_with_bad_input(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop, form: dict[str, str]
) -> None:
    workshop = new_workshop()
    assert client.post(f"/j/{workshop.code}", data=form).status_code == 400
    assert participants(app) == []
    assert participant_token(client, workshop.id) is None


@pytest.mark.parametrize("state", ["draft", "closed", "joining_closed"])
def test_join_when_the_workshop_does_not_accept_people(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop, state: str
) -> None:
    workshop = new_workshop(status="open" if state == "joining_closed" else state)
    if state == "joining_closed":
        with app.app_context():
            found = lookup.get_workshop(workshop.id)
            workshops.set_joining(found.id, found.owner, False)
    assert client.get(f"/j/{workshop.code}").status_code == 200  # explains why
    response = client.post(
        f"/j/{workshop.code}", data={"display_name": "Late", "profile": "citizen"}
    )
    assert response.status_code == 409
    assert participants(app) == []


def test_join_by_typed_code(client: FlaskClient, new_workshop: NewWorkshop) -> None:
    workshop = new_workshop()
    typed = f" {workshop.code[:3].lower()} {workshop.code[3:]} "
    response = client.post("/join", data={"code": typed})
    assert response.status_code == 302 and response.location == f"/j/{workshop.code}"
    assert client.post("/join", data={"code": "ZZZZZZ"}).status_code == 404
    assert client.post("/join", data={}).status_code == 404


def test_display_names_are_escaped(client: FlaskClient, new_workshop: NewWorkshop) -> None:
    workshop = new_workshop()
    join_as(client, workshop.code, name="<script>alert(1)</script>")
    page = client.get(f"/w/{workshop.code}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("app_config", [{"JOIN_GUESS_LIMIT": "3 per minute"}])
def test_join_code_guessing_is_limited_per_address(app: Flask, new_workshop: NewWorkshop) -> None:
    workshop = new_workshop()
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert guesser.get("/j/ZZZZZZ", headers=JSON).status_code == 404
    assert guesser.post("/join", data={"code": "YYYYYY"}, headers=JSON).status_code == 404
    assert guesser.get("/j/XXXXXX", headers=JSON).status_code == 404
    refused = guesser.get(f"/j/{workshop.code}", headers=JSON)  # even a right code now
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert guesser.post("/join", data={"code": workshop.code}).status_code == 429

    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    assert neighbour.get(f"/j/{workshop.code}").status_code == 200


@pytest.mark.parametrize("app_config", [{"JOIN_GUESS_LIMIT": "3 per minute"}])
def test_a_whole_room_behind_one_address_can_join(app: Flask, new_workshop: NewWorkshop) -> None:
    workshop = new_workshop()
    for _ in range(10):  # ten phones on the venue's Wi-Fi: one public address
        phone = app.test_client()
        assert phone.get(f"/j/{workshop.code}").status_code == 200
        join_as(phone, workshop.code)
        assert phone.get(f"/w/{workshop.code}").status_code == 200
    assert len(participants(app)) == 10
    typo = app.test_client()
    for _ in range(3):
        assert typo.get("/j/ZZZZZZ").status_code == 404
    assert typo.get("/j/ZZZZZZ").status_code == 429
