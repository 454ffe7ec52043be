"""Packets a client may not send: malformed ones log one line (not a traceback each),
and events named like Socket.IO's own ``connect``/``disconnect`` have no effect."""

from __future__ import annotations

import logging

import pytest
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import client_id
from tests.realtime.conftest import World
from tests.realtime.sockets import ack, received
from workshop.extensions import socketio


def send_raw(client: SocketIOTestClient, data: str | bytes) -> None:
    """Hand ``data`` to the server as the payload of one Engine.IO message, the way a
    real transport does (through Engine.IO's handler dispatch and its error logging)."""
    server = socketio.server  # type: ignore[attr-defined]
    server.eio._trigger_event("message", client.eio_sid, data, run_async=False)


def still_works(client: SocketIOTestClient) -> None:
    response = ack(client, "post_idea", {"client_id": client_id(), "title": "Encore là"})
    assert response["ok"] is True, response


@pytest.mark.parametrize(
    "data",
    [
        '2["post_idea"',  # not JSON
        "2[]",  # no event name
        '2{"a":1}',  # not a list
        "2[42]",  # a name that is not a string
        "x",  # not a packet type
        "9",  # an unknown packet type
        '4"refused"',  # CONNECT_ERROR comes from servers only
        "2" + "1" * 120 + '["post_idea"]',  # an ack id too long
        '51-["post_idea",{"_placeholder":true,"num":0}]',  # binary, which we never use
        b"\x00\x01",  # a stray binary message
    ],
)
def test_a_malformed_packet_logs_one_line_and_changes_nothing(
    world: World, caplog: pytest.LogCaptureFixture, data: str | bytes
) -> None:
    caplog.set_level(logging.DEBUG)
    send_raw(world.alice, data)
    assert [record.exc_info for record in caplog.records] == [None]
    [record] = caplog.records
    assert record.name == "workshop.sockets" and record.levelno == logging.WARNING
    assert "\n" not in record.getMessage()
    assert all(received(client) == [] for client in world.in_a)
    still_works(world.alice)


@pytest.mark.parametrize("name", ["disconnect", "connect", "connect_error"])
def test_a_client_sent_reserved_event_has_no_effect(
    world: World, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    assert connected(world.host) == 2
    caplog.set_level(logging.DEBUG)
    # As a screen of workshop B, with an ack id: it would re-run the handler.
    send_raw(world.alice, f'27["{name}",{{"workshop_id":{world.b.id},"role":"screen"}}]')
    [record] = caplog.records
    assert name in record.getMessage() and record.levelno == logging.WARNING
    assert received(world.alice) == []  # no ack, no fact
    still_works(world.alice)  # still Alice, still a participant of A, still counted
    assert connected(world.host) == 2  # Alice and Bob


def connected(client: SocketIOTestClient) -> int:
    """The participants connected to the client's workshop, from a fresh snapshot."""
    return int(ack(client, "join_workshop")["data"]["state"]["connected"])
