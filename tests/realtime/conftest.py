"""A populated room for socket tests: two phones, a facilitator and a screen in workshop
A, and one phone in workshop B (to check that nothing leaks across workshops)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import WorkshopRef
from tests.realtime.sockets import ack, drain, payloads, received


@dataclass
class World:
    a: WorkshopRef
    b: WorkshopRef
    alice: SocketIOTestClient  # participant of A
    bob: SocketIOTestClient  # participant of A
    carol: SocketIOTestClient  # participant of B
    host: SocketIOTestClient  # facilitator of A
    screen: SocketIOTestClient  # screen of A
    other_host: SocketIOTestClient  # facilitator of B
    other_screen: SocketIOTestClient  # screen of B

    @property
    def in_a(self) -> list[SocketIOTestClient]:
        return [self.alice, self.bob, self.host, self.screen]

    @property
    def in_b(self) -> list[SocketIOTestClient]:
        return [self.carol, self.other_host, self.other_screen]

    @property
    def phones_a(self) -> list[SocketIOTestClient]:
        return [self.alice, self.bob]

    def drain(self) -> None:
        drain(*self.in_a, *self.in_b)

    def heard_once(self, name: str, seq: int | None = None) -> dict[str, Any]:
        """Each client of A got exactly one ``name``, with A's id (and ``seq``, when
        given); B got nothing. The payloads by client: host, alice, bob, screen."""
        heard = {}
        for label in ("host", "alice", "bob", "screen"):
            [payload] = payloads(getattr(self, label), name)
            assert payload["workshop_id"] == self.a.id, (label, payload)
            if seq is not None:
                assert payload["seq"] == seq, (label, payload)
            heard[label] = payload
        assert all(received(client) == [] for client in self.in_b)
        return heard


@pytest.fixture
def world_settings() -> dict[str, object]:
    """Overrides for workshop A (``make_workshop`` keywords)."""
    return {}


@pytest.fixture
def world(
    new_workshop: Callable[..., WorkshopRef],
    socket_client: Callable[..., SocketIOTestClient],
    world_settings: dict[str, object],
) -> World:
    a, b = new_workshop(**world_settings), new_workshop()
    clients = World(
        a=a,
        b=b,
        alice=socket_client(a, name="Alice"),
        bob=socket_client(a, name="Bob"),
        carol=socket_client(b, name="Carol"),
        host=socket_client(a, "facilitator"),
        screen=socket_client(a, "screen"),
        other_host=socket_client(b, "facilitator"),
        other_screen=socket_client(b, "screen"),
    )
    for client in (*clients.in_a, *clients.in_b):
        assert client.is_connected()
        assert ack(client, "join_workshop")["ok"] is True
    clients.drain()
    return clients
