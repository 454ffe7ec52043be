"""An enrolled person joining a session over Socket.IO: the room hears it once, as for
any participant; another workshop hears nothing; their phone's socket is theirs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.cycles.conftest import enrol, make_cycle, session
from tests.factories import WorkshopRef, ref
from tests.realtime.sockets import ack, drain, received
from workshop.extensions import db


def test_joining_through_the_personal_link_is_announced_once(
    app: Flask, socket_client: Callable[..., Any], new_workshop: Callable[..., WorkshopRef]
) -> None:
    with app.app_context():
        world = make_cycle(1)
        workshop = ref(session(world.sessions[0]))
        _enrolment, token = enrol(world.id, "Awa")
        db.session.remove()
    elsewhere = new_workshop()
    console = socket_client(workshop, "facilitator")
    screen = socket_client(workshop, "screen")
    stranger = socket_client(elsewhere, "participant")
    for client in (console, screen, stranger):
        assert ack(client, "join_workshop")["ok"] is True
    drain(console, screen, stranger)

    phone = app.test_client()
    assert phone.get(f"/c/{token}/seance/{workshop.id}").status_code == 302
    [(name, data)] = received(console)
    assert name == "participant_joined"
    assert data["participant"]["display_name"] == "Awa" and data["participant_count"] == 1
    [(name, public)] = received(screen)
    assert name == "participant_joined" and "participant" not in public
    assert received(stranger) == []

    # Their phone's socket is the enrolled person; a second phone is no new participant.
    own = socket_client(workshop, "participant", http=phone)
    joined = ack(own, "join_workshop")
    assert joined["ok"] is True
    assert joined["data"]["state"]["me"]["display_name"] == "Awa"
    drain(console, screen)  # presence of the phone's socket
    second = app.test_client()
    assert second.get(f"/c/{token}/seance/{workshop.id}").status_code == 302
    assert received(console) == [] and received(screen) == []
