"""Défi tables over Socket.IO (issue #13): a table's facts reach its phones, its host and
the facilitators only, numbered by ``table_seq``; ``join_table`` after a gap; a phone
moved elsewhere changes rooms (``table_changed``); the roll-up reaches the screen;
nothing crosses to another workshop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import WorkshopRef, client_id, make_challenge, make_workshop, ref
from tests.realtime.sockets import ack, drain, error_code, payloads, received
from workshop.phases import PhaseKind
from workshop.schemas import PhaseTarget
from workshop.schemas.tables import NewTables
from workshop.services import agenda, tables

TABLE_FACTS = {
    "contribution_posted",
    "contribution_changed",
    "table_votes_changed",
    "synthesis_saved",
    "table_seated",
}


@dataclass
class Evening:
    a: WorkshopRef
    one: int  # table 1
    two: int  # table 2
    phones_one: list[SocketIOTestClient]
    phone_two: SocketIOTestClient
    host: SocketIOTestClient  # the host of table 1 (a participant)
    console: SocketIOTestClient  # a facilitator
    screen: SocketIOTestClient
    stranger: SocketIOTestClient  # a phone of another workshop
    ids: dict[int, int]  # id(client) -> participant id

    @property
    def everyone(self) -> list[SocketIOTestClient]:
        return [
            *self.phones_one,
            self.phone_two,
            self.host,
            self.console,
            self.screen,
            self.stranger,
        ]

    def pid(self, client: SocketIOTestClient) -> int:
        return self.ids[id(client)]


def make_evening(app: Flask) -> tuple[WorkshopRef, int, int]:
    with app.app_context():
        workshop = make_workshop(format="challenges_evening", status="draft")
        make_challenge(workshop)
        make_challenge(workshop)
        agenda.open_workshop(workshop.id, workshop.owner)
        phase = next(p for p in workshop.phases if p.kind == PhaseKind.TABLES)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=phase.id))
        one, two = tables.create_tables(workshop.id, workshop.owner, NewTables(capacity=6))
        return ref(workshop), one.id, two.id


@pytest.fixture
def evening(
    app: Flask,
    new_workshop: Callable[..., WorkshopRef],
    socket_client: Callable[..., SocketIOTestClient],
) -> Evening:
    a, one, two = make_evening(app)
    b = new_workshop()
    ids: dict[int, int] = {}

    def phone(workshop: WorkshopRef, name: str) -> SocketIOTestClient:
        client = socket_client(workshop, name=name)
        answer = ack(client, "join_workshop")
        assert answer["ok"] is True, answer
        ids[id(client)] = answer["data"]["state"]["me"]["id"]
        return client

    console = socket_client(a, "facilitator")
    screen = socket_client(a, "screen")
    for client in (console, screen):
        assert ack(client, "join_workshop")["ok"] is True
    phones_one = [phone(a, "Alice"), phone(a, "Bob")]
    phone_two, host, stranger = phone(a, "Chloé"), phone(a, "Hôte"), phone(b, "Zoé")
    for client in phones_one:
        assert ack(client, "choose_table", {"table_id": one})["ok"] is True
    assert ack(phone_two, "choose_table", {"table_id": two})["ok"] is True
    promoted = ack(console, "set_table_host", {"table_id": one, "participant_id": ids[id(host)]})
    assert promoted["ok"] is True, promoted
    assert ack(host, "join_table")["data"]["table"]["id"] == one
    world = Evening(a, one, two, phones_one, phone_two, host, console, screen, stranger, ids)
    drain(*world.everyone)
    return world


def post(client: SocketIOTestClient, table_id: int, text: str = "Un bus", **extra: Any) -> Any:
    payload = {"table_id": table_id, "kind": "needs", "text": text, "client_id": client_id()}
    return ack(client, "post_contribution", {**payload, **extra})


def table_facts(client: SocketIOTestClient) -> list[tuple[str, Any]]:
    return [(name, data) for name, data in received(client) if name in TABLE_FACTS]


def test_a_contribution_reaches_its_table_its_host_and_the_facilitators_only(
    evening: Evening,
) -> None:
    answer = post(evening.phones_one[0], evening.one, "Les aînés isolés")
    assert answer["ok"] is True and answer["data"]["created"] is True
    for client in [*evening.phones_one, evening.host, evening.console]:
        [fact] = payloads(client, "contribution_posted")
        assert (fact["workshop_id"], fact["table_id"]) == (evening.a.id, evening.one)
        assert fact["contribution"]["text"] == "Les aînés isolés"
        assert "seq" not in fact and isinstance(fact["table_seq"], int)
    assert table_facts(evening.phone_two) == []
    assert received(evening.stranger) == []
    # The screen gets the roll-up, never the contribution itself.
    heard = received(evening.screen)
    assert [name for name, _ in heard] == ["tables_summary"]
    summary = heard[0][1]
    row = next(t for t in summary["tables"] if t["id"] == evening.one)
    assert (row["contributions"], row["seated"], row["host"]) == (1, 3, True)


def test_table_seq_is_contiguous_and_join_table_catches_up_after_a_gap(
    evening: Evening,
) -> None:
    alice, bob = evening.phones_one
    for n in range(3):
        assert post(alice, evening.one, f"Idée {n}")["ok"] is True
    seqs = [fact["table_seq"] for _name, fact in table_facts(bob)]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    # Bob misses the next facts (say, in a tunnel), then sees a hole and re-joins.
    assert post(alice, evening.one, "Idée 3")["ok"] is True
    drain(bob)
    assert post(alice, evening.one, "Idée 4")["ok"] is True
    [late] = payloads(bob, "contribution_posted")
    assert late["table_seq"] == seqs[-1] + 2  # a hole: seqs[-1] + 1 never arrived
    snapshot = ack(bob, "join_table")["data"]["table"]
    assert snapshot["table_seq"] == late["table_seq"]
    assert [c["text"] for c in snapshot["contributions"]] == [f"Idée {n}" for n in range(5)]
    assert snapshot["votes_left"] == 3 and "names" not in snapshot


def test_a_retried_contribution_is_delivered_once(evening: Evening) -> None:
    alice = evening.phones_one[0]
    key = client_id()
    payload = {"table_id": evening.one, "kind": "needs", "text": "Une fois", "client_id": key}
    first = ack(alice, "post_contribution", payload)
    again = ack(alice, "post_contribution", payload)
    assert again["data"] == {**first["data"], "created": False}
    assert len(payloads(evening.host, "contribution_posted")) == 1


def test_moving_a_phone_moves_its_room(evening: Evening) -> None:
    alice, bob = evening.phones_one
    moved = ack(
        evening.console,
        "seat_participant",
        {"participant_id": evening.pid(bob), "table_id": evening.two},
    )
    assert moved["ok"] is True
    [changed] = payloads(bob, "table_changed")
    assert changed == {"workshop_id": evening.a.id, "table_id": evening.two, "host_of": None}
    assert payloads(alice, "table_changed") == []
    assert ack(bob, "join_table")["data"]["table"]["id"] == evening.two
    drain(*evening.everyone)
    assert post(alice, evening.one, "Table 1")["ok"] is True
    assert table_facts(bob) == []
    assert post(evening.phone_two, evening.two, "Table 2")["ok"] is True
    [fact] = payloads(bob, "contribution_posted")
    assert fact["contribution"]["text"] == "Table 2"
    # Bob now works at table 2 only.
    assert error_code(post(bob, evening.one, "Ailleurs")) == "not_seated"


def test_a_phone_choosing_another_table_changes_rooms_itself(evening: Evening) -> None:
    alice = evening.phones_one[0]
    assert ack(alice, "choose_table", {"table_id": evening.two})["ok"] is True
    drain(*evening.everyone)
    assert post(evening.phone_two, evening.two, "Bienvenue")["ok"] is True
    assert [name for name, _ in table_facts(alice)] == ["contribution_posted"]
    assert post(evening.phones_one[1], evening.one, "Sans Alice")["ok"] is True
    assert table_facts(alice) == []


def test_hidden_contributions_reach_phones_as_a_stub_and_the_host_whole(
    evening: Evening,
) -> None:
    alice, bob = evening.phones_one
    contribution = post(alice, evening.one, "Hors sujet")["data"]["contribution"]
    drain(*evening.everyone)
    hidden = ack(
        evening.host,
        "moderate_contribution",
        {"contribution_id": contribution["id"], "hidden": True},
    )
    assert hidden["ok"] is True
    [stub] = payloads(bob, "contribution_changed")
    assert stub["contribution"] == {
        "id": contribution["id"],
        "table_id": evening.one,
        "hidden": True,
    }
    [whole] = payloads(evening.host, "contribution_changed")
    assert whole["contribution"]["text"] == "Hors sujet"
    # A phone may not moderate.
    assert (
        error_code(
            ack(
                bob,
                "moderate_contribution",
                {"contribution_id": contribution["id"], "hidden": False},
            )
        )
        == "forbidden"
    )


def test_votes_names_and_the_synthesis_at_a_table(evening: Evening) -> None:
    alice, bob = evening.phones_one
    contribution = post(alice, evening.one)["data"]["contribution"]
    drain(*evening.everyone)
    voted = ack(bob, "vote_contribution", {"contribution_id": contribution["id"], "on": True})
    assert voted["data"]["votes_left"] == 2 and voted["data"]["my_votes"] == [contribution["id"]]
    [tally] = payloads(alice, "table_votes_changed")
    assert tally["tallies"] == {str(contribution["id"]): 1}
    saved = ack(
        evening.host,
        "save_synthesis",
        {"table_id": evening.one, "text": "Notre synthèse", "done": True, "version": 1},
    )
    assert saved["ok"] is True and saved["data"]["synthesis_version"] == 2
    [fact] = payloads(bob, "synthesis_saved")
    assert fact["synthesis"] == "Notre synthèse"
    stale = ack(
        evening.host,
        "save_synthesis",
        {"table_id": evening.one, "text": "Autre", "done": False, "version": 1},
    )
    assert error_code(stale) == "stale_version"
    # Seat counts go to phones; names only to the host and the facilitators.
    drain(*evening.everyone)
    assert ack(evening.phone_two, "choose_table", {"table_id": evening.one})["ok"] is True
    [public] = payloads(alice, "table_seated")
    [full] = payloads(evening.host, "table_seated")
    assert "names" not in public and "Chloé" in full["names"]


def test_the_host_reconnecting_gets_the_full_table(
    evening: Evening, socket_client: Callable[..., SocketIOTestClient]
) -> None:
    contribution = post(evening.phones_one[0], evening.one, "Cachée")["data"]["contribution"]
    ack(
        evening.host,
        "moderate_contribution",
        {"contribution_id": contribution["id"], "hidden": True},
    )
    evening.host.disconnect()
    # A new socket of the same browser (same cookie) joins again.
    again = socket_client(evening.a, http=evening.host.flask_test_client)
    state = ack(again, "join_workshop")["data"]["state"]
    assert state["me"]["host_of"] == evening.one and state["table"]["id"] == evening.one
    assert [c["text"] for c in state["table"]["contributions"]] == ["Cachée"]
    assert ack(again, "join_table")["data"]["table"]["names"]
    drain(again)
    assert post(evening.phones_one[1], evening.one, "Après")["ok"] is True
    assert [name for name, _ in table_facts(again)] == ["contribution_posted"]


def test_list_tables_and_refusals(evening: Evening) -> None:
    listed = ack(evening.phone_two, "list_tables", {})
    assert [t["seated"] for t in listed["data"]["tables"]] == [3, 1]
    assert error_code(ack(evening.phone_two, "create_tables", {})) == "forbidden"
    assert error_code(ack(evening.screen, "post_contribution", {})) == "forbidden"
    assert error_code(ack(evening.console, "join_table", {})) == "invalid_input"
    assert (
        error_code(ack(evening.phone_two, "join_table", {"table_id": evening.one})) == "not_seated"
    )
    stranger = ack(evening.stranger, "choose_table", {"table_id": evening.one})
    assert error_code(stranger) == "wrong_workshop"
    assert error_code(post(evening.phone_two, evening.two, "x" * 281)) == "invalid_input"


def test_a_fresh_snapshot_puts_the_socket_in_its_table_room(
    evening: Evening, socket_client: Callable[..., SocketIOTestClient]
) -> None:
    """A phone seated by its table's QR code sends ``join_workshop`` only: the snapshot
    holds its table and its socket follows the table (the host's room for a host)."""
    alice = evening.phones_one[0]
    again = {}
    for name, old in (("bob", evening.phones_one[1]), ("host", evening.host)):
        old.disconnect()
        again[name] = socket_client(evening.a, http=old.flask_test_client)
        state = ack(again[name], "join_workshop")["data"]["state"]
        assert state["table"]["id"] == evening.one
    evening.phone_two.disconnect()
    other = socket_client(evening.a, http=evening.phone_two.flask_test_client)
    assert ack(other, "join_workshop")["data"]["state"]["table"]["id"] == evening.two
    drain(*again.values(), other, alice)
    posted = post(alice, evening.one, "Sans join_table")["data"]["contribution"]
    for client in again.values():
        [fact] = payloads(client, "contribution_posted")
        assert fact["contribution"]["text"] == "Sans join_table"
    assert table_facts(other) == []
    # The host's socket is in the host's room: a hidden contribution reaches it whole.
    ack(evening.console, "moderate_contribution", {"contribution_id": posted["id"], "hidden": True})
    [whole] = payloads(again["host"], "contribution_changed")
    [stub] = payloads(again["bob"], "contribution_changed")
    assert whole["contribution"]["text"] == "Sans join_table"
    assert stub["contribution"] == {"id": posted["id"], "table_id": evening.one, "hidden": True}


def test_a_replay_leaves_the_table_to_join_table(
    evening: Evening, socket_client: Callable[..., SocketIOTestClient]
) -> None:
    """A phone answered with a replay is in no table room until it sends
    ``join_table`` (the replay holds no table)."""
    alice, bob = evening.phones_one
    seq = ack(bob, "join_workshop")["data"]["state"]["seq"]
    bob.disconnect()
    again = socket_client(evening.a, http=bob.flask_test_client)
    answer = ack(again, "join_workshop", {"last_seq": seq})["data"]
    assert answer["mode"] == "replay" and "table" not in answer
    drain(again)
    assert post(alice, evening.one, "Avant")["ok"] is True
    assert table_facts(again) == []
    assert ack(again, "join_table")["data"]["table"]["id"] == evening.one
    assert post(alice, evening.one, "Après")["ok"] is True
    [fact] = payloads(again, "contribution_posted")
    assert fact["contribution"]["text"] == "Après"


def test_table_rooms_are_kept_per_socket_without_walking_every_room(
    evening: Evening,
    socket_client: Callable[..., SocketIOTestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Entering a table's room never asks python-socketio for a socket's rooms (it
    walks every room of the namespace, one per phone: a cost growing with the room),
    and a socket that disconnects is forgotten."""
    from workshop import table_rooms
    from workshop.extensions import socketio

    server = socketio.server

    def walked(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("walked every room of the namespace")

    monkeypatch.setattr(server.manager, "get_rooms", walked)
    alice, bob = evening.phones_one
    assert ack(alice, "choose_table", {"table_id": evening.two})["ok"] is True
    assert ack(alice, "join_table")["data"]["table"]["id"] == evening.two
    again = socket_client(evening.a, http=bob.flask_test_client)
    assert ack(again, "join_workshop")["data"]["state"]["table"]["id"] == evening.one
    drain(*evening.everyone, again)
    assert post(evening.phone_two, evening.two, "À la deux")["ok"] is True
    assert [name for name, _ in table_facts(alice)] == ["contribution_posted"]
    assert table_facts(again) == []
    sid = server.manager.sid_from_eio_sid(again.eio_sid, "/")
    assert sid in table_rooms._TABLE_ROOM_OF
    again.disconnect()
    assert sid not in table_rooms._TABLE_ROOM_OF
