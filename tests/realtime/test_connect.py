"""Socket.IO connection: who may connect, as what, and presence counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from tests.conftest import as_facilitator, join_as, participant_token
from tests.factories import WorkshopRef, make_facilitator
from tests.realtime.sockets import ack, drain, payloads
from workshop.auth import participant_cookie

SocketFactory = Callable[..., SocketIOTestClient]


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "workshop",
        [],
        {},
        {"role": "participant"},
        {"workshop_id": "1", "role": "screen"},
        {"workshop_id": True, "role": "screen"},
        {"workshop_id": 1.0, "role": "screen"},
        {"workshop_id": 1, "role": "admin"},
        {"workshop_id": 1, "role": None},
        {"workshop_id": 999_999, "role": "screen", "key": "x"},
        {"workshop_id": 2**70, "role": "screen", "key": "x"},
        {"workshop_id": -1, "role": "screen", "key": "x"},
    ],
)
def test_malformed_or_unknown_handshakes_are_refused(
    new_workshop: Callable[..., WorkshopRef], socket_client: SocketFactory, auth: Any
) -> None:
    new_workshop()
    assert not socket_client(auth=auth).is_connected()


def test_participant_without_cookie_is_refused(
    new_workshop: Callable[..., WorkshopRef], socket_client: SocketFactory, app: Flask
) -> None:
    workshop = new_workshop()
    http = app.test_client()
    refused = socket_client(auth={"workshop_id": workshop.id, "role": "participant"}, http=http)
    assert not refused.is_connected()


def test_participant_cookie_of_another_workshop_is_refused(
    new_workshop: Callable[..., WorkshopRef], socket_client: SocketFactory, app: Flask
) -> None:
    here, there = new_workshop(), new_workshop()
    http = app.test_client()
    join_as(http, there.code)
    token = participant_token(http, there.id)
    assert socket_client(there, http=http).is_connected()
    http.set_cookie(participant_cookie(here.id), token)
    assert not socket_client(here, http=http).is_connected()


@pytest.mark.parametrize("key", ["", "wrong", None])
def test_screen_needs_its_key(
    new_workshop: Callable[..., WorkshopRef], socket_client: SocketFactory, key: str | None
) -> None:
    workshop = new_workshop()
    auth = {"workshop_id": workshop.id, "role": "screen"}
    if key is not None:
        auth["key"] = key
    assert not socket_client(auth=auth).is_connected()
    other = new_workshop()
    assert not socket_client(workshop, "screen", key=other.screen_key).is_connected()
    assert socket_client(workshop, "screen").is_connected()


def test_facilitator_must_be_signed_in_and_run_the_workshop(
    new_workshop: Callable[..., WorkshopRef], socket_client: SocketFactory, app: Flask
) -> None:
    workshop = new_workshop()
    anonymous = app.test_client()
    assert not socket_client(
        auth={"workshop_id": workshop.id, "role": "facilitator"}, http=anonymous
    ).is_connected()
    with app.app_context():
        stranger = make_facilitator().email
    assert not socket_client(workshop, "facilitator", email=stranger).is_connected()
    participant = app.test_client()
    join_as(participant, workshop.code)  # a phone cannot pose as the facilitator
    assert not socket_client(workshop, "facilitator", http=participant).is_connected()
    assert socket_client(workshop, "facilitator").is_connected()


def test_a_signed_in_facilitator_may_also_use_the_screen(
    new_workshop: Callable[..., WorkshopRef], socket_client: SocketFactory, app: Flask
) -> None:
    workshop = new_workshop()
    http = app.test_client()
    as_facilitator(http, workshop.owner_email)
    assert not socket_client(workshop, "screen", http=http, key="nope").is_connected()
    assert socket_client(workshop, "screen", http=http).is_connected()


def test_sockets_get_nothing_before_joining_the_workshop(
    new_workshop: Callable[..., WorkshopRef], socket_client: SocketFactory, app: Flask
) -> None:
    workshop = new_workshop()
    idle = socket_client(workshop, "screen")
    joined = socket_client(workshop, "screen")
    ack(joined, "join_workshop")
    drain(idle, joined)
    join_as(app.test_client(), workshop.code)  # broadcasts participant_joined
    assert idle.get_received() == []
    assert [m["name"] for m in joined.get_received()] == ["participant_joined"]


def test_presence_counts_participants_not_sockets(
    new_workshop: Callable[..., WorkshopRef], socket_client: SocketFactory, app: Flask
) -> None:
    workshop, other = new_workshop(), new_workshop()
    screen = socket_client(workshop, "screen")
    ack(screen, "join_workshop")
    elsewhere = socket_client(other, "screen")
    ack(elsewhere, "join_workshop")
    drain(screen, elsewhere)

    alice_http = app.test_client()
    first_tab = socket_client(workshop, http=alice_http)
    assert ack(first_tab, "join_workshop")["data"]["state"]["connected"] == 1
    second_tab = socket_client(workshop, http=alice_http)  # same phone, same participant
    assert ack(second_tab, "join_workshop")["data"]["state"]["connected"] == 1
    bob = socket_client(workshop)
    assert ack(bob, "join_workshop")["data"]["state"]["connected"] == 2
    assert [p["connected"] for p in payloads(screen, "presence_changed")] == [1, 1, 2]

    first_tab.disconnect()
    second_tab.disconnect()
    assert [p["connected"] for p in payloads(screen, "presence_changed")] == [2, 1]
    assert {p["workshop_id"] for p in payloads(bob, "presence_changed")} <= {workshop.id}
    assert payloads(elsewhere, "presence_changed") == []
