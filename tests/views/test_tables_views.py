"""views.tables: the tables page, the printable cards and the links they carry (a table's
seat link, its host link): signed, joining and seating, refusing a full table with the
tables that still have seats, and a translated 404 for anything forged or foreign."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator, join_as
from tests.factories import WorkshopRef, make_challenge, make_participant
from workshop.extensions import db
from workshop.models import Participant, Seat, Table, Workshop
from workshop.phases import PhaseKind
from workshop.schemas import PhaseTarget
from workshop.schemas.tables import NewTables
from workshop.services import agenda, tables
from workshop.views.tables import HOST, SEAT, table_token, token_table_id

NewWorkshop = Callable[..., WorkshopRef]


@dataclass(frozen=True)
class Evening:
    workshop: WorkshopRef
    tables: tuple[int, ...]  # table ids, by number


def make_evening(
    app: Flask, new_workshop: NewWorkshop, *, capacity: int = 12, count: int = 2
) -> Evening:
    """A « Soirée défis » in its tables step with ``count`` défis, one table each."""
    workshop = new_workshop(format="challenges_evening", status="draft")
    with app.app_context():
        row = db.session.get(Workshop, workshop.id)
        assert row is not None
        for n in range(count):
            make_challenge(row, title=f"Comment pourrions-nous {n} ?", description=f"Question {n}")
        created = tables.create_tables(row.id, row.owner, NewTables(capacity=capacity))
        ids = tuple(t.id for t in sorted(created, key=lambda t: t.number))
        agenda.open_workshop(row.id, row.owner)
        step = next(p for p in row.phases if p.kind == PhaseKind.TABLES)
        agenda.advance_phase(row.id, row.owner, PhaseTarget(phase_id=step.id))
        return Evening(workshop, ids)


def link(app: Flask, evening: Evening, index: int, purpose: str = SEAT) -> str:
    with app.app_context():
        row = db.session.get(Workshop, evening.workshop.id)
        assert row is not None
        token = table_token(row, evening.tables[index], purpose)
    kind = "host" if purpose == HOST else "t"
    return f"/j/{evening.workshop.code}/{kind}/{token}"


def seat_of(app: Flask, name: str) -> int | None:
    with app.app_context():
        participant = db.session.scalar(select(Participant).where(Participant.display_name == name))
        assert participant is not None
        seat = db.session.scalar(select(Seat).where(Seat.participant_id == participant.id))
        return None if seat is None else seat.table_id


def host_of(app: Flask, table_id: int) -> int | None:
    with app.app_context():
        table = db.session.get(Table, table_id)
        assert table is not None
        return table.host_participant_id


def join_form(name: str) -> dict[str, str]:
    return {"display_name": name, "profile": "association"}


# ----------------------------------------------------------------------------- tokens


def test_tokens_verify_for_their_table_purpose_and_workshop_only(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    other = make_evening(app, new_workshop)
    with app.test_request_context():
        row = db.session.get(Workshop, evening.workshop.id)
        foreign = db.session.get(Workshop, other.workshop.id)
        assert row is not None and foreign is not None
        first = evening.tables[0]
        seat = table_token(row, first, SEAT)
        assert re.fullmatch(rf"{first}-[A-Za-z0-9_-]{{12}}", seat)
        assert token_table_id(row, seat, SEAT) == first
        assert token_table_id(row, seat, HOST) is None, "a seat link is no host link"
        assert token_table_id(foreign, seat, SEAT) is None, "another workshop's"
        forged = f"{evening.tables[1]}-{seat.split('-', 1)[1]}"
        assert token_table_id(row, forged, SEAT) is None, "another table's signature"
        for bad in ("", "x", "12", "-abc", f"{first}-", "9" * 20 + "-abcdefabcdef"):
            assert token_table_id(row, bad, SEAT) is None, bad


def test_a_rotated_key_keeps_printed_cards_working(app: Flask, new_workshop: NewWorkshop) -> None:
    evening = make_evening(app, new_workshop)
    with app.test_request_context():
        row = db.session.get(Workshop, evening.workshop.id)
        assert row is not None
        old = table_token(row, evening.tables[0], SEAT)
        app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
        app.config["SECRET_KEY"] = "a brand new secret key for the next season"
        assert token_table_id(row, old, SEAT) == evening.tables[0]
        assert table_token(row, evening.tables[0], SEAT) != old


# ------------------------------------------------------------------------ the cards


def test_cards_have_one_qr_per_table_with_links_that_verify(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop, count=3)
    as_facilitator(client, evening.workshop.owner_email)
    for size, page_size in (("a4", "A4"), ("a5", "A5"), ("letter", "A4")):
        response = client.get(f"/f/w/{evening.workshop.id}/tables/cards?size={size}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.count("<svg") == 3, "one QR code per table"
        assert html.count('class="card-sheet"') == 3
        assert f"cards--{page_size.lower()}" in html
        for number in (1, 2, 3):
            assert f"Table {number}</h1>" in html
        assert "Question 1" in html
        urls = re.findall(r'<a href="([^"]+/j/[^"]+/t/[^"]+)">', html)
        assert len(urls) == 3
        with app.test_request_context():
            row = db.session.get(Workshop, evening.workshop.id)
            assert row is not None
            named = [token_table_id(row, urlsplit(u).path.rsplit("/", 1)[1], SEAT) for u in urls]
        assert named == list(evening.tables)


def test_tables_pages_are_for_the_workshops_facilitators(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    stranger = new_workshop()
    for path in ("tables", "tables/cards"):
        response = client.get(f"/f/w/{evening.workshop.id}/{path}")
        assert response.status_code == 302 and "/login" in response.location
    as_facilitator(client, stranger.owner_email)
    for path in ("tables", "tables/cards"):
        assert client.get(f"/f/w/{evening.workshop.id}/{path}").status_code == 403


def test_the_tables_page_lists_tables_links_and_profiles(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    with app.app_context():
        row = db.session.get(Workshop, evening.workshop.id)
        assert row is not None
        elected = make_participant(row, display_name="Élue", profile="elected")
        tables.seat_from_link(row.id, elected.id, evening.tables[1], as_host=False)
    as_facilitator(client, evening.workshop.owner_email)
    response = client.get(f"/f/w/{evening.workshop.id}/tables")
    assert response.headers["Cache-Control"] == "no-store", "it lists the host links"
    html = response.get_data(as_text=True)
    assert html.count("data-seat-link") == 2 and html.count("data-host-link") == 2
    assert "Élue" in html
    row_two = html[html.index(f'data-table-id="{evening.tables[1]}"') :]
    assert "1 / 12" in row_two[:400]
    assert "Personne élue ou collectivité : 1" in row_two[: row_two.index("</tr>")]
    # Every control here sends a socket command: each waits, disabled, for the page's
    # socket (a click before would do nothing, or reload the page with a native submit).
    page = html[html.index('id="app"') :]  # the page itself, not the site's menu
    controls = re.findall(r"<(?:button|select)\b[^>]*>", page)
    assert len(controls) >= 10
    waiting = [tag for tag in controls if " disabled data-needs-connection" in tag]
    assert waiting == controls


# ------------------------------------------------------------------------ seat links


def test_seat_link_joins_then_seats(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    url = link(app, evening, 1)
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="table-arrival"' in page.get_data(as_text=True)
    assert "2" in page.get_data(as_text=True)
    response = client.post(url, data=join_form("Nour"))
    assert response.status_code == 302
    assert response.location == f"/w/{evening.workshop.code}"
    assert client.get_cookie(f"semis_p{evening.workshop.id}") is not None
    assert seat_of(app, "Nour") == evening.tables[1]
    # Scanning another table's card with the cookie: seated there, no form.
    again = client.get(link(app, evening, 0))
    assert again.status_code == 302 and again.location == f"/w/{evening.workshop.code}"
    assert seat_of(app, "Nour") == evening.tables[0]


def test_a_joined_phone_scanning_is_seated_at_once(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    join_as(client, evening.workshop.code, "Lou")
    response = client.get(link(app, evening, 0))
    assert response.status_code == 302 and response.location == f"/w/{evening.workshop.code}"
    assert seat_of(app, "Lou") == evening.tables[0]


def test_a_full_table_lists_the_tables_with_seats(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop, capacity=2, count=3)
    with app.app_context():
        row = db.session.get(Workshop, evening.workshop.id)
        assert row is not None
        for n in range(2):
            person = make_participant(row, display_name=f"Assis {n}")
            tables.seat_from_link(row.id, person.id, evening.tables[0], as_host=False)
    # Without a cookie: the list, before any form.
    page = client.get(link(app, evening, 0))
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert 'data-error-code="table_full"' in html
    assert 'id="free-tables"' in html
    assert len(re.findall(r'href="/j/[^"]+/t/[^"]+"', html)) == 2
    assert 'name="display_name"' not in html
    # With a cookie: not seated, the same list.
    join_as(client, evening.workshop.code, "Tard")
    response = client.get(link(app, evening, 0))
    assert response.status_code == 409
    assert seat_of(app, "Tard") is None
    # One of the listed links seats there.
    free = re.findall(r'href="(/j/[^"]+/t/[^"]+)"', response.get_data(as_text=True))
    assert len(free) == 2
    assert client.get(free[0]).status_code == 302
    assert seat_of(app, "Tard") == evening.tables[1]


def test_a_table_filled_while_the_form_was_typed_joins_and_lists_the_others(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    """The join and the seat are one transaction: a table that filled up between the
    form and its sending leaves the newcomer joined (cookie set, counted once) and
    shows the tables with seats left, whose links then seat without a form."""
    evening = make_evening(app, new_workshop, capacity=2, count=2)
    url = link(app, evening, 0)
    assert client.get(url).status_code == 200  # the form: seats are left
    with app.app_context():
        row = db.session.get(Workshop, evening.workshop.id)
        assert row is not None
        for name in ("Premier", "Prem"):
            first = make_participant(row, display_name=name)
            tables.seat_from_link(row.id, first.id, evening.tables[0], as_host=False)
    answer = client.post(url, data=join_form("Second"))
    assert answer.status_code == 409
    assert 'data-error-code="table_full"' in answer.get_data(as_text=True)
    assert client.get_cookie(f"semis_p{evening.workshop.id}") is not None
    assert seat_of(app, "Second") is None
    [free] = re.findall(r'href="(/j/[^"]+/t/[^"]+)"', answer.get_data(as_text=True))
    assert client.get(free).status_code == 302
    assert seat_of(app, "Second") == evening.tables[1]
    with app.app_context():
        names = db.session.scalars(
            select(Participant.display_name).where(Participant.workshop_id == evening.workshop.id)
        ).all()
    assert sorted(names) == ["Prem", "Premier", "Second"]


def test_a_card_scanned_after_the_tables_step_joins_without_a_seat(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    """Past the tables step a card still joins the workshop (to the board, with the
    reason it sat nowhere); the join is whole: cookie, participant, no seat."""
    evening = make_evening(app, new_workshop)
    url = link(app, evening, 0)
    with app.app_context():
        row = db.session.get(Workshop, evening.workshop.id)
        assert row is not None
        step = next(p for p in row.phases if p.kind == PhaseKind.RESTITUTION)
        agenda.advance_phase(row.id, row.owner, PhaseTarget(phase_id=step.id))
    answer = client.post(url, data=join_form("Tardif"), headers={"Accept-Language": "fr"})
    assert answer.status_code == 302 and answer.location == f"/w/{evening.workshop.code}"
    assert client.get_cookie(f"semis_p{evening.workshop.id}") is not None
    assert seat_of(app, "Tardif") is None
    board = client.get(answer.location, headers={"Accept-Language": "fr"})
    assert "choisir sa table à cette étape" in board.get_data(as_text=True)


def test_a_join_undone_by_its_seat_writes_nothing(app: Flask, new_workshop: NewWorkshop) -> None:
    """What ``then`` raises undoes the whole join itself: no participant, no fact, and
    nothing pending that a later commit of the same request would write."""
    from workshop.errors import NotFound
    from workshop.models import Event
    from workshop.schemas import JoinRequest
    from workshop.services import participants

    evening = make_evening(app, new_workshop)
    with app.app_context():
        before = db.session.scalar(select(Workshop.seq).where(Workshop.id == evening.workshop.id))

        def refuse(_workshop: Workshop, _participant: Participant) -> None:
            raise NotFound()

        with pytest.raises(NotFound):
            participants.join(
                evening.workshop.id, JoinRequest(display_name="Fantôme", profile="citizen"), refuse
            )
        assert not db.session.new and not db.session.dirty
        db.session.commit()  # what the request would do next writes nothing of the join
        assert (
            db.session.scalar(select(Participant).where(Participant.display_name == "Fantôme"))
            is None
        )
        after = db.session.scalar(select(Workshop.seq).where(Workshop.id == evening.workshop.id))
        assert after == before
        assert (
            db.session.scalar(
                select(Event).where(Event.workshop_id == evening.workshop.id, Event.seq > before)
            )
            is None
        )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_bad_tokens_are_a_translated_404(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop, lang: str
) -> None:
    evening = make_evening(app, new_workshop)
    other = make_evening(app, new_workshop)
    headers = {"Accept-Language": lang}
    code = evening.workshop.code
    good = link(app, evening, 0).rsplit("/", 1)[1]
    foreign = link(app, other, 0).rsplit("/", 1)[1]
    host_token = link(app, evening, 0, HOST).rsplit("/", 1)[1]
    for path in (
        f"/j/{code}/t/{foreign}",
        f"/j/{code}/t/{host_token}",  # a host token is no seat token
        f"/j/{code}/host/{good}",  # nor the other way round
        f"/j/{code}/t/{evening.tables[0]}-AAAAAAAAAAAA",
        f"/j/{code}/t/nonsense",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        text = response.get_data(as_text=True)
        assert (
            ("n’existe pas" in text or "n'existe pas" in text)
            if lang == "fr"
            else "does not exist" in text
        )
    assert client.get(f"/j/ZZZZZZZZ/t/{good}", headers=headers).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Participant)) is None, "nobody joined"


def test_a_deleted_table_link_is_a_404(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    url = link(app, evening, 0)
    with app.app_context():
        row = db.session.get(Workshop, evening.workshop.id)
        assert row is not None
        tables.delete_table(row.id, row.owner, evening.tables[0])
    assert client.get(url).status_code == 404


# ------------------------------------------------------------------------ host links


def test_host_link_joins_and_promotes(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    url = link(app, evening, 1, HOST)
    page = client.get(url)
    assert page.status_code == 200 and 'id="table-arrival"' in page.get_data(as_text=True)
    response = client.post(url, data=join_form("Hôte"))
    assert response.status_code == 302 and response.location == f"/w/{evening.workshop.code}"
    with app.app_context():
        host = db.session.scalar(select(Participant).where(Participant.display_name == "Hôte"))
        assert host is not None
        assert host_of(app, evening.tables[1]) == host.id
    assert host_of(app, evening.tables[0]) is None


def test_a_joined_phone_opening_a_host_link_becomes_host(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    join_as(client, evening.workshop.code, "Sam")
    assert client.get(link(app, evening, 0, HOST)).status_code == 302
    with app.app_context():
        sam = db.session.scalar(select(Participant).where(Participant.display_name == "Sam"))
        assert sam is not None
    assert host_of(app, evening.tables[0]) == sam.id


# ------------------------------------------------------------------------------ CSRF


def test_the_join_form_of_a_table_link_needs_its_csrf_token(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    app.config["WTF_CSRF_ENABLED"] = True
    url = link(app, evening, 0)
    refused = client.post(url, data=join_form("Sans jeton"))
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Participant)) is None
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    accepted = client.post(url, data={**join_form("Avec jeton"), "csrf_token": token.group(1)})
    assert accepted.status_code == 302
    assert seat_of(app, "Avec jeton") == evening.tables[0]


def test_a_refused_join_form_keeps_the_table(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    evening = make_evening(app, new_workshop)
    response = client.post(link(app, evening, 1), data={"display_name": "", "profile": "citizen"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="table-arrival"' in html and 'id="form-error"' in html


# ---------------------------------------------------------------------- rate limits


def test_a_table_link_passes_an_address_over_its_guessing_budget(
    app: Flask, new_workshop: NewWorkshop
) -> None:
    """A venue's address that spent its budget on typos still scans the table cards
    (their tokens are signed); a forged token there is refused like a guess."""
    evening = make_evening(app, new_workshop)
    address = "198.51.100.44"
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = address
    for number in range(100):
        assert guesser.get(f"/j/ZZZZ{number:04d}").status_code == 404
    assert guesser.get("/j/ZZZZZZZZ").status_code == 429
    late = app.test_client()
    late.environ_base["REMOTE_ADDR"] = address
    url = link(app, evening, 0)
    assert late.get(url).status_code == 200
    joined = late.post(url, data=join_form("Josiane"))
    assert joined.status_code == 302 and joined.location == f"/w/{evening.workshop.code}"
    assert seat_of(app, "Josiane") == evening.tables[0]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    assert other.get(link(app, evening, 1, HOST)).status_code == 200
    forged = f"/j/{evening.workshop.code}/t/{evening.tables[0]}-AAAAAAAAAAAA"
    assert other.get(forged).status_code == 429
