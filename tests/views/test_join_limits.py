"""The join limiters at their real settings: a venue behind one address is never
refused, the QR code's link always works, a guesser is refused, the code space makes
guessing hopeless, and one address cannot create participants by the hundred (issue
#11). The limiter's clock is a fake one moved by the tests (:class:`Clock`)."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import limits.storage.memory
import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient
from limits import parse_many
from sqlalchemy import func, select

from tests.conftest import as_facilitator, join_as
from tests.factories import WorkshopRef
from workshop.config import Config
from workshop.extensions import db
from workshop.models import Participant, Workshop
from workshop.schemas import CODE_ALPHABET, CODE_LENGTH
from workshop.views.common import _sign_workshop, pretty_code, qr_join_url, qr_svg

NewWorkshop = Callable[..., WorkshopRef]
Emitted = list[tuple[str, dict[str, Any], str]]
VENUE = "198.51.100.20"


class Clock:
    """The rate-limit storage's ``time`` module: its time only moves when a test says."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    return fake


def phone(app: Flask, address: str = VENUE) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def qr_link(app: Flask, ref: WorkshopRef) -> str:
    """What a phone opens when it scans the workshop's QR code (path and query)."""
    with app.test_request_context():
        workshop = db.session.get(Workshop, ref.id)
        assert workshop is not None
        url = urlsplit(qr_join_url(workshop))
    return f"{url.path}?{url.query}"


def with_signature(app: Flask, ref: WorkshopRef, key: str) -> str:
    """The workshop's QR link as signed with ``key``."""
    with app.app_context():
        workshop = db.session.get(Workshop, ref.id)
        assert workshop is not None
        return f"/j/{ref.code}?t={_sign_workshop(workshop, key).decode()}"


def spend_the_budget(client: FlaskClient) -> None:
    for number in range(100):
        assert client.get(f"/j/ZZZZ{number:04d}").status_code == 404
    assert client.get("/j/ZZZZZZZZ").status_code == 429


def venue_arrivals() -> list[float]:
    """When 400 phones join, in seconds: within 5 minutes, the QR code going up four
    times (30 phones in 10 seconds each time), the others trickling in between."""
    times: list[float] = []
    for start in (0, 75, 150, 225):
        times += [start + i / 3 for i in range(30)]
        times += [start + 10 + i * 65 / 70 for i in range(70)]
    return sorted(times)


def most_within(times: list[float], seconds: float) -> int:
    return max(bisect.bisect_left(times, t + seconds) - i for i, t in enumerate(times))


def participant_count(app: Flask, ref: WorkshopRef) -> int:
    with app.app_context():
        query = select(func.count()).where(Participant.workshop_id == ref.id)
        return int(db.session.execute(query).scalar_one())


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


def test_the_join_form_limit_lets_a_venue_in_and_cuts_a_burst() -> None:
    arrivals = venue_arrivals()
    assert len(arrivals) == 400 and arrivals[-1] < 300  # 400 phones within 5 minutes
    assert most_within(arrivals, 10) == 30  # peaks of 30 in 10 seconds
    forms_per_peak = 30 + 3  # one phone in ten sends the form twice
    forms_per_hour = 400 + 40
    for limit in parse_many(Config.JOIN_CREATE_LIMIT):
        seconds = limit.get_expiry()
        if seconds <= 10:
            assert forms_per_peak <= limit.amount
            # Fixed windows: any instant sees at most two windows' worth.
            assert 2 * limit.amount * seconds / 10 < 100
        elif seconds <= 3600:
            assert forms_per_hour <= limit.amount
        else:
            assert forms_per_hour * 2 <= limit.amount  # a second session that day


def test_a_room_of_400_behind_one_address_with_40_typos_is_never_refused(
    app: Flask, new_workshop: NewWorkshop, clock: Clock, emitted: Emitted
) -> None:
    workshop = new_workshop()
    assert len(workshop.code) == CODE_LENGTH
    start = clock.now
    typos = [workshop.code[:-1], workshop.code[1:] + "A", "K7PM3Q", workshop.code[::-1]]
    link = qr_link(app, workshop)
    for number, arrival in enumerate(venue_arrivals()):
        clock.now = start + arrival
        client = phone(app)
        if number % 10 == 0:  # one in ten mistypes the code first, in several ways
            typo = typos[number % 4]
            if typo != workshop.code:
                assert client.post("/join", data={"code": typo}).status_code == 404
            board = client.get(f"/w/{workshop.code}")  # the board's link works too
            assert board.status_code == 302 and board.location == f"/j/{workshop.code}"
        if number % 10 == 5:  # one in ten sends the form without a pseudonym first
            assert (
                client.post(link, data={"display_name": "", "profile": "citizen"}).status_code
                == 400
            )
        if number % 2:  # half scan the QR code, half type the code
            assert client.get(link).status_code == 200
            assert (
                client.post(
                    link, data={"display_name": f"Scan {number}", "profile": "citizen"}
                ).status_code
                == 302
            )
        else:
            assert client.post("/join", data={"code": workshop.code}).status_code == 302
            assert client.get(f"/j/{workshop.code}").status_code == 200
            join_as(client, workshop.code)
        assert client.get(f"/w/{workshop.code}").status_code == 200
    assert participant_count(app, workshop) == 400
    screens = [
        p for name, p, room in emitted if name == "participant_joined" and room.endswith("screens")
    ]
    assert len(screens) == 400


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


