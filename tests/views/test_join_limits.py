"""The join-code limiter at its real setting: a venue behind one address is never
refused, a guesser is, and the code space makes guessing hopeless (issue #11)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from limits import parse_many

from tests.conftest import join_as
from tests.factories import WorkshopRef
from workshop.config import Config
from workshop.extensions import db
from workshop.models import Workshop
from workshop.schemas import CODE_ALPHABET, CODE_LENGTH
from workshop.views.common import pretty_code

NewWorkshop = Callable[..., WorkshopRef]
VENUE = "198.51.100.20"


def phone(app: Flask, address: str = VENUE) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_budget_and_the_code_space_keep_guessing_below_one_in_a_million() -> None:
    per_day = min(
        limit.amount * 86400 // limit.get_expiry()
        for limit in parse_many(Config.JOIN_GUESS_LIMIT)
        if limit.get_expiry() <= 86400
    )
    per_hour = min(
        limit.amount * 3600 // limit.get_expiry()
        for limit in parse_many(Config.JOIN_GUESS_LIMIT)
        if limit.get_expiry() <= 3600
    )
    assert per_hour >= 2 * 40  # a room of 400 with 10 % typos, twice over
    open_workshops = 1000
    # Fixed windows: any 24 hours span at most two day windows.
    assert 2 * per_day * open_workshops / len(CODE_ALPHABET) ** CODE_LENGTH < 1e-6


def test_a_room_of_400_behind_one_address_with_40_typos_is_never_refused(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    workshop = new_workshop()
    assert len(workshop.code) == CODE_LENGTH
    typos = [workshop.code[:-1], workshop.code[1:] + "A", "K7PM3Q", workshop.code[::-1]]
    for number in range(400):
        client = phone(app)
        if number % 10 == 0:  # one in ten mistypes the code first, in several ways
            typo = typos[number % 4]
            if typo != workshop.code:
                assert client.post("/join", data={"code": typo}).status_code == 404
            qr = client.get(f"/w/{workshop.code}")  # the QR link still works
            assert qr.status_code == 302 and qr.location == f"/j/{workshop.code}"
        assert client.post("/join", data={"code": workshop.code}).status_code == 302
        assert client.get(f"/j/{workshop.code}").status_code == 200
        join_as(client, workshop.code)
        assert client.get(f"/w/{workshop.code}").status_code == 200


def test_an_address_guessing_all_along_is_refused_after_its_budget(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    workshop = new_workshop()
    joined = phone(app, "203.0.113.50")
    join_as(joined, workshop.code)
    guesser = phone(app, "203.0.113.50")
    for number in range(100):  # the hour's budget: wrong QR paths count too
        path = f"/w/{number:08d}" if number % 2 else f"/j/ZZZZ{number:04d}"
        assert guesser.get(path).status_code == 404
    refused = guesser.get("/j/ZZZZZZZZ")
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.get_data(as_text=True)  # French by default
    # A right code now gets the same answer, so a refusal tells the guesser nothing.
    assert guesser.get(f"/j/{workshop.code}").status_code == 429
    assert guesser.get(f"/w/{workshop.code}").status_code == 429
    assert guesser.post("/join", data={"code": workshop.code}).status_code == 429
    # A phone that already joined from that address keeps its board and its join link.
    assert joined.get(f"/w/{workshop.code}").status_code == 200
    assert joined.get(f"/j/{workshop.code}").status_code == 302
    # The budget is per address.
    neighbour = phone(app, "203.0.113.51")
    assert neighbour.get(f"/w/{workshop.code}").status_code == 302
    assert neighbour.get(f"/j/{workshop.code}").status_code == 200


def test_a_workshop_with_an_older_six_character_code_still_works(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    ref = new_workshop()
    with app.app_context():
        workshop = db.session.get(Workshop, ref.id)
        assert workshop is not None
        workshop.code = "K7PM3Q"
        db.session.commit()
    client = phone(app)
    response = client.get("/j/k7p-m3q")
    assert response.status_code == 302 and response.location == "/j/K7PM3Q"
    assert "K7P M3Q" in client.get("/j/K7PM3Q").get_data(as_text=True)
    join_as(client, "K7PM3Q")
    assert client.get("/w/K7PM3Q").status_code == 200


def test_codes_are_shown_in_two_halves() -> None:
    assert pretty_code("ABCDEFGH") == "ABCD EFGH"
    assert pretty_code("K7PM3Q") == "K7P M3Q"
