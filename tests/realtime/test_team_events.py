"""A co-facilitator who joined through an invitation link runs the workshop live: their
console gets the room's facts as the owner's does, their commands reach the owner's, and
once removed from the team it is disconnected and refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio.test_client import SocketIOTestClient

from tests.conftest import as_facilitator
from tests.factories import PASSWORD, client_id
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, drain, payloads, received
from workshop.extensions import db
from workshop.models import Facilitator

Connect = Callable[..., SocketIOTestClient]


def join_team_by_link(app: Flask, world: World, email: str) -> FlaskClient:
    """The owner invites ``email`` from the team page; a new browser opens the link and
    creates the account. Returns that browser, signed in."""
    owner = app.test_client()
    as_facilitator(owner, world.a.owner_email)
    page = owner.post(f"/f/w/{world.a.id}/team", data={"email": email}).get_data(as_text=True)
    link = re.search(r'id="invitation-url"[^>]*value="([^"]+)"', page)
    assert link
    browser = app.test_client()
    created = browser.post(
        urlsplit(link.group(1)).path,
        data={"name": "Zoé", "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert created.status_code == 302 and created.location == f"/f/w/{world.a.id}"
    return browser


def test_a_new_co_facilitators_console_is_live_with_the_owners(
    app: Flask, world: World, socket_client: Connect
) -> None:
    browser = join_team_by_link(app, world, "zoe@example.org")
    zoe = socket_client(world.a, "facilitator", http=browser)
    assert zoe.is_connected()
    joined = ack(zoe, "join_workshop")
    assert joined["ok"] is True
    assert joined["data"]["state"]["workshop"]["id"] == world.a.id
    world.drain()
    drain(zoe)

    # A phone's idea reaches both consoles, with the author's identity (facilitators').
    posted = ack(world.alice, "post_idea", {"client_id": client_id(), "title": "Un marché"})
    assert posted["ok"] is True
    [for_owner] = payloads(world.host, "idea_posted")
    [for_zoe] = payloads(zoe, "idea_posted")
    assert for_zoe == for_owner and for_zoe["idea"]["author"] == "Alice"
    assert all(received(client) == [] for client in world.in_b)

    # What the co-facilitator does, the owner's console and the room see.
    idea_id = for_zoe["idea"]["id"]
    assert ack(zoe, "hide_idea", {"idea_id": idea_id})["ok"] is True
    assert [f["idea"]["id"] for f in payloads(world.host, "idea_hidden")] == [idea_id]
    assert payloads(zoe, "idea_hidden")
    assert payloads(world.bob, "idea_hidden")
    assert all(received(client) == [] for client in world.in_b)


def test_a_removed_co_facilitator_is_disconnected_and_refused(
    app: Flask, world: World, socket_client: Connect
) -> None:
    browser = join_team_by_link(app, world, "zoe@example.org")
    zoe = socket_client(world.a, "facilitator", http=browser)
    assert zoe.is_connected() and ack(zoe, "join_workshop")["ok"] is True
    with app.app_context():
        zoe_id = db.session.query(Facilitator.id).filter_by(email="zoe@example.org").scalar()
    owner = app.test_client()
    as_facilitator(owner, world.a.owner_email)
    assert owner.post(f"/f/w/{world.a.id}/team/{zoe_id}/remove").status_code == 302
    assert not zoe.is_connected()
    drain(world.host)
    # No more facts for her; connecting again is refused.
    ack(world.alice, "post_idea", {"client_id": client_id(), "title": "Une navette"})
    assert payloads(world.host, "idea_posted")
    again = socket_client(world.a, "facilitator", http=browser)
    assert not again.is_connected()