# ---------------------------------------------------------------- the QR code's link


def test_an_address_over_its_budget_still_joins_with_the_qr_code(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    workshop = new_workshop()
    link = qr_link(app, workshop)
    assert link.startswith(f"/j/{workshop.code}?t=") and len(link.split("=")[1]) == 12
    guesser = phone(app, "203.0.113.70")  # the venue's Wi-Fi, a guesser on it
    spend_the_budget(guesser)
    late = phone(app, "203.0.113.70")  # a phone arriving afterwards from the same address
    assert late.get(f"/j/{workshop.code}").status_code == 429  # the typed link: refused
    page = late.get(link)  # the QR code: the join page
    assert page.status_code == 200 and 'name="display_name"' in page.get_data(as_text=True)
    refused = late.post(link, data={"display_name": "", "profile": "citizen"})
    assert refused.status_code == 400  # a mistake on the form keeps the link (and passes)
    joined = late.post(link, data={"display_name": "Josiane", "profile": "citizen"})
    assert joined.status_code == 302 and joined.location == f"/w/{workshop.code}"
    assert late.get(f"/w/{workshop.code}").status_code == 200
    # The QR link never counted: many scans later the address is still at its budget's end,
    # neither worse nor refreshed.
    for _ in range(150):
        assert phone(app, "203.0.113.70").get(link).status_code == 200
    assert guesser.get(f"/j/{workshop.code}").status_code == 429
    # A signed link in lower case is put right, its signature kept.
    lower = phone(app, "203.0.113.70").get(link.replace(workshop.code, workshop.code.lower()))
    assert lower.status_code == 302 and lower.location == link


def test_the_qr_link_costs_no_guess(app: Flask, new_workshop: NewWorkshop) -> None:
    workshop = new_workshop()
    link = qr_link(app, workshop)
    client = phone(app, "203.0.113.71")
    for _ in range(120):
        assert client.get(link).status_code == 200
        assert client.get(link.replace("/j/", "/w/")).status_code == 302
    for number in range(100):  # the whole budget is still there
        assert client.get(f"/j/ZZZZ{number:04d}").status_code == 404
    assert client.get(f"/j/{workshop.code}").status_code == 429


def test_a_forged_qr_signature_is_refused_and_counted_as_a_guess(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    workshop, other = new_workshop(), new_workshop()
    good = qr_link(app, workshop)
    signature = good.split("=")[1]
    forged = [
        f"/j/{workshop.code}?t=" + ("A" if signature[0] != "A" else "B") + signature[1:],
        f"/j/{workshop.code}?t=",
        f"/j/{workshop.code}?t={signature}x",
        f"/j/{workshop.code}?t={signature[:-1]}",
        f"/j/{workshop.code}?t=%C3%A9t%C3%A9",
        f"/j/{workshop.code}?t=" + qr_link(app, other).split("=")[1],  # another workshop's
        with_signature(app, workshop, "an-old-secret"),  # a rotated secret key
    ]
    client = phone(app, "203.0.113.72")
    for number in range(100):
        response = client.get(forged[number % len(forged)])
        assert response.status_code == 404, forged[number % len(forged)]
        assert "Vérifiez le code" in response.get_data(as_text=True)
    # Each one was a failed guess: the budget is spent, for the right link too.
    assert client.get(forged[0]).status_code == 429
    assert client.get(f"/j/{workshop.code}").status_code == 429
    assert (
        client.post(forged[0], data={"display_name": "X", "profile": "citizen"}).status_code == 429
    )
    assert participant_count(app, workshop) == 0
    # The real QR code still works from there.
    assert client.get(good).status_code == 200


def test_a_kept_old_secret_key_keeps_old_qr_codes_working(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    workshop = new_workshop()
    old = with_signature(app, workshop, "the-previous-secret")
    client = phone(app, "203.0.113.73")
    assert client.get(old).status_code == 404
    app.config["SECRET_KEY_FALLBACKS"] = ["the-previous-secret"]
    assert client.get(old).status_code == 200


def test_every_qr_code_carries_the_signed_link_and_the_text_link_stays_short(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    workshop = new_workshop()
    with app.test_request_context():
        stored = db.session.get(Workshop, workshop.id)
        assert stored is not None
        signed = qr_join_url(stored)
        screen_key = stored.screen_key
    assert (
        signed
        == f"http://localhost/j/{workshop.code}"
        + qr_link(app, workshop)[len(f"/j/{workshop.code}") :]
    )
    expected = str(qr_svg(signed))
    console = app.test_client()
    as_facilitator(console, workshop.owner_email)
    page = console.get(f"/f/w/{workshop.id}").get_data(as_text=True)
    assert expected in page and f'href="http://localhost/j/{workshop.code}"' in page
    assert console.get(f"/f/w/{workshop.id}/qr.svg").get_data(as_text=True) == expected
    screen = console.get(f"/s/{workshop.code}/{screen_key}").get_data(as_text=True)
    assert expected in screen and f"http://localhost/j/{workshop.code}</p>" in screen


def test_the_signed_link_stays_an_easy_qr_code() -> None:
    long_public_url = "https://ateliers.fabrique-initiatives-exemple.fr"
    link = f"{long_public_url}/j/ABCDEFGH?t=" + "x" * 12
    assert segno.make(link, error="m").version <= 5  # 37×37 modules
    assert segno.make(f"http://127.0.0.1:5000/j/ABCDEFGH?t={'x' * 12}", error="m").version <= 4


# ---------------------------------------------------------------- participants per address


def test_a_burst_of_joins_from_one_address_is_cut_at_the_limit(
    app: Flask, new_workshop: NewWorkshop, clock: Clock, emitted: Emitted
) -> None:
    workshop = new_workshop()
    link = qr_link(app, workshop)
    answers = [
        phone(app, "203.0.113.80").post(
            link, data={"display_name": f"Bot {n}", "profile": "citizen"}
        )
        for n in range(100)
    ]
    assert [a.status_code for a in answers] == [302] * 40 + [429] * 60
    assert "Trop de tentatives" in answers[-1].get_data(as_text=True)  # French by default
    assert answers[-1].headers.get("Set-Cookie") is None
    as_json = phone(app, "203.0.113.80").post(
        f"/j/{workshop.code}",
        data={"display_name": "Bot", "profile": "citizen"},
        headers={"Accept": "application/json"},
    )
    assert as_json.status_code == 429
    assert as_json.get_json()["error"]["code"] == "rate_limited"
    english = phone(app, "203.0.113.80").post(
        link, data={"display_name": "Bot", "profile": "citizen"}, headers={"Accept-Language": "en"}
    )
    assert "Too many attempts" in english.get_data(as_text=True)
    # Refused joins created nobody and told nobody.
    assert participant_count(app, workshop) == 40
    screens = [
        p for name, p, room in emitted if name == "participant_joined" and room.endswith("screens")
    ]
    assert [p["participant_count"] for p in screens] == list(range(1, 41))
    # Another address is not affected; the next window lets the address in again.
    assert join_as(phone(app, "203.0.113.81"), workshop.code).status_code == 302
    clock.now += 10
    assert join_as(phone(app, "203.0.113.80"), workshop.code).status_code == 302
    assert participant_count(app, workshop) == 42


# The real hour's 1,000 would take a minute to send here: the same rule, scaled down.
@pytest.mark.parametrize("app_config", [{"JOIN_CREATE_LIMIT": "40 per 10 seconds;60 per hour"}])
def test_the_hour_limit_holds_a_slow_script(
    app: Flask, new_workshop: NewWorkshop, clock: Clock
) -> None:
    workshop = new_workshop()
    client = phone(app, "203.0.113.90")
    start = clock.now
    # Every form sent counts, refused ones too: 60 in 150 seconds, under the burst limit.
    for number in range(60):
        clock.now = start + 2.5 * number
        assert client.post(f"/j/{workshop.code}", data={"profile": "citizen"}).status_code == 400
    clock.now = start + 3000
    form = {"display_name": "Script", "profile": "citizen"}
    assert client.post(f"/j/{workshop.code}", data=form).status_code == 429
    assert participant_count(app, workshop) == 0
    clock.now = start + 3600  # the hour's window is over
    assert client.post(f"/j/{workshop.code}", data=form).status_code == 302


def test_a_phone_that_joined_is_not_counted_again(
    app: Flask, new_workshop: NewWorkshop, clock: Clock
) -> None:
    workshop = new_workshop()
    joined = phone(app, "203.0.113.91")
    join_as(joined, workshop.code)
    for _ in range(39):
        join_as(phone(app, "203.0.113.91"), workshop.code)
    assert phone(app, "203.0.113.91").post(f"/j/{workshop.code}", data={}).status_code == 429
    # Sending the form again from the phone that joined is no new participant: its board.
    again = joined.post(f"/j/{workshop.code}", data={"display_name": "Again", "profile": "citizen"})
    assert again.status_code == 302 and again.location == f"/w/{workshop.code}"


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
