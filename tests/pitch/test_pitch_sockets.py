"""The pitch step over Socket.IO: the spotlight and the cards reach every client of the
session, each role its own version (phones and screens: counts and the selected cards;
the console: every card with its giver); a late phone starts from the same state;
nothing crosses to another workshop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from tests.factories import WorkshopRef, client_id, ref
from tests.pitch.cohort import Cohort, go_pitch, link, make_cohort
from tests.realtime.sockets import ack, drain, error_code, payloads, received
from workshop.extensions import db
from workshop.models import Workshop
from workshop.schemas import PhaseTarget
from workshop.services import agenda


@dataclass
class Room:
    a: WorkshopRef
    cohort: Cohort
    helene: SocketIOTestClient  # holds the first project
    bob: SocketIOTestClient
    screen: SocketIOTestClient
    console: SocketIOTestClient
    stranger: SocketIOTestClient  # a phone of another workshop

    @property
    def in_a(self) -> list[SocketIOTestClient]:
        return [self.helene, self.bob, self.screen, self.console]

    def drain(self) -> None:
        drain(*self.in_a, self.stranger)


@pytest.fixture
def room(
    app: Flask,
    socket_client: Callable[..., SocketIOTestClient],
    new_workshop: Callable[..., WorkshopRef],
) -> Room:
    with app.app_context():
        workshop, cohort = make_cohort()
        a = ref(workshop)
    b = new_workshop()
    helene = socket_client(a, name="Hélène")
    bob = socket_client(a, name="Bob")
    with app.app_context():
        link(a.id, "Hélène", cohort.enrolments["Hélène"])
        go_pitch(db.session.get_one(Workshop, a.id), cohort)
    made = Room(
        a=a,
        cohort=cohort,
        helene=helene,
        bob=bob,
        screen=socket_client(a, "screen"),
        console=socket_client(a, "facilitator"),
        stranger=socket_client(b, name="Carol"),
    )
    for client in (*made.in_a, made.stranger):
        assert ack(client, "join_workshop")["ok"] is True
    made.drain()
    return made


def heard(client: SocketIOTestClient) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for name, payload in received(client):
        found.setdefault(name, []).append(payload)
    return found


def spotlight(room: Room, **payload: Any) -> None:
    response = ack(room.console, "spotlight_project", payload or {"direction": "next"})
    assert response == {"ok": True, "data": None}, response


def give(room: Room, phone: SocketIOTestClient, **overrides: Any) -> Any:
    payload = {
        "client_id": client_id(),
        "project_id": room.cohort.projects[0],
        "kind": "likes",
        "text": "Le lieu est parfait",
    } | overrides
    return ack(phone, "give_feedback", payload)


def test_the_spotlight_reaches_every_client_of_the_session_and_no_other(room: Room) -> None:
    spotlight(room)
    for client in room.in_a:
        got = heard(client)
        assert set(got) == {"pitch_changed", "timer_changed"}, got
        [fact] = got["pitch_changed"]
        assert fact["workshop_id"] == room.a.id
        assert fact["pitch"]["project"]["title"] == "Le café des Bauges"
        assert fact["pitch"]["project"]["holder"] == "Hélène"
        [timer] = got["timer_changed"]
        assert timer["timer"]["state"] == "stopped" and timer["timer"]["duration_ms"] == 180_000
        assert ("projects" in fact["pitch"]) == (client is room.console)
    assert received(room.stranger) == []
    assert ack(room.console, "start_pitch_timer", {"part": "pitch"})["ok"] is True
    for client in room.in_a:
        got = heard(client)
        assert got["pitch_changed"][0]["pitch"]["part"] == "pitch"
        assert got["timer_changed"][0]["timer"]["state"] == "running"
    assert received(room.stranger) == []


def test_a_card_reaches_phones_and_screen_as_counts_and_the_console_whole(room: Room) -> None:
    spotlight(room)
    room.drain()
    payload = {
        "client_id": client_id(),
        "project_id": room.cohort.projects[0],
        "kind": "questions",
        "text": "Qui tient le café ?",
    }
    first = ack(room.bob, "give_feedback", payload)
    assert first["ok"] is True and first["data"]["created"] is True
    assert first["data"]["card"]["text"] == "Qui tient le café ?"
    for client in (room.helene, room.bob, room.screen):
        [fact] = payloads(client, "feedback_given")
        assert fact["feedback"] == {
            "project_id": room.cohort.projects[0],
            "counts": {"questions": 1},
            "selected": [],
        }
        assert "card" not in fact and "Qui tient" not in repr(fact)
    [whole] = payloads(room.console, "feedback_given")
    assert whole["card"]["author"] == "Bob" and whole["card"]["text"] == "Qui tient le café ?"
    # A retry after a lost ack: the same card, no new fact.
    again = ack(room.bob, "give_feedback", payload)
    assert again["data"] == {"card": first["data"]["card"], "created": False}
    assert all(received(client) == [] for client in (*room.in_a, room.stranger))


def test_the_holder_cannot_give_their_own_project_a_card(room: Room) -> None:
    spotlight(room)
    room.drain()
    assert error_code(give(room, room.helene)) == "forbidden"
    assert give(room, room.helene, project_id=room.cohort.projects[1])["ok"] is True


def test_refusals_outside_the_step_the_cycle_and_the_workshop(app: Flask, room: Room) -> None:
    assert error_code(give(room, room.bob, project_id=room.cohort.foreign_project)) == "not_found"
    assert error_code(give(room, room.bob, kind="nope")) == "invalid_input"
    assert error_code(give(room, room.bob, text="")) == "invalid_input"
    # A phone of another workshop (not a cycle's session, no pitch step).
    assert error_code(give(room, room.stranger)) == "wrong_phase"
    assert error_code(ack(room.bob, "spotlight_project", {"direction": "next"})) == "forbidden"
    assert (
        error_code(ack(room.screen, "select_feedback", {"card_id": 1, "selected": True}))
        == "forbidden"
    )
    with app.app_context():  # back to the first step: no more cards
        workshop = db.session.get_one(Workshop, room.a.id)
        agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=room.a.phase_ids[0]))
    room.drain()
    assert error_code(give(room, room.bob)) == "wrong_phase"
    assert all(received(client) == [] for client in (*room.in_a, room.stranger))


def test_selected_cards_reach_the_screen_and_hidden_ones_leave_it(room: Room) -> None:
    spotlight(room)
    card = give(room, room.bob, text="Un vrai besoin")["data"]["card"]
    room.drain()
    assert ack(room.console, "select_feedback", {"card_id": card["id"], "selected": True})["ok"]
    [shown] = payloads(room.screen, "feedback_changed")
    assert shown["feedback"]["selected"] == [
        {
            "id": card["id"],
            "project_id": room.cohort.projects[0],
            "kind": "likes",
            "text": "Un vrai besoin",
            "author": None,
        }
    ]
    [console] = payloads(room.console, "feedback_changed")
    assert console["card"]["selected"] is True and console["card"]["author"] == "Bob"
    seq = shown["seq"]
    drain(*room.in_a)
    assert ack(room.console, "moderate_feedback", {"card_id": card["id"], "hidden": True})["ok"]
    for client in (room.helene, room.bob, room.screen):
        [fact] = payloads(client, "feedback_changed")
        assert fact["feedback"]["counts"] == {} and fact["feedback"]["selected"] == []
    assert received(room.stranger) == []
    # A phone behind the hiding is not replayed the facts that showed the text.
    rejoin = ack(room.bob, "join_workshop", {"last_seq": seq - 1})
    assert rejoin["data"]["mode"] == "snapshot"
    assert "Un vrai besoin" not in repr(rejoin["data"])


def test_a_late_phone_and_the_screen_start_from_the_same_spotlight(
    room: Room, socket_client: Callable[..., SocketIOTestClient]
) -> None:
    spotlight(room, project_id=room.cohort.projects[1])
    assert ack(room.console, "start_pitch_timer", {"part": "questions"})["ok"]
    card = give(room, room.bob, project_id=room.cohort.projects[1])["data"]["card"]
    assert ack(room.console, "select_feedback", {"card_id": card["id"], "selected": True})["ok"]
    late = socket_client(room.a, name="Zoé")
    state = ack(late, "join_workshop")["data"]["state"]
    pitch = state["pitch"]
    assert pitch["project_id"] == room.cohort.projects[1] and pitch["part"] == "questions"
    assert pitch["project"]["holder"] is None  # Karim shows no name
    assert pitch["mine"] == [] and "cards" not in pitch
    assert pitch["feedback"][0]["selected"][0]["text"] == "Le lieu est parfait"
    assert state["timer"]["state"] == "running"
    screen = ack(room.screen, "join_workshop")["data"]["state"]["pitch"]
    assert {k: v for k, v in pitch.items() if k != "mine"} == screen
    helene = ack(room.helene, "join_workshop")["data"]["state"]["pitch"]
    assert helene["mine"] == [room.cohort.projects[0]]
    console = ack(room.console, "join_workshop")["data"]["state"]["pitch"]
    assert [c["author"] for c in console["cards"]] == ["Bob"]


def test_a_reconnecting_phone_is_replayed_the_spotlight(room: Room) -> None:
    state = ack(room.bob, "join_workshop")["data"]["state"]
    spotlight(room)
    assert ack(room.console, "start_pitch_timer", {"part": "pitch"})["ok"]
    replay = ack(room.bob, "join_workshop", {"last_seq": state["seq"]})["data"]
    assert replay["mode"] == "replay"
    names = [event["name"] for event in replay["events"]]
    assert names == ["pitch_changed", "timer_changed", "pitch_changed", "timer_changed"]
    assert replay["events"][-2]["data"]["pitch"]["part"] == "pitch"
    assert "projects" not in replay["events"][-2]["data"]["pitch"]
