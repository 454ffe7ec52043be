"""views.facilitator and views.screen: sign-in and membership, the create and agenda forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import as_facilitator, join_as
from tests.factories import WorkshopRef, make_facilitator
from workshop.extensions import db
from workshop.models import Workshop
from workshop.phases import KIND_LABELS, PhaseKind

NewWorkshop = Callable[..., WorkshopRef]
JSON = {"Accept": "application/json"}


def workshop_titles(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Workshop.title).order_by(Workshop.id)))


def agenda_of(app: Flask, workshop_id: int) -> list[tuple[int, str, str, int]]:
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        return [(p.id, p.kind, p.title, p.duration_s) for p in workshop.phases]


@pytest.fixture
def host(client: FlaskClient, new_workshop: NewWorkshop) -> tuple[FlaskClient, WorkshopRef]:
    """A signed-in facilitator and their workshop (custom format: welcome, ideas, results)."""
    workshop = new_workshop(format="custom")
    as_facilitator(client, workshop.owner_email)
    return client, workshop


PAGES = ["/f/w/{id}", "/f/w/{id}/agenda", "/f/w/{id}/qr.svg", "/f/w/{id}/duplicates"]


@pytest.mark.parametrize("page", ["/f/", "/f/workshops/new", *PAGES])
def test_pages_need_a_signed_in_facilitator(
    client: FlaskClient, new_workshop: NewWorkshop, page: str
) -> None:
    workshop = new_workshop()
    path = page.format(id=workshop.id)
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    # A participant's cookie is not a facilitator's session.
    client.post(f"/j/{workshop.code}", data={"display_name": "P", "profile": "citizen"})
    assert client.get(path).status_code == 302


@pytest.mark.parametrize("page", PAGES)
def test_pages_of_someone_elses_workshop_are_forbidden(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop, page: str
) -> None:
    workshop = new_workshop()
    with app.app_context():
        stranger = make_facilitator().email
    as_facilitator(client, stranger)
    path = page.format(id=workshop.id)
    assert client.get(path).status_code == 403
    response = client.get(path, headers=JSON)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_stranger_cannot_change_the_agenda(
    app: Flask, client: FlaskClient, new_workshop: NewWorkshop
) -> None:
    workshop = new_workshop()
    before = agenda_of(app, workshop.id)
    with app.app_context():
        stranger = make_facilitator().email
    as_facilitator(client, stranger)
    response = client.post(f"/f/w/{workshop.id}/agenda", data={"kind": "vote", "title": "x"})
    assert response.status_code == 403
    assert agenda_of(app, workshop.id) == before


def test_unknown_workshop_is_404(host: tuple[FlaskClient, WorkshopRef]) -> None:
    client, _workshop = host
    assert client.get("/f/w/999999").status_code == 404
    assert client.get(f"/f/w/{2**70}").status_code == 404


def test_pages_of_own_workshop(host: tuple[FlaskClient, WorkshopRef]) -> None:
    client, workshop = host
    assert client.get("/f/").status_code == 200
    assert client.get(f"/f/w/{workshop.id}").status_code == 200
    assert client.get(f"/f/w/{workshop.id}/agenda").status_code == 200
    qr = client.get(f"/f/w/{workshop.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).lstrip().startswith("<svg")


def test_create_a_workshop(app: Flask, host: tuple[FlaskClient, WorkshopRef]) -> None:
    client, _workshop = host
    assert client.get("/f/workshops/new").status_code == 200
    response = client.post(
        "/f/workshops/new",
        data={
            "title": "Soirée défis",
            "format": "challenges_evening",
            "question": "Comment ?",
            "territory": "Genevois",
            "date": "2026-03-21",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Workshop).where(Workshop.title == "Soirée défis"))
        assert response.location == f"/f/w/{created.id}/agenda"
        assert (created.format, str(created.date), created.status) == (
            "challenges_evening",
            "2026-03-21",
            "draft",
        )
        assert [f.email for f in created.facilitators] == [created.owner.email]


@pytest.mark.parametrize(
    "form",
    [
        {"format": "marathon"},
        {"title": "   ", "format": "marathon"},
        {"title": "x" * 141, "format": "marathon"},
        {"title": "T", "format": "rave"},
        {"title": "T"},
        {"title": "T", "format": "marathon", "date": "21/03/2026"},
        {"title": "T", "format": "marathon", "question": "q" * 501},
    ],
)
def test_create_with_bad_input_re_renders(
    app: Flask, host: tuple[FlaskClient, WorkshopRef], form: dict[str, str]
) -> None:
    client, _workshop = host
    before = workshop_titles(app)
    assert client.post("/f/workshops/new", data=form).status_code == 400
    assert workshop_titles(app) == before


def test_workshop_titles_are_escaped(host: tuple[FlaskClient, WorkshopRef]) -> None:
    client, _workshop = host
    response = client.post(
        "/f/workshops/new", data={"title": "<script>alert(1)</script>", "format": "custom"}
    )
    assert response.status_code == 302
    for path in ("/f/", response.location.removesuffix("/agenda")):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "&lt;script&gt;" in page


def agenda_form(rows: list[tuple[object, str, str, object]]) -> dict[str, list[str]]:
    return {
        "id": [str(r[0]) if r[0] is not None else "" for r in rows],
        "kind": [r[1] for r in rows],
        "title": [r[2] for r in rows],
        "minutes": [str(r[3]) for r in rows],
    }


def test_agenda_form_saves_and_goes_to_the_console(
    app: Flask, host: tuple[FlaskClient, WorkshopRef]
) -> None:
    client, workshop = host
    welcome, ideas, _results = workshop.phase_ids
    response = client.post(
        f"/f/w/{workshop.id}/agenda",
        data=agenda_form(
            [
                (ideas, "ideas", "Nos idées", 25),
                (None, "vote", "Vote", 10),
                (welcome, "welcome", "", 0),
                (None, "", "ignored: no kind", 5),
            ]
        ),
    )
    assert response.status_code == 302 and response.location == f"/f/w/{workshop.id}"
    agenda = agenda_of(app, workshop.id)
    with app.test_request_context():  # an empty title takes the kind's label
        welcome_label = str(KIND_LABELS[PhaseKind.WELCOME])
    assert [(kind, title, duration) for _id, kind, title, duration in agenda] == [
        ("ideas", "Nos idées", 1500),
        ("vote", "Vote", 600),
        ("welcome", welcome_label, 0),
    ]
    assert (agenda[0][0], agenda[2][0]) == (ideas, welcome)


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [("{welcome}", "welcome", "", 5)],  # drops the current step (ideas)
        [("{ideas}", "ideas", "", "soixante")],
        [("{ideas}", "ideas", "", -5)],
        [("{ideas}", "ideas", "", 100_000)],
        [("{ideas}", "brainstorm", "", 5)],
        [("{ideas}", "ideas", "t" * 81, 5)],
        [("{ideas}", "ideas", "", 5), ("999999", "vote", "", 5)],
        [("{ideas}", "ideas", "", 5), ("{ideas}", "ideas", "", 5)],
        [("abc", "ideas", "", 5)],
    ],
)
def test_agenda_form_refusals_change_nothing(
    app: Flask, host: tuple[FlaskClient, WorkshopRef], rows: list[tuple[object, ...]]
) -> None:
    client, workshop = host
    welcome, ideas, _results = workshop.phase_ids
    filled = [(str(r[0]).format(welcome=welcome, ideas=ideas), *r[1:]) for r in rows]
    before = agenda_of(app, workshop.id)
    response = client.post(f"/f/w/{workshop.id}/agenda", data=agenda_form(filled))
    assert response.status_code == 400
    assert agenda_of(app, workshop.id) == before


# ----------------------------------------------------------------------------- screen


def test_screen_page_needs_the_right_key(client: FlaskClient, new_workshop: NewWorkshop) -> None:
    workshop, other = new_workshop(), new_workshop()
    assert client.get(f"/s/{workshop.code}/{workshop.screen_key}").status_code == 200
    assert client.get(f"/s/{workshop.code.lower()}/{workshop.screen_key}").status_code == 200
    for path in (
        f"/s/{workshop.code}/wrong",
        f"/s/{workshop.code}/{other.screen_key}",
        f"/s/ZZZZZZ/{workshop.screen_key}",
        f"/s/{workshop.code}/",
    ):
        assert client.get(path).status_code == 404
    response = client.get(f"/s/{workshop.code}/wrong", headers=JSON)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_console_is_drawn_as_its_socket_will_draw_it(
    app: Flask,
    host: tuple[FlaskClient, WorkshopRef],
    socket_client: Callable[..., Any],
) -> None:
    """The console's page says what its first snapshot will say (the room's counts, the
    status, its buttons, the steps), so nothing moves when it connects; its buttons
    wait for the connection."""
    client, workshop = host
    for name in ("Inès", "Paul"):  # two phones connected
        socket_client(workshop, name=name).emit("join_workshop", {"workshop_id": workshop.id})
    join_as(app.test_client(), workshop.code, "Rémi")  # joined, not connected
    page = client.get(f"/f/w/{workshop.id}").get_data(as_text=True)
    assert '<p class="big-number" id="connected">2 personnes connectées</p>' in page
    assert '<p class="muted" id="participant-count">3 personnes inscrites</p>' in page
    assert 'data-status="open">En direct</span>' in page
    assert 'id="open-workshop" hidden disabled data-needs-connection>' in page
    assert 'id="close-workshop" disabled data-needs-connection>' in page
    assert 'id="toggle-joining" disabled data-needs-connection>Fermer les inscriptions<' in page
    # The timer's buttons and the settings wait for the connection too.
    assert 'id="timer-start" disabled data-needs-connection>' in page
    assert 'id="setting-anonymous" disabled data-needs-connection>' in page
    steps = re.findall(
        r'<li class="(step[^"]*)"[^>]*><button type="button" class="link" '
        r'disabled>([^<]+)</button><span class="muted small"> (\d+) min',
        page,
    )
    with app.app_context():
        live = db.session.get(Workshop, workshop.id)
        assert live is not None
        assert steps == [
            (
                "step step--current" if phase.id == live.current_phase_id else "step",
                phase.title,
                str(round(phase.duration_s / 60)),
            )
            for phase in live.phases
        ]
    assert [kind for kind, _title, _minutes in steps].count("step step--current") == 1
