"""Shared pieces of the security tests: two workshops with every kind of caller, the
state every command needs (built through the real services), and the checks that a
refused request changed nothing.

Workshop A is the one under attack; workshop B belongs to another facilitator and has
its own participant. Both get the same set-up for a command (:func:`staged`), so that a
caller of B sending A's payload is refused for being in the wrong workshop, not because
B is in another step.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio.test_client import SocketIOTestClient
from socketio import packet
from sqlalchemy import select

from tests.conftest import as_facilitator, join_as, participant_token
from tests.factories import make_facilitator, make_workshop
from workshop.extensions import Base, db, socketio
from workshop.models import Facilitator, Participant, Workshop
from workshop.realtime import Commands, names
from workshop.roles import Role
from workshop.services import participants, snapshot
from workshop.services.accounts import get_by_email


class RecordingClient(SocketIOTestClient):  # type: ignore[misc]  # flask-socketio ships no types
    """A Socket.IO test client that keeps the data of a refused handshake
    (``CONNECT_ERROR``) in :attr:`refusal`: the stock client only notes it is not
    connected."""

    refusal: Any = None

    def connect(
        self,
        namespace: str | None = None,
        query_string: str | None = None,
        headers: dict[str, str] | None = None,
        auth: Any = None,
    ) -> None:
        server = self.socketio.server
        inner = server._send_packet

        def record(eio_sid: str, pkt: packet.Packet) -> None:
            if pkt.packet_type == packet.CONNECT_ERROR and eio_sid == self.eio_sid:
                self.refusal = pkt.data
            inner(eio_sid, pkt)

        server._send_packet = record
        try:
            super().connect(
                namespace=namespace, query_string=query_string, headers=headers, auth=auth
            )
        finally:
            server._send_packet = inner

    def raw_event(self, name: str, *args: Any) -> Any:
        """Send an event packet with an ack id whether or not the Socket.IO namespace is
        connected (the stock ``emit`` refuses to when it is not); the ack, or ``None``."""
        self.acks = None
        self.callback_counter += 1
        pkt = packet.Packet(packet.EVENT, data=[name, *args], id=self.callback_counter)
        self.socketio.server._handle_eio_message(self.eio_sid, pkt.encode())
        acks, self.acks = self.acks, None
        return None if acks is None else acks["args"][0]


@dataclass
class Side:
    """One workshop and the people in it, as ids (usable outside an app context)."""

    workshop_id: int
    code: str
    screen_key: str
    owner_email: str
    participant_id: int  # the phone joined over HTTP: the "participant" identity
    bystander_id: int  # another participant, author of ideas that are not the caller's


@dataclass
class World:
    app: Flask
    a: Side
    b: Side
    cofacilitator_email: str
    http: dict[str, FlaskClient]  # by identity: cookies for the handshake
    sockets: list[SocketIOTestClient] = field(default_factory=list)

    def socket(self, http: FlaskClient | None, auth: Any) -> RecordingClient:
        client = RecordingClient(self.app, socketio, flask_test_client=http, auth=auth)
        self.sockets.append(client)
        return client

    def auth(self, side: Side, role: str) -> dict[str, Any]:
        data: dict[str, Any] = {"workshop_id": side.workshop_id, "role": role}
        if role == "screen":
            data["key"] = side.screen_key
        return data

    def close(self) -> None:
        for client in self.sockets:
            if client.is_connected():
                client.disconnect()


def _joined(app: Flask, code: str, workshop_id: int) -> tuple[FlaskClient, int]:
    http = app.test_client()
    join_as(http, code)
    with app.app_context():
        found = participants.identify(workshop_id, participant_token(http, workshop_id))
        assert found is not None
        return http, found.id


def _side(app: Flask, owner: Facilitator | None = None) -> tuple[Side, FlaskClient]:
    with app.app_context():
        workshop = make_workshop(**({"owner": owner} if owner else {}))
        ids = workshop.id, workshop.code, workshop.screen_key, workshop.owner.email
    http, participant_id = _joined(app, ids[1], ids[0])
    _bystander_http, bystander_id = _joined(app, ids[1], ids[0])
    return Side(*ids, participant_id, bystander_id), http


def build_world(app: Flask) -> World:
    """Workshop A (its owner, a co-facilitator, a participant, a screen) and workshop B
    (another facilitator's, with its own participant); one HTTP client per identity."""
    a, phone_a = _side(app)
    b, phone_b = _side(app)
    with app.app_context():
        cofacilitator = make_facilitator()
        workshop = db.session.get(Workshop, a.workshop_id)
        assert workshop is not None
        workshop.facilitators.append(cofacilitator)
        db.session.commit()
        cofacilitator_email = cofacilitator.email
    http: dict[str, FlaskClient] = {
        "anonymous": app.test_client(),
        "participant": phone_a,
        "other_participant": phone_b,
        "screen": app.test_client(),
    }
    for identity, email in (
        ("other_facilitator", b.owner_email),
        ("cofacilitator", cofacilitator_email),
        ("owner", a.owner_email),
        ("observer", a.owner_email),
    ):
        http[identity] = app.test_client()
        as_facilitator(http[identity], email)
    return World(app, a, b, cofacilitator_email, http)


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    built = build_world(app)
    yield built
    built.close()


# ----------------------------------------------------------------------- set-up stages


@dataclass
class Stage:
    """What a command's set-up works on, inside an app context: one workshop, its
    owner, the caller's participant and a bystander (another participant)."""

    workshop: Workshop
    owner: Facilitator
    me: Participant
    bystander: Participant
    _n: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def n(self) -> int:
        return next(self._n)


def staged(app: Flask, side: Side, setup: Callable[[Stage], Any]) -> Any:
    """Run ``setup`` on ``side``'s workshop in an app context; its payload back."""
    with app.app_context():
        workshop = db.session.get(Workshop, side.workshop_id)
        owner = get_by_email(side.owner_email)
        me = db.session.get(Participant, side.participant_id)
        bystander = db.session.get(Participant, side.bystander_id)
        assert workshop and owner and me and bystander
        payload = setup(Stage(workshop, owner, me, bystander))
        db.session.commit()
        return json.loads(json.dumps(payload))


# ----------------------------------------------------------------------- "nothing changed"


def seq_of(app: Flask, workshop_id: int) -> int:
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        assert workshop is not None
        return int(workshop.seq)


def state_of(app: Flask, workshop_id: int) -> dict[str, Any]:
    """The facilitators' snapshot of a workshop: everything a client could see."""
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        assert workshop is not None
        return snapshot.build_state(workshop, Role.FACILITATOR)


def database(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, as sorted text: what "no state change" compares."""
    with app.app_context():
        return {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


@dataclass
class Before:
    seq: int
    state: dict[str, Any]
    rows: dict[str, list[str]]


def before(app: Flask, workshop_id: int) -> Before:
    return Before(seq_of(app, workshop_id), state_of(app, workshop_id), database(app))


def assert_unchanged(app: Flask, workshop_id: int, then: Before) -> None:
    assert seq_of(app, workshop_id) == then.seq
    assert state_of(app, workshop_id) == then.state
    now = database(app)
    changed = {name for name in now if now[name] != then.rows.get(name)}
    assert not changed, f"tables changed by a refused request: {sorted(changed)}"


def heard(client: SocketIOTestClient) -> list[str]:
    """The names of the events ``client`` received since last asked."""
    return [message["name"] for message in client.get_received()]


# ----------------------------------------------------------------------- limits

# Rate limits are not under test here: a fuzzer or a matrix sends far more than a phone
# would, and a limit would answer ``rate_limited`` before the handler is reached. Every
# command's limit is raised (COMMAND_LIMITS, workshop/throttle.py), the ideas-per-minute
# cap and the HTTP guessing and sign-in budgets too. ``rate_limited`` stays an
# acceptable refusal in the fuzz tests, should a limit be added elsewhere.
PLENTY = "100000 per second"
RAISED_LIMITS: dict[str, Any] = {
    "COMMAND_LIMITS": {
        "*": PLENTY,
        "facilitator:*": PLENTY,
        **{name: PLENTY for name in names(Commands).values()},
        **{f"facilitator:{name}": PLENTY for name in names(Commands).values()},
    },
    "IDEA_RATE_PER_MINUTE": 1_000_000,
    "JOIN_GUESS_LIMIT": "100000 per minute",
    "JOIN_CREATE_LIMIT": "100000 per minute",
    "LOGIN_ACCOUNT_LIMIT": "100000 per minute",
    "LOGIN_ADDRESS_LIMIT": "100000 per minute",
}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(RAISED_LIMITS)
